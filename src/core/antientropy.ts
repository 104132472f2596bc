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
import { memoised, tableOf } from "./memo.ts"
import { onAntiEntropy, openingHash, rootInSync, startExchange, type AntiEntropyMessage } from "./merkle-exchange.ts"
import { type MerkleTree, refreshTree } from "./merkle.ts"
import { preferenceListForPosition, type NodeId } from "./ring.ts"
import { rangeKey, storeVersions } from "./replica.ts"
import type { NodeState, Out } from "./state.ts"

/** One anti-entropy round as a firing with `pick` plans it: the trees compared, with whom. */
interface RoundPlan {
  /** `key`: the range's key in a node's trees (rangeKey), made once per plan. */
  readonly pairs: ReadonlyArray<{ readonly peer: NodeId; readonly tree: MerkleTree; readonly key: string }>
  /** Where the next round starts (trees in ring order), when the node has more than a round's budget. */
  readonly next: number | undefined
}

/**
 * Round plans by state and pick: a pure function of an immutable state, asked for by every firing
 * and, in the model checker, by every world that may fire one (antiEntropyInSync).
 */
const plans = new WeakMap<NodeState, Map<number, RoundPlan>>()

const planRound = (state: NodeState, pick: number): RoundPlan =>
  memoised(tableOf(plans, state), pick, () => computePlan(state, pick))

/** A range a node replicates, in ring order: its key in the node's trees and its other home replicas. */
interface RangeEntry {
  readonly key: string
  readonly others: ReadonlyArray<NodeId>
}

/**
 * A node's ranges by ring (and node, and N): the trees are built for exactly the ranges a ring
 * gives a node (ownership.ts buildTrees), so the list changes only with the ring, not with the
 * trees' contents. Sorting about a thousand ranges and asking the ring for each one's replicas
 * takes milliseconds on the node's thread: once per ring, not once per round.
 */
const entriesByRing = new WeakMap<NodeState["ring"], Map<NodeId, { readonly n: number; readonly entries: ReadonlyArray<RangeEntry> }>>()

const entriesOf = (state: NodeState): ReadonlyArray<RangeEntry> => {
  const byNode = entriesByRing.get(state.ring) ?? new Map()
  const cached = byNode.get(state.id)
  if (cached !== undefined && cached.n === state.config.n && cached.entries.length === HashMap.size(state.trees)) return cached.entries
  const entries = computeEntries(state)
  byNode.set(state.id, { n: state.config.n, entries })
  entriesByRing.set(state.ring, byNode)
  return entries
}

const computeEntries = (state: NodeState): ReadonlyArray<RangeEntry> => {
  // In ring order, so a round is the same whatever the map's internal order.
  const trees = Array.from(HashMap.values(state.trees)).sort((a, b) => (a.range.end < b.range.end ? -1 : a.range.end > b.range.end ? 1 : 0))
  return trees.map((tree) => ({
    key: rangeKey(tree.range),
    others: preferenceListForPosition(state.ring, tree.range.end, state.config.n).filter((node) => node !== state.id)
  }))
}

/**
 * `tree` with the store's sets: a node's trees keep exact keys but, after overwrites, older sets
 * (merkle.ts trackKey), so every hash an exchange reads is taken from a tree refreshed here.
 */
const freshTree = (state: NodeState, tree: MerkleTree): MerkleTree =>
  refreshTree(tree, (key) => Option.getOrUndefined(HashMap.get(state.store, key)))

/**
 * `state` keeping the refreshed trees it compared, so that their cached hashes serve the next
 * exchange of a range not written since (an idle node rehashes nothing).
 */
const keepTrees = (state: NodeState, refreshed: ReadonlyArray<{ readonly key: string; readonly tree: MerkleTree }>): NodeState => {
  let trees = state.trees
  for (const { key, tree } of refreshed) {
    if (Option.getOrUndefined(HashMap.get(trees, key)) !== tree) trees = HashMap.set(trees, key, tree)
  }
  return trees === state.trees ? state : { ...state, trees }
}

const computePlan = (state: NodeState, pick: number): RoundPlan => {
  const pairs: Array<{ readonly peer: NodeId; readonly tree: MerkleTree; readonly key: string }> = []
  if (!state.config.antiEntropy) return { pairs, next: undefined }
  const entries = entriesOf(state)
  const rotating = entries.length > ANTI_ENTROPY_RANGES_PER_ROUND_MAX
  const start = rotating ? state.antiEntropyNext % entries.length : 0
  let visited = 0
  for (; visited < entries.length && pairs.length < ANTI_ENTROPY_RANGES_PER_ROUND_MAX; visited++) {
    const entry = entries[(start + visited) % entries.length]!
    const peers = state.down.length === 0 ? entry.others : entry.others.filter((node) => !isDown(state, node))
    if (peers.length === 0) continue
    const tree = Option.getOrUndefined(HashMap.get(state.trees, entry.key))
    if (tree === undefined) continue
    pairs.push({ peer: peers[pick % peers.length]!, tree: freshTree(state, tree), key: entry.key })
  }
  return { pairs, next: rotating ? (start + visited) % entries.length : undefined }
}

