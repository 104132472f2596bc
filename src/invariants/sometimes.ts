// The Sometimes of the invariants (Stateright's `Sometimes`, STYLE.md): a case that must occur in
// a standard run, or the Always it stands beside may hold vacuously. Each names who counts it:
// the simulator (every run's report, summed by the soak) and, where its state has the case, the
// model checker (its Sometimes table; the name is then one of src/check/state.ts's SOMETIMES).

export interface SometimesCase {
  /** What must happen, stated as the run sees it. */
  readonly statement: string
  readonly simulator: boolean
  readonly checker: boolean
}

export const SOMETIMES_CASES = {
  "request-owed-answer": { statement: "a client request whose availability premise held, so AVAIL-1 or AVAIL-2 judged its answer", simulator: true, checker: false },
  "siblings": { statement: "a reply listed two or more concurrent siblings", simulator: true, checker: true },
  "crash-before-ack": { statement: "a node crashed with persists not yet durable", simulator: true, checker: true },
  "replicas-moved-then-quiesced": { statement: "a key whose replicas changed (a join or leave moved it), then quiesced", simulator: true, checker: false },
  "put-acknowledged": { statement: "a put or delete was acknowledged", simulator: true, checker: true },
  "replica-acknowledged": { statement: "a replica acknowledged a write (ReplicateAck) after persisting it", simulator: true, checker: false },
  "read-of-hinted-key": { statement: "a node answered a read of a key it holds a hint for", simulator: true, checker: true },
  "restart": { statement: "a node started again after a crash or a lost disk", simulator: true, checker: true },
  "node-left": { statement: "a leaving node became left", simulator: true, checker: false },
  "node-joined": { statement: "a joining node became a member", simulator: true, checker: false },
  "replicas-repaired": { statement: "read repair or anti-entropy sent versions to a replica that lacked them", simulator: true, checker: false },
  "hint-delivered": { statement: "a hint was handed to its intended node and deleted", simulator: true, checker: true },
  "get-after-ack": { statement: "a get, judged by QUORUM-1, was sent after a put of its key was acknowledged", simulator: true, checker: true },
  "delete-then-quiesced": { statement: "a delete was acknowledged and its key judged after quiescence", simulator: true, checker: false },
  "get-answered": { statement: "a get was answered with the values of its key", simulator: true, checker: true },
  "key-handed-over": { statement: "a join or leave handed a key to the node that gains it", simulator: true, checker: false }
} as const satisfies Record<string, SometimesCase>

export type SometimesName = keyof typeof SOMETIMES_CASES

export const SOMETIMES_NAMES = Object.keys(SOMETIMES_CASES) as ReadonlyArray<SometimesName>

/** How often each case was reached in one run (the simulator's side). */
export type Reached = Record<SometimesName, number>

export const noneReached = (): Reached => Object.fromEntries(SOMETIMES_NAMES.map((name) => [name, 0])) as Reached
