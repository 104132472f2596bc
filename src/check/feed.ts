// One input to one node through the core, via the transition cache (memo.ts): the step's outcome
// prepared once for any world it happens in, then applied to a draft (packets, timers, persists
// through the node host's rules, replies).
import { type ClientReply, type NodeEffect, type NodeInput, type NodeState, step, type Timer } from "../core/index.ts"
import { armedAfter, versionsOut, type VersionOut } from "../host/index.ts"
import { replicateId } from "../invariants/acks.ts"
import { epoch2MintsAfterDurable } from "../invariants/epoch.ts"
import { checkReplicaAcks, type Receipt, type SentAck, sentAck } from "./acks.ts"
import { checkGetReplies, logAfter, NO_STEP_READS, type StepReads, stepReads } from "./reads.ts"
import type { Finding } from "../invariants/oracle.ts"
import type { Fp } from "./fingerprint.ts"
import type { Compiled } from "./compiled.ts"
import { Draft } from "./draft.ts"
import { diskKeyEvents } from "./masks.ts"
import { checkPersists, clientReply, persistFacts, readReplyFacts, replyFacts } from "./judge.ts"
import { F_FORWARDED, F_LOST, F_REPAIR, type Packet, type PendingPersist } from "./state.ts"
import { type DiskInfo, EMPTY_LIST_FP, EMPTY_PENDING, EMPTY_TIMERS, type NodeStateInfo, nodeStateInfo, packetFp, pendingEntry, pendingFp, slotOf, timersFp } from "./world-fp.ts"

/**
 * One step of one node, prepared for any world it happens in: the new state with its
 * fingerprint, the effects sorted by what they touch (packets with their fingerprints, timer
 * changes, persists, replies), and what the invariant checks need of them that depends on the
 * step alone. Cached (memo.ts): only the first time costs a `step`.
 */
interface StepOutcome {
  readonly stateInfo: NodeStateInfo
  readonly packets: ReadonlyArray<Packet>
  /** SOMETIMES flags of the step itself: a repair or a forward sent, a hint stored or deleted. */
  readonly flags: number
  readonly timerEffects: ReadonlyArray<NodeEffect>
  readonly persists: ReadonlyArray<PendingPersist>
  /** The receipt this step is, when its input is a Replicate that made it persist (ACK-2). */
  readonly receipt: Receipt | undefined
  /** The ReplicateAcks it sends (ACK-2). */
  readonly replicaAcks: ReadonlyArray<SentAck>
  /** The Reads it sends, the ReadReply it receives, the get replies it sends (READ-2, READ-3). */
  readonly reads: StepReads
  readonly persistChecks: ReadonlyArray<PersistCheck>
  /**
   * The versions the step lets out (its persists, then its messages, then its replies), which
   * EPOCH-2 judges against an epoch record in flight: computed the first time a world has one (a
   * node just restarted), never on the hot path.
   */
  versionsOut: ReadonlyArray<VersionOut> | undefined
  readonly replies: ReadonlyArray<ReplyFacts>
  /** What these effects made of the last timers and pending persists they were applied to. */
  timersIn: ReadonlyArray<Timer> | undefined
  timersOut: ReadonlyArray<Timer>
  timersOutFp: Fp
  pendingIn: ReadonlyArray<PendingPersist> | undefined
  pendingOut: ReadonlyArray<PendingPersist>
  pendingOutFp: Fp
}

/**
 * What SIB-1 and HINT-1 need of one persisted record (see `checkPersists`): for a key's new set,
 * the events it holds and those it must cover (what the replica held and what it received); for
 * a deleted hint, the events of the hint and whose disk must hold them. And what HINT-2 needs of
 * an answer to a read: what the node held for the key, and what it answered.
 */
export type PersistCheck =
  | { readonly _tag: "StoreKey"; readonly node: string; readonly key: string; readonly held: number; readonly needed: number }
  | { readonly _tag: "ReadReply"; readonly node: string; readonly to: string; readonly key: string; readonly held: number; readonly answered: number }
  /** An answer without a set: it holds what the coordinator `to` held when it asked (found in its read log). */
  | { readonly _tag: "ReadSame"; readonly node: string; readonly to: string; readonly key: string; readonly op: number; readonly epoch: number; readonly held: number }
  | { readonly _tag: "DeleteHint"; readonly intended: string; readonly intendedIndex: number; readonly key: string; readonly events: number }
  /** A finding of the step alone (EPOCH-1 at a start), reported in every world the step happens in. */
  | { readonly _tag: "Finding"; readonly finding: Finding }

/** A reply with what its client and the checks need of it, resolved once. */
export interface ReplyFacts {
  readonly reply: ClientReply
  /** The client that sent the request, if any. */
  readonly owner: number | undefined
  /** The events of the siblings it lists (0 for a failure). */
  readonly events: number
  /** A get answered by home replicas only (QUORUM-1 judges those). */
  readonly home: boolean
  /** For an acknowledged put: its write and the mask of the nodes that acknowledged it. */
  readonly write: number | undefined
  readonly ackers: number
}

