// The Merkle exchange (paper 4.7) between two replicas of a range: compare roots, descend only
// into differing children, swap the keys of differing leaves and merge them with syncVersions.
// The trees are merkle.ts's.
import type { KeyRange } from "./ring.ts"
import { isEmptySet, type VersionSet } from "./versions.ts"
import { EMPTY_HASH, type KeyHash, type KeyedSet, MERKLE_LEAF_HASHES_PER_REPLY_MAX, MERKLE_NODES_PER_REQUEST_MAX, MERKLE_SYNC_KEYS_MAX, type MerkleTree, assert, bucketEntries, bucketOf, childrenHashes, fanoutOf, holdsKey, leafCount, leafSetOfKey, nodesAt, nonEmpty, root, sameRange, sameSet } from "./merkle.ts"

// ---------------------------------------------------------------------------------------------
// The exchange: stateless on both sides. Every message names its range; each answer is computed
// from the receiver's tree as it is now, so a write in between only makes the exchange find a
// little more or a little less; the next exchange finishes the job.

/** The children hashes of one node, answering a request. */
export interface ChildHashes {
  readonly index: number
  readonly hashes: ReadonlyArray<bigint>
}

/**
 * Initiator (I) and responder (R) of one exchange on one range:
 * I->R MerkleRoot; R->I MerkleInSync, or the root's children; I->R MerkleChildrenRequest for the
 * differing children, level by level; I->R MerkleLeafRequest for the differing buckets; R->I
 * their (key, hash) pairs; I->R MerkleSync with I's sets of the differing keys and the keys it
 * wants; R->I MerkleSyncReply with R's sets of those. Both merge with syncVersions.
 */
export type AntiEntropyMessage =
  | { readonly _tag: "MerkleRoot"; readonly range: KeyRange; readonly hash: bigint }
  | { readonly _tag: "MerkleInSync"; readonly range: KeyRange }
  | { readonly _tag: "MerkleChildrenRequest"; readonly range: KeyRange; readonly level: number; readonly indices: ReadonlyArray<number> }
  /** Children (at level + 1) of the listed nodes at `level`. */
  | { readonly _tag: "MerkleChildren"; readonly range: KeyRange; readonly level: number; readonly nodes: ReadonlyArray<ChildHashes> }
  | { readonly _tag: "MerkleLeafRequest"; readonly range: KeyRange; readonly buckets: ReadonlyArray<number> }
  /** Every (key, hash) of each listed bucket: a bucket is never split. */
  | { readonly _tag: "MerkleLeafHashes"; readonly range: KeyRange; readonly buckets: ReadonlyArray<number>; readonly entries: ReadonlyArray<KeyHash> }
  | { readonly _tag: "MerkleSync"; readonly range: KeyRange; readonly entries: ReadonlyArray<KeyedSet>; readonly wanted: ReadonlyArray<string> }
  | { readonly _tag: "MerkleSyncReply"; readonly range: KeyRange; readonly entries: ReadonlyArray<KeyedSet> }

export type AntiEntropyMessageTag = AntiEntropyMessage["_tag"]

/** One replica of a range as the exchange sees it: its tree and its store's sets. */
export interface MerkleReplica {
  readonly tree: MerkleTree
  /** The replica's own set for a key (not hints); must agree with the tree. */
  readonly get: (key: string) => VersionSet | undefined
}

/** What a replica does with a message: answer it, and merge `incoming` into its store. */
export interface AntiEntropyStep {
  readonly reply?: AntiEntropyMessage
  /** Sets from the peer, to be merged with syncVersions (never stored as they are). */
  readonly incoming: ReadonlyArray<KeyedSet>
}

const NOTHING: AntiEntropyStep = { incoming: [] }

/** The first message of an exchange on the tree's range. */
/**
 * Whether a tree agrees with the root hash an exchange opens with: then the exchange ends at once
 * (MerkleInSync), moving no key. onAntiEntropy's first test, and antiEntropyInSync's.
 */
export function rootInSync(tree: MerkleTree, hash: bigint): boolean {
  return hash === root(tree)
}

