// Anti-entropy with Merkle trees (paper 4.7): one tree per key range a node hosts. Two replicas of
// a range compare roots, descend only into differing children, then swap the keys of the differing
// leaves and merge them with syncVersions (never an overwrite). updateKey changes a tree in
// O(depth) and it is never rebuilt, except when the ranges themselves change (the paper's
// weakness). A node goes further (trackKey): only a key entering or leaving a tree changes it,
// and anti-entropy takes the store's sets into a tree just before comparing it (refreshTree).
// Hashing is lazy: a node's hash is computed when an exchange asks for it and cached, so many
// writes between two exchanges cost one rehash of each changed key.
// This file is the trees; a key's hash is merkle-hash.ts, a tree of a few keys kept as a list
// merkle-flat.ts, the exchange merkle-exchange.ts, its messages' wire form merkle-wire.ts, and a
// two-replica driver for tests and benchmarks merkle-diff.ts.
import { EMPTY_HASH, keyVersionHash } from "./merkle-hash.ts"
import { findFlat, FLAT_KEYS_MAX, FlatEntry, type FlatList, flatChildrenHashes, flatHash, refreshFlat, withFlat } from "./merkle-flat.ts"
import { memoised, tableOf } from "./memo.ts"
import { positionOfKey, RING_POSITIONS, rangeContains, type KeyRange } from "./ring.ts"
import { isEmptySet, type VersionSet } from "./versions.ts"

// ---------------------------------------------------------------------------------------------
// Shape and limits.

/** log2 of the fan-out: 16 children per inner node. */
export const MERKLE_FANOUT_BITS = 4
/** Levels below the root; the leaves are at this level. 16^3 = 4096 leaf buckets per range. */
export const MERKLE_DEPTH = 3
/** Child indices (or buckets) one request may name: bounds a message and the work to answer it. */
export const MERKLE_NODES_PER_REQUEST_MAX = 256
/** (key, hash) pairs in one leaf answer; whole buckets only, so at least one bucket is sent. */
export const MERKLE_LEAF_HASHES_PER_REPLY_MAX = 4096
/** Keys one sync message may carry (sets sent plus sets asked for); the rest wait for the next exchange. */
export const MERKLE_SYNC_KEYS_MAX = 1024
/** Exchanges the `diff` driver runs before it gives up (each one syncs at most MERKLE_SYNC_KEYS_MAX keys). */
export const DIFF_EXCHANGES_MAX = 1024
export { EMPTY_HASH, keyVersionHash, versionSetText } from "./merkle-hash.ts"
export const HASH_MAX = (1n << 128n) - 1n
const SHAPE_FANOUT_BITS_MAX = 8
const SHAPE_LEAF_BITS_MAX = 24

/** Fan-out 2^fanoutBits, leaves at level `depth`: 2^(fanoutBits * depth) buckets. */
export interface MerkleShape {
  readonly fanoutBits: number
  readonly depth: number
}

export const MERKLE_SHAPE_DEFAULT: MerkleShape = { fanoutBits: MERKLE_FANOUT_BITS, depth: MERKLE_DEPTH }

// ---------------------------------------------------------------------------------------------
// The tree: persistent, sparse. An absent subtree is empty (hash 0); a write copies one path.
// A node's hash is computed on demand and cached in a private field: nodes are immutable, so a
// cached hash never goes stale, and the field is invisible to structural equality, so a tree
// stays comparable data whether or not anyone has asked for its hashes yet.