const INPUT_START = 1
const INPUT_CLIENT = 2
const INPUT_RECEIVE = 3
const INPUT_TIMER = 4
const INPUT_PERSIST_DONE = 5
const INPUT_ADMIN = 6
const INPUT_PEER_UNREACHABLE = 7
const INPUT_BELIEFS = 8

/**
 * `step`, through the cache. An input is keyed by what the core reads of it: a message or a
 * timer by identity (with the sender, the pick), a persist by its token, a start by its floor,
 * a client request by its id (which fixes its kind, key and value) and its context (identity).
 */
export const stepOnce = (c: Compiled, node: number, info: NodeStateInfo, input: NodeInput, now: number): StepOutcome => {
  let kind: number
  let a: unknown
  let b: unknown
  switch (input._tag) {
    case "Start":
      kind = INPUT_START
      a = input.epochFloor
      b = undefined
      break
    case "Client":
      kind = INPUT_CLIENT
      a = input.request.id
      b = input.request._tag === "Get" ? input.request.r : input.request.context
      break
    case "Receive":
      kind = INPUT_RECEIVE
      a = input.message
      b = input.from
      break
    case "TimerFired":
      kind = INPUT_TIMER
      a = input.timer
      b = input.pick
      break
    case "PersistDone":
      kind = INPUT_PERSIST_DONE
      a = input.token
      b = undefined
      break
    case "Admin":
      kind = INPUT_ADMIN
      a = input
      b = undefined
      break
    case "PeerUnreachable":
      kind = INPUT_PEER_UNREACHABLE
      a = input.node
      b = undefined
      break
    case "Beliefs":
      kind = INPUT_BELIEFS
      a = input
      b = undefined
      break
  }
  const steps = c.cache.steps
  const found = steps.find<StepOutcome>(info, kind, a, b, now)
  if (found !== undefined) return found
  const result = step(info.state, input, now)
  return steps.store(info, kind, a, b, now, prepareOutcome(c, node, info, input, result.state, result.effects))
}

const prepareOutcome = (
  c: Compiled, node: number, base: NodeStateInfo, input: NodeInput, state: NodeState, effects: ReadonlyArray<NodeEffect>
): StepOutcome => {
  const packets: Array<Packet> = []
  const timerEffects: Array<NodeEffect> = []
  const persists: Array<PendingPersist> = []
  const persistChecks: Array<PersistCheck> = []
  const replies: Array<ReplyFacts> = []
  const replicaAcks: Array<SentAck> = []
  let flags = 0
  for (const effect of effects) {
    switch (effect._tag) {
      case "Send": {
        const to = c.nodeIndex.get(effect.to)
        if (to === undefined) throw new Error(`check: a message to unknown node ${effect.to}`)
        if (effect.message._tag === "Repair") flags |= F_REPAIR
        if (effect.message._tag === "Forward") flags |= F_FORWARDED
        if (effect.message._tag === "ReadReply") flags |= readReplyFacts(c, base.state, effect.to, effect.message, persistChecks)
        if (effect.message._tag === "ReplicateAck") replicaAcks.push(sentAck(c.ids[node]!, effect.to, effect.message))
        packets.push({ from: node, to, message: effect.message, fp: packetFp(node, to, effect.message) })
        break
      }
      case "SetTimer":
      case "CancelTimer":
        timerEffects.push(effect)
        break
      case "Persist":
        persists.push(pendingEntry(effect.token, effect.record))
        flags |= persistFacts(c, base.state, input, effect.record, persistChecks)
        break
      case "Reply":
        replies.push(replyFacts(c, effect.reply))
        break
    }
  }
  // ACK-2: the records a Replicate's receipt persisted carry it, to be found when an ack leaves.
  let receipt: Receipt | undefined
  if (input._tag === "Receive" && input.message._tag === "Replicate" && persists.length > 0) {
    const m = input.message
    const tagged: Receipt = { id: replicateId(input.from, m.epoch, m.op, m.key), first: persists[0]!.token }
    receipt = tagged
    for (let i = 0; i < persists.length; i++) persists[i] = { ...persists[i]!, receipt: tagged }
  }
  const reads = c.model.checks.read ? stepReads(c, base.state, input, packets.map((p) => p.message), replies.map((r) => r.reply)) : NO_STEP_READS
  return {
    stateInfo: state === base.state ? base : nodeStateInfo(c, state, base), packets, flags, timerEffects, persists, receipt, replicaAcks, reads, persistChecks, replies,
    versionsOut: undefined,
    timersIn: undefined, timersOut: EMPTY_TIMERS, timersOutFp: EMPTY_LIST_FP,
    pendingIn: undefined, pendingOut: EMPTY_PENDING, pendingOutFp: EMPTY_LIST_FP
  }
}

