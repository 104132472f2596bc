// Merkle-tree anti-entropy (section 4.7): every interval a node compares, for each range it
// replicates, its tree with one other replica's, descends only into differing subtrees, and
// merges the keys that differ with DVV sync. The peer choice comes from the timer's pick.
// Exchanges with the same peer travel together in one message, so a round in which every range
// is in sync costs two messages per peer, not two per range. A round compares at most
// ANTI_ENTROPY_RANGES_PER_ROUND_MAX ranges; a node that replicates more (about 600 with the
// shell's 1,024 partitions on five nodes) takes them in turn, each round starting where the last
// one stopped, so every range is compared within ceil(ranges / that budget) rounds.
import { HashMap, Option } from "effect"
import { ANTI_ENTROPY_RANGES_PER_ROUND_MAX } from "./config.ts"
import { isDown } from "./detector.ts"
import { onAntiEntropy, startExchange, type AntiEntropyMessage } from "./merkle-exchange.ts"
import { preferenceListForPosition, type NodeId } from "./ring.ts"
import { rangeKey, storeVersions } from "./replica.ts"
import type { NodeState, Out } from "./state.ts"

export const antiEntropyTick = (state: NodeState, pick: number, out: Out): NodeState => {
  let next = state
  if (state.config.antiEntropy) {
    const byPeer = new Map<NodeId, Array<AntiEntropyMessage>>()
    let compared = 0
    // In ring order, so a round is the same whatever the map's internal order.
    const trees = Array.from(HashMap.values(state.trees)).sort((a, b) => (a.range.end < b.range.end ? -1 : a.range.end > b.range.end ? 1 : 0))
    const rotating = trees.length > ANTI_ENTROPY_RANGES_PER_ROUND_MAX
    const start = rotating ? state.antiEntropyNext % trees.length : 0
    let visited = 0
    for (; visited < trees.length && compared < ANTI_ENTROPY_RANGES_PER_ROUND_MAX; visited++) {
      const tree = trees[(start + visited) % trees.length]!
      const peers = preferenceListForPosition(state.ring, tree.range.end, state.config.n).filter((node) => node !== state.id && !isDown(state, node))
      if (peers.length === 0) continue
      const peer = peers[pick % peers.length]!
      byPeer.set(peer, [...(byPeer.get(peer) ?? []), startExchange(tree)])
      compared += 1
    }
    if (rotating) next = { ...state, antiEntropyNext: (start + visited) % trees.length }
    for (const peer of [...byPeer.keys()].sort()) {
      out.push({ _tag: "Send", to: peer, message: { _tag: "AntiEntropy", exchanges: byPeer.get(peer)! } })
    }
  }
  out.push({ _tag: "SetTimer", timer: { _tag: "AntiEntropy" }, afterMs: state.config.antiEntropyIntervalMs })
  return next
}

export const receiveAntiEntropy = (state: NodeState, from: NodeId, exchanges: ReadonlyArray<AntiEntropyMessage>, out: Out): NodeState => {
  let next = state
  const replies: Array<AntiEntropyMessage> = []
  for (const message of exchanges.slice(0, ANTI_ENTROPY_RANGES_PER_ROUND_MAX)) {
    const tree = Option.getOrUndefined(HashMap.get(next.trees, rangeKey(message.range)))
    if (tree === undefined) continue
    const current = next
    const step = onAntiEntropy({ tree, get: (key) => Option.getOrUndefined(HashMap.get(current.store, key)) }, message)
    for (const { key, set } of step.incoming) next = storeVersions(next, key, set, undefined, undefined, out, "own")
    // A MerkleInSync answer ends the exchange: the initiator has nothing to do with it.
    if (step.reply !== undefined && step.reply._tag !== "MerkleInSync") replies.push(step.reply)
  }
  if (replies.length > 0) out.push({ _tag: "Send", to: from, message: { _tag: "AntiEntropy", exchanges: replies } })
  return next
}