/** The hash an exchange over `tree` opens with (startExchange's MerkleRoot). */
export function openingHash(tree: MerkleTree): bigint {
  return root(tree)
}

export function startExchange(tree: MerkleTree): AntiEntropyMessage {
  return { _tag: "MerkleRoot", range: tree.range, hash: openingHash(tree) }
}

/** Valid, distinct, sorted numbers below `limit`, at most `max` of them: peer input is untrusted. */
function validIndices(values: ReadonlyArray<number>, limit: number, max: number): number[] {
  const valid = values.filter((value) => Number.isInteger(value) && value >= 0 && value < limit)
  return [...new Set(valid)].sort((a, b) => a - b).slice(0, max)
}

/** The replica's sets for keys of the tree's range it holds, in key order. */
function entriesOf(replica: MerkleReplica, keys: ReadonlyArray<string>): KeyedSet[] {
  const entries: KeyedSet[] = []
  for (const key of keys) {
    const set = replica.get(key)
    const inTree = leafSetOfKey(replica.tree, bucketOf(replica.tree, key), key)
    // Paired with updateKey's check: what the tree says and what the store holds agree.
    assert(sameSet(key, inTree, nonEmpty(set) ? set : undefined), () => `key ${JSON.stringify(key)}: the store and the tree disagree`)
    if (set !== undefined && !isEmptySet(set)) entries.push({ key, set })
  }
  return entries
}

/** Entries in the tree's range, each key once (the first), at most `max`. */
function incomingOf(tree: MerkleTree, entries: ReadonlyArray<KeyedSet>, max: number): KeyedSet[] {
  const seen = new Set<string>()
  const kept: KeyedSet[] = []
  for (const entry of entries) {
    if (kept.length >= max) break
    if (seen.has(entry.key) || !holdsKey(tree, entry.key)) continue
    seen.add(entry.key)
    kept.push(entry)
  }
  return kept
}

function onChildren(replica: MerkleReplica, level: number, nodes: ReadonlyArray<ChildHashes>): AntiEntropyStep {
  const { tree } = replica
  const fanout = fanoutOf(tree.shape)
  if (!Number.isInteger(level) || level < 0 || level >= tree.shape.depth) return NOTHING
  const differing: number[] = []
  for (const node of nodes.slice(0, MERKLE_NODES_PER_REQUEST_MAX)) {
    if (!Number.isInteger(node.index) || node.index < 0 || node.index >= nodesAt(tree.shape, level)) continue
    if (node.hashes.length !== fanout) continue
    const mine = childrenHashes(tree, level, node.index)
    // Descend into every differing child, never only the first: a skipped subtree hides keys.
    for (let slot = 0; slot < fanout; slot++) {
      if (node.hashes[slot] !== mine[slot]) differing.push(node.index * fanout + slot)
    }
  }
  if (differing.length === 0) return NOTHING
  const next = validIndices(differing, nodesAt(tree.shape, level + 1), MERKLE_NODES_PER_REQUEST_MAX)
  if (level + 1 === tree.shape.depth) return { reply: { _tag: "MerkleLeafRequest", range: tree.range, buckets: next }, incoming: [] }
  return { reply: { _tag: "MerkleChildrenRequest", range: tree.range, level: level + 1, indices: next }, incoming: [] }
}

function onLeafRequest(replica: MerkleReplica, buckets: ReadonlyArray<number>): AntiEntropyStep {
  const { tree } = replica
  const sent: number[] = []
  const entries: KeyHash[] = []
  for (const bucket of validIndices(buckets, leafCount(tree.shape), MERKLE_NODES_PER_REQUEST_MAX)) {
    const items = bucketEntries(tree, bucket)
    if (sent.length > 0 && entries.length + items.length > MERKLE_LEAF_HASHES_PER_REPLY_MAX) break
    sent.push(bucket)
    entries.push(...items)
  }
  return { reply: { _tag: "MerkleLeafHashes", range: tree.range, buckets: sent, entries }, incoming: [] }
}