class Inner {
  readonly _tag = "Inner"
  /** The cached hash; undefined until asked. */
  #hash: bigint | undefined
  /**
   * Sparse: only the non-empty children, by slot. Nodes hold few keys per range, so a write
   * copies two short arrays per level rather than fanout slots.
   */
  constructor(
    /** Slots of the non-empty children, ascending, at least one. */
    readonly slots: ReadonlyArray<number>,
    /** children[i] is the subtree in slots[i]. */
    readonly children: ReadonlyArray<Subtree>
  ) {}
  get hash(): bigint {
    if (this.#hash === undefined) this.#hash = innerHash(this.children)
    return this.#hash
  }
  /** The subtree in `slot`, undefined when empty. */
  child(slot: number): Subtree | undefined {
    const i = this.slots.indexOf(slot)
    return i < 0 ? undefined : this.children[i]
  }
}

/**
 * A leaf bucket. Its hash is the XOR of its keys' 128-bit hashes, and an inner node's the XOR of
 * its children's: every node's hash is the XOR of the key hashes (merkle-hash.ts) below it. As
 * in Cassandra's trees, the inputs are a strong hash and all hashing inside the tree is XOR: no
 * digest per inner node, and no order to respect, since a key's bucket is fixed by its position.
 * Safe enough here: XOR's classic failure, equal items cancelling, cannot happen because a tree
 * holds each key once and the key is inside each hashed text; two replicas' subtrees then collide
 * only if the XOR of their differing keys' hashes is zero, about 2^-128 for data not crafted for
 * it. Crafting it needs control of the whole hashed set, server-assigned dots included, and would
 * only delay a repair (read repair and the next write still reach the key), never corrupt data.
 */
class Leaf {
  readonly _tag = "Leaf"
  #hash: bigint | undefined
  constructor(
    /** Sorted (code-unit order), distinct, non-empty. */
    readonly keys: ReadonlyArray<string>,
    /** sets[i] is the replica's set of keys[i], never empty: the store's own objects, shared. */
    readonly sets: ReadonlyArray<VersionSet>
  ) {}
  get hash(): bigint {
    if (this.#hash === undefined) this.#hash = leafHash(this)
    return this.#hash
  }
}

type Subtree = Inner | Leaf

/** The Merkle tree of one key range (a token's range, 4.7). Plain immutable data. */
export interface MerkleTree {
  readonly range: KeyRange
  readonly shape: MerkleShape
  /** The nodes of a tree of more than FLAT_KEYS_MAX keys; undefined for a smaller one. */
  readonly root: Subtree | undefined
  /** The keys of a tree of at most FLAT_KEYS_MAX keys, as a list (merkle-flat.ts); undefined for a larger one. */
  readonly flat: FlatList | undefined
  /** Keys with a non-empty version set in the tree. */
  readonly keyCount: number
}

/** A key and the version set one replica holds for it. */
export interface KeyedSet {
  readonly key: string
  readonly set: VersionSet
}

/** A key and the hash of (key, its version set) on one replica. */
export interface KeyHash {
  readonly key: string
  readonly hash: bigint
}

/** The message is a thunk where building it costs (bigints, JSON): hot paths must not pay for it. */
export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new Error(`merkle: ${typeof message === "string" ? message : message()}`)
}

export const fanoutOf = (shape: MerkleShape): number => 1 << shape.fanoutBits

/** Leaf buckets of a tree of this shape. */
export const leafCount = (shape: MerkleShape): number => 1 << (shape.fanoutBits * shape.depth)

/** Nodes at `level` (0 is the root, shape.depth the leaves). */
export const nodesAt = (shape: MerkleShape, level: number): number => 1 << (shape.fanoutBits * level)

function checkShape(shape: MerkleShape): void {
  assert(Number.isInteger(shape.fanoutBits) && shape.fanoutBits >= 1 && shape.fanoutBits <= SHAPE_FANOUT_BITS_MAX,
    () => `fanoutBits ${shape.fanoutBits} outside 1..${SHAPE_FANOUT_BITS_MAX}`)
  assert(Number.isInteger(shape.depth) && shape.depth >= 1 && shape.fanoutBits * shape.depth <= SHAPE_LEAF_BITS_MAX,
    () => `depth ${shape.depth}: at most 2^${SHAPE_LEAF_BITS_MAX} leaves`)
}

/** An inner node's hash: the XOR of its children's (see Leaf). */
function innerHash(children: ReadonlyArray<Subtree>): bigint {
  let hash = EMPTY_HASH
  for (const child of children) hash ^= child.hash
  return hash
}

/** A leaf's hash: the XOR of its keys' hashes. */
function leafHash(leaf: Leaf): bigint {
  let hash = EMPTY_HASH
  for (let i = 0; i < leaf.keys.length; i++) hash ^= keyVersionHash(leaf.keys[i]!, leaf.sets[i])
  return hash
}

/** A subtree's hash, computed once per node: a write makes new nodes only along its path. */
function hashOf(node: Subtree | undefined): bigint {
  return node === undefined ? EMPTY_HASH : node.hash
}

/** An inner node from slot-ordered children (undefined: empty), or undefined when all are empty. */
function innerOf(children: ReadonlyArray<Subtree | undefined>): Inner | undefined {
  const slots: number[] = []
  const present: Subtree[] = []
  children.forEach((child, slot) => {
    if (child === undefined) return
    slots.push(slot)
    present.push(child)
  })
  return slots.length === 0 ? undefined : new Inner(slots, present)
}

/** `node` with `slot` holding `child` (undefined: emptied); undefined when nothing is left. */
function withChild(node: Inner | undefined, slot: number, child: Subtree | undefined): Inner | undefined {
  // A write to a key already in the tree replaces one child and keeps every slot: the slots
  // array is shared, not copied (a write's path outlives young-generation collections, so each
  // array it copies is one more for the old generation to hold; issue 19, eleventh round).
  if (node !== undefined && child !== undefined) {
    const at = node.slots.indexOf(slot)
    if (at >= 0) {
      const children = node.children.slice()
      children[at] = child
      return new Inner(node.slots, children)
    }
  }
  const slots = node === undefined ? [] : node.slots.slice()
  const children = node === undefined ? [] : node.children.slice()
  let i = 0
  while (i < slots.length && slots[i]! < slot) i += 1
  const found = i < slots.length && slots[i] === slot
  if (child === undefined) {
    if (found) {
      slots.splice(i, 1)
      children.splice(i, 1)
    }
  } else if (found) {
    children[i] = child
  } else {
    slots.splice(i, 0, slot)
    children.splice(i, 0, child)
  }
  return slots.length === 0 ? undefined : new Inner(slots, children)
}

/** Positions in a range (start, end]: 2^128 for the whole ring (start === end). */
function rangeSize(range: KeyRange): bigint {
  const size = (range.end - range.start + RING_POSITIONS) % RING_POSITIONS
  return size === 0n ? RING_POSITIONS : size
}

export function sameRange(a: KeyRange, b: KeyRange): boolean {
  return a.start === b.start && a.end === b.end
}

/**
 * The leaf bucket of a ring position: the range cut into leafCount equal slices, in ring order.
 * Contiguous slices make every subtree a sub-range, so a subtree could be handed over whole.
 */
function bucketOfPosition(tree: MerkleTree, position: bigint): number {
  assert(rangeContains(tree.range, position), () => `position ${position} is outside the tree's range`)
  const offset = (position - tree.range.start - 1n + RING_POSITIONS) % RING_POSITIONS
  const bucket = Number((offset * BigInt(leafCount(tree.shape))) / rangeSize(tree.range))
  assert(bucket >= 0 && bucket < leafCount(tree.shape), "bucket within the leaves")
  return bucket
}

const bucketMemo = new WeakMap<KeyRange, Map<string, number>>()

/**
 * The leaf bucket of a key (it must lie in the tree's range). Memoised per range object (a tree
 * keeps its range through every update) for the default shape, which nodes use: every key
 * entering a tree asks, and the bigint arithmetic is not free. Other shapes (tests,
 * benchmarks) compute it.
 */
export function bucketOf(tree: MerkleTree, key: string): number {
  if (tree.shape !== MERKLE_SHAPE_DEFAULT) return bucketOfPosition(tree, positionOfKey(key))
  return memoised(tableOf(bucketMemo, tree.range), key, () => bucketOfPosition(tree, positionOfKey(key)))
}

/** Whether a key lies in the tree's range. */
export function holdsKey(tree: MerkleTree, key: string): boolean {
  return rangeContains(tree.range, positionOfKey(key))
}

/** The child slot at `level` (1..depth) on the path to a bucket: one base-fanout digit of it. */
function digit(shape: MerkleShape, bucket: number, level: number): number {
  return (bucket >>> (shape.fanoutBits * (shape.depth - level))) & (fanoutOf(shape) - 1)
}

/** A tree with no keys for `range`. */
export function emptyTree(range: KeyRange, shape: MerkleShape = MERKLE_SHAPE_DEFAULT): MerkleTree {
  checkShape(shape)
  assert(range.start >= 0n && range.start < RING_POSITIONS && range.end >= 0n && range.end < RING_POSITIONS,
    "range ends on the ring")
  return { range, shape, root: undefined, flat: [], keyCount: 0 }
}

/** Index of `key` in sorted `keys`, or -(insertion point) - 1. */
function searchKeys(keys: ReadonlyArray<string>, key: string): number {
  let low = 0
  let high = keys.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const probe = keys[middle]!
    if (probe === key) return middle
    if (probe < key) low = middle + 1
    else high = middle
  }
  return -low - 1
}

