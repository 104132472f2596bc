// The one oracle interface the invariant checks are written against (spec/README.md section 4):
// write events and their causal pasts (what each client had read, never what the clocks say),
// and what a check needs to know of a world. The simulator (src/sim/oracle.ts) and the model
// checker (src/check/oracle.ts) each implement it over their own world; the checks exist once.

/**
 * Sets of write events and their causal pasts, in an interpreter's own representation: `E` a
 * set of events (the simulator: event ids; the checker: a bit mask over its writes), `P` the
 * union of the causal pasts of some events (the simulator: a bitset over one key's writes; the
 * checker: a mask again). Events the oracle never recorded are in no past and in no result.
 */
export interface Causality<E, P> {
  /** The empty set of events. */
  readonly none: E
  /** Every event in the causal past of some event of `events` (each event is in its own past). */
  past(key: string, events: E): P
  /** The events of `events` that are not in `past`. */
  missing(events: E, past: P): E
  /** The events of `events` that are in `past`. */
  within(events: E, past: P): E
  /** The events of `a` or of `b`. */
  union(a: E, b: E): E
  /** `events` without `event`. */
  without(events: E, event: string): E
  isEmpty(events: E): boolean
  /** Whether `a` and `b` hold the same events. */
  same(a: E, b: E): boolean
  /**
   * The first event of `events` with other events of `events` in its past, and those: siblings
   * that should not stand side by side. Undefined for an antichain.
   */
  firstOrdered(events: E): { readonly newer: string; readonly older: E } | undefined
  /** One event of a non-empty set: the first, in the interpreter's order. */
  first(events: E): string
  /** `[a, b]`: how a finding names a set of events. */
  names(events: E): string
}

/** An acknowledged put or delete, as a finding names it. */
export interface Acknowledgement {
  readonly key: string
  /** When it was acknowledged (ms), where the interpreter has a clock; the checker has none. */
  readonly at: number | undefined
  /** The nodes that acknowledged it (the checker: those whose disks survive since). */
  readonly nodes: ReadonlyArray<string>
}

/** A hint a node holds for another node. */
export interface HeldHint {
  readonly intended: string
  readonly key: string
}

/** What the invariants need to know of a world, beyond causality. */
export interface InvariantOracle<E, P> extends Causality<E, P> {
  /** The nodes whose state the quiescence checks read: every running node. */
  readonly nodes: ReadonlyArray<string>
  /** The hints `node` holds, the first as the interpreter lists them. */
  hintsHeld(node: string): ReadonlyArray<HeldHint>
  /** The current replicas of `key` (its top N in the ring the nodes agree on), with the events their stores hold. */
  replicas(key: string): ReadonlyArray<{ readonly node: string; readonly all: E; readonly live: E }>
  /** The acknowledged writes (puts and deletes) of `key`. */
  acknowledged(key: string): E
  /** The acknowledged deletes of `key` DUR-1's bound does not excuse, each with its causal past. */
  acknowledgedDeletes(key: string): ReadonlyArray<{ readonly event: string; readonly past: P }>
  /**
   * The events of `events` DUR-1's bound does not excuse. The bound is the interpreter's to judge
   * from what it records: the simulator, W disks lost since the write was sent; the checker,
   * every acknowledging node's disk lost since it acknowledged.
   */
  notExcused(events: E): E
  /** How an acknowledged write was acknowledged. */
  acknowledgement(event: string): Acknowledgement
}

/** A violation a check found: the invariant's id (spec/README.md, section 4) and what happened. */
export interface Finding {
  readonly invariant: string
  readonly message: string
}
