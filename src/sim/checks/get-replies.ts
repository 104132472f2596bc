// READ-2 and DEL-1 at the client (spec/README.md): what a get's reply says, judged against the
// disks of the nodes it names and against its own siblings, not against the coordinator's state.
import { HashMap } from "effect"
import type { DurableState } from "../../core/index.ts"
import type { ClientReply } from "../../core/index.ts"
import type { Oracle } from "../../trace/oracle.ts"
import { eventOf, eventsOf, type Finding } from "./events.ts"

/**
 * What a disk holds for `key` in its own store. Hints are left out: a fallback deletes a hint
 * once delivered, so it may rightly answer a later read without it.
 */
const heldOnDisk = (disk: DurableState, key: string): ReadonlyArray<string> => {
  const own = HashMap.get(disk.store, key)
  return own._tag === "Some" ? eventsOf(own.value) : []
}

export class GetReplyChecks {
  /** Per get request id: when it was sent, and each node's disk for the key at that moment. */
  private readonly started = new Map<string, { readonly at: number; readonly held: ReadonlyMap<string, ReadonlyArray<string>> }>()

  constructor(private readonly oracle: Oracle) {}

  /** A client sent get `id` of `key`: remember what every disk held for it. */
  issued(id: string, key: string, at: number, disks: ReadonlyArray<readonly [node: string, disk: DurableState]>): void {
    this.started.set(id, { at, held: new Map(disks.map(([node, disk]) => [node, heldOnDisk(disk, key)] as const)) })
  }

  /**
   * DEL-1: a get's values are exactly its live siblings (no tombstone comes back as a value).
   * READ-2: the reply covers, for each node it names as an answerer, what that node's disk held
   * in its own store when the get was sent (an answer is read after that), unless the disk was lost
   * since: an answer to an earlier incarnation's get counted for this one fails it.
   */
  answered(reply: Extract<ClientReply, { _tag: "GetOk" }>, diskLostAt: (node: string) => number): Finding | undefined {
    const live = reply.siblings.flatMap((v) => (v._tag === "Put" ? [v.value] : []))
    if (JSON.stringify([...reply.values].sort()) !== JSON.stringify(live.sort())) {
      return { invariant: "DEL-1", message: `get ${reply.id} of ${reply.key} returned values [${reply.values.join(", ")}] but its live siblings are [${live.join(", ")}]` }
    }
    const started = this.started.get(reply.id)
    this.started.delete(reply.id)
    if (started === undefined) return undefined
    const seen = reply.siblings.map(eventOf)
    for (const node of reply.nodes) {
      if (diskLostAt(node) >= started.at) continue
      const missing = (started.held.get(node) ?? []).find((e) => this.oracle.has(e) && !this.oracle.coveredBy(e, seen))
      if (missing !== undefined) {
        return { invariant: "READ-2", message: `get ${reply.id} of ${reply.key} names ${node} as an answerer but misses ${missing}, which ${node}'s disk held when the get was sent` }
      }
    }
    return undefined
  }
}
