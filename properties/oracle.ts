// A causality oracle independent of the clock code, for the versioning of section 4.4: every
// write is an event with a unique id, and the oracle keeps each event's causal history. Correct
// reads and causal comparisons follow from history inclusion alone. Built on the event oracle the
// simulator and the checker use (src/trace/oracle.ts), so causality is recorded in one place.
import { Oracle as EventOracle } from "../src/trace/oracle.ts"

/** The properties here are about one key's writes. */
const KEY = "k"

/** An event id; for a put it is the unique value written ("e17"), so value <-> event. */
export type EventId = string

export type EventOrdering = "Before" | "After" | "Equal" | "Concurrent"

export type EventKind = "Put" | "Tombstone"

const assert: (condition: boolean, message: string) => asserts condition = (condition, message) => {
  if (!condition) throw new Error(`oracle: ${message}`)
}

/** Causal order of two sets by inclusion: "Before" when `a` is a proper subset of `b`. */
export function compareSets(a: ReadonlySet<EventId>, b: ReadonlySet<EventId>): EventOrdering {
  let aOnly = false
  let bOnly = false
  for (const id of a) if (!b.has(id)) aOnly = true
  for (const id of b) if (!a.has(id)) bOnly = true
  if (aOnly) return bOnly ? "Concurrent" : "After"
  return bOnly ? "Before" : "Equal"
}

/**
 * The event oracle of src/trace/oracle.ts (the one the simulator's and the checker's invariants
 * are judged by) over one key, with what these properties ask of it: event kinds, histories as
 * sets, the expected read. Unknown events are an error here, not silently ignored.
 */
export class Oracle {
  readonly #events = new EventOracle()
  readonly #kinds = new Map<EventId, EventKind>()

  #known(id: EventId): void {
    assert(this.#kinds.has(id), `unknown event ${id}`)
  }

  /**
   * Records a write: its history is its own id plus everything the client had seen (the events
   * behind the context it wrote with). `seen` must only name recorded events.
   */
  write(id: EventId, kind: EventKind, seen: Iterable<EventId>): void {
    assert(!this.#kinds.has(id), `event ${id} written twice`)
    const earlier = [...seen]
    for (const event of earlier) this.#known(event)
    this.#events.record(id, KEY, earlier)
    this.#kinds.set(id, kind)
  }

  /** The causal history of an event, itself included. */
  history(id: EventId): ReadonlySet<EventId> {
    this.#known(id)
    return new Set(this.#events.closure(KEY, [id]))
  }

  kind(id: EventId): EventKind {
    const kind = this.#kinds.get(id)
    assert(kind !== undefined, `unknown event ${id}`)
    return kind
  }

  /** Whether `earlier` is in the causal history of `later` (or is it). */
  happenedBefore(earlier: EventId, later: EventId): boolean {
    this.#known(earlier)
    this.#known(later)
    return this.#events.inPast(later, earlier)
  }

  /** Causal order of two events by history inclusion. */
  compareEvents(a: EventId, b: EventId): EventOrdering {
    return compareSets(this.history(a), this.history(b))
  }

  /** Everything causally seen by whoever knows `events`: the union of their histories. */
  downset(events: Iterable<EventId>): Set<EventId> {
    const known = [...events]
    for (const id of known) this.#known(id)
    return new Set(this.#events.closure(KEY, known))
  }

  /**
   * What a correct read over replicas that have received `states` must return: exactly the
   * received events not in the history of another received event. Sorted.
   */
  expectedRead(...states: ReadonlyArray<Iterable<EventId>>): Array<EventId> {
    const known = new Set<EventId>()
    for (const state of states) for (const id of state) known.add(id)
    for (const id of known) this.#known(id)
    return [...this.#events.maximal([...known])].sort()
  }

  /** Whether a replica that received `a` has seen everything one that received `b` holds. */
  hasSeenAll(a: Iterable<EventId>, b: Iterable<EventId>): boolean {
    const seen = this.downset(a)
    for (const id of b) if (!seen.has(id)) return false
    return true
  }
}
