// The visited set: an open-addressing hash table of 64-bit fingerprints in typed arrays (linear
// probing), with each state's parent fingerprint beside it so a counterexample can be rebuilt.
// 16 bytes a slot; at most 70% full, so 10 million states fit in 2^24 slots (256 MiB).
// Over a SharedArrayBuffer the same table serves several worker threads: a slot is claimed by a
// compare-and-swap on its `hi` word, then `lo` is published; a reader that finds a claimed slot
// whose `lo` is not yet visible waits for it. Neither lane of a fingerprint is ever zero.
// The table is far larger than any cache: a probe is a cache miss. A search touches the slots of
// the fingerprints it is about to insert together (`touch`), so that their misses overlap.
import type { Fp } from "./fingerprint.ts"

/** Above this fraction of slots used, a table grows (single thread) or refuses work (shared). */
export const TABLE_LOAD_MAX = 0.7
export const TABLE_SLOTS_MIN = 1 << 12
/** 2^28 slots (4 GiB): far beyond what a run on one machine should need. */
export const TABLE_SLOTS_MAX = 1 << 28

export interface TableBuffers {
  readonly keys: SharedArrayBuffer | ArrayBuffer
  readonly parents: SharedArrayBuffer | ArrayBuffer
  /** [0]: entries inserted (shared across threads). */
  readonly size: SharedArrayBuffer | ArrayBuffer
}

export const slotsFor = (states: number): number => {
  let slots = TABLE_SLOTS_MIN
  while (slots * TABLE_LOAD_MAX < states && slots < TABLE_SLOTS_MAX) slots *= 2
  return slots
}

export class FingerprintTable {
  private keys: Int32Array
  private parents: Int32Array
  private readonly count: Int32Array
  private mask: number
  /** Inserted entries at which a single-thread table grows. */
  private limit: number
  /** What `touch` read, kept so that the reads are not optimised away. */
  private touched = 0
  readonly shared: boolean
  readonly withParents: boolean

  constructor(buffers: TableBuffers, withParents = true) {
    this.keys = new Int32Array(buffers.keys)
    this.parents = new Int32Array(buffers.parents)
    this.count = new Int32Array(buffers.size)
    this.mask = this.keys.length / 2 - 1
    this.limit = Math.floor((this.mask + 1) * TABLE_LOAD_MAX)
    this.shared = buffers.keys instanceof SharedArrayBuffer
    this.withParents = withParents
  }

  static allocate(slots: number, shared: boolean, withParents = true): FingerprintTable {
    return new FingerprintTable(FingerprintTable.buffers(slots, shared, withParents), withParents)
  }

