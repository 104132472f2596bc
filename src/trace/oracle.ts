// The oracle the invariants are checked against, independent of the clock code: every write is
// an event with a unique id, and the oracle keeps the set of events in each event's causal past
// (its own id plus everything the writing client had seen). Histories are bitsets per key.
/** Bytes per slab the bitsets are carved from. */
const SLAB_BYTES = 1 << 20

/**
 * Bitsets carved out of shared slabs: V8 gives a typed array over 64 bytes its own off-heap
 * buffer, about twenty times the cost of a view on an existing one, and a history of more than
 * 512 writes to one key is over 64 bytes. Views keep their slab alive; histories live as long as
 * the oracle anyway.
 */
class Bitsets {
  private slab = new ArrayBuffer(SLAB_BYTES)
  private offset = 0

  alloc(words: number): Uint32Array {
    const bytes = words * 4
    if (bytes > SLAB_BYTES / 16) return new Uint32Array(words)
    if (this.offset + bytes > SLAB_BYTES) {
      this.slab = new ArrayBuffer(SLAB_BYTES)
      this.offset = 0
    }
    const bitset = new Uint32Array(this.slab, this.offset, words)
    this.offset += bytes
    return bitset
  }
}

/** A recorded event: its key, its bit in that key's bitsets, and its causal past. */
interface Recorded {
  readonly key: string
  readonly bit: number
  readonly history: Uint32Array
}

/** True when `earlier` is in the causal past of `later` (or is `later`). */
const inPastOf = (later: Recorded | undefined, earlier: Recorded | undefined): boolean => {
  if (later === undefined || earlier === undefined || later.key !== earlier.key) return false
  const word = later.history[earlier.bit >>> 5]
  return word !== undefined && (word & (1 << (earlier.bit & 31))) !== 0
}

export class Oracle {
  private readonly bitsets = new Bitsets()
  /** Every check asks about events by id: one lookup finds the key, the bit and the past. */
  private readonly index = new Map<string, Recorded>()
  private readonly perKey = new Map<string, Array<string>>()

  /** Record a new write of `key`; `seen` are events the client had observed (their pasts count too). */
  record(event: string, key: string, seen: Iterable<string>): void {
    if (this.index.has(event)) throw new Error(`oracle: event ${event} recorded twice`)
    const events = this.perKey.get(key) ?? []
    this.perKey.set(key, events)
    const bit = events.length
    events.push(event)
    const history = this.bitsets.alloc((bit >>> 5) + 1)
    history[bit >>> 5]! |= 1 << (bit & 31)
    for (const other of seen) {
      const past = this.index.get(other)
      if (past === undefined || past.key !== key) continue
      for (let i = 0; i < past.history.length; i++) history[i]! |= past.history[i]!
    }
    this.index.set(event, { key, bit, history })
  }

  has(event: string): boolean {
    return this.index.has(event)
  }

  /** True when `earlier` is in the causal past of `later` (or is `later`). */
  inPast(later: string, earlier: string): boolean {
    return inPastOf(this.index.get(later), this.index.get(earlier))
  }

  /** True when some event of `held` has `event` in its past. */
  coveredBy(event: string, held: Iterable<string>): boolean {
    const recorded = this.index.get(event)
    if (recorded === undefined) return false
    for (const h of held) if (inPastOf(this.index.get(h), recorded)) return true
    return false
  }

  /**
   * The first pair (a, b) of distinct events of `events`, in iteration order (a outer), where
   * `a` has `b` in its past: siblings that should not coexist. Undefined when there is none.
   */
  orderedPair(events: ReadonlyArray<string>): readonly [string, string] | undefined {
    const recorded = events.map((event) => this.index.get(event))
    for (let i = 0; i < events.length; i++) {
      for (let j = 0; j < events.length; j++) {
        if (events[i] !== events[j] && inPastOf(recorded[i], recorded[j])) return [events[i]!, events[j]!]
      }
    }
    return undefined
  }

  /** The events of `events` that no other event of `events` has in its past. */
  maximal(events: ReadonlyArray<string>): ReadonlyArray<string> {
    return events.filter((e) => !events.some((o) => o !== e && this.inPast(o, e)))
  }

  /** Every event in the past of any of `events`, in recording order. */
  closure(key: string, events: Iterable<string>): ReadonlyArray<string> {
    const all = this.perKey.get(key) ?? []
    const sets = Array.from(events, (e) => this.index.get(e)?.history).filter((h): h is Uint32Array => h !== undefined)
    return all.filter((_, bit) => sets.some((h) => ((h[bit >>> 5] ?? 0) & (1 << (bit & 31))) !== 0))
  }

  /** The union of the pasts of `events` (all of one key): test membership with `inUnion`. */
  pastUnion(key: string, events: Iterable<string>): Uint32Array {
    const size = ((this.perKey.get(key)?.length ?? 0) >>> 5) + 1
    const union = this.bitsets.alloc(size)
    for (const event of events) {
      const past = this.index.get(event)
      if (past === undefined || past.key !== key) continue
      for (let i = 0; i < past.history.length; i++) union[i]! |= past.history[i]!
    }
    return union
  }

  inUnion(union: Uint32Array, event: string): boolean {
    const where = this.index.get(event)
    if (where === undefined) return false
    return (((union[where.bit >>> 5] ?? 0) >>> (where.bit & 31)) & 1) === 1
  }

  /** The event's bit in its key's bitsets (histories, unions), undefined when not recorded. */
  bitOf(event: string): number | undefined {
    return this.index.get(event)?.bit
  }

  keyOf(event: string): string | undefined {
    return this.index.get(event)?.key
  }
}
