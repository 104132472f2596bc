// A Dynamo node as one pure function: step(state, input, now) -> { state, effects }. The network
// shell, the simulator and the model checker all run this function and nothing else.
import { HashMap } from "effect"
import type { ProtocolConfig } from "./config.ts"
import { putAcknowledged, readAnswered, requestTimerFired } from "./coordinator.ts"
import { markUp, probe, setBeliefs } from "./detector.ts"
import { coordinate, forward, forwardTimedOut, peerUnreachable, receiveClaim, receiveForward, receiveForwardReply, receiveGrant, receiveMinted } from "./forward.ts"
import type { DurableState } from "./durable.ts"
import { hintAcknowledged, receiveHint, scanHints } from "./hints.ts"
import type { ClientRequest, NodeEffect, NodeInput, Timer } from "./io.ts"
import type { PeerMessage } from "./messages.ts"
import { preferenceListView, type NodeId, type Ring } from "./ring.ts"
import { ringOf, targetRingOf, type MembershipView } from "./membership.ts"
import { buildTrees, completeMembershipChange, handOffOrphans, passOnOrphans, plannedOffersAfterRestart, startingView } from "./ownership.ts"
import { adminCommand, gossipTick, receiveGossip } from "./gossip.ts"
import { antiEntropyTick, receiveAntiEntropy } from "./antientropy.ts"
import { handoffAcknowledged, handoffBatchDurable, handoffPulled, handoffRecorded, handoffTick, receiveHandoff, sendPendingOffers } from "./handoff.ts"
import { emptyRecent } from "./recent.ts"
import { localView, persist, storeVersions } from "./replica.ts"
import { versionsDigest } from "./versions.ts"
import type { Continuation, NodeState, Out } from "./state.ts"

export interface StepResult {
  readonly state: NodeState
  readonly effects: ReadonlyArray<NodeEffect>
}

/**
 * A node as it comes up from its disk: durable state kept, volatile state empty. `bootstrap` is
 * the ring of the cluster as configured; once the node has persisted a membership view, that
 * view (reconciled by gossip since) decides the ring instead. `learned`: a view the interpreter
 * got from a seed before starting (the network shell), merged into the persisted one.
 */
export const recover = (id: NodeId, config: ProtocolConfig, bootstrap: Ring, durable: DurableState, learned?: MembershipView): NodeState => {
  const membership = startingView(durable.membership, bootstrap, learned)
  const ring = ringOf(membership, bootstrap.config)
  return {
    id,
    config,
    membership,
    received: durable.received,
    ring,
    targetRing: targetRingOf(membership, bootstrap.config),
    trees: buildTrees(ring, id, config.n, durable.store),
    offers: [],
    incoming: new Map(),
    ...volatileOf(durable)
  }
}

const volatileOf = (durable: DurableState) => ({
  epoch: durable.epoch,
  store: durable.store,
  hints: durable.hints,
  ready: false,
  down: [],
  requests: HashMap.empty(),
  forwards: HashMap.empty(),
  forwarded: emptyRecent,
  claims: { pending: HashMap.empty(), next: 0 },
  waiters: [],
  nextToken: 0,
  nextOp: 0,
  antiEntropyNext: 0,
  antiEntropyDeferred: 0,
  orphans: []
})

/** The durable part of a node's state, as its disk holds it once every persist completed. */
export const durableOf = (state: NodeState): DurableState => ({
  epoch: state.epoch,
  store: state.store,
  hints: state.hints,
  membership: state.membership,
  received: state.received
})

export const step = (state: NodeState, input: NodeInput, now: number): StepResult => {
  const out: Out = []
  const next = dispatch(state, input, now, out)
  return { state: next, effects: out }
}

const dispatch = (state: NodeState, input: NodeInput, now: number, out: Out): NodeState => {
  switch (input._tag) {
    case "Start":
      return start(state, input.epochFloor, out)
    case "Client":
      return clientRequest(state, input.request, now, out)
    case "Receive":
      return receive(markUp(state, input.from), input.from, input.message, now, out)
    case "TimerFired":
      return timerFired(state, input.timer, input.pick ?? 0, input.busy === true, now, out)
    case "Admin":
      return adminCommand(state, input.command, out)
    case "PersistDone":
      return persistDone(state, input.token, out)
    case "PeerUnreachable":
      return peerUnreachable(state, input.node, now, out)
    case "Beliefs":
      return setBeliefs(state, input.down)
  }
}

const timerFired = (state: NodeState, timer: Timer, pick: number, busy: boolean, now: number, out: Out): NodeState => {
  switch (timer._tag) {
    case "RequestTimer":
      return requestTimerFired(state, timer.op, timer.round, out)
    case "ForwardTimer":
      return forwardTimedOut(state, timer.op, now, out)
    case "HintScan":
      scanHints(state, out)
      return passOnOrphans(state, out)
    case "Probe":
      probe(state, out)
      return state
    case "Gossip":
      gossipTick(state, pick, out)
      return state
    case "AntiEntropy":
      return antiEntropyTick(state, pick, busy, out)
    case "Handoff":
      return handoffTick(state, out)
  }
}

