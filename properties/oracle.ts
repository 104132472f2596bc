// A causality oracle independent of the clock code, for the versioning of section 4.4: every
// write is an event with a unique id, and the oracle keeps each event's causal history as a set
// of ids. Correct reads and causal comparisons follow from set inclusion alone.

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

export class Oracle {
  readonly #histories = new Map<EventId, ReadonlySet<EventId>>()
  readonly #kinds = new Map<EventId, EventKind>()

  /**
   * Records a write: its history is its own id plus everything the client had seen (the events
   * behind the context it wrote with). `seen` must only name recorded events.
   */
  write(id: EventId, kind: EventKind, seen: Iterable<EventId>): void {
    assert(!this.#histories.has(id), `event ${id} written twice`)
    const history = new Set<EventId>([id])
    for (const earlier of seen) {
      for (const ancestor of this.history(earlier)) history.add(ancestor)
    }
    this.#histories.set(id, history)
    this.#kinds.set(id, kind)
  }

  /** The causal history of an event, itself included. */
  history(id: EventId): ReadonlySet<EventId> {
    const history = this.#histories.get(id)
    assert(history !== undefined, `unknown event ${id}`)
    return history
  }

  kind(id: EventId): EventKind {
    const kind = this.#kinds.get(id)
    assert(kind !== undefined, `unknown event ${id}`)
    return kind
  }

  /** Whether `earlier` is in the causal history of `later` (or is it). */
  happenedBefore(earlier: EventId, later: EventId): boolean {
    return this.history(later).has(earlier)
  }

  /** Causal order of two events by history inclusion. */
  compareEvents(a: EventId, b: EventId): EventOrdering {
    return compareSets(this.history(a), this.history(b))
  }

  /** Everything causally seen by whoever knows `events`: the union of their histories. */
  downset(events: Iterable<EventId>): Set<EventId> {
    const seen = new Set<EventId>()
    for (const id of events) for (const ancestor of this.history(id)) seen.add(ancestor)
    return seen
  }

  /**
   * What a correct read over replicas that have received `states` must return: exactly the
   * received events not in the history of another received event. Sorted.
   */
  expectedRead(...states: ReadonlyArray<Iterable<EventId>>): Array<EventId> {
    const known = new Set<EventId>()
    for (const state of states) for (const id of state) known.add(id)
    const superseded = new Set<EventId>()
    for (const id of known) {
      for (const ancestor of this.history(id)) if (ancestor !== id) superseded.add(ancestor)
    }
    return [...known].filter((id) => !superseded.has(id)).sort()
  }

  /** Whether a replica that received `a` has seen everything one that received `b` holds. */
  hasSeenAll(a: Iterable<EventId>, b: Iterable<EventId>): boolean {
    const seen = this.downset(a)
    for (const id of b) if (!seen.has(id)) return false
    return true
  }
}