function leafOf(keys: ReadonlyArray<string>, sets: ReadonlyArray<VersionSet>): Leaf | undefined {
  return keys.length === 0 ? undefined : new Leaf(keys, sets)
}

export const nonEmpty = (set: VersionSet | undefined): set is VersionSet => set !== undefined && !isEmptySet(set)

/** The failed check's message when a tree does not hold the old set a write names (built only then). */
const missedWrite = (key: string) => (): string =>
  `key ${JSON.stringify(key)}: the tree holds another version than the old set given; a write missed the tree`

/**
 * Whether the tree's set for a key is the caller's old set: the same object on the write path
 * (the store and the tree share sets), else equal hashes (a set rebuilt from disk or a message).
 */
export function sameSet(key: string, held: VersionSet | undefined, given: VersionSet | undefined): boolean {
  if (held === given) return true
  return keyVersionHash(key, held) === keyVersionHash(key, given)
}

/** The leaf with `key`'s set changed from `oldSet` to `newSet` (undefined: absent). */
function updateLeaf(leaf: Leaf | undefined, key: string, oldSet: VersionSet | undefined, newSet: VersionSet | undefined): Leaf | undefined {
  const keys = leaf?.keys ?? []
  const sets = leaf?.sets ?? []
  const found = searchKeys(keys, key)
  // Paired with the read path's check in entriesOf: the tree and the store never disagree.
  assert(sameSet(key, found >= 0 ? sets[found] : undefined, oldSet),
    missedWrite(key))
  if (found >= 0 && newSet !== undefined) {
    // The key stays: its keys array is shared, only the sets are copied (as withChild's slots).
    const nextSets = sets.slice()
    nextSets[found] = newSet
    return new Leaf(keys, nextSets)
  }
  const nextKeys = keys.slice()
  const nextSets = sets.slice()
  if (found >= 0) {
    nextKeys.splice(found, 1)
    nextSets.splice(found, 1)
  } else if (newSet !== undefined) {
    nextKeys.splice(-found - 1, 0, key)
    nextSets.splice(-found - 1, 0, newSet)
  }
  return leafOf(nextKeys, nextSets)
}

