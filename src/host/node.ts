// One hosted node as plain immutable data: its state (absent while it is down), its disk, the
// persists it emitted that are not yet durable, its armed timers and how often it has started;
// and feeding a node an input under any holding (holding.ts). Every function returns a new node;
// the contract they keep is in index.ts.
import {
  applyRecord,
  emptyDurableState,
  recover as recoverState,
  step,
  type DurableState,
  type NodeEffect,
  type NodeId,
  type NodeInput,
  type NodeState,
  type PersistRecord,
  type ProtocolConfig,
  type Ring,
  type Timer
} from "../core/index.ts"
import { crashNode, type Holding, type HostNode, persistUpTo, recoverNode } from "./holding.ts"
import { armedAfter, isArmed, needsPick, NO_TIMERS, takesAdmission } from "./timers.ts"

/**
 * What an interpreter does to a hosted node: feed it an input, crash it, wipe its disk, rebuild
 * it from its disk. A trace is a list of these with their node and time (src/trace/step.ts).
 */
export type HostEvent =
  | { readonly _tag: "Input"; readonly input: NodeInput }
  /** The node loses its volatile state and every persist not yet durable. */
  | { readonly _tag: "Crash" }
  /** As Crash, and the disk is wiped. */
  | { readonly _tag: "DiskLoss" }
  /** The node is rebuilt from its disk (a Start input follows). */
  | { readonly _tag: "Recover" }

/** One event as an interpreter ran it through the host, and what it did (for observers: the viewer). */
export interface HostedStep {
  readonly node: NodeId
  readonly at: number
  readonly event: HostEvent
  readonly before: NodeState | undefined
  readonly after: NodeState | undefined
  readonly effects: ReadonlyArray<NodeEffect>
  /** The node's disk after the event. */
  readonly disk: DurableState
  /** Records the event made durable (a PersistDone), in the order they were applied. */
  readonly durable: ReadonlyArray<PersistRecord>
  /** Records not yet durable that the event lost (a Crash or DiskLoss). */
  readonly lost: ReadonlyArray<PersistRecord>
}

/** A persist the node emitted, in emission order, not yet durable. */
export interface PendingPersist {
  readonly token: number
  readonly record: PersistRecord
}

/** A node held as plain data: its disk a DurableState, its pending persists {token, record}. */
export interface HostedNode extends HostNode<NodeState, DurableState, PendingPersist> {
  readonly id: NodeId
}

/** What one input did: the node after it, the core's effects, the records it made durable. */
export interface Fed<N = HostedNode> {
  readonly node: N
  readonly effects: ReadonlyArray<NodeEffect>
  /** Records a PersistDone made durable, in the order they were applied to the disk. */
  readonly durable: ReadonlyArray<PersistRecord>
}

const NO_PENDING: ReadonlyArray<PendingPersist> = []
const NO_RECORDS: ReadonlyArray<PersistRecord> = []

/** The plain holding: the disk in memory, records applied with the core's applyRecord. */
export const PLAIN_HOLDING: Holding<DurableState, PendingPersist> = {
  emptyDisk: emptyDurableState,
  nonePending: NO_PENDING,
  pendingOf: (token, record) => ({ token, record }),
  tokenOf: (persist) => persist.token,
  recordOf: (persist) => persist.record,
  apply: (disk, persist) => applyRecord(disk, persist.record)
}

/** A node that has never run: down, with an empty disk. */
export const hostedNode = (id: NodeId): HostedNode =>
  ({ id, state: undefined, disk: emptyDurableState, pending: NO_PENDING, timers: NO_TIMERS, starts: 0 })

/**
 * Rebuild the node's state from its disk (a first start, or a restart after a crash or disk
 * loss). The node then runs the Start input `startOf` gives it, which is what opens the
 * new incarnation; interpreters record the two as two trace steps (Recover, then the input).
 */
