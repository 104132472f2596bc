// What a simulation reports (violations, statistics, replies, final replicas and views), the
// invariants it judges, and the time limits of its heal-and-quiesce phase.
import type { ClientReply, MembershipView } from "../core/index.ts"
import type { Scenario } from "./scenario.ts"
import type { TraceStep } from "../trace/step.ts"
import type { Reached } from "../invariants/index.ts"

/** After the workload: heal, let hints and probes run, read every key, repeat, then check. */
export const QUIESCE_SETTLE_MS = 5_000
export const QUIESCE_READ_WAIT_MS = 3_000
/** After the reads, hints and anti-entropy get up to this long to finish, in steps of CONVERGE_STEP_MS. */
export const CONVERGE_MAX_MS = 30_000
export const CONVERGE_STEP_MS = 500
/** DUR-1 scans every disk, so it runs every this many events rather than after each one. */
export const DURABILITY_CHECK_EVERY_EVENTS = 2_000
/** A run stops, reporting a violation, if it has not finished by this many events. */
export const EVENTS_MAX = 5_000_000

export type InvariantId = "AVAIL-1" | "AVAIL-2" | "SIB-1" | "SIB-2" | "DUR-1" | "DUR-2" | "DEL-1" | "QUORUM-1" | "CONV-1" | "HINT-1" | "HINT-2" | "MEMBERSHIP-1" | "RING-2" | "ACK-1" | "ACK-2" | "ACK-3" | "EPOCH-1" | "EPOCH-2" | "LEAVE-1" | "JOIN-1" | "READ-2" | "READ-3"

/** Quiescence waits, in steps of this much virtual time, for membership to settle. */
export const MEMBERSHIP_SETTLE_STEP_MS = 1_000
export const MEMBERSHIP_SETTLE_MAX_MS = 60_000

export interface Violation {
  readonly invariant: InvariantId
  readonly at: number
  readonly message: string
}

export interface SimStats {
  events: number
  messagesSent: number
  messagesDelivered: number
  messagesDropped: number
  messagesDuplicated: number
  faultsInjected: number
  putsAcknowledged: number
  putsFailed: number
  getsAnswered: number
  getsFailed: number
  getsWithSiblings: number
  clientTimeouts: number
  /** Inputs that reached a paused node and were handled when it resumed (the SIGSTOP shape). */
  heldUntilResume: number
  hintsStored: number
  hintsDelivered: number
  readRepairs: number
  /** Keys carried by range hand-overs (joins and leaves) and by anti-entropy repairs. */
  handoffKeys: number
  antiEntropyKeys: number
  invariantChecks: number
}

export interface Observation {
  readonly at: number
  readonly client: number
  readonly reply: ClientReply
}

export interface SimReport {
  readonly scenario: Scenario
  readonly stats: SimStats
  readonly violations: ReadonlyArray<Violation>
  readonly observations: ReadonlyArray<Observation>
  /** Each top-N replica's live values per key after quiescence, for the trace. */
  readonly finalReplicas: ReadonlyArray<{ readonly node: string; readonly key: string; readonly values: ReadonlyArray<string> }>
  readonly endTime: number
  readonly trace: ReadonlyArray<TraceStep>
  /** The membership view the running nodes agree on at the end. */
  readonly finalMembership: MembershipView
  /** How often each Sometimes of src/invariants/ was reached (empty counts when checks are off). */
  readonly sometimes: Reached
}