function updatePath(
  shape: MerkleShape, node: Subtree | undefined, level: number, bucket: number,
  key: string, oldSet: VersionSet | undefined, newSet: VersionSet | undefined
): Subtree | undefined {
  if (level === shape.depth) {
    if (node !== undefined && node._tag !== "Leaf") throw new Error("merkle: a leaf at the leaf level")
    return updateLeaf(node, key, oldSet, newSet)
  }
  if (node !== undefined && node._tag !== "Inner") throw new Error("merkle: an inner node above the leaves")
  const slot = digit(shape, bucket, level + 1)
  return withChild(node, slot, updatePath(shape, node?.child(slot), level + 1, bucket, key, oldSet, newSet))
}

/**
 * The tree after a write of `key` from `oldSet` to `newSet` (undefined or empty: no versions):
 * a small tree's list is copied, a larger one's leaf and its ancestors, and the rest is shared;
 * nothing is hashed until an exchange asks. Call it on every store write. Throws when `oldSet`
 * is not what the tree holds for the key: the tree missed an earlier write.
 */
export function updateKey(
  tree: MerkleTree, key: string, oldSet: VersionSet | undefined, newSet: VersionSet | undefined
): MerkleTree {
  const bucket = bucketOf(tree, key)
  const before = nonEmpty(oldSet) ? oldSet : undefined
  const after = nonEmpty(newSet) ? newSet : undefined
  if (before === after) {
    // Still check the tree agrees with the caller's old set.
    assert(sameSet(key, leafSetOfKey(tree, bucket, key), before),
      missedWrite(key))
    return tree
  }
  const keyCount = tree.keyCount + (before === undefined ? 1 : 0) - (after === undefined ? 1 : 0)
  if (tree.flat !== undefined) {
    const found = findFlat(tree.flat, bucket, key)
    assert(sameSet(key, found >= 0 ? tree.flat[found]!.set : undefined, before),
      missedWrite(key))
    const flat = withFlat(tree.flat, found, bucket, key, after)
    return keyCount <= FLAT_KEYS_MAX ? { ...tree, flat, keyCount } : { ...tree, root: nodesOf(tree.shape, flat), flat: undefined, keyCount }
  }
  const root = updatePath(tree.shape, tree.root, 0, bucket, key, before, after)
  // One representation per key count, so a tree updated write by write equals one built at once.
  return keyCount <= FLAT_KEYS_MAX ? { ...tree, root: undefined, flat: flatOf(tree.shape, root), keyCount } : { ...tree, root, keyCount }
}

