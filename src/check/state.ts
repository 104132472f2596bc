// The checker's world state: immutable node slots (state or disk, pending persists, armed
// timers), packets in flight, clients with their scripts, the oracle's masks, the fault budget.
import type { ClientReply, DurableState, NodeState, PeerMessage, PersistRecord, Timer, VClock } from "../core/index.ts"
import type { TraceStep } from "../trace/step.ts"
import type { Receipt } from "./acks.ts"
import type { Fp } from "./fingerprint.ts"
import type { CheckBounds } from "./model.ts"
import type { ReadLog } from "./reads.ts"
import type { DiskInfo, NodeStateInfo } from "./world-fp.ts"

export interface PendingPersist {
  readonly token: number
  readonly record: PersistRecord
  /** The record's fingerprint alone (the canonical form gives the token as an age). */
  readonly recordFp: Fp
  readonly fp: Fp
  /** The Replicate receipt that caused it (ACK-2, acks.ts); not fingerprinted: a function of the step that emitted it. */
  readonly receipt?: Receipt
}

/** What a node slot is made of; the fingerprints are derived (see `slotOf`). */
export interface SlotParts {
  /** undefined while crashed. */
  readonly state: NodeState | undefined
  readonly disk: DurableState
  /** Persists emitted and not yet durable, in emission order. Lost on a crash. */
  readonly pending: ReadonlyArray<PendingPersist>
  /** Armed timers, sorted by timerKey. */
  readonly timers: ReadonlyArray<Timer>
  /** Starts so far: the epoch floor of the next start. */
  readonly starts: number
  readonly diskLost: boolean
}

/**
 * One node of the world, with the fingerprints of its parts kept beside them (no WeakMap): a
 * transition rebuilds only the slot of the node it stepped, reusing the fingerprints of every
 * part (and every node-state field) it did not change. The state and the disk come with the
 * checker's record of each (fingerprint, cached transitions).
 */
export interface NodeSlot extends SlotParts {
  readonly stateInfo: NodeStateInfo | undefined
  readonly diskInfo: DiskInfo
  readonly pendingFp: Fp
  readonly timersFp: Fp
  /**
   * What this incarnation's Reads asked and the answers to them delivered (READ-2, READ-3:
   * reads.ts). Not fingerprinted: src/check/README.md, "Invariants", says why.
   */
  readonly reads: ReadLog
  /**
   * The slot's own fingerprint, computed when a world is fingerprinted (see `slotFp`): a
   * transition often rebuilds a slot twice (a persist completes, then the node steps), and only
   * the last one is ever hashed.
   */
  fp: Fp | undefined
}

/** A message in flight; `fp` identifies equal copies (the multiset is sorted by it). */
export interface Packet {
  readonly from: number
  readonly to: number
  readonly message: PeerMessage
  readonly fp: Fp
}

export interface PendingRequest {
  readonly id: string
  readonly node: number
  /** The contact node's `starts` when the request was sent: a restart means no reply will come. */
  readonly starts: number
  /** Writes acknowledged before this request was sent (QUORUM-1). */
  readonly ackedBefore: number
}

export interface ClientSlot {
  readonly fp: Fp
  /** Operations sent so far. */
  readonly next: number
  readonly pending: PendingRequest | undefined
  /** Per key: the events of the siblings of the last reply (what a read-modify-write has seen). */
  readonly seen: ReadonlyArray<number>
  /** Per key: the context of the last reply. */
  readonly context: ReadonlyArray<VClock>
}

/** Faults of each kind used so far: one counter per bound of CheckBounds. */
export type Used = { readonly [K in keyof CheckBounds]: number }

export interface WorldState {
  readonly nodes: ReadonlyArray<NodeSlot>
  readonly flight: ReadonlyArray<Packet>
  readonly clients: ReadonlyArray<ClientSlot>
  /** The oracle: per write, the mask of writes in its causal past (itself included); 0 = not sent. */
  readonly histories: ReadonlyArray<number>
  readonly acked: number
  /** Per write: the acknowledging nodes that still have the disk they had when they acknowledged. */
  readonly ackersLeft: ReadonlyArray<number>
  /** Acknowledged writes every acknowledger of which lost its disk (DUR-1 excuses them). */
  readonly excused: number
  readonly used: Used
  /** Nodes cut off from the rest (0: no partition). */
  readonly cut: number
  /** Logical time: the number of client operations sent so far (see `now` in spec/traces.md). */
  readonly now: number
  readonly fp: Fp
}

export type Action =
  | { readonly _tag: "Issue"; readonly client: number }
  | { readonly _tag: "GiveUp"; readonly client: number }
  | { readonly _tag: "Deliver"; readonly packet: number }
  | { readonly _tag: "Persist"; readonly node: number }
  /** `pick`: the interpreter's choice a periodic timer needs (a gossip or anti-entropy peer). */
  | { readonly _tag: "Fire"; readonly node: number; readonly timer: number; readonly pick?: number }
  | { readonly _tag: "Drop"; readonly packet: number }
  | { readonly _tag: "Duplicate"; readonly packet: number }
  | { readonly _tag: "Crash"; readonly node: number }
  | { readonly _tag: "LoseDisk"; readonly node: number }
  | { readonly _tag: "Restart"; readonly node: number }
  | { readonly _tag: "Partition"; readonly cut: number }
  | { readonly _tag: "Heal" }

export interface Violation {
  readonly invariant: string
  readonly message: string
}

/** Collects what a re-run records for a trace: every node step and every reply, in order. */
export interface Recorder {
  readonly steps: Array<TraceStep>
  readonly replies: Array<{ readonly at: number; readonly reply: ClientReply }>
}

export interface Transition {
  readonly state: WorldState
  readonly violation: Violation | undefined
  /** Bits of SOMETIMES that this transition exercised. */
  readonly flags: number
}

/** Things that must happen somewhere in a run, or the invariants may hold vacuously. */
export const SOMETIMES = [
  "siblings",
  "put-acknowledged",
  "get-answered",
  "request-failed",
  "crash-before-ack",
  "message-lost",
  "duplicate-delivered",
  "read-repair",
  "hint-stored",
  "hint-delivered",
  "forwarded",
  "settled",
  "get-after-ack",
  "read-of-hinted-key",
  "restart"
] as const
export type Sometimes = (typeof SOMETIMES)[number]
const flag = (name: Sometimes): number => 1 << SOMETIMES.indexOf(name)
export const F_SIBLINGS = flag("siblings")
export const F_PUT_ACKED = flag("put-acknowledged")
export const F_GET_OK = flag("get-answered")
export const F_FAILED = flag("request-failed")
export const F_CRASH_PENDING = flag("crash-before-ack")
export const F_LOST = flag("message-lost")
export const F_DUP = flag("duplicate-delivered")
export const F_REPAIR = flag("read-repair")
export const F_HINT_STORED = flag("hint-stored")
export const F_HINT_DELIVERED = flag("hint-delivered")
export const F_FORWARDED = flag("forwarded")
export const F_SETTLED = flag("settled")
export const F_GET_AFTER_ACK = flag("get-after-ack")
export const F_READ_OF_HINTED_KEY = flag("read-of-hinted-key")
export const F_RESTART = flag("restart")
