// Who owns what, derived from the membership view (sections 4.2, 4.8, 4.9): the serving ring,
// the target ring of a pending join or leave, the Merkle trees of the ranges this node
// replicates, the hand-overs it owes, and what happens when the view changes.
import { HashMap, Option } from "effect"
import { sortedStore } from "./durable.ts"
import { buildTree, type MerkleTree } from "./merkle.ts"
import {
  completeJoin, completeLeave, emptyView, entryOf, gossipPeers, startGossip, initialView, reconcile, ringOf, targetRingOf, transferPlan, viewDigest, type MembershipView
} from "./membership.ts"
import { keyRange, preferenceListView, rangesHeldBy, RING_POSITIONS, tokenRanges, type KeyRange, type NodeId, type Ring, type RingConfig } from "./ring.ts"
import { persist, rangeKey, replicates, storeVersions } from "./replica.ts"
import type { NodeState, Offer, Out } from "./state.ts"
import { tableOf } from "./memo.ts"
import type { VersionSet } from "./versions.ts"

/**
 * The view a node starts from: its persisted one, or every member of the bootstrap ring; merged
 * with a view `learned` from a seed at start (the network shell's nodes), which then stands for
 * the bootstrap ring when nothing is persisted.
 */
export const startingView = (persisted: MembershipView, bootstrap: Ring, learned: MembershipView = emptyView): MembershipView => {
  if (learned.length === 0) return persisted.length > 0 ? persisted : initialView(bootstrap.members)
  return reconcile(persisted, learned)
}

/**
 * One Merkle tree per token range `self` replicates, built from the store (recovery, ring change).
 * `kept`: the trees before a ring change; a range this node held before and still holds keeps its
 * tree (it has followed every key added or removed since; anti-entropy refreshes its sets), so only the ranges it gains are built, not every
 * key's hash again (on a real node, seconds of one step per ring change).
 */
export const buildTrees = (
  ring: Ring,
  self: NodeId,
  n: number,
  store: HashMap.HashMap<string, VersionSet>,
  kept: HashMap.HashMap<string, MerkleTree> = HashMap.empty()
): HashMap.HashMap<string, MerkleTree> => {
  const held = rangesHeldBy(ring, self, n)
  const reused = new Map<string, MerkleTree>()
  for (const range of held) {
    const tree = Option.getOrUndefined(HashMap.get(kept, rangeKey(range)))
    if (tree !== undefined) reused.set(rangeKey(range), tree)
  }
  if (reused.size === held.length) return HashMap.fromIterable(held.map((range) => [rangeKey(range), reused.get(rangeKey(range))!] as const))
  const entries = new Map<string, Array<readonly [string, VersionSet]>>(held.filter((range) => !reused.has(rangeKey(range))).map((range) => [rangeKey(range), []]))
  for (const [key, set] of sortedStore({ store })) entries.get(rangeKey(keyRange(ring, key)))?.push([key, set])
  return HashMap.fromIterable(held.map((range) =>
    [rangeKey(range), reused.get(rangeKey(range)) ?? buildTree(range, entries.get(rangeKey(range)) ?? [])] as const))
}

export const offerId = (from: NodeId, to: NodeId, range: { readonly start: bigint; readonly end: bigint }): string =>
  `${from}>${to}:${range.start}:${range.end}`

/** The hand-overs `self` owes while the ring moves from `ring` to `target`, keeping confirmations. */
const plannedOffers = (state: NodeState, ring: Ring, target: Ring): ReadonlyArray<Offer> => {
  if (viewRingsEqual(ring, target)) return []
  const previous = new Map(state.offers.map((o) => [o.id, o]))
  return transferPlan(ring, target, state.config.n, state.id).flatMap((offer) =>
    offer.to.map((to) => {
      const id = offerId(state.id, to, offer.range)
      return { id, range: offer.range, to, confirmed: previous.get(id)?.confirmed ?? false, sent: false, idleTicks: 0, keys: 0 }
    })
  )
}