/**
 * A node's upkeep of a tree on a store write (replica.ts), cheaper than updateKey: only a key
 * entering or leaving the tree changes it. An overwrite, a write to a key the tree holds, leaves
 * the tree as it was, holding an older set of the key, and costs nothing: the tree's keys are
 * exact, its sets may be stale, and every hash is read through refreshTree, which takes the
 * store's sets first. Under load a key is written several times between two exchanges of its
 * range, and the per-write copy of its list and of the trees map was most of what a build
 * without trees saved (a tenth of a node's CPU; issue 19, seventeenth round). Throws when the
 * tree and the caller disagree on whether the key is there: the tree missed a write.
 */
export function trackKey(
  tree: MerkleTree, key: string, oldSet: VersionSet | undefined, newSet: VersionSet | undefined
): MerkleTree {
  const before = nonEmpty(oldSet)
  const after = nonEmpty(newSet)
  if (before && after) return tree
  const held = leafSetOfKey(tree, bucketOf(tree, key), key)
  assert((held !== undefined) === before, missedWrite(key))
  return before ? updateKey(tree, key, held, undefined) : after ? updateKey(tree, key, undefined, newSet) : tree
}

/**
 * The tree with every key's set taken from `get` (the store), so its hashes are the store's: the
 * tree itself when none changed, else new entries and leaves only where a set did (the others
 * keep their cached hashes). Throws when `get` has no versions for a key the tree holds.
 */