/**
 * An anti-entropy firing. Admission control (section 6.5, AE-2): while the interpreter reports the
 * foreground busy, the node skips the round, up to antiEntropyDeferralsMax firings in a row; the
 * next runs whatever the verdict. A skipped round sends nothing and leaves the rotation where it
 * was, so every range is still compared, at worst deferralsMax + 1 times more slowly.
 */
export const antiEntropyTick = (state: NodeState, pick: number, busy: boolean, out: Out): NodeState => {
  if (busy && state.antiEntropyDeferred < state.config.antiEntropyDeferralsMax) {
    out.push({ _tag: "SetTimer", timer: { _tag: "AntiEntropy" }, afterMs: state.config.antiEntropyIntervalMs })
    return { ...state, antiEntropyDeferred: state.antiEntropyDeferred + 1 }
  }
  const ran = state.antiEntropyDeferred === 0 ? state : { ...state, antiEntropyDeferred: 0 }
  return runRound(ran, pick, out)
}

const runRound = (state: NodeState, pick: number, out: Out): NodeState => {
  const plan = planRound(state, pick)
  const byPeer = new Map<NodeId, Array<AntiEntropyMessage>>()
  for (const { peer, tree } of plan.pairs) byPeer.set(peer, [...(byPeer.get(peer) ?? []), startExchange(tree)])
  for (const peer of [...byPeer.keys()].sort()) {
    out.push({ _tag: "Send", to: peer, message: { _tag: "AntiEntropy", exchanges: byPeer.get(peer)! } })
  }
  out.push({ _tag: "SetTimer", timer: { _tag: "AntiEntropy" }, afterMs: state.config.antiEntropyIntervalMs })
  const kept = keepTrees(state, plan.pairs)
  return plan.next === undefined ? kept : { ...kept, antiEntropyNext: plan.next }
}

/**
 * Whether an anti-entropy firing of `state` with `pick` would move no key: every exchange it
 * opens ends at once, because each peer's tree for the range agrees with the root hash sent
 * (rootInSync, the test receiveAntiEntropy makes), or the peer has no tree for it (it ignores
 * the exchange). `peerState` gives a peer's state, undefined where the exchange would be lost (a
 * crashed peer, a cut). A query for interpreters that skip idle rounds (the model checker); it
 * answers for the stores only: the messages still tell each side the other is up.
 */
export const antiEntropyInSync = (state: NodeState, pick: number, peerState: (peer: NodeId) => NodeState | undefined): boolean =>
  planRound(state, pick).pairs.every(({ peer, tree, key }) => {
    const other = peerState(peer)
    if (other === undefined) return true
    const theirs = treeIndexOf(other).get(key)
    return theirs === undefined || rootInSync(freshTree(other, theirs), openingHash(tree))
  })

/** A node's trees by range key as a plain Map, made once per trees map (shared by many states). */
const treeIndexes = new WeakMap<NodeState["trees"], ReadonlyMap<string, MerkleTree>>()

const treeIndexOf = (state: NodeState): ReadonlyMap<string, MerkleTree> => {
  let index = treeIndexes.get(state.trees)
  if (index === undefined) treeIndexes.set(state.trees, (index = new Map(state.trees)))
  return index
}


export const receiveAntiEntropy = (state: NodeState, from: NodeId, exchanges: ReadonlyArray<AntiEntropyMessage>, out: Out): NodeState => {
  let next = state
  const replies: Array<AntiEntropyMessage> = []
  for (const message of exchanges.slice(0, ANTI_ENTROPY_RANGES_PER_ROUND_MAX)) {
    const treeKey = rangeKey(message.range)
    const held = Option.getOrUndefined(HashMap.get(next.trees, treeKey))
    if (held === undefined) continue
    const tree = freshTree(next, held)
    if (tree !== held) next = keepTrees(next, [{ key: treeKey, tree }])
    const current = next
    const step = onAntiEntropy({ tree, get: (key) => Option.getOrUndefined(HashMap.get(current.store, key)) }, message)
    for (const { key, set } of step.incoming) next = storeVersions(next, key, set, undefined, undefined, out, "own")
    // A MerkleInSync answer ends the exchange: the initiator has nothing to do with it.
    if (step.reply !== undefined && step.reply._tag !== "MerkleInSync") replies.push(step.reply)
  }
  if (replies.length > 0) out.push({ _tag: "Send", to: from, message: { _tag: "AntiEntropy", exchanges: replies } })
  return next
}