function onLeafHashes(replica: MerkleReplica, buckets: ReadonlyArray<number>, entries: ReadonlyArray<KeyHash>): AntiEntropyStep {
  const { tree } = replica
  const covered = new Set(validIndices(buckets, leafCount(tree.shape), MERKLE_NODES_PER_REQUEST_MAX))
  const theirs = new Map<string, bigint>()
  for (const entry of entries.slice(0, MERKLE_LEAF_HASHES_PER_REPLY_MAX)) {
    if (!holdsKey(tree, entry.key) || !covered.has(bucketOf(tree, entry.key))) continue
    if (entry.hash !== EMPTY_HASH) theirs.set(entry.key, entry.hash)
  }
  const differing = new Set<string>()
  const mine = new Set<string>()
  for (const bucket of covered) {
    for (const entry of bucketEntries(tree, bucket)) {
      mine.add(entry.key)
      if (theirs.get(entry.key) !== entry.hash) differing.add(entry.key)
    }
  }
  for (const key of theirs.keys()) if (!mine.has(key)) differing.add(key)
  if (differing.size === 0) return NOTHING
  const keys = [...differing].sort().slice(0, MERKLE_SYNC_KEYS_MAX)
  const reply: AntiEntropyMessage = {
    _tag: "MerkleSync",
    range: tree.range,
    entries: entriesOf(replica, keys.filter((key) => mine.has(key))),
    wanted: keys.filter((key) => theirs.has(key))
  }
  return { reply, incoming: [] }
}

function onSync(replica: MerkleReplica, entries: ReadonlyArray<KeyedSet>, wanted: ReadonlyArray<string>): AntiEntropyStep {
  const { tree } = replica
  const incoming = incomingOf(tree, entries, MERKLE_SYNC_KEYS_MAX)
  const asked = [...new Set(wanted.filter((key) => holdsKey(tree, key)))].sort().slice(0, MERKLE_SYNC_KEYS_MAX)
  // Our sets as they were before merging theirs: the initiator's sync gives the same result.
  const reply: AntiEntropyMessage = { _tag: "MerkleSyncReply", range: tree.range, entries: entriesOf(replica, asked) }
  return { reply, incoming }
}

/**
 * One replica's answer to an anti-entropy message, either role: what to send back to the peer,
 * and the peer's sets to merge. Messages for another range, or malformed, are ignored.
 */
export function onAntiEntropy(replica: MerkleReplica, message: AntiEntropyMessage): AntiEntropyStep {
  const { tree } = replica
  if (!sameRange(message.range, tree.range)) return NOTHING
  switch (message._tag) {
    case "MerkleRoot":
      if (rootInSync(tree, message.hash)) return { reply: { _tag: "MerkleInSync", range: tree.range }, incoming: [] }
      return {
        reply: { _tag: "MerkleChildren", range: tree.range, level: 0, nodes: [{ index: 0, hashes: childrenHashes(tree, 0, 0) }] },
        incoming: []
      }
    case "MerkleInSync":
      return NOTHING
    case "MerkleChildrenRequest": {
      const level = message.level
      if (!Number.isInteger(level) || level < 0 || level >= tree.shape.depth) return NOTHING
      const nodes = validIndices(message.indices, nodesAt(tree.shape, level), MERKLE_NODES_PER_REQUEST_MAX)
        .map((index) => ({ index, hashes: childrenHashes(tree, level, index) }))
      return { reply: { _tag: "MerkleChildren", range: tree.range, level, nodes }, incoming: [] }
    }
    case "MerkleChildren":
      return onChildren(replica, message.level, message.nodes)
    case "MerkleLeafRequest":
      return onLeafRequest(replica, message.buckets)
    case "MerkleLeafHashes":
      return onLeafHashes(replica, message.buckets, message.entries)
    case "MerkleSync":
      return onSync(replica, message.entries, message.wanted)
    case "MerkleSyncReply":
      return { incoming: incomingOf(tree, message.entries, MERKLE_SYNC_KEYS_MAX) }
  }
}
