// Bounded memo tables for derived values the hot paths ask for over and over (ring positions,
// preference lists, tree keys, buckets). Only caches, never a source of truth: a full
// table is simply cleared, which keeps it bounded without any bookkeeping.

/** Entries a memo table holds before it is cleared. */
export const MEMO_ENTRIES_MAX = 1 << 16

/** `table`'s value for `key`, computed and stored on a miss. */
export function memoised<K, V>(table: Map<K, V>, key: K, compute: (key: K) => V, max: number = MEMO_ENTRIES_MAX): V {
  const cached = table.get(key)
  if (cached !== undefined) return cached
  if (table.size >= max) table.clear()
  const value = compute(key)
  table.set(key, value)
  return value
}

/** The table `tables` keeps for `owner` (a ring, a range: immutable objects), made on first use. */
export function tableOf<O extends object, K, V>(tables: WeakMap<O, Map<K, V>>, owner: O): Map<K, V> {
  let table = tables.get(owner)
  if (table === undefined) tables.set(owner, (table = new Map()))
  return table
}

/**
 * Tables per owner (a ring: an immutable object that changes only with the membership), with the
 * last owner's table at hand. Every request asks for its key's preference list several times,
 * each time through the ring's table: a comparison with the last owner instead of a WeakMap
 * lookup per call. The last owner is held strongly until another takes its place: one ring.
 */
export class TablesByOwner<O extends object, K, V> {
  private readonly tables = new WeakMap<O, Map<K, V>>()
  private lastOwner: O | undefined
  private lastTable: Map<K, V> = new Map()

  of(owner: O): Map<K, V> {
    if (owner === this.lastOwner) return this.lastTable
    const table = tableOf(this.tables, owner)
    this.lastOwner = owner
    this.lastTable = table
    return table
  }
}
