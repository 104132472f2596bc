// The checker's causality oracle, built from the history alone (never from the store's clocks):
// a write's causal history is its own event plus the histories of the events its context
// covers, and a context covers the events of the values the read that returned it listed.
// Histories are bitsets over the events of one key, numbered in invocation order.

/** A set of small integers (one key's event numbers). */
export class Bits {
  private words: Uint32Array
  constructor(words = 1) {
    this.words = new Uint32Array(Math.max(1, words))
  }
  static of(bits: Iterable<number>): Bits {
    const set = new Bits()
    for (const bit of bits) set.add(bit)
    return set
  }
  has(bit: number): boolean {
    const word = this.words[bit >>> 5]
    return word !== undefined && (word & (1 << (bit & 31))) !== 0
  }
  add(bit: number): void {
    this.grow((bit >>> 5) + 1)
    this.words[bit >>> 5]! |= 1 << (bit & 31)
  }
  /** this := this | other. */
  union(other: Bits): void {
    this.grow(other.words.length)
    for (let i = 0; i < other.words.length; i++) this.words[i]! |= other.words[i]!
  }
  /** The bits of this set that `other` lacks, in increasing order. */
  minus(other: Bits): Array<number> {
    const out: Array<number> = []
    for (let i = 0; i < this.words.length; i++) {
      let word = this.words[i]! & ~(other.words[i] ?? 0)
      while (word !== 0) {
        const low = word & -word
        out.push(i * 32 + (31 - Math.clz32(low)))
        word ^= low
      }
    }
    return out
  }
  clone(): Bits {
    const copy = new Bits(this.words.length)
    copy.words.set(this.words)
    return copy
  }
  private grow(words: number): void {
    if (words <= this.words.length) return
    const bigger = new Uint32Array(Math.max(words, this.words.length * 2))
    bigger.set(this.words)
    this.words = bigger
  }
}

interface Recorded {
  readonly key: string
  readonly bit: number
  readonly history: Bits
  /** The events the context covered (those recorded before this one), for explanations. */
  readonly covered: ReadonlyArray<string>
}

export class Causality {
  private readonly index = new Map<string, Recorded>()
  private readonly perKey = new Map<string, Array<string>>()

  /**
   * Records `event`, a write of `key` whose context covered `covered`. Events must be recorded
   * after every event they cover; covered events not yet recorded (a read that returned a write
   * invoked after it, or another key's) are ignored and reported back.
   */
  record(event: string, key: string, covered: ReadonlyArray<string>): ReadonlyArray<string> {
    if (this.index.has(event)) throw new Error(`causality: event ${event} recorded twice`)
    const events = this.perKey.get(key) ?? []
    this.perKey.set(key, events)
    const bit = events.length
    events.push(event)
    const history = new Bits((bit >>> 5) + 1)
    history.add(bit)
    const ignored: Array<string> = []
    const kept: Array<string> = []
    for (const other of covered) {
      const past = this.index.get(other)
      if (past === undefined || past.key !== key) {
        ignored.push(other)
        continue
      }
      history.union(past.history)
      kept.push(other)
    }
    this.index.set(event, { key, bit, history, covered: kept })
    return ignored
  }

  has(event: string): boolean {
    return this.index.has(event)
  }

  bitOf(event: string): number | undefined {
    return this.index.get(event)?.bit
  }

  eventOf(key: string, bit: number): string | undefined {
    return this.perKey.get(key)?.[bit]
  }

  historyOf(event: string): Bits | undefined {
    return this.index.get(event)?.history
  }

  /** True when `earlier` is in the causal history of `later` (or is `later`). */
  inPast(later: string, earlier: string): boolean {
    const a = this.index.get(later)
    const b = this.index.get(earlier)
    return a !== undefined && b !== undefined && a.key === b.key && a.history.has(b.bit)
  }

  /** The union of the histories of `events` (all of `key`). */
  closure(key: string, events: Iterable<string>): Bits {
    const out = new Bits()
    for (const event of events) {
      const recorded = this.index.get(event)
      if (recorded !== undefined && recorded.key === key) out.union(recorded.history)
    }
    return out
  }

  /**
   * How `earlier` entered the history of `later`: the chain of events from `later` back to
   * `earlier`, each covered by the context of the one before it. Empty when it did not.
   */
  chain(later: string, earlier: string): ReadonlyArray<string> {
    if (!this.inPast(later, earlier)) return []
    const path: Array<string> = [later]
    let current = later
    // Each step moves to a covered event that still has `earlier` in its past: at most one step
    // per event of the key, since bits strictly decrease along the chain.
    while (current !== earlier) {
      const next = this.index.get(current)!.covered.find((event) => this.inPast(event, earlier))
      if (next === undefined) break
      path.push(next)
      current = next
    }
    return path
  }
}
