// Gossip rounds over a map of membership views, without a network: every node in turn exchanges
// views with the peer its pick chooses, through the protocol's own messages (section 4.8). The
// membership properties and the gossip-convergence bench drive the protocol this way.
import { gossipExchange, gossipPeers, gossipTarget, type MembershipView, type NodeId } from "../core/index.ts"
import { Prng } from "../host/prng.ts"

/** A seeded source of picks for the rounds: the project's PRNG, outside the core. */
export function picks(seed: number): () => number {
  const source = new Prng(seed)
  return () => source.int(0, 0x7fffffff)
}

/** One gossip exchange between `from` and `to`, through the protocol's messages. Returns messages sent. */
export function gossipOnce(views: Map<NodeId, MembershipView>, from: NodeId, to: NodeId): number {
  const exchange = gossipExchange(views.get(from)!, views.get(to)!)
  views.set(from, exchange.from)
  views.set(to, exchange.to)
  return exchange.messages
}

/**
 * One round: each node of `order` gossips with the peer its pick chooses, if that peer answers
 * (a down peer does not). Returns the messages sent.
 */
export function gossipRound(
  views: Map<NodeId, MembershipView>,
  order: ReadonlyArray<NodeId>,
  answers: (peer: NodeId) => boolean,
  seeds: ReadonlyArray<NodeId>,
  pick: () => number
): number {
  let messages = 0
  for (const node of order) {
    const peer = gossipTarget(gossipPeers(views.get(node)!, node, seeds), pick())
    if (peer !== undefined && answers(peer)) messages += gossipOnce(views, node, peer)
  }
  return messages
}