export function refreshTree(tree: MerkleTree, get: (key: string) => VersionSet | undefined): MerkleTree {
  const current = (key: string): VersionSet | undefined => {
    const set = get(key)
    return nonEmpty(set) ? set : undefined
  }
  const missing = (key: string): never => {
    throw new Error(`merkle: key ${JSON.stringify(key)} is in the tree but not in the store; a write missed the tree`)
  }
  if (tree.flat !== undefined) {
    const flat = refreshFlat(tree.flat, current, missing)
    return flat === tree.flat ? tree : { ...tree, flat }
  }
  const walk = (node: Subtree): Subtree => {
    if (node._tag === "Leaf") {
      let sets: Array<VersionSet> | undefined
      for (let i = 0; i < node.keys.length; i++) {
        const set = current(node.keys[i]!) ?? missing(node.keys[i]!)
        if (set === node.sets[i]) continue
        sets ??= node.sets.slice()
        sets[i] = set
      }
      return sets === undefined ? node : new Leaf(node.keys, sets)
    }
    let children: Array<Subtree> | undefined
    for (let i = 0; i < node.children.length; i++) {
      const child = walk(node.children[i]!)
      if (child === node.children[i]) continue
      children ??= node.children.slice()
      children[i] = child
    }
    return children === undefined ? node : new Inner(node.slots, children)
  }
  const root = tree.root === undefined ? undefined : walk(tree.root)
  return root === tree.root ? tree : { ...tree, root }
}

/** A key, its set and its leaf bucket: a FlatEntry's fields, before it is one. */
type BucketedSet = Pick<FlatEntry, "bucket" | "key" | "set">

/** The nodes holding `items`, sorted by bucket and then by key (as a FlatList is). */
function nodesOf(shape: MerkleShape, items: ReadonlyArray<BucketedSet>): Subtree | undefined {
  const build = (level: number, from: number, to: number): Subtree | undefined => {
    if (from === to) return undefined
    // items[from, to) all lie under one node of `level`; at the leaf level, in one bucket.
    if (level === shape.depth) return leafOf(items.slice(from, to).map((item) => item.key), items.slice(from, to).map((item) => item.set))
    const children: Array<Subtree | undefined> = []
    let cursor = from
    for (let slot = 0; slot < fanoutOf(shape); slot++) {
      let end = cursor
      while (end < to && digit(shape, items[end]!.bucket, level + 1) === slot) end += 1
      children.push(build(level + 1, cursor, end))
      cursor = end
    }
    assert(cursor === to, "every bucket placed under its parent")
    return innerOf(children)
  }
  return build(0, 0, items.length)
}

/** The list of the keys under `root`, in bucket order (a tree that shrank to FLAT_KEYS_MAX keys). */
function flatOf(shape: MerkleShape, root: Subtree | undefined): FlatList {
  const list: Array<FlatEntry> = []
  const walk = (node: Subtree | undefined, index: number): void => {
    if (node === undefined) return
    if (node._tag === "Leaf") {
      node.keys.forEach((key, i) => list.push(new FlatEntry(index, key, node.sets[i]!)))
      return
    }
    node.slots.forEach((slot, i) => walk(node.children[i], (index << shape.fanoutBits) | slot))
  }
  walk(root, 0)
  return list
}

/**
 * A tree built from scratch from a replica's (key, set) pairs in the range: for recovery (trees
 * are derived data, rebuilt from the durable store) and after the ranges change.
 */
