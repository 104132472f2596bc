// The checker's implementation of the invariants' oracle interface (src/invariants/oracle.ts) over
// a world under construction: events are bits of a 32-bit mask over the model's writes, and a
// causal past is a mask too (each write's history, src/check/masks.ts), so every set operation
// is one or two machine instructions on the checker's hot path.
import { HashMap } from "effect"
import { actorOf, hintsHeld, localStore } from "../core/index.ts"
import type { Acknowledgement, EpochRecords, HeldHint, InvariantOracle } from "../invariants/oracle.ts"
import type { PendingPersist } from "./state.ts"
import type { Draft } from "./draft.ts"
import { bit, coverage, eventNames, setEvents, storeSetOf } from "./masks.ts"

const lowest = (mask: number): number => 31 - Math.clz32(mask & -mask)

export class CheckOracle implements InvariantOracle<number, number> {
  readonly none = 0

  /** One per draft (drafts are reused, see `draftFor`): it reads the draft's current world. */
  constructor(private readonly d: Draft) {}

  get nodes(): ReadonlyArray<string> {
    return this.d.c.ids
  }

  one(event: string): number {
    const w = this.d.c.writeIndex.get(event)
    return w === undefined ? 0 : bit(w)
  }

  past(_key: string, events: number): number {
    return coverage(this.d.histories, events)
  }

  missing(events: number, past: number): number {
    return events & ~past
  }

  within(events: number, past: number): number {
    return events & past
  }

  union(a: number, b: number): number {
    return a | b
  }

  without(events: number, event: string): number {
    const w = this.d.c.writeIndex.get(event)
    return w === undefined ? events : events & ~bit(w)
  }

  isEmpty(events: number): boolean {
    return events === 0
  }

  same(a: number, b: number): boolean {
    return a === b
  }

  firstOrdered(events: number): { readonly newer: string; readonly older: number } | undefined {
    for (let m = events; m !== 0; m &= m - 1) {
      const a = lowest(m)
      const older = this.d.histories[a]! & events & ~bit(a)
      if (older !== 0) return { newer: this.d.c.writes[a]!.id, older }
    }
    return undefined
  }

  first(events: number): string {
    return this.d.c.writes[lowest(events)]!.id
  }

  names(events: number): string {
    return eventNames(this.d.c, events)
  }

  hintsHeld(node: string): ReadonlyArray<HeldHint> {
    const state = this.d.nodes[this.d.c.nodeIndex.get(node)!]!.state
    return state === undefined ? [] : Array.from(HashMap.values(hintsHeld(state)), (h) => ({ intended: h.intended, key: h.key }))
  }

  replicas(key: string): ReadonlyArray<{ readonly node: string; readonly all: number; readonly live: number }> {
    const c = this.d.c
    return c.top[c.keyIndex.get(key)!]!.map((i) => {
      const events = setEvents(c, storeSetOf(c, localStore(this.d.nodes[i]!.state!), key))
      return { node: c.ids[i]!, all: events.all, live: events.live }
    })
  }

  acknowledged(key: string): number {
    const k = this.d.c.keyIndex.get(key)
    let mask = 0
    this.d.c.writes.forEach((write, w) => {
      if (write.key === k) mask |= bit(w)
    })
    return mask & this.d.acked
  }

  acknowledgedDeletes(key: string): ReadonlyArray<{ readonly event: string; readonly past: number }> {
    const d = this.d
    const k = d.c.keyIndex.get(key)
    return d.c.writes.flatMap((write, w) =>
      write.deletion && write.key === k && (d.acked & bit(w)) !== 0 && (d.excused & bit(w)) === 0 ? [{ event: write.id, past: d.histories[w]! }] : [])
  }

  notExcused(events: number): number {
    return events & ~this.d.excused
  }

  acknowledgement(event: string): Acknowledgement {
    const c = this.d.c
    const w = c.writeIndex.get(event)!
    const nodes: Array<string> = []
    for (let m = this.d.ackersLeft[w]!; m !== 0; m &= m - 1) nodes.push(c.ids[lowest(m)]!)
    return { key: c.keys[c.writes[w]!.key]!, at: undefined, nodes }
  }

  /**
   * EPOCH-2's record of `node`'s epoch in flight: the Epoch record among `pending`, the persists
   * not yet durable as the step sees them (the checker's state holds them already; every start's
   * epoch is fresh, EPOCH-1 being judged at each one and the host's floor growing). Undefined,
   * with nothing allocated, when none is in flight (the hot path: most steps with persists pending).
   */
  epochRecords(node: number, pending: ReadonlyArray<PendingPersist>): EpochRecords | undefined {
    for (const p of pending) {
      if (p.record._tag !== "Epoch") continue
      const inFlight = { epoch: p.record.epoch, actor: actorOf({ id: this.d.c.ids[node]!, epoch: p.record.epoch }), token: p.token }
      return { epochInFlight: () => inFlight }
    }
    return undefined
  }
}
