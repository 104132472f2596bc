// The invariants of spec/README.md section 4, declared once as data: each one's kind, where it is
// checked, its statement, the module of this directory holding its check (written once against
// the oracle interface, oracle.ts), which interpreter files judge it, and its Sometimes.
// test/spec-coverage.test.ts holds the spec's coverage table to this list, and test/sometimes.test.ts
// fails when an Always's Sometimes is never reached. A new invariant is a new entry here.
import type { SometimesName } from "./sometimes.ts"

export type { Causality, Finding, InvariantOracle } from "./oracle.ts"
export { SOMETIMES_CASES, SOMETIMES_NAMES, type Reached, type SometimesName, noneReached } from "./sometimes.ts"

/**
 * "always": holds at every checkpoint; "eventually": holds once faults heal and the cluster
 * quiesces; "sometimes": some run must show it (an anomaly the suite must be able to exhibit);
 * "figure": a measured quantity (a benchmark), not a verdict.
 */
export type Kind = "always" | "eventually" | "sometimes" | "figure"

/**
 * Where it is checked. On runs: "persist" (each record a node persists), "reply" (each client
 * reply), "step" (each node step or transition: a message sent, a start, a crash), "run" (over
 * the run's record once it ends), "quiescence" (after heal-and-quiesce). Off runs: "law" (a pure
 * function's law over fast-check's generated inputs), "history" (a recorded client history,
 * `dynamo conform`), "benchmark".
 */
export type Checkpoint = "persist" | "reply" | "step" | "run" | "quiescence" | "law" | "history" | "benchmark"

/** Checkpoints on a run of the simulator or the checker: an Always checked there needs a Sometimes. */
export const RUN_CHECKPOINTS: ReadonlyArray<Checkpoint> = ["persist", "reply", "step", "run", "quiescence"]

export interface Invariant {
  /** As in spec/README.md section 4. */
  readonly id: string
  readonly kind: Kind
  readonly checkpoints: ReadonlyArray<Checkpoint>
  /** One line; spec/README.md states it in full. */
  readonly statement: string
  /** The module of src/invariants/ with its check, shared by the interpreters that judge it. */
  readonly check?: string
  /** The simulator's files that judge it (calling `check`, or the check itself). */
  readonly simulator?: ReadonlyArray<string>
  /** The model checker's files that judge it. */
  readonly checker?: ReadonlyArray<string>
  /** Why the model checker does not judge it, when it does not. */
  readonly notInChecker?: string
  /** `dynamo conform`'s file that judges it over a client history. */
  readonly conform?: string
  /** The case that must occur in a standard run, or the invariant may hold vacuously. */
  readonly sometimes?: SometimesName
}

const LAW = "a law of pure functions, checked over generated inputs by its property test, not on a run"
const NO_RING_CHANGE = "the checker's models make no join or leave: membership and the ring stay as they start"

const law = (id: string, statement: string): Invariant => ({ id, kind: "always", checkpoints: ["law"], statement, notInChecker: LAW })