export function buildTree(
  range: KeyRange, entries: Iterable<readonly [string, VersionSet]>, shape: MerkleShape = MERKLE_SHAPE_DEFAULT
): MerkleTree {
  const tree = emptyTree(range, shape)
  const items: Array<BucketedSet> = []
  for (const [key, set] of entries) if (nonEmpty(set)) items.push({ bucket: bucketOf(tree, key), key, set })
  items.sort((a, b) => a.bucket - b.bucket || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  items.forEach((item, i) => assert(i === 0 || items[i - 1]!.key !== item.key, () => `key ${item.key} given twice`))
  return items.length <= FLAT_KEYS_MAX
    ? { ...tree, flat: items.map((item) => new FlatEntry(item.bucket, item.key, item.set)), keyCount: items.length }
    : { ...tree, root: nodesOf(shape, items), flat: undefined, keyCount: items.length }
}

/** The root hash: equal roots, equal replicas of the range (up to a 2^-128 collision). */
export function root(tree: MerkleTree): bigint {
  if (tree.flat !== undefined) return flatHash(tree.flat, tree.shape.fanoutBits * tree.shape.depth, 0)
  return hashOf(tree.root)
}

function checkNode(shape: MerkleShape, level: number, index: number): void {
  assert(Number.isInteger(level) && level >= 0 && level <= shape.depth, () => `level ${level} outside 0..${shape.depth}`)
  assert(Number.isInteger(index) && index >= 0 && index < nodesAt(shape, level), () => `index ${index} outside level ${level}`)
}

function nodeAt(tree: MerkleTree, level: number, index: number): Subtree | undefined {
  checkNode(tree.shape, level, index)
  let node = tree.root
  for (let depth = 1; depth <= level && node !== undefined; depth++) {
    assert(node._tag === "Inner", "an inner node above the leaves")
    node = node.child((index >>> (tree.shape.fanoutBits * (level - depth))) & (fanoutOf(tree.shape) - 1))
  }
  return node
}

/** The hash of node `index` at `level` (0 is the root; level shape.depth holds the leaf buckets). */
export function nodeHash(tree: MerkleTree, level: number, index: number): bigint {
  if (tree.flat === undefined) return hashOf(nodeAt(tree, level, index))
  checkNode(tree.shape, level, index)
  return flatHash(tree.flat, tree.shape.fanoutBits * (tree.shape.depth - level), index)
}

/** The hashes of the children of node `index` at `level` (< depth), in slot order. */
export function childrenHashes(tree: MerkleTree, level: number, index: number): ReadonlyArray<bigint> {
  assert(level < tree.shape.depth, "leaves have no children")
  if (tree.flat !== undefined) {
    checkNode(tree.shape, level, index)
    return flatChildrenHashes(tree.flat, tree.shape.fanoutBits * (tree.shape.depth - level), index, tree.shape.fanoutBits)
  }
  const node = nodeAt(tree, level, index)
  if (node === undefined) return new Array<bigint>(fanoutOf(tree.shape)).fill(EMPTY_HASH)
  assert(node._tag === "Inner", "an inner node above the leaves")
  const hashes = new Array<bigint>(fanoutOf(tree.shape)).fill(EMPTY_HASH)
  node.slots.forEach((slot, i) => (hashes[slot] = node.children[i]!.hash))
  return hashes
}

/** The (key, hash) pairs of a leaf bucket, sorted by key. */
export function bucketEntries(tree: MerkleTree, bucket: number): ReadonlyArray<KeyHash> {
  if (tree.flat !== undefined) {
    checkNode(tree.shape, tree.shape.depth, bucket)
    return tree.flat.filter((entry) => entry.bucket === bucket).map((entry) => ({ key: entry.key, hash: entry.hash }))
  }
  const leaf = nodeAt(tree, tree.shape.depth, bucket)
  if (leaf === undefined) return []
  assert(leaf._tag === "Leaf", "a leaf at the leaf level")
  return leaf.keys.map((key, i) => ({ key, hash: keyVersionHash(key, leaf.sets[i]) }))
}

/** Every key the tree holds, bucket by bucket (each bucket's keys sorted): no scan of the store. */
export function treeKeys(tree: MerkleTree): ReadonlyArray<string> {
  if (tree.flat !== undefined) return tree.flat.map((entry) => entry.key)
  const keys: Array<string> = []
  const walk = (node: Subtree | undefined): void => {
    if (node === undefined) return
    if (node._tag === "Leaf") {
      for (const key of node.keys) keys.push(key)
      return
    }
    for (const child of node.children) walk(child)
  }
  walk(tree.root)
  return keys
}

/** The set the tree holds for a key, undefined when none. */
export function leafSetOfKey(tree: MerkleTree, bucket: number, key: string): VersionSet | undefined {
  if (tree.flat !== undefined) {
    const found = findFlat(tree.flat, bucket, key)
    return found >= 0 ? tree.flat[found]!.set : undefined
  }
  const leaf = nodeAt(tree, tree.shape.depth, bucket)
  if (leaf === undefined) return undefined
  assert(leaf._tag === "Leaf", "a leaf at the leaf level")
  const found = searchKeys(leaf.keys, key)
  return found >= 0 ? leaf.sets[found] : undefined
}

