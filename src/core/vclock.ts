// Vector clocks as plain, canonical JSON data: a list of (node, counter) pairs, each with the
// virtual time of its last increment (DeCandia et al., section 4.4, "Data Versioning").
// The size threshold of the paper ("about 10" pairs, oldest dropped first) is `truncate`.

/** One pair of a vector clock: `node` has coordinated `counter` versions; `time` dates the last one. */
export interface VClockEntry {
  readonly node: string
  readonly counter: number
  /** Virtual time of this entry's last increment; read only by `truncate`, never by `compare`. */
  readonly time: number
}

/**
 * A vector clock in canonical form: entries strictly sorted by node id (code-unit order), every
 * counter a positive integer. Two clocks with the same entries have the same `JSON.stringify`.
 */
export type VClock = ReadonlyArray<VClockEntry>

/** The causal order between two clocks. */
export type Ordering = "Before" | "After" | "Equal" | "Concurrent"

/**
 * The paper's clock-size threshold (section 4.4: "say 10"), in entries. Truncation is an option
 * that callers turn on by passing this (or another) limit to `truncate`; nothing truncates by default.
 */
export const entriesMaxPaper = 10

/** The clock of no events. */
export const empty: VClock = []

const assert: (condition: boolean, message: string) => asserts condition = (condition, message) => {
  if (!condition) throw new Error(`vclock: ${message}`)
}

/** Total order on node ids used everywhere a clock is sorted (code units, not locale). */
export const compareNodeIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Whether `clock` is canonical: strictly sorted by node, positive integer counters, finite times. */
export function isCanonical(clock: VClock): boolean {
  let previous: string | undefined
  for (const entry of clock) {
    if (!Number.isSafeInteger(entry.counter) || entry.counter < 1) return false
    if (!Number.isFinite(entry.time)) return false
    if (previous !== undefined && !(previous < entry.node)) return false
    previous = entry.node
  }
  return true
}

/**
 * Builds a canonical clock from entries in any order; duplicate nodes are merged (larger counter
 * wins, max time on tie) and zero counters dropped.
 *
 * @example fromEntries([{ node: "Sy", counter: 1, time: 3 }, { node: "Sx", counter: 2, time: 2 }])
 */
export function fromEntries(entries: Iterable<VClockEntry>): VClock {
  let clock: VClock = empty
  for (const entry of entries) {
    assert(Number.isSafeInteger(entry.counter) && entry.counter >= 0, `bad counter ${entry.counter}`)
    if (entry.counter > 0) clock = merge(clock, [{ node: entry.node, counter: entry.counter, time: entry.time }])
  }
  return clock
}

/** The counter of `node` in `clock` (0 when absent). */
export function get(clock: VClock, node: string): number {
  for (const entry of clock) {
    if (entry.node === node) return entry.counter
    if (entry.node > node) return 0
  }
  return 0
}

/** The clock after `node` coordinates one more version at virtual time `time`. */
export function increment(clock: VClock, node: string, time: number): VClock {
  assert(Number.isFinite(time), `time must be finite, got ${time}`)
  const result: Array<VClockEntry> = []
  let inserted = false
  for (const entry of clock) {
    if (!inserted && entry.node >= node) {
      inserted = true
      if (entry.node === node) {
        result.push({ node, counter: entry.counter + 1, time })
        continue
      }
      result.push({ node, counter: 1, time })
    }
    result.push(entry)
  }
  if (!inserted) result.push({ node, counter: 1, time })
  return result
}

/**
 * Pointwise maximum of two clocks, by one merge walk over the sorted entries. The time of each
 * entry is the time of the larger counter (the larger of the two times on a tie), so merge is
 * commutative, associative and idempotent on the whole entry, not only on counters.
 */
export function merge(a: VClock, b: VClock): VClock {
  if (a.length === 0) return b
  if (b.length === 0) return a
  const result: Array<VClockEntry> = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i]!
    const y = b[j]!
    if (x.node < y.node) {
      result.push(x)
      i++
    } else if (x.node > y.node) {
      result.push(y)
      j++
    } else {
      result.push(
        x.counter > y.counter ? x : y.counter > x.counter ? y : x.time >= y.time ? x : y
      )
      i++
      j++
    }
  }
  while (i < a.length) result.push(a[i++]!)
  while (j < b.length) result.push(b[j++]!)
  return result
}

/**
 * The causal order of `a` relative to `b`: "Before" when every counter of `a` is at most the one
 * of `b` and some is smaller; "Concurrent" when each has a counter larger than the other's.
 * Times are ignored. One walk over both sorted arrays, stopping as soon as both sides lead.
 */
export function compare(a: VClock, b: VClock): Ordering {
  let aLeads = false
  let bLeads = false
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i]!
    const y = b[j]!
    if (x.node < y.node) {
      aLeads = true
      i++
    } else if (x.node > y.node) {
      bLeads = true
      j++
    } else {
      if (x.counter > y.counter) aLeads = true
      else if (y.counter > x.counter) bLeads = true
      i++
      j++
    }
    if (aLeads && bLeads) return "Concurrent"
  }
  if (i < a.length) aLeads = true
  if (j < b.length) bLeads = true
  if (aLeads) return bLeads ? "Concurrent" : "After"
  return bLeads ? "Before" : "Equal"
}

/** Whether `a` has seen everything `b` has (a >= b pointwise): compare(a, b) is "After" or "Equal". */
export function descends(a: VClock, b: VClock): boolean {
  let i = 0
  for (const y of b) {
    while (i < a.length && a[i]!.node < y.node) i++
    const x = a[i]
    if (x === undefined || x.node !== y.node || x.counter < y.counter) return false
    i++
  }
  return true
}

/** The mirror image of an ordering: compare(b, a) === mirror(compare(a, b)). */
export function mirror(ordering: Ordering): Ordering {
  switch (ordering) {
    case "Before":
      return "After"
    case "After":
      return "Before"
    case "Equal":
    case "Concurrent":
      return ordering
  }
}

/**
 * Keeps at most `entriesMax` entries, dropping the oldest by time (ties: the smaller node id goes
 * first). The paper's remedy for clock growth (section 4.4); it can turn a descendant into a
 * false sibling, which is why it is off unless a caller asks for it.
 */
export function truncate(clock: VClock, entriesMax: number): VClock {
  assert(Number.isSafeInteger(entriesMax) && entriesMax >= 1, `entriesMax must be a positive integer, got ${entriesMax}`)
  if (clock.length <= entriesMax) return clock
  const oldestFirst = [...clock].sort((x, y) => x.time - y.time || compareNodeIds(x.node, y.node))
  const dropped = new Set(oldestFirst.slice(0, clock.length - entriesMax).map((entry) => entry.node))
  const result = clock.filter((entry) => !dropped.has(entry.node))
  assert(result.length === entriesMax, "truncate kept the wrong number of entries")
  return result
}