/** After a restart the offers are volatile and lost: plan them again, none confirmed. */
export const plannedOffersAfterRestart = (state: NodeState): ReadonlyArray<Offer> =>
  plannedOffers({ ...state, offers: [] }, state.ring, state.targetRing)

/**
 * The offers a joining node waits for: every range it gains, from its designated sender.
 * Memoised per (ring, target ring) pair (rings keep their objects while the view leaves them
 * unchanged): a joiner asks after every range it receives, and each answer walks every sender's
 * transfer plan over the whole ring.
 */
export const expectedOffers = (state: NodeState): ReadonlyArray<string> => {
  const byTarget = tableOf(expectedMemo, state.ring)
  let byNode = byTarget.get(state.targetRing)
  if (byNode === undefined) byTarget.set(state.targetRing, (byNode = new Map()))
  const key = `${state.config.n}/${state.id}`
  const memo = byNode.get(key)
  if (memo !== undefined) return memo
  const expected: Array<string> = []
  for (const sender of state.ring.nodes) {
    for (const offer of transferPlan(state.ring, state.targetRing, state.config.n, sender)) {
      if (offer.to.includes(state.id)) expected.push(offerId(sender, state.id, offer.range))
    }
  }
  expected.sort()
  byNode.set(key, expected)
  return expected
}

const expectedMemo = new WeakMap<Ring, Map<Ring, Map<string, ReadonlyArray<string>>>>()

const viewRingsEqual = (a: Ring, b: Ring): boolean =>
  a.tokens.length === b.tokens.length && a.tokens.every((t, i) => t.position === b.tokens[i]!.position && t.owner === b.tokens[i]!.owner)

/** Equal in every field (config aside, which a node never changes): one can stand for the other. */
const sameRing = (a: Ring, b: Ring): boolean =>
  viewRingsEqual(a, b) && a.members.length === b.members.length &&
  a.members.every((m, i) => m.id === b.members[i]!.id && m.capacity === b.members[i]!.capacity && m.zone === b.members[i]!.zone)

/**
 * Adopt a new membership view: persist it, rebuild the rings, the trees and the offers, pass on
 * keys this node no longer replicates, and finish this node's own join or leave if it can.
 */
export const adoptView = (state: NodeState, view: MembershipView, out: Out): NodeState => {
  if (viewDigest(view) === viewDigest(state.membership)) return state
  let next = persist({ ...state, membership: view }, { _tag: "Membership", view }, undefined, out)
  const fresh = ringOf(view, state.ring.config)
  const freshTarget = targetRingOf(view, state.ring.config)
  const ringChanged = !viewRingsEqual(fresh, state.ring)
  // An unchanged ring keeps its object: the lookups memoised per ring stay warm.
  const ring = sameRing(fresh, state.ring) ? state.ring : fresh
  const targetRing = sameRing(freshTarget, state.targetRing) ? state.targetRing : freshTarget
  next = { ...next, ring, targetRing, offers: plannedOffers(next, ring, targetRing) }
  if (ringChanged) {
    next = { ...next, trees: buildTrees(ring, state.id, state.config.n, state.store, state.trees) }
    next = handOffOrphans(next, out)
  }
  return completeMembershipChange(next, out)
}

/**
 * Keys in the store that this node no longer replicates go to the replicas that now hold them,
 * as hints (delivered, acknowledged, then dropped: HINT-1). The store keeps its copy, so this
 * node's own dots are never reused. At most orphansPerStepMax keys are passed on now; the rest
 * wait in `orphans` for the next hint scans (a join moves tens of thousands of keys per node on
 * a real cluster: in one step, that is a pause of every request; section 6). They stay durable
 * in the store meanwhile, and a restart or another ring change lists them again.
 */
export const handOffOrphans = (state: NodeState, out: Out): NodeState => {
  const orphans: Array<string> = []
  for (const [key] of sortedStore(state)) if (!replicates(state, key)) orphans.push(key)
  return passOnOrphans({ ...state, orphans }, out)
}

