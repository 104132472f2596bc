// LEAVE-1 (spec/README.md, "Leaves"; section 4.9 of the paper): a leaving node becomes "left"
// only once every node gaining one of its ranges durably holds, in its own store, every version
// the leaving node had on disk for the range's keys when its leave began. Writes it accepted
// later travel as hints (ownership.ts); they are not part of this promise.
import { HashMap } from "effect"
import type { DurableState } from "../../core/durable.ts"
import { preferenceList } from "../../core/ring.ts"
import type { NodeState } from "../../core/state.ts"
import type { Oracle } from "../oracle.ts"
import { eventsOf, type Finding } from "./events.ts"

interface Began {
  readonly at: number
  /** The leaving node's disk, per key, when it first saw itself leaving. */
  readonly held: ReadonlyArray<readonly [key: string, events: ReadonlyArray<string>]>
}

const statusOf = (state: NodeState, node: string) => state.membership.find((e) => e.id === node)?.status

export class LeaveChecks {
  private readonly began = new Map<string, Began>()

  constructor(private readonly oracle: Oracle) {}

  /** A lost disk: what the leaving node held is gone, and no longer owed. */
  diskLost(node: string): void {
    this.began.delete(node)
  }

  step(
    node: string,
    before: NodeState,
    after: NodeState,
    disk: DurableState,
    now: number,
    diskOf: (id: string) => { readonly disk: DurableState; readonly lostAt: number }
  ): Finding | undefined {
    const was = statusOf(before, node)
    const is = statusOf(after, node)
    if (was !== "leaving" && is === "leaving") {
      const held = [...HashMap.entries(disk.store)].map(([key, set]) => [key, eventsOf(set)] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))
      this.began.set(node, { at: now, held })
      return undefined
    }
    if (was !== "leaving" || is !== "left") return undefined
    const began = this.began.get(node)
    this.began.delete(node)
    if (began === undefined) return undefined
    const n = before.config.n
    for (const [key, events] of began.held) {
      const serving = preferenceList(before.ring, key, n)
      for (const gainer of preferenceList(before.targetRing, key, n)) {
        if (serving.includes(gainer)) continue
        const { disk: gained, lostAt } = diskOf(gainer)
        if (lostAt >= began.at) continue
        const own = HashMap.get(gained.store, key)
        const holds = own._tag === "Some" ? eventsOf(own.value) : []
        const missing = events.find((e) => this.oracle.has(e) && !this.oracle.coveredBy(e, holds))
        if (missing !== undefined) {
          return { invariant: "LEAVE-1", message: `${node} left while ${gainer}, which gains ${key}, did not hold ${missing} on disk (${node} held it when its leave began at ${began.at} ms)` }
        }
      }
    }
    return undefined
  }
}
