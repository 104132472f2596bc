// The simulator's implementation of the invariants' oracle interface (src/invariants/oracle.ts):
// events are write ids as the event oracle (src/trace/oracle.ts) records them, a causal past is
// that oracle's bitset over one key's writes, and the world is read through JudgedWorld.
import { preferenceList, siblingValues, sortedHints, hintsHeld } from "../core/index.ts"
import { eventOf } from "../trace/format.ts"
import type { Acknowledgement, HeldHint, InvariantOracle } from "../invariants/oracle.ts"
import { storeEvents, storeSet } from "./events.ts"
import type { JudgedWorld } from "./judge.ts"
import type { AckedWrites } from "./acked.ts"
import type { AckedWrite } from "./world-parts.ts"

type Events = ReadonlyArray<string>

/**
 * A causal past: the events whose pasts it unites, and their union as the trace oracle's bitset,
 * built only when a test would otherwise cost more (a replica's few siblings at each persist are
 * tested pairwise, as cheaply as before the checks were shared; a check over every disk is not).
 */
interface Past {
  readonly key: string
  readonly events: Events
  union: Uint32Array | undefined
}

/** Pairwise tests (event against held event) below which a past is never turned into a bitset. */
const PAIRWISE_TESTS_MAX = 64

export class SimOracle implements InvariantOracle<Events, Past> {
  readonly none: Events = []
  /** Which key's acknowledged writes an event list returned by `acknowledged` is. */
  private readonly ackedBy = new WeakMap<Events, AckedWrites<AckedWrite>>()

  constructor(private readonly w: JudgedWorld) {}

  private get events() {
    return this.w.oracle
  }

  get nodes(): ReadonlyArray<string> {
    return this.w.nodeOrder.filter((id) => this.w.nodes.get(id)!.state !== undefined)
  }

  one(event: string): Events {
    return this.events.has(event) ? [event] : this.none
  }

  past(key: string, events: Events): Past {
    return { key, events, union: undefined }
  }

  /** Whether `event` is in `past`. */
  private inPast(past: Past, event: string, tests: number): boolean {
    if (past.union === undefined && tests <= PAIRWISE_TESTS_MAX) return this.events.coveredBy(event, past.events)
    past.union ??= this.events.pastUnion(past.key, past.events)
    return this.events.inUnion(past.union, event)
  }

  missing(events: Events, past: Past): Events {
    if (events.length === 0) return events
    // A key's acknowledged writes (DUR-1, DUR-2) are a bitset too: tested word by word.
    const acked = this.ackedBy.get(events)
    if (acked !== undefined) {
      past.union ??= this.events.pastUnion(past.key, past.events)
      const union = past.union
      const missing: Array<string> = []
      acked.firstMissing(union, (write) => {
        if (this.events.has(write.event)) missing.push(write.event)
        return false
      })
      return missing
    }
    const tests = events.length * past.events.length
    return events.filter((e) => this.events.has(e) && !this.inPast(past, e, tests))
  }

  within(events: Events, past: Past): Events {
    const tests = events.length * past.events.length
    return events.filter((e) => this.inPast(past, e, tests))
  }

  union(a: Events, b: Events): Events {
    return [...new Set([...a, ...b])]
  }

  without(events: Events, event: string): Events {
    return events.filter((e) => e !== event)
  }

  isEmpty(events: Events): boolean {
    return events.length === 0
  }

  same(a: Events, b: Events): boolean {
    return JSON.stringify(a.slice().sort()) === JSON.stringify(b.slice().sort())
  }

  firstOrdered(events: Events): { readonly newer: string; readonly older: Events } | undefined {
    if (events.length < 2) return undefined
    for (const newer of events) {
      const older = events.filter((e) => e !== newer && this.events.inPast(newer, e))
      if (older.length > 0) return { newer, older }
    }
    return undefined
  }

  first(events: Events): string {
    return events[0]!
  }

  names(events: Events): string {
    return `[${events.join(", ")}]`
  }

  hintsHeld(node: string): ReadonlyArray<HeldHint> {
    const state = this.w.nodes.get(node)!.state
    return state === undefined ? [] : sortedHints({ hints: hintsHeld(state) })
  }

  replicas(key: string): ReadonlyArray<{ readonly node: string; readonly all: Events; readonly live: Events }> {
    return preferenceList(this.w.currentRing(), key, this.w.config.n).map((node) => {
      const state = this.w.nodes.get(node)!.state!
      const live = siblingValues(storeSet(state, key)).filter((v) => v._tag === "Put").map(eventOf)
      return { node, all: storeEvents(state, key).slice().sort(), live }
    })
  }

  acknowledged(key: string): Events {
    const acked = this.w.ackedByKey.get(key)
    if (acked === undefined) return this.none
    const events = acked.events
    this.ackedBy.set(events, acked)
    return events
  }

  acknowledgedDeletes(key: string): ReadonlyArray<{ readonly event: string; readonly past: Past }> {
    return (this.w.ackedByKey.get(key)?.writes ?? [])
      .filter((write) => write.deletion && !this.excused(write))
      .map((write) => ({ event: write.event, past: this.past(key, [write.event]) }))
  }

  notExcused(events: Events): Events {
    return events.filter((event) => {
      const write = this.write(event)
      return write === undefined || !this.excused(write)
    })
  }

  acknowledgement(event: string): Acknowledgement {
    const write = this.write(event)
    return { key: write?.key ?? this.events.keyOf(event) ?? "?", at: write?.at, nodes: write?.nodes ?? [] }
  }

  private write(event: string): AckedWrite | undefined {
    const key = this.events.keyOf(event)
    return key === undefined ? undefined : this.w.ackedByKey.get(key)?.writes.find((write) => write.event === event)
  }

  /**
   * DUR-1's bound: a write may be lost only when the disks of W nodes were lost after it was
   * sent (an acker may have acknowledged before the client heard of it). The nodes the reply
   * names are not trusted (a buggy coordinator could name fewer), so any W lost disks excuse it.
   */
  excused(write: AckedWrite): boolean {
    let lost = 0
    for (const id of this.w.nodeOrder) if (this.w.nodes.get(id)!.diskLostAt >= write.issuedAt) lost += 1
    return lost >= this.w.config.w
  }
}