/**
 * The timers after `input` (a firing disarms its timer) and `outcome`'s timer effects, from
 * `timers`, by the host's rule (armedAfter); left in `timersOut`, `timersOutFp`. The outcome is
 * the step of this very input, so caching on `timers` alone is exact.
 */
const applyTimerEffects = (outcome: StepOutcome, input: NodeInput, timers: ReadonlyArray<Timer>): void => {
  if (outcome.timersIn === timers) return
  const next = armedAfter(timers, input, outcome.timerEffects)
  outcome.timersIn = timers
  outcome.timersOut = next
  outcome.timersOutFp = timersFp(next)
}

/** The pending persists after `outcome`'s, from `pending` (left in `pendingOut`, `pendingOutFp`). */
const appendPersists = (outcome: StepOutcome, pending: ReadonlyArray<PendingPersist>): void => {
  if (outcome.pendingIn === pending) return
  const next = pending.concat(outcome.persists)
  outcome.pendingIn = pending
  outcome.pendingOut = next
  outcome.pendingOutFp = pendingFp(next)
}

/** Feed one input to one live node through the core, check it, and perform its effects. */
export const feed = (d: Draft, node: number, input: NodeInput): void => {
  const slot = d.nodes[node]!
  feedWith(d, node, input, slot.diskInfo, slot.pending, slot.pendingFp)
}

/**
 * `feed`, the node's disk and pending persists being `diskInfo` and `pending` rather than its
 * slot's (a persist just completed: one slot built instead of two).
 */
export const feedWith = (d: Draft, node: number, input: NodeInput, diskInfo: DiskInfo, pending: ReadonlyArray<PendingPersist>, pendingFp: Fp): void => {
  const slot = d.nodes[node]!
  const info = slot.stateInfo
  const pendingBefore = pending
  if (info === undefined) throw new Error(`check: input ${input._tag} to ${d.c.ids[node]}, which is down`)
  if (d.rec !== undefined) d.record(node, { _tag: "Input", input })
  const outcome = stepOnce(d.c, node, info, input, d.now)
  if (outcome.persistChecks.length > 0) checkPersists(d, node, diskInfo.disk, outcome.persistChecks)
  // EPOCH-2: only a node with its epoch record among its pending persists can break it.
  if (pending.length > 0) {
    const epochs = d.oracle.epochRecords(node, pending)
    if (epochs !== undefined) d.report(epoch2MintsAfterDurable(epochs, d.c.ids[node]!, (outcome.versionsOut ??= versionsOutOf(d.c, outcome))))
  }
  d.flags |= outcome.flags
  for (const packet of outcome.packets) send(d, packet)
  let timers = slot.timers
  let timersFp = slot.timersFp
  if (outcome.timerEffects.length > 0 || input._tag === "TimerFired") {
    applyTimerEffects(outcome, input, timers)
    timers = outcome.timersOut
    timersFp = outcome.timersOutFp
  }
  if (outcome.persists.length > 0) {
    appendPersists(outcome, pending)
    pending = outcome.pendingOut
    pendingFp = outcome.pendingOutFp
  }
  if (outcome.replicaAcks.length > 0 && d.c.model.checks.ack) checkReplicaAcks(d, pendingBefore, pending, outcome.receipt, outcome.replicaAcks)
  let reads = slot.reads
  if (outcome.reads !== NO_STEP_READS) {
    reads = logAfter(reads, outcome.reads, d.c.ids[node]!, (key) => diskKeyEvents(d.c, diskInfo.disk, key))
    if (outcome.reads.replies.length > 0) checkGetReplies(d, node, reads, outcome.reads)
  }
  d.nodes[node] = slotOf(outcome.stateInfo, diskInfo, pending, pendingFp, timers, timersFp, slot.starts, slot.diskLost, reads)
  for (const facts of outcome.replies) clientReply(d, facts)
}

const send = (d: Draft, packet: Packet): void => {
  // A message to a crashed node, or across the cut, is lost (as the simulator drops it).
  if (d.nodes[packet.to]!.state === undefined || d.blocked(packet.from, packet.to)) {
    d.flags |= F_LOST
    return
  }
  d.addPacket(packet)
}

const versionsOutOf = (c: Compiled, outcome: StepOutcome): ReadonlyArray<VersionOut> => versionsOut([
  ...outcome.persists.map((p): NodeEffect => ({ _tag: "Persist", token: p.token, record: p.record })),
  ...outcome.packets.map((p): NodeEffect => ({ _tag: "Send", to: c.ids[p.to]!, message: p.message })),
  ...outcome.replies.map((r): NodeEffect => ({ _tag: "Reply", reply: r.reply }))
])
