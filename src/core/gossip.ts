// Gossip-based membership (section 4.8): every interval a node reconciles its view with one peer
// chosen from the members and the seeds; the choice is an input (the timer's pick).
import { gossipPeers, gossipTarget, join, leave, onGossip, startGossip, type GossipMessage } from "./membership.ts"
import { adoptView } from "./ownership.ts"
import { sendPendingOffers } from "./handoff.ts"
import type { AdminCommand } from "./io.ts"
import type { NodeId } from "./ring.ts"
import type { NodeState, Out } from "./state.ts"

export const gossipTick = (state: NodeState, pick: number, out: Out): void => {
  const peer = gossipTarget(gossipPeers(state.membership, state.id, state.config.seeds), pick)
  if (peer !== undefined) out.push({ _tag: "Send", to: peer, message: { _tag: "Gossip", gossip: startGossip(state.membership) } })
  out.push({ _tag: "SetTimer", timer: { _tag: "Gossip" }, afterMs: state.config.gossipIntervalMs })
}

export const receiveGossip = (state: NodeState, from: NodeId, message: GossipMessage, out: Out): NodeState => {
  const answer = onGossip(state.membership, message)
  if (answer.reply !== undefined) out.push({ _tag: "Send", to: from, message: { _tag: "Gossip", gossip: answer.reply } })
  return viewChanged(state, adoptView(state, answer.view, out), out)
}

/** An administrator's join or leave, applied here and spread by gossip. */
export const adminCommand = (state: NodeState, command: AdminCommand, out: Out): NodeState => {
  const view = command._tag === "Join" ? join(state.membership, command.node, command.capacity, command.address, command.zone) : leave(state.membership, command.node)
  const next = adoptView(state, view, out)
  for (const peer of gossipPeers(next.membership, next.id, next.config.seeds)) {
    out.push({ _tag: "Send", to: peer, message: { _tag: "Gossip", gossip: startGossip(next.membership) } })
  }
  return viewChanged(state, next, out)
}

const viewChanged = (before: NodeState, after: NodeState, out: Out): NodeState => {
  return after.offers !== before.offers ? sendPendingOffers(after, out) : after
}