export const INVARIANTS: ReadonlyArray<Invariant> = [
  {
    id: "AVAIL-1", kind: "always", checkpoints: ["run", "reply"],
    statement: "a put or delete received by a running node is answered with success in time while W nodes stay reachable",
    // One rule; the premise (was the request owed an answer) is each interpreter's fact: the
    // simulator keeps a record of when each fault happened; the checker's state has none, so it
    // owes a bounded case (no loss, no cut, W never-crashed nodes).
    check: "src/invariants/availability.ts", simulator: ["src/sim/availability.ts"], checker: ["src/check/judge.ts"], sometimes: "request-owed-answer"
  },
  {
    id: "AVAIL-2", kind: "always", checkpoints: ["run", "reply"],
    statement: "a get received by a running node is answered with its values in time while R nodes stay reachable",
    check: "src/invariants/availability.ts", simulator: ["src/sim/availability.ts"], checker: ["src/check/judge.ts"], sometimes: "request-owed-answer"
  },
  law("RING-1", "a preference list holds N distinct physical nodes and prefixes the extended list"),
  law("RING-4", "a key's top N span min(N, Z) zones, the walk's first such choice"),
  {
    id: "RING-2", kind: "always", checkpoints: ["step", "law"],
    statement: "a join or leave moves only keys the gaining node now owns, or the leaving node held",
    check: "src/invariants/membership.ts", simulator: ["src/sim/judge.ts"], notInChecker: NO_RING_CHANGE, sometimes: "key-handed-over"
  },
  { id: "RING-3", kind: "figure", checkpoints: ["benchmark"], statement: "load balance of strategies 1 and 3, and per zone", notInChecker: "a benchmark figure, not a verdict" },
  law("CLOCK-1", "compare agrees with the pointwise order of counters"),
  law("CLOCK-2", "compare is reflexive"),
  law("CLOCK-3", "compare is antisymmetric: compare(b, a) mirrors compare(a, b)"),
  law("CLOCK-4", "descends is transitive"),
  law("CLOCK-5", "descends(a, b) exactly when compare(a, b) is After or Equal"),
  law("CLOCK-6", "merge is commutative, associative and idempotent"),
  law("CLOCK-7", "merge is the least upper bound"),
  law("CLOCK-8", "increment, merge and truncate keep clocks canonical"),
  law("CLOCK-9", "increment advances exactly one counter by one"),
  law("CLOCK-10", "truncate keeps at most k entries, dropping the oldest"),
  law("DVV-1", "DVV sync is commutative"),
  law("DVV-2", "DVV sync is associative"),
  law("DVV-3", "DVV sync is idempotent and absorbing"),
  law("DVV-4", "an update's result covers its context and the stored set"),
  law("DVV-5", "an update discards exactly the siblings its context covers"),
  law("CAUSAL-1", "contexts and covers agree with the oracle's causal histories"),
  law("SYNC-1", "syncVersions is commutative, associative and idempotent in every clock mode"),
  {
    id: "VV-1", kind: "sometimes", checkpoints: ["law", "persist"],
    statement: "the paper's per-server clocks lose a write when one coordinator serves two puts from one context",
    checker: ["src/check/model.ts"]
  },
  law("LIMIT-1", "a put past the sibling limits warns, then is refused with a typed error"),
  {
    id: "SIB-1", kind: "always", checkpoints: ["persist", "reply"],
    statement: "concurrent writes are never silently lost: replicas and replies keep every write not covered by another",
    check: "src/invariants/siblings.ts", simulator: ["src/sim/judge.ts"], checker: ["src/check/judge.ts"], sometimes: "siblings"
  },
  law("SIB-2", "a put whose context covers some siblings replaces exactly those"),
  {
    id: "DUR-1", kind: "always", checkpoints: ["step"],
    statement: "an acknowledged write stays on some disk, or a version that has seen it does, unless W disks were lost",
    check: "src/invariants/durability.ts", simulator: ["src/sim/judge.ts"], checker: ["src/check/transitions.ts", "src/check/quiesce.ts"], sometimes: "crash-before-ack"
  },
  {
    id: "DUR-2", kind: "eventually", checkpoints: ["quiescence"],
    statement: "after quiescence a key's current replicas hold every acknowledged write DUR-1's bound does not excuse",
    // The checker's models never move a key, so its case there is a write that reached a
    // fallback or a non-replica and must come home (the fallback-replaced preset).
    check: "src/invariants/durability.ts", simulator: ["src/sim/world.ts"], checker: ["src/check/quiesce.ts"], sometimes: "replicas-moved-then-quiesced"
  },
  {
    id: "ACK-1", kind: "always", checkpoints: ["reply"],
    statement: "a put is acknowledged only when the nodes its reply names stand for W distinct replicas that held it durably",
    // The checker keeps disks as they are now, not their history (it would split equal worlds):
    // src/check/acks.ts reads what a disk held from what it holds, erring toward passing.
    check: "src/invariants/acks.ts", simulator: ["src/sim/step-checks.ts"], checker: ["src/check/acks.ts", "src/check/judge.ts"],
    sometimes: "put-acknowledged"
  },
  {
    id: "ACK-2", kind: "always", checkpoints: ["step"],
    statement: "a replica acknowledges a write only once every record it made it persist is durable",
    // The checker tags each pending persist with the Replicate receipt that caused it (the
    // interpreter's record, not the node's) and names the receipt an ack answers from them.
    check: "src/invariants/acks.ts", simulator: ["src/sim/step-checks.ts"], checker: ["src/check/acks.ts", "src/check/feed.ts"],
    sometimes: "replica-acknowledged"
  },
  {
    id: "ACK-3", kind: "always", checkpoints: ["step"],
    statement: "a node confirms a hand-over only once it holds on disk a whole copy of the range made durable since its last confirmation",
    check: "src/invariants/acks.ts", simulator: ["src/sim/step-checks.ts"], notInChecker: NO_RING_CHANGE, sometimes: "key-handed-over"
  },
  {
    id: "HINT-2", kind: "always", checkpoints: ["step"],
    statement: "a node's answer to a read holds everything it holds for the key, its hints included",
    check: "src/invariants/reads.ts", simulator: ["src/sim/step-checks.ts"], checker: ["src/check/judge.ts"],
    sometimes: "read-of-hinted-key"
  },
  {
    id: "EPOCH-1", kind: "always", checkpoints: ["step"],
    statement: "a node's epoch grows at every start beyond the epoch on its disk, whatever floor it is given",
    check: "src/invariants/epoch.ts", simulator: ["src/sim/step-checks.ts"], checker: ["src/check/judge.ts"], sometimes: "restart"
  },
  {
    id: "EPOCH-2", kind: "always", checkpoints: ["step"],
    statement: "a node mints versions in a new epoch only once the record of that epoch is durable",
    check: "src/invariants/epoch.ts", simulator: ["src/sim/step-checks.ts"], checker: ["src/check/feed.ts"],
    sometimes: "restart"
  },
  {
    id: "LEAVE-1", kind: "always", checkpoints: ["step"],
    statement: "a leaving node becomes left only once each gaining node holds every batch handed to it on disk",
    check: "src/invariants/leave.ts", simulator: ["src/sim/step-checks.ts"], notInChecker: NO_RING_CHANGE, sometimes: "node-left"
  },
  {
    id: "JOIN-1", kind: "always", checkpoints: ["step"],
    statement: "a joining node becomes a member only once it holds on disk every batch handed to it of every range it gains",
    check: "src/invariants/join.ts", simulator: ["src/sim/step-checks.ts"], notInChecker: NO_RING_CHANGE, sometimes: "node-joined"
  },
  {
    id: "CONV-1", kind: "eventually", checkpoints: ["quiescence"],
    statement: "after faults heal and the cluster quiesces every replica of a key holds the same sibling set",
    check: "src/invariants/convergence.ts", simulator: ["src/sim/world.ts"], checker: ["src/check/quiesce.ts"], sometimes: "replicas-repaired"
  },
  law("AE-1", "within N - 1 consecutive picks a node compares each range it replicates with every other replica it does not believe down"),
  law("AE-2", "a node skips an anti-entropy round only when reported busy, at most D firings in a row, so each range is compared within (D + 1) rotations of firings"),
  {
    id: "HINT-1", kind: "always", checkpoints: ["persist", "quiescence"],
    statement: "a hint is deleted only when its intended node's disk covers it, and none remains after quiescence",
    check: "src/invariants/hints.ts", simulator: ["src/sim/judge.ts", "src/sim/world.ts"], checker: ["src/check/judge.ts", "src/check/quiesce.ts"], sometimes: "hint-delivered"
  },
  {
    id: "QUORUM-1", kind: "always", checkpoints: ["reply"],
    statement: "with no faults and R + W > N a get sent after a put was acknowledged sees it",
    check: "src/invariants/quorum.ts", simulator: ["src/sim/judge.ts"], checker: ["src/check/judge.ts"], sometimes: "get-after-ack"
  },
  {
    id: "DEL-1", kind: "always", checkpoints: ["reply", "quiescence"],
    statement: "a deleted value does not come back unless written again",
    check: "src/invariants/convergence.ts", simulator: ["src/sim/world.ts", "src/sim/step-checks.ts"], checker: ["src/check/quiesce.ts", "src/check/reads.ts"],
    sometimes: "delete-then-quiesced"
  },
  {
    id: "READ-2", kind: "always", checkpoints: ["reply"],
    statement: "a get's reply covers what each answerer named held on disk when it was sent, and its values are its live siblings",
    check: "src/invariants/reads.ts", simulator: ["src/sim/step-checks.ts"], checker: ["src/check/reads.ts"],
    sometimes: "get-answered"
  },
  {
    id: "READ-3", kind: "always", checkpoints: ["reply"],
    statement: "a get's reply names only its coordinator and nodes whose answer to that very get reached its current incarnation",
    check: "src/invariants/reads.ts", simulator: ["src/sim/step-checks.ts"], checker: ["src/check/reads.ts"],
    sometimes: "get-answered"
  },
  {
    id: "READ-1", kind: "always", checkpoints: ["history"],
    statement: "a get returns only values some put of that key wrote",
    conform: "src/conform/checker.ts", notInChecker: "a property of a client history (dynamo conform), over any store's API"
  },
  law("TRUNC-1", "clock truncation can only create false siblings, never lose a write"),
  {
    id: "MEMBERSHIP-1", kind: "eventually", checkpoints: ["quiescence", "law"],
    statement: "after gossip quiesces every running node holds the same membership view",
    check: "src/invariants/membership.ts", simulator: ["src/sim/world.ts"], notInChecker: NO_RING_CHANGE
  },
  law("MEMBERSHIP-2", "only an explicit join or leave changes an entry; the merge is a semilattice")
]

/** The entry of `id`, or undefined. */
export const invariantOf = (id: string): Invariant | undefined => INVARIANTS.find((invariant) => invariant.id === id)