  static buffers(slots: number, shared: boolean, withParents = true): TableBuffers {
    if ((slots & (slots - 1)) !== 0 || slots < TABLE_SLOTS_MIN || slots > TABLE_SLOTS_MAX) {
      throw new Error(`table: slots must be a power of two in ${TABLE_SLOTS_MIN}..${TABLE_SLOTS_MAX}, got ${slots}`)
    }
    const make = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes))
    return { keys: make(slots * 8), parents: make(withParents ? slots * 8 : 8), size: make(8) }
  }

  get buffers(): TableBuffers {
    return { keys: this.keys.buffer as ArrayBuffer, parents: this.parents.buffer as ArrayBuffer, size: this.count.buffer as ArrayBuffer }
  }

  get size(): number {
    return this.shared ? Atomics.load(this.count, 0) : this.count[0]!
  }

  get slots(): number {
    return this.mask + 1
  }

  get bytes(): number {
    return this.keys.byteLength + this.parents.byteLength
  }

  /** Whether `extra` more entries would keep the table under its load limit. */
  fits(extra: number): boolean {
    return this.size + extra <= this.slots * TABLE_LOAD_MAX
  }

  /** Insert `fp` with its parent; true when it was not there. Single thread: grows as needed. */
  insert(fp: Fp, parent: Fp | undefined): boolean {
    return this.shared ? this.insertShared(fp, parent) : this.insertLocal(fp, parent)
  }

  /** Read `fp`'s first slot, to bring it into the cache before an insert or a lookup. */
  touch(fp: Fp): void {
    this.touched ^= this.keys[((fp.lo ^ (fp.hi >>> 7)) & this.mask) << 1]!
  }

  private insertLocal(fp: Fp, parent: Fp | undefined): boolean {
    if (this.count[0]! >= this.limit) this.grow()
    const keys = this.keys
    let slot = (fp.lo ^ (fp.hi >>> 7)) & this.mask
    for (;;) {
      const at = slot << 1
      const hi = keys[at]!
      if (hi === 0) {
        keys[at] = fp.hi
        keys[at + 1] = fp.lo
        if (this.withParents && parent !== undefined) {
          this.parents[at] = parent.hi
          this.parents[at + 1] = parent.lo
        }
        this.count[0] = this.count[0]! + 1
        return true
      }
      if (hi === fp.hi && keys[at + 1] === fp.lo) return false
      slot = (slot + 1) & this.mask
    }
  }

  private insertShared(fp: Fp, parent: Fp | undefined): boolean {
    const keys = this.keys
    let slot = (fp.lo ^ (fp.hi >>> 7)) & this.mask
    let probes = 0
    for (;;) {
      const at = slot << 1
      let hi = Atomics.load(keys, at)
      if (hi === 0) {
        hi = Atomics.compareExchange(keys, at, 0, fp.hi)
        if (hi === 0) {
          if (this.withParents && parent !== undefined) {
            Atomics.store(this.parents, at, parent.hi)
            Atomics.store(this.parents, at + 1, parent.lo)
          }
          Atomics.store(keys, at + 1, fp.lo)
          Atomics.add(this.count, 0, 1)
          return true
        }
      }
      if (hi === fp.hi) {
        let lo = Atomics.load(keys, at + 1)
        while (lo === 0) lo = Atomics.load(keys, at + 1) // the claimer is publishing it
        if (lo === fp.lo) return false
      }
      slot = (slot + 1) & this.mask
      if (++probes > this.mask) throw new Error("table: full (raise --max-states)")
    }
  }

  has(fp: Fp): boolean {
    return this.find(fp) >= 0
  }

  /** The parent recorded with `fp`; undefined for a root or an absent fingerprint. */
  parentOf(fp: Fp): Fp | undefined {
    const at = this.find(fp)
    if (at < 0 || !this.withParents) return undefined
    const hi = this.parents[at]!
    const lo = this.parents[at + 1]!
    return hi === 0 && lo === 0 ? undefined : { hi, lo }
  }

  private find(fp: Fp): number {
    const keys = this.keys
    let slot = (fp.lo ^ (fp.hi >>> 7)) & this.mask
    for (let probes = 0; probes <= this.mask; probes++) {
      const at = slot << 1
      const hi = keys[at]!
      if (hi === 0) return -1
      if (hi === fp.hi && keys[at + 1] === fp.lo) return at
      slot = (slot + 1) & this.mask
    }
    return -1
  }

  /** A table twice as large (or `slots` large) holding the same entries. Not while workers run. */
  resized(slots = this.slots * 2): FingerprintTable {
    const next = FingerprintTable.allocate(slots, this.shared, this.withParents)
    const keys = this.keys
    for (let at = 0; at < keys.length; at += 2) {
      const hi = keys[at]!
      if (hi === 0) continue
      next.insert({ hi, lo: keys[at + 1]! }, this.withParents ? { hi: this.parents[at]!, lo: this.parents[at + 1]! } : undefined)
    }
    return next
  }

  private grow(): void {
    if (this.slots >= TABLE_SLOTS_MAX) throw new Error(`table: more than ${TABLE_SLOTS_MAX * TABLE_LOAD_MAX} states`)
    const next = this.resized()
    this.keys = next.keys
    this.parents = next.parents
    this.count[0] = next.count[0]!
    this.mask = next.mask
    this.limit = next.limit
  }
}
