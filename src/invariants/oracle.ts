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
  /** The set of `event` alone (empty when the oracle never recorded it). */
  one(event: string): E
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

/**
 * Records of acknowledgements (ACK-1, ACK-2, ACK-3): what each node's interpreter made durable and
 * what the node acknowledged, in its current incarnation unless said otherwise. Facts only; the
 * rules are in acks.ts. The simulator keeps them (src/sim/records/); the checker's state does
 * not (src/invariants/index.ts says why for each).
 */
export interface AckRecords<E> {
  /** Whether the oracle recorded `event` (a write it never saw is not judged). */
  recorded(event: string): boolean
  /**
   * What `node` held durably for `key` since its disk was last lost: every event its own store
   * ever held (undefined: none; with the paper's vector clocks a later set may have lost one,
   * SIB-1's anomaly, not a broken acknowledgement) and, by intended node, every event its hints
   * ever held (a delivered hint is deleted). Undefined when its disk was lost at or after `sentAt`.
   */
  heldDurably(node: string, key: string, sentAt: number): { readonly own: E | undefined; readonly hints: ReadonlyArray<{ readonly intended: string; readonly events: E }> } | undefined
  /** Whether `node` is a home replica of `key` (in its top N in some running node's ring). */
  isHome(node: string, key: string): boolean
  /** The highest persist token of `node` its interpreter reported durable (-1: none). */
  durableUpTo(node: string): number
  /** Per receipt of Replicate `id` by `node` (a duplicate is one too), in order, the last persist token it caused. */
  receipts(node: string, id: string): ReadonlyArray<number>
  /** How many ReplicateAcks of `id` `node` has sent before this one. */
  acknowledgements(node: string, id: string): number
  /** The copies of batches of offer `id` (`sender|offer`) whose records became durable on `node`, in the order they did. */
  copiesHeld(node: string, id: string): ReadonlyArray<{ readonly batch: number; readonly batches: number }>
  /** The copies of batches of offer `id` received by `node` whose records are not durable yet. */
  copiesWaiting(node: string, id: string): ReadonlyArray<{ readonly batch: number; readonly token: number }>
  /** How many HandoffAcks of offer `id` `node` has sent before this one. */
  confirmations(node: string, id: string): number
}

/** Records of gets (READ-2, READ-3): what the disks held when each was sent, what each coordinator asked and heard. */
export interface ReadRecords<E> {
  /** What `node`'s own store held on disk for the get's key when get `id` was sent; undefined when not recorded, or its disk was lost since. */
  heldWhenSent(id: string, node: string): E | undefined
  /** The gets `coordinator`'s current incarnation sent Reads for. */
  gets(coordinator: string): ReadonlyArray<{ readonly op: number; readonly key: string }>
  /** Whether `from`'s answer to `coordinator`'s get `op` of `key` reached its current incarnation. */
  answered(coordinator: string, op: number, key: string, from: string): boolean
}

/** Records of hand-overs (LEAVE-1): what each node's Handoff messages carried, and the disks. */
export interface LeaveRecords<E> {
  /** What `node` handed over for move `id` (`to|start|end`): when first sent, and each message (batch) as it left. */
  handedOver(node: string, id: string): { readonly at: number; readonly messages: ReadonlyArray<{ readonly batch: number; readonly keys: ReadonlyArray<{ readonly key: string; readonly events: E }> }> } | undefined
  /** Whether `node`'s disk was lost at or after `at`. */
  diskLostSince(node: string, at: number): boolean
  /** What `node`'s own store holds for `key` on disk. */
  diskHolds(node: string, key: string): E
}

/** Records of starts (EPOCH-2). */
export interface EpochRecords {
  /** The epoch record `node` persisted at its last start, while it is not yet durable (and the actor it names). */
  epochInFlight(node: string): { readonly epoch: number; readonly actor: string; readonly token: number } | undefined
}

/** A violation a check found: the invariant's id (spec/README.md, section 4) and what happened. */
export interface Finding {
  readonly invariant: string
  readonly message: string
}
