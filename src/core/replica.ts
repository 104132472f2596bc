// The local store of a replica (sections 4.5, 4.6): merge what arrives with DVV sync, persist
// it, and acknowledge only once the persist is durable. Hints live apart from the node's data.
// Every write to the store goes through `storeVersions`, which also keeps the Merkle tree of the
// key's range (section 4.7) holding exactly the store's keys: a key entering or leaving changes
// the tree, an overwrite does not (merkle.ts trackKey; anti-entropy refreshes a tree's sets from
// the store before it reads a hash).
import { HashMap, Option } from "effect"
import { hintId } from "./durable.ts"
import type { PersistRecord } from "./io.ts"
import { nonEmpty, trackKey } from "./merkle.ts"
import { memoised, TablesByOwner } from "./memo.ts"
import { keyRange, preferenceListView, type KeyRange, type NodeId, type Ring } from "./ring.ts"
import type { Continuation, NodeState, Out } from "./state.ts"
import { emptyVersionSet, syncVersions, type VersionSet } from "./versions.ts"

/** Emit a persist record; `then` runs when it (and every earlier record) is durable. */
export const persist = (state: NodeState, record: PersistRecord, then: Continuation | undefined, out: Out): NodeState => {
  const token = state.nextToken
  out.push({ _tag: "Persist", token, record })
  return {
    ...state,
    nextToken: token + 1,
    waiters: then === undefined ? state.waiters : [...state.waiters, { token, then }]
  }
}

/** The map key of a range's Merkle tree. */
export const rangeKey = (range: KeyRange): string => `${range.start}:${range.end}`

const treeKeyMemo = new TablesByOwner<Ring, string, string>()

/**
 * The tree key of the range holding `key` in `ring`, memoised per ring (rings are immutable and
 * replaced on every change): every store write asks, and the bigint-to-text is not free.
 */
const treeKeyOf = (ring: Ring, key: string): string => {
  return memoised(treeKeyMemo.of(ring), key, () => rangeKey(keyRange(ring, key)))
}

export const ownSet = (state: NodeState, key: string): VersionSet =>
  Option.getOrElse(HashMap.get(state.store, key), () => emptyVersionSet(state.config.versions.mode))

/** Everything this node holds for `key`: its own replica merged with any hints for it. */
export const localView = (state: NodeState, key: string): VersionSet => {
  let view = ownSet(state, key)
  if (HashMap.size(state.hints) === 0) return view
  for (const hint of HashMap.values(state.hints)) {
    if (hint.key === key) view = syncVersions(state.config.versions, view, hint.set)
  }
  return view
}

/** Is this node one of the key's N replicas in the ring that serves requests? */
export const replicates = (state: NodeState, key: string): boolean =>
  preferenceListView(state.ring, key, state.config.n).includes(state.id)

/** How a write reaches the store: as a replica, or as the node that must keep it regardless. */
export type Placement =
  /** A peer sent it: a node that no longer replicates the key keeps it as hints for those that do. */
  | "replica"
  /** Keep it in the store: the coordinator's own version, a range handed over, anti-entropy. */
  | "own"

/**
 * Merge `incoming` into this node's replica of `key` (or into its hint for `hintFor`), persist
 * the result and run `then` once durable. Merging is DVV sync, never an overwrite (SIB-1).
 */
export const storeVersions = (
  state: NodeState,
  key: string,
  incoming: VersionSet,
  hintFor: NodeId | undefined,
  then: Continuation | undefined,
  out: Out,
  placement: Placement = "replica"
): NodeState => {
  if (hintFor !== undefined && hintFor !== state.id) return storeHint(state, key, incoming, hintFor, then, out)
  if (placement === "replica" && !replicates(state, key)) {
    // A stale coordinator, or a hint whose node has since lost the range: pass it on to the
    // key's replicas in the current ring, through hinted handoff, so nothing stays stranded here.
    const owners = preferenceListView(state.ring, key, state.config.n).filter((node) => node !== state.id)
    let next = state
    owners.forEach((owner, i) => {
      next = storeHint(next, key, incoming, owner, i === owners.length - 1 ? then : undefined, out)
    })
    return owners.length === 0 ? storeOwn(state, key, incoming, then, out) : next
  }
  return storeOwn(state, key, incoming, then, out)
}

const storeHint = (state: NodeState, key: string, incoming: VersionSet, hintFor: NodeId, then: Continuation | undefined, out: Out): NodeState => {
  const id = hintId(hintFor, key)
  const existing = Option.getOrUndefined(HashMap.get(state.hints, id))
  const set = existing === undefined ? incoming : syncVersions(state.config.versions, existing.set, incoming)
  const next = { ...state, hints: HashMap.set(state.hints, id, { intended: hintFor, key, set }) }
  return persist(next, { _tag: "StoreHint", intended: hintFor, key, set }, then, out)
}

/** The trees once `key` goes from `before` to `after`: the same map for an overwrite (trackKey). */
const treesAfter = (state: NodeState, key: string, before: VersionSet | undefined, after: VersionSet): NodeState["trees"] => {
  if (nonEmpty(before) && nonEmpty(after)) return state.trees
  const treeKey = treeKeyOf(state.ring, key)
  const tree = Option.getOrUndefined(HashMap.get(state.trees, treeKey))
  if (tree === undefined) return state.trees
  const tracked = trackKey(tree, key, before, after)
  return tracked === tree ? state.trees : HashMap.set(state.trees, treeKey, tracked)
}

const storeOwn = (state: NodeState, key: string, incoming: VersionSet, then: Continuation | undefined, out: Out): NodeState => {
  const before = Option.getOrUndefined(HashMap.get(state.store, key))
  const set = syncVersions(state.config.versions, before ?? emptyVersionSet(state.config.versions.mode), incoming)
  const next = { ...state, store: HashMap.set(state.store, key, set), trees: treesAfter(state, key, before, set) }
  return persist(next, { _tag: "StoreKey", key, set }, then, out)
}
