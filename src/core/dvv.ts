// Dotted version vector sets (Preguiça, Baquero, Almeida et al., "Dotted Version Vectors";
// the DVVSet of Riak 2.0): the per-key sibling set that fixes the gap the paper leaves in
// section 4.4, where two puts via one coordinator from one context get equal clocks.
//
// One entry per actor: (node, counter, values). The counter says the set has seen the dots
// (node, 1..counter); `values` holds the siblings still alive among them, newest first, and they
// are always the newest ones: values[j] carries the dot (node, counter - j). The clock of the
// whole set (its causal context) is the list of (node, counter), which is what a client gets.

import * as VClock from "./vclock.ts"

/** The dots (node, counter - values.length + 1 .. counter) hold `values` (newest first). */
export interface DvvEntry<V> {
  readonly node: string
  readonly counter: number
  /** Virtual time of the newest dot of `node` this set has seen (the clock's entry time). */
  readonly time: number
  readonly values: ReadonlyArray<V>
}

/**
 * A DVVSet in canonical form: entries strictly sorted by node id, counters positive integers,
 * `values.length <= counter`. Equal logical states have equal `JSON.stringify` (given values
 * that stringify deterministically).
 */
export type DvvSet<V> = ReadonlyArray<DvvEntry<V>>

/** The set of a key never written. */
export const empty: DvvSet<never> = []

const assert: (condition: boolean, message: string) => asserts condition = (condition, message) => {
  if (!condition) throw new Error(`dvv: ${message}`)
}

/** Whether `set` is canonical (see `DvvSet`). */
export function isCanonical<V>(set: DvvSet<V>): boolean {
  let previous: string | undefined
  for (const entry of set) {
    if (!Number.isSafeInteger(entry.counter) || entry.counter < 1) return false
    if (!Number.isFinite(entry.time)) return false
    if (entry.values.length > entry.counter) return false
    if (previous !== undefined && !(previous < entry.node)) return false
    previous = entry.node
  }
  return true
}

/**
 * Merges two entries of the same node. The side with the larger counter has seen every dot of
 * the other; of its values it keeps those the other side has not seen (dot above the other's
 * counter) or holds too (dot within the other's held range). Because held dots are always a
 * suffix ending at the counter, that is a prefix of the newer side's values.
 */
function mergeEntry<V>(x: DvvEntry<V>, y: DvvEntry<V>): DvvEntry<V> {
  if (y.counter > x.counter) return mergeEntry(y, x)
  const time = x.counter > y.counter ? x.time : Math.max(x.time, y.time)
  const xOldestHeld = x.counter - x.values.length // x holds the dots above this counter
  const yOldestHeld = y.counter - y.values.length
  const values = xOldestHeld >= yOldestHeld ? x.values : x.values.slice(0, x.counter - yOldestHeld)
  if (values === x.values && time === x.time) return x
  return { node: x.node, counter: x.counter, time, values }
}

/**
 * Merges two replicas' sets of one key (replication, read repair, hinted handoff, anti-entropy).
 * A sibling survives iff the other side has not seen its dot, or holds it too. Commutative,
 * associative and idempotent; never invents or reorders a value.
 */
export function sync<V>(a: DvvSet<V>, b: DvvSet<V>): DvvSet<V> {
  if (a === b || b.length === 0) return a
  if (a.length === 0) return b
  const result: Array<DvvEntry<V>> = []
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
      result.push(mergeEntry(x, y))
      i++
      j++
    }
  }
  while (i < a.length) result.push(a[i++]!)
  while (j < b.length) result.push(b[j++]!)
  // The merge is one side unchanged when that side covers the other (a replica receiving a newer
  // set, a coordinator storing what it minted): hand that side back, so callers keep its identity
  // (the network shell encodes a set once per object: docs/performance.md, twelfth round).
  if (sameDots(result, b)) return b
  if (sameDots(result, a)) return a
  return result
}

/**
 * Whether two entry lists hold the same dots: entry by entry the same node, counter, time and
 * number of values. An entry holds the dots just below its counter, and a dot names one value:
 * the rule sync itself goes by, which keeps one copy of a dot both sides hold.
 */
const sameDots = <V>(x: ReadonlyArray<DvvEntry<V>>, y: DvvSet<V>): boolean => {
  if (x.length !== y.length) return false
  for (let k = 0; k < x.length; k++) {
    const p = x[k]!
    const q = y[k]!
    if (p !== q && (p.node !== q.node || p.counter !== q.counter || p.time !== q.time || p.values.length !== q.values.length)) return false
  }
  return true
}

/**
 * The set's dots as one string: entry by entry the node (length-prefixed, so any id is
 * unambiguous), counter, time and number of values, what `sameDots` compares. Two sets with the
 * same digest hold the same dots, so the same values: a dot names one value, minted once (the
 * rule sync goes by). A read answers "the same" against it instead of sending its set back.
 */
export function dotsDigest<V>(set: DvvSet<V>): string {
  let digest = ""
  for (const entry of set) digest += `${entry.node.length}:${entry.node},${entry.counter},${entry.time},${entry.values.length};`
  return digest
}

/** The causal context of the set: what a get hands the client, to be passed back with its put. */
export function join<V>(set: DvvSet<V>): VClock.VClock {
  return set.map((entry) => ({ node: entry.node, counter: entry.counter, time: entry.time }))
}

/** Every sibling value, in entry (node id) order, newest dot first within a node. */
export function values<V>(set: DvvSet<V>): Array<V> {
  const result: Array<V> = []
  for (const entry of set) for (const value of entry.values) result.push(value)
  return result
}

/** The number of sibling values held. */
export function size<V>(set: DvvSet<V>): number {
  let count = 0
  for (const entry of set) count += entry.values.length
  return count
}

/**
 * A put coordinated by `actor` at virtual time `time`: forget exactly the siblings whose dots
 * `context` covers, then record `value` under the next dot of `actor`. The actor must be the
 * node whose stored set this is (a coordinator only makes dots against its own store), so
 * that each dot is minted once.
 *
 * @example
 * // v1 by a, no context: {a:1,[v1]}; v2 by a, no context: {a:2,[v2,v1]};
 * // v3 by a with context {a:1}: {a:3,[v3,v2]}
 */
export function update<V>(set: DvvSet<V>, context: VClock.VClock, value: V, actor: string, time: number): DvvSet<V> {
  assert(VClock.isCanonical(context), "context is not a canonical clock")
  assert(Number.isFinite(time), `time must be finite, got ${time}`)
  const contextAsSet: DvvSet<V> = context.map((entry) => ({ ...entry, values: [] }))
  const seen = sync(set, contextAsSet)
  const result: Array<DvvEntry<V>> = []
  let recorded = false
  for (const entry of seen) {
    if (!recorded && entry.node >= actor) {
      recorded = true
      if (entry.node === actor) {
        result.push({ node: actor, counter: entry.counter + 1, time, values: [value, ...entry.values] })
        continue
      }
      result.push({ node: actor, counter: 1, time, values: [value] })
    }
    result.push(entry)
  }
  if (!recorded) result.push({ node: actor, counter: 1, time, values: [value] })
  return result
}
