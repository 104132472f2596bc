// Gossip-based membership (section 4.8): every interval a node reconciles its view with one peer
// chosen from the members and the seeds; the choice is an input (the timer's pick).
import { gossipPeers, gossipTarget, inSyncWithDigest, join, leave, onGossip, startGossip, type GossipMessage } from "./membership.ts"
import { adoptView } from "./ownership.ts"
import { sendPendingOffers } from "./handoff.ts"
import type { AdminCommand } from "./io.ts"
import type { NodeId } from "./ring.ts"
import type { NodeState, Out } from "./state.ts"

/** The peer a gossip firing with `pick` opens a round with (none when the node knows no other). */
export const gossipPeerOf = (state: NodeState, pick: number): NodeId | undefined =>
  gossipTarget(gossipPeers(state.membership, state.id, state.config.seeds), pick)

/**
 * Whether a gossip round from `state` to `peer` would end at once, neither view changing: the
 * peer's view agrees with the digest the round opens with (the test onGossip makes). A query for
 * interpreters that skip idle rounds (the model checker); it answers for the views only: the
 * round's messages still tell each side the other is up.
 */
export const gossipInSync = (state: NodeState, peer: NodeState): boolean => {
  const opening = startGossip(state.membership)
  return opening._tag === "GossipDigest" && inSyncWithDigest(peer.membership, opening.digest)
}

export const gossipTick = (state: NodeState, pick: number, out: Out): void => {
  const peer = gossipPeerOf(state, pick)
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