const start = (state: NodeState, epochFloor: number, out: Out): NodeState => {
  const epoch = Math.max(state.epoch + 1, epochFloor)
  const next = persist({ ...state, epoch, ready: false }, { _tag: "Epoch", epoch }, { _tag: "EpochDurable" }, out)
  out.push({ _tag: "SetTimer", timer: { _tag: "HintScan" }, afterMs: state.config.hintScanIntervalMs })
  out.push({ _tag: "SetTimer", timer: { _tag: "Probe" }, afterMs: state.config.probeIntervalMs })
  out.push({ _tag: "SetTimer", timer: { _tag: "Gossip" }, afterMs: state.config.gossipIntervalMs })
  out.push({ _tag: "SetTimer", timer: { _tag: "AntiEntropy" }, afterMs: state.config.antiEntropyIntervalMs })
  out.push({ _tag: "SetTimer", timer: { _tag: "Handoff" }, afterMs: state.config.handoffIntervalMs })
  // Whatever the previous incarnation left unfinished: keys it no longer replicates, the
  // hand-overs of a pending join or leave, and its own join or leave if that can now complete.
  let resumed = handOffOrphans(next, out)
  resumed = sendPendingOffers({ ...resumed, offers: plannedOffersAfterRestart(resumed) }, out)
  return completeMembershipChange(resumed, out)
}

/**
 * A client request: a get is coordinated wherever it lands, since any node may coordinate a read
 * (section 6.4): it mints nothing, and its coordinator asks the N highest-ranked reachable nodes
 * as a top-N one would. A put or delete is coordinated here when this node is in the key's top N
 * (it mints the version), otherwise forwarded to the first top-N node not believed down (4.5);
 * with none reachable, coordinated here so the store stays writeable.
 */
const clientRequest = (state: NodeState, request: ClientRequest, now: number, out: Out): NodeState => {
  if (request._tag === "Get") return coordinate(state, request, { _tag: "Local" }, now, out)
  const top = preferenceListView(state.ring, request.key, state.config.n)
  if (!top.includes(state.id)) {
    const to = top.find((node) => !state.down.includes(node))
    if (to !== undefined) return forward(state, request, to, out)
  }
  return coordinate(state, request, { _tag: "Local" }, now, out)
}

const receive = (state: NodeState, from: NodeId, message: PeerMessage, now: number, out: Out): NodeState => {
  switch (message._tag) {
    case "Replicate":
      return storeVersions(state, message.key, message.set, message.hintFor, message.hintFor === undefined
        ? { _tag: "AckReplicate", to: from, op: message.op, epoch: message.epoch, key: message.key }
        : { _tag: "AckReplicate", to: from, op: message.op, epoch: message.epoch, key: message.key, hintFor: message.hintFor }, out)
    case "ReplicateAck":
      // An answer to a previous incarnation's request: its op number may have been reused.
      if (message.epoch !== state.epoch) return state
      return putAcknowledged(state, message.op, message.key, from, message.hintFor, out)
    case "Read": {
      const view = localView(state, message.key)
      // The coordinator holds exactly these versions already: say so instead of sending them.
      const reply = message.digest !== undefined && message.digest === versionsDigest(view)
        ? { _tag: "ReadReply", op: message.op, epoch: message.epoch, key: message.key } as const
        : { _tag: "ReadReply", op: message.op, epoch: message.epoch, key: message.key, set: view } as const
      out.push({ _tag: "Send", to: from, message: reply })
      return state
    }
    case "ReadReply":
      if (message.epoch !== state.epoch) return state
      return readAnswered(state, message.op, message.key, from, message.set, out)
    case "Repair":
      return storeVersions(state, message.key, message.set, message.hintFor, undefined, out)
    case "Forward":
      return receiveForward(state, from, message.op, message.epoch, message.request, now, out)
    case "ForwardClaim":
      return receiveClaim(state, from, message.op, message.epoch, out)
    case "ForwardGrant":
      return receiveGrant(state, from, message.op, message.epoch, now, out)
    case "ForwardMinted":
      return receiveMinted(state, from, message.op, message.epoch, message.set)
    case "ForwardReply":
      return receiveForwardReply(state, from, message.op, message.epoch, message.reply, out)
    case "HintDeliver":
      return receiveHint(state, from, message.key, message.set, out)
    case "HintAck":
      return hintAcknowledged(state, from, message.key, message.set, out)
    case "Gossip":
      return receiveGossip(state, from, message.gossip, out)
    case "AntiEntropy":
      return receiveAntiEntropy(state, from, message.exchanges, out)
    case "Handoff":
      return receiveHandoff(state, from, message, out)
    case "HandoffAck":
      return handoffAcknowledged(state, from, message.offer, out)
    case "HandoffPull":
      return handoffPulled(state, from, message.offers, out)
    case "Ping":
      out.push({ _tag: "Send", to: from, message: { _tag: "Pong" } })
      return state
    case "Pong":
      return state
  }
}

/** Every record up to `token` is durable: run what waited on them, in emission order. */
const persistDone = (state: NodeState, token: number, out: Out): NodeState => {
  const due = state.waiters.filter((w) => w.token <= token)
  if (due.length === 0) return state
  let next: NodeState = { ...state, waiters: state.waiters.filter((w) => w.token > token) }
  for (const waiter of due) next = continueAfterPersist(next, waiter.then, out)
  return next
}

const continueAfterPersist = (state: NodeState, then: Continuation, out: Out): NodeState => {
  switch (then._tag) {
    case "AckReplicate":
      out.push({ _tag: "Send", to: then.to, message: then.hintFor === undefined
        ? { _tag: "ReplicateAck", op: then.op, epoch: then.epoch, key: then.key }
        : { _tag: "ReplicateAck", op: then.op, epoch: then.epoch, key: then.key, hintFor: then.hintFor } })
      return state
    case "OwnAck":
      return putAcknowledged(state, then.op, undefined, state.id, then.hintFor, out)
    case "AckHint":
      out.push({ _tag: "Send", to: then.to, message: { _tag: "HintAck", key: then.key, set: then.set } })
      return state
    case "EpochDurable":
      return { ...state, ready: true }
    case "HandoffBatchDurable":
      return handoffBatchDurable(state, then.from, then.offer, then.batch, then.batches, out)
    case "AckHandoff":
      return handoffRecorded(state, then.to, then.offer, out)
  }
}

