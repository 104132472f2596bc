// A small Merkle tree kept as one sorted list of its keys (merkle.ts: a tree of at most
// FLAT_KEYS_MAX keys). The network shell's ring has 1,024 ranges, so a node's trees hold a few keys
// each, and a write through the nodes of a sparse tree (root, two inner levels, leaf) touched about
// ten objects scattered over a node's heap: under load, cache misses that cost a put's core steps
// most of their time (issue 19, twelfth round). A write to a list of a few keys copies one short
// array. The list is the same tree: a node's hash at any level is the XOR of its keys' hashes (the
// XOR of its children's), so every hash an exchange asks for is computed from the list, alike.

import { EMPTY_HASH, keyVersionHash } from "./merkle-hash.ts"
import type { VersionSet } from "./versions.ts"

/** Keys a tree may hold as a list; one more and it becomes nodes (and back below it). */
export const FLAT_KEYS_MAX = 32

/** One key of a small tree: its leaf bucket, its set, and its hash once asked for. */
export class FlatEntry {
  #hash: bigint | undefined
  constructor(
    readonly bucket: number,
    readonly key: string,
    /** Never empty: the store's own object, shared. */
    readonly set: VersionSet
  ) {}
  get hash(): bigint {
    if (this.#hash === undefined) this.#hash = keyVersionHash(this.key, this.set)
    return this.#hash
  }
}

/** Entries in bucket order, and by key (code-unit order) within a bucket: a tree walk's order. */
export type FlatList = ReadonlyArray<FlatEntry>

const before = (bucket: number, key: string, entry: FlatEntry): boolean =>
  bucket < entry.bucket || (bucket === entry.bucket && key < entry.key)

/** Index of (bucket, key) in `list`, or -(insertion point) - 1. A linear scan: the list is short. */
export function findFlat(list: FlatList, bucket: number, key: string): number {
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!
    if (entry.bucket === bucket && entry.key === key) return i
    if (before(bucket, key, entry)) return -i - 1
  }
  return -list.length - 1
}

/** `list` with the entry at `found` (findFlat's answer) replaced, inserted, or, for no set, removed. */
export function withFlat(list: FlatList, found: number, bucket: number, key: string, set: VersionSet | undefined): FlatList {
  const next = list.slice()
  if (found >= 0) {
    if (set === undefined) next.splice(found, 1)
    else next[found] = new FlatEntry(bucket, key, set)
  } else if (set !== undefined) {
    next.splice(-found - 1, 0, new FlatEntry(bucket, key, set))
  }
  return next
}

/**
 * `list` with each entry's set replaced by `get`'s for its key (merkle.ts refreshTree), entries
 * whose set is the same object kept with their cached hashes; `list` itself when none changed.
 * `missing` is called (and must throw) for a key `get` has no versions for.
 */
export function refreshFlat(list: FlatList, get: (key: string) => VersionSet | undefined, missing: (key: string) => never): FlatList {
  let next: Array<FlatEntry> | undefined
  for (let i = 0; i < list.length; i++) {
    const entry = list[i]!
    const set = get(entry.key)
    if (set === undefined) missing(entry.key)
    if (set === entry.set) continue
    next ??= list.slice()
    next[i] = new FlatEntry(entry.bucket, entry.key, set)
  }
  return next ?? list
}

/** The XOR of the hashes of the entries whose bucket, shifted right by `shift`, is `index`: one node's hash. */
export function flatHash(list: FlatList, shift: number, index: number): bigint {
  let hash = EMPTY_HASH
  for (const entry of list) if (entry.bucket >>> shift === index) hash ^= entry.hash
  return hash
}

/**
 * The hashes of the `fanout` children of the node `index` whose buckets shift right by `shift`
 * to it, a child's slot being the next `fanoutBits` bits below.
 */
export function flatChildrenHashes(list: FlatList, shift: number, index: number, fanoutBits: number): ReadonlyArray<bigint> {
  const fanout = 1 << fanoutBits
  const hashes = new Array<bigint>(fanout).fill(EMPTY_HASH)
  const childShift = shift - fanoutBits
  for (const entry of list) {
    if (entry.bucket >>> shift !== index) continue
    const slot = (entry.bucket >>> childShift) & (fanout - 1)
    hashes[slot] = hashes[slot]! ^ entry.hash
  }
  return hashes
}