/** Passes the next orphansPerStepMax waiting keys on as hints (the hint-scan timer calls it too). */
export const passOnOrphans = (state: NodeState, out: Out): NodeState => {
  if (state.orphans.length === 0) return state
  const now = state.orphans.slice(0, state.config.orphansPerStepMax)
  let next: NodeState = { ...state, orphans: state.orphans.slice(now.length) }
  for (const key of now) {
    const set = Option.getOrUndefined(HashMap.get(next.store, key))
    if (set === undefined || replicates(next, key)) continue
    for (const owner of preferenceListView(next.ring, key, next.config.n)) {
      if (owner !== next.id) next = storeVersions(next, key, set, owner, undefined, out)
    }
  }
  return next
}

/** Keys this node no longer replicates and has not yet passed on (a leaving node waits for them). */
export const orphansWaiting = (state: NodeState): number => state.orphans.length

/**
 * A joining node becomes a member once it holds every range it gains; a leaving node leaves
 * once every node that gains one of its ranges has confirmed it (paper 4.9: "hand over after
 * confirmation"). Until then the joining node serves nothing and the leaving node serves all.
 */
export const completeMembershipChange = (state: NodeState, out: Out): NodeState => {
  const entry = entryOf(state.membership, state.id)
  if (entry === undefined) return state
  if (entry.status === "joining") {
    const missing = expectedOffers(state).filter((id) => !state.received.includes(id))
    if (missing.length > 0) return state
    return announce(adoptView(state, completeJoin(state.membership, state.id), out), out)
  }
  if (entry.status === "leaving" && state.offers.every((offer) => offer.confirmed)) {
    return announce(adoptView(state, completeLeave(state.membership, state.id), out), out)
  }
  return state
}

/**
 * A node whose own join or leave just completed tells every peer at once (a gossip digest each,
 * as an admin command does) rather than one random peer a second: the ring changed, and nodes
 * still joining plan their transfers against it.
 */
const announce = (state: NodeState, out: Out): NodeState => {
  const digest = startGossip(state.membership)
  for (const peer of gossipPeers(state.membership, state.id, state.config.seeds)) out.push({ _tag: "Send", to: peer, message: { _tag: "Gossip", gossip: digest } })
  return state
}

/** One range moving in a ring change: the node that sends it and the node that gains it. */
export interface PlannedMove {
  readonly offer: string
  readonly range: KeyRange
  readonly from: NodeId
  readonly to: NodeId
}

/**
 * Every hand-over the pending joins and leaves of `view` call for, whoever sends it: each node of
 * the serving ring's transferPlan (the same one it will follow). Empty when nothing is pending.
 * An operator sees it before a change takes effect (`dynamo admin join ID --dry-run`).
 */
export const changePlan = (view: MembershipView, config: RingConfig, n: number): ReadonlyArray<PlannedMove> => {
  const ring = ringOf(view, config)
  const target = targetRingOf(view, config)
  if (ring.nodes.length === 0 || viewRingsEqual(ring, target)) return []
  const moves: Array<PlannedMove> = []
  for (const from of ring.nodes) {
    for (const offer of transferPlan(ring, target, n, from)) {
      for (const to of offer.to) moves.push({ offer: offerId(from, to, offer.range), range: offer.range, from, to })
    }
  }
  return moves
}

/**
 * The fraction of the ring's positions each node is the first replica of (its primary share,
 * section 4.2), for every node on `ring`, sorted by id.
 */
export const ringShares = (ring: Ring): ReadonlyArray<{ readonly node: NodeId; readonly share: number }> => {
  const owned = new Map<NodeId, bigint>(ring.nodes.map((node) => [node, 0n]))
  tokenRanges(ring).forEach((range, i) => {
    const width = (range.end - range.start + RING_POSITIONS) % RING_POSITIONS
    const owner = ring.tokens[i]!.owner
    owned.set(owner, owned.get(owner)! + (width === 0n ? RING_POSITIONS : width))
  })
  const SCALE = 1_000_000n
  return ring.nodes.map((node) => ({ node, share: Number((owned.get(node)! * SCALE) / RING_POSITIONS) / Number(SCALE) }))
}