export const recover = (node: HostedNode, config: ProtocolConfig, bootstrap: Ring): HostedNode =>
  recoverNode(PLAIN_HOLDING, node, (disk) => recoverState(node.id, config, bootstrap, disk))

/** The Start input after a restart: its epoch floor is the node's, which only grows. */
export const startOf = (node: { readonly starts: number }): NodeInput => ({ _tag: "Start", epochFloor: node.starts })

/**
 * Run one input through the core, the node's disk and pending persists held as `h` says. A
 * PersistDone first applies every pending persist up to its token to the disk, in order
 * (persistUpTo), so the core acts on the acknowledgement only once the records are durable; the
 * effects' timers (armedAfter: a firing disarms its own) and persists are then taken into the
 * node's tables.
 */
export const feedNode = <D, P, N extends HostNode<NodeState, D, P>>(h: Holding<D, P>, node: N, input: NodeInput, now: number): Fed<N> => {
  const state = node.state
  if (state === undefined) throw new Error(`host: input ${input._tag} to ${node.id}, which is down`)
  let disk = node.disk
  let pending = node.pending
  let durable = NO_RECORDS
  if (input._tag === "PersistDone") {
    const made = persistUpTo(h, disk, pending, input.token)
    disk = made.disk
    pending = made.pending
    if (made.done > 0) durable = node.pending.slice(0, made.done).map((p) => h.recordOf(p))
  }
  const result = step(state, input, now)
  const timers = armedAfter(node.timers, input, result.effects)
  let emitted: Array<P> | undefined
  for (const effect of result.effects) if (effect._tag === "Persist") (emitted ??= []).push(h.pendingOf(effect.token, effect.record))
  if (emitted !== undefined) pending = pending.concat(emitted)
  return { node: { ...node, state: result.state, disk, pending, timers }, effects: result.effects, durable }
}

/** feedNode with the plain holding. */
export const feed = (node: HostedNode, input: NodeInput, now: number): Fed => feedNode(PLAIN_HOLDING, node, input, now)

/** The record persisted with `token` (and every earlier one) is durable: apply them, tell the core. */
export const completePersist = (node: HostedNode, token: number, now: number): Fed =>
  feed(node, { _tag: "PersistDone", token }, now)

/**
 * An armed timer fires: it is disarmed, and the core runs it with `pick` when it needs one
 * (needsPick; the interpreter draws it in 0..PICK_MAX-1 or, the checker, enumerates it).
 */
export const fireTimer = (node: HostedNode, timer: Timer, pick: number | undefined, now: number): Fed =>
  feed(node, firingOf(timer, pick), now)

/**
 * The TimerFired input a firing of `timer` feeds (for interpreters that record it first). `busy`
 * is carried only when true and only by background work (takesAdmission), so a trace of a node
 * never reported busy reads as before.
 */
export const firingOf = (timer: Timer, pick: number | undefined, busy = false): NodeInput => {
  const withPick: NodeInput = needsPick(timer) && pick !== undefined ? { _tag: "TimerFired", timer, pick } : { _tag: "TimerFired", timer }
  return busy && takesAdmission(timer) ? { ...withPick, busy: true } : withPick
}

/** The node stops: its volatile state, its armed timers and every persist not yet durable are lost. */
export const crash = (node: HostedNode): { readonly node: HostedNode; readonly lost: ReadonlyArray<PersistRecord> } => {
  const down = crashNode(PLAIN_HOLDING, node, false)
  return { node: down.node, lost: down.lost.map((p) => p.record) }
}

/** As crash, and the disk is wiped (the next start still takes a higher epoch floor). */
export const loseDisk = (node: HostedNode): { readonly node: HostedNode; readonly lost: ReadonlyArray<PersistRecord> } => {
  const down = crashNode(PLAIN_HOLDING, node, true)
  return { node: down.node, lost: down.lost.map((p) => p.record) }
}

/** Whether `timer`'s key is armed on the node. */
export const armed = (node: HostedNode, timer: Timer): boolean => isArmed(node.timers, timer)
