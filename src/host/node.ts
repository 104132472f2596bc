// One hosted node as plain immutable data: its state (absent while it is down), its disk, the
// persists it emitted that are not yet durable, its armed timers and how often it has started.
// Every function returns a new node; the contract they keep is in index.ts.
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
import { armTimer, disarmTimer, isArmed, needsPick, NO_TIMERS } from "./timers.ts"

/** A persist the node emitted, in emission order, not yet durable. */
export interface PendingPersist {
  readonly token: number
  readonly record: PersistRecord
}

export interface HostedNode {
  readonly id: NodeId
  /** Undefined while the node is down (never started, crashed, or its disk lost). */
  readonly state: NodeState | undefined
  readonly disk: DurableState
  readonly pending: ReadonlyArray<PendingPersist>
  /** Armed timers, sorted by timerKey (timers.ts). */
  readonly timers: ReadonlyArray<Timer>
  /** Starts so far, disk losses included: the epoch floor of the next Start. */
  readonly starts: number
}

/** What one input did: the node after it, the core's effects, the records it made durable. */
export interface Fed {
  readonly node: HostedNode
  readonly effects: ReadonlyArray<NodeEffect>
  /** Records a PersistDone made durable, in the order they were applied to the disk. */
  readonly durable: ReadonlyArray<PersistRecord>
}

const NO_PENDING: ReadonlyArray<PendingPersist> = []
const NO_RECORDS: ReadonlyArray<PersistRecord> = []

/** A node that has never run: down, with an empty disk. */
export const hostedNode = (id: NodeId): HostedNode =>
  ({ id, state: undefined, disk: emptyDurableState, pending: NO_PENDING, timers: NO_TIMERS, starts: 0 })

/**
 * Rebuild the node's state from its disk (a first start, or a restart after a crash or disk
 * loss). The node then runs the Start input `startOf` gives it, which is what opens the
 * new incarnation; interpreters record the two as two trace steps (Recover, then the input).
 */
export const recover = (node: HostedNode, config: ProtocolConfig, bootstrap: Ring): HostedNode =>
  ({ ...node, state: recoverState(node.id, config, bootstrap, node.disk), pending: NO_PENDING, timers: NO_TIMERS, starts: node.starts + 1 })

/** The Start input after `recover`: its epoch floor is the count of starts, which only grows. */
export const startOf = (node: HostedNode): NodeInput => ({ _tag: "Start", epochFloor: node.starts })

/**
 * Run one input through the core. A PersistDone first applies every pending record up to its
 * token to the disk, in order, so the core acts on the acknowledgement only once the records are
 * durable; a TimerFired disarms its timer (a periodic one re-arms itself in the effects). The
 * effects' timers and persists are then taken into the node's tables.
 */
export const feed = (node: HostedNode, input: NodeInput, now: number): Fed => {
  const state = node.state
  if (state === undefined) throw new Error(`host: input ${input._tag} to ${node.id}, which is down`)
  let disk = node.disk
  let pending = node.pending
  let durable = NO_RECORDS
  let timers = input._tag === "TimerFired" ? disarmTimer(node.timers, input.timer) : node.timers
  if (input._tag === "PersistDone") {
    let done = 0
    while (done < pending.length && pending[done]!.token <= input.token) done += 1
    if (done > 0) {
      const records = pending.slice(0, done).map((p) => p.record)
      for (const record of records) disk = applyRecord(disk, record)
      pending = pending.slice(done)
      durable = records
    }
  }
  const result = step(state, input, now)
  let emitted: Array<PendingPersist> | undefined
  for (const effect of result.effects) {
    switch (effect._tag) {
      case "SetTimer":
        timers = armTimer(timers, effect.timer)
        break
      case "CancelTimer":
        timers = disarmTimer(timers, effect.timer)
        break
      case "Persist":
        ;(emitted ??= []).push({ token: effect.token, record: effect.record })
        break
      case "Send":
      case "Reply":
        break
    }
  }
  if (emitted !== undefined) pending = pending.concat(emitted)
  return { node: { ...node, state: result.state, disk, pending, timers }, effects: result.effects, durable }
}

/** The record persisted with `token` (and every earlier one) is durable: apply them, tell the core. */
export const completePersist = (node: HostedNode, token: number, now: number): Fed =>
  feed(node, { _tag: "PersistDone", token }, now)

/**
 * An armed timer fires: it is disarmed, and the core runs it with `pick` when it needs one
 * (needsPick; the interpreter draws it in 0..PICK_MAX-1 or, the checker, enumerates it).
 */
export const fireTimer = (node: HostedNode, timer: Timer, pick: number | undefined, now: number): Fed =>
  feed(node, firingOf(timer, pick), now)

/** The TimerFired input a firing of `timer` feeds (for interpreters that record it first). */
export const firingOf = (timer: Timer, pick: number | undefined): NodeInput =>
  needsPick(timer) && pick !== undefined ? { _tag: "TimerFired", timer, pick } : { _tag: "TimerFired", timer }

/** The node stops: its volatile state, its armed timers and every persist not yet durable are lost. */
export const crash = (node: HostedNode): { readonly node: HostedNode; readonly lost: ReadonlyArray<PersistRecord> } => ({
  node: { ...node, state: undefined, pending: NO_PENDING, timers: NO_TIMERS },
  lost: node.pending.map((p) => p.record)
})

/** As crash, and the disk is wiped (the next start still takes a higher epoch floor). */
export const loseDisk = (node: HostedNode): { readonly node: HostedNode; readonly lost: ReadonlyArray<PersistRecord> } => {
  const crashed = crash(node)
  return { node: { ...crashed.node, disk: emptyDurableState }, lost: crashed.lost }
}

/** Whether `timer`'s key is armed on the node. */
export const armed = (node: HostedNode, timer: Timer): boolean => isArmed(node.timers, timer)
