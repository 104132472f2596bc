// A node's state as the trace viewer shows it: plain JSON fields (its status, the sibling set of
// each key in memory and on disk, its hints, its membership view, its requests in progress), each
// compared with the field's previous value so the page stores and highlights only what changed.
// Sibling sets are shown with what orders them: DVV dots and the set's causal context (section
// 4.4 and the DVVSet paper), vv clocks per sibling, or last-writer-wins timestamps.
import { HashMap } from "effect"
import { believedDown, contextOf, type DurableState, epochOf, hintsHeld, isReady, localStore, membersOf, type NodeState, openRequests, type Request, type VClock, type VersionSet } from "../core/index.ts"
import { writeOfValue } from "./describe.ts"

/** One sibling: the write it holds, what dates it (a dot, a clock, a timestamp), a tombstone mark. */
export interface ShownSibling {
  readonly write: string
  readonly dot: string
  readonly tombstone: boolean
}

export interface ShownSet {
  /** The causal context a get would return: the clock of the whole set. */
  readonly context: string
  readonly siblings: ReadonlyArray<ShownSibling>
}

export const clockText = (clock: VClock): string => `{${clock.map((e) => `${e.node}:${e.counter}`).join(", ")}}`

export const showSet = (set: VersionSet): ShownSet => {
  switch (set.mode) {
    case "dvv":
      return {
        context: clockText(contextOf(set)),
        // values[j] of an entry carries the dot (node, counter - j): DvvEntry in src/core/dvv.ts.
        siblings: set.entries.flatMap((entry) =>
          entry.values.map((value, j) => ({ write: writeOfValue(value), dot: `(${entry.node}, ${entry.counter - j})`, tombstone: value._tag === "Tombstone" })))
      }
    case "vv":
      return {
        context: clockText(contextOf(set)),
        siblings: set.siblings.map((s) => ({ write: writeOfValue(s.value), dot: clockText(s.clock), tombstone: s.value._tag === "Tombstone" }))
      }
    case "lww":
      return {
        context: "{} (last-writer-wins keeps no causal context)",
        siblings: set.versions.map((v) => ({ write: writeOfValue(v.value), dot: `t=${v.time} by ${v.actor}`, tombstone: v.value._tag === "Tombstone" }))
      }
  }
}

/** A node's status line: up or down, its incarnation, its failure detector's beliefs. */
export interface ShownStatus {
  readonly up: boolean
  readonly epoch: number
  readonly ready: boolean
  readonly down: ReadonlyArray<string>
  /** Persist records emitted and not yet durable. */
  readonly pending: number
}

export interface ShownHint {
  readonly intended: string
  readonly key: string
  readonly set: ShownSet
}

export interface ShownRequest {
  readonly op: number
  readonly kind: "get" | "put"
  readonly client: string
  readonly key: string
  /** Who was asked (`n4 for n2` when a fallback stands in). */
  readonly targets: ReadonlyArray<string>
  /** Put: nodes whose copy is durable; get: nodes that answered. */
  readonly answered: ReadonlyArray<string>
  readonly needed: number
  readonly replied: boolean
}

export interface ShownMember {
  readonly id: string
  readonly status: string
  readonly version: number
}

/** The fields of one node's state, by name: `status`, `store:KEY`, `disk:KEY`, `hints`, `members`, `requests`. */
export type Fields = ReadonlyMap<string, unknown>

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const showRequest = (request: Request): ShownRequest => ({
  op: request.op,
  kind: request._tag === "Put" ? "put" : "get",
  client: request.client,
  key: request.key,
  targets: request.targets.map((t) => (t.hintFor === undefined ? t.node : `${t.node} for ${t.hintFor}`)),
  answered: request._tag === "Put" ? request.acked : request.answers.map((a) => a.node),
  needed: request._tag === "Put" ? request.w : request.r,
  replied: request.replied
})

/**
 * Renders the store of a node (memory or disk) one field per key, reusing the previous rendering
 * of a key whose sibling set is the same object (the core's maps are persistent: an unchanged
 * key keeps its value), so a step costs what it changed, not the size of the store.
 */
export class StoreRenderer {
  private readonly last = new Map<string, { readonly set: VersionSet; readonly shown: ShownSet }>()

  render(prefix: string, store: HashMap.HashMap<string, VersionSet>, into: Map<string, unknown>): void {
    for (const [key, set] of store) {
      const cached = this.last.get(key)
      if (cached !== undefined && cached.set === set) {
        into.set(`${prefix}${key}`, cached.shown)
        continue
      }
      const shown = showSet(set)
      this.last.set(key, { set, shown })
      into.set(`${prefix}${key}`, shown)
    }
  }
}

/** The fields of a node after a step; `state` undefined when the node is down. */
export const nodeFields = (
  state: NodeState | undefined,
  disk: DurableState,
  pending: number,
  memory: StoreRenderer,
  durable: StoreRenderer
): Fields => {
  const fields = new Map<string, unknown>()
  const status: ShownStatus = state === undefined
    ? { up: false, epoch: disk.epoch, ready: false, down: [], pending: 0 }
    : { up: true, epoch: epochOf(state), ready: isReady(state), down: believedDown(state), pending }
  fields.set("status", status)
  if (state !== undefined) {
    memory.render("store:", localStore(state), fields)
    fields.set("hints", Array.from(HashMap.values(hintsHeld(state)))
      .sort((a, b) => byText(a.intended, b.intended) || byText(a.key, b.key))
      .map((h): ShownHint => ({ intended: h.intended, key: h.key, set: showSet(h.set) })))
    fields.set("members", membersOf(state).map((m): ShownMember => ({ id: m.id, status: m.status, version: m.version })))
    fields.set("requests", openRequests(state).map(showRequest))
  }
  durable.render("disk:", disk.store, fields)
  return fields
}
