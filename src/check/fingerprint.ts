// 64-bit fingerprints of the checker's world states (Stateright and TLC store fingerprints, not
// states). A fingerprint is two 32-bit lanes mixed independently. The core's values are
// immutable and shared between a state and its successors, so every sub-value's fingerprint is
// cached on its object identity (WeakMap): a step that changes one node re-hashes only what it
// rebuilt. Collections whose order is not meaningful (HashMaps, Maps, the message multiset) are
// combined by lane-wise addition, which is order-independent and counts duplicates.
import { HashMap } from "effect"

/** A fingerprint: two 32-bit lanes. `hi` and `lo` are never both zero (see `normalise`). */
export interface Fp {
  readonly hi: number
  readonly lo: number
}

const SEED_HI = 0x9e3779b9 | 0
const SEED_LO = 0x85ebca6b | 0
const MUL_HI = 0xcc9e2d51 | 0
const MUL_LO = 0x1b873593 | 0

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r))

/** The avalanche step of MurmurHash3, so lanes summed over a multiset stay well mixed. */
const fmix = (h: number): number => {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h | 0
}

/** A running hash over a stream of 32-bit words and strings. Reused; never allocates. */
export class Hasher {
  hi = SEED_HI
  lo = SEED_LO

  reset(): this {
    this.hi = SEED_HI
    this.lo = SEED_LO
    return this
  }

  word(x: number): this {
    const a = Math.imul(rotl(Math.imul(x | 0, MUL_HI), 15), MUL_LO)
    this.hi = (Math.imul(rotl(this.hi ^ a, 13), 5) + 0xe6546b64) | 0
    const b = Math.imul(rotl(Math.imul((x | 0) ^ 0x5bd1e995, MUL_LO), 17), MUL_HI)
    this.lo = (Math.imul(rotl(this.lo ^ b, 11), 9) + 0x7feb352d) | 0
    return this
  }

  /** A non-negative safe integer or any double, exactly (two words). */
  number(x: number): this {
    if (Number.isInteger(x) && x >= -0x80000000 && x <= 0x7fffffff) return this.word(0x4e554d31).word(x)
    FLOAT[0] = x
    return this.word(0x4e554d32).word(FLOAT_WORDS[0]!).word(FLOAT_WORDS[1]!)
  }

  string(s: string): this {
    const length = s.length
    this.word(length ^ 0x53545231)
    let i = 0
    for (; i + 1 < length; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16))
    if (i < length) this.word(s.charCodeAt(i))
    return this
  }

  fp(fp: Fp): this {
    return this.word(fp.hi).word(fp.lo)
  }

  finish(): Fp {
    return normalise(fmix(this.hi ^ 0x2545f491), fmix(this.lo ^ this.hi))
  }
}

/**
 * Positions a `Combiner` tells apart: a world has at most 8 node slots and 8 clients (model.ts),
 * 30 writes (two words each) and a handful of counters.
 */
export const COMBINER_PARTS_MAX = 128

/** Per position and lane, a seed: splitmix32 from a fixed start, so every run (and thread) agrees. */
const SEEDS = ((): Int32Array => {
  const seeds = new Int32Array(COMBINER_PARTS_MAX * 2)
  let state = 0x2545f491
  for (let i = 0; i < seeds.length; i++) {
    state = (state + 0x9e3779b9) | 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
    seeds[i] = z ^ (z >>> 15)
  }
  return seeds
})()

/**
 * Combines parts that are already fingerprints (or small words) into a fingerprint, in order,
 * at a third of a `Hasher`'s cost: each part is mixed on its own with a seed of its position and
 * lane (`fmix(part ^ seed)`, a bijection, different for every position) and the mixes are summed
 * lane by lane, so the parts' mixing runs in parallel on the CPU instead of in one chain. Two
 * combinations that differ in one part always differ; in several, or in parts swapped between
 * positions, they collide with probability about 2^-32 per lane, as independent values would.
 * The final step is a bijection of the two sums.
 */
export class Combiner {
  hi = 0
  lo = 0
  position = 0

  reset(): this {
    this.hi = 0
    this.lo = 0
    this.position = 0
    return this
  }

  fp(fp: Fp): this {
    return this.lanes(fp.hi, fp.lo)
  }

  word(x: number): this {
    return this.lanes(x, x)
  }

  /** A fingerprint given by its two lanes. */
  lanes(hi: number, lo: number): this {
    const at = this.position << 1
    if (at >= SEEDS.length) throw new Error(`fingerprint: more than ${COMBINER_PARTS_MAX} parts to combine`)
    this.hi = (this.hi + fmix(hi ^ SEEDS[at]!)) | 0
    this.lo = (this.lo + fmix(lo ^ SEEDS[at + 1]!)) | 0
    this.position += 1
    return this
  }

  finish(): Fp {
    const lo = fmix(this.lo ^ 0x27d4eb2f)
    return normalise(fmix(this.hi ^ lo), lo)
  }
}

const FLOAT = new Float64Array(1)
const FLOAT_WORDS = new Int32Array(FLOAT.buffer)

/**
 * A fingerprint made by `normalise`. A class, not an object literal: V8 tracks an allocation
 * site per literal and, when most objects from one seem to survive a young-generation collection,
 * allocates all later ones in the old generation. Fingerprints kept by the transition cache
 * (memo.ts) are long-lived and a world's are not; through one literal, the first would sometimes
 * (early in a run, while the cache fills) send every world's fingerprint to the old generation,
 * doubling the run's time and memory. Objects made by `new` carry no such site.
 */
class Fingerprint implements Fp {
  constructor(readonly hi: number, readonly lo: number) {}
}

/** Neither lane is zero: the fingerprint table uses 0 for an empty slot in either lane. */
export const normalise = (hi: number, lo: number): Fp => new Fingerprint(hi === 0 ? 1 : hi, lo === 0 ? 1 : lo)

const scratch = new Hasher()

/** The fingerprint of a string (e.g. a canonical JSON serialisation). */
export const stringFp = (s: string): Fp => scratch.reset().string(s).finish()

// ---- cached fingerprints of immutable values ---------------------------------------------------

const setCache = new WeakMap<object, Fp>()

/**
 * A version set's fingerprint, from its JSON text (canonical by design: equal sets have equal
 * JSON), cached on the set. Sets are the bulk of every state and travel inside messages,
 * requests, continuations and persist records, so each is serialised once.
 */
export const setFp = (set: object): Fp => {
  let fp = setCache.get(set)
  if (fp === undefined) {
    fp = stringFp(jsonText(set))
    setCache.set(set, fp)
  }
  return fp
}

const bigintAsText = (_key: string, value: unknown): unknown => (typeof value === "bigint" ? `${value}n` : value)

/** JSON text; ring positions are bigints, which plain JSON refuses (the slow path takes them). */
const jsonText = (value: object): string => {
  try {
    return JSON.stringify(value)
  } catch {
    return JSON.stringify(value, bigintAsText)
  }
}

const isVersionSet = (value: object): boolean => {
  const mode = (value as { readonly mode?: unknown }).mode
  return (mode === "dvv" || mode === "vv" || mode === "lww") && !Array.isArray(value)
}

const ARRAY = 0x41525259
const OBJECT = 0x4f424a31
const END = 0x454e4431

/**
 * Hash plain immutable data structurally: arrays in order, objects by their own keys in their
 * own order (the core builds equal values through the same code; a value built with another key
 * order only costs a duplicate state, never a merge of two different ones), version sets and
 * (Hash)Maps through their caches.
 */
export const anyInto = (hasher: Hasher, value: unknown): void => {
  switch (typeof value) {
    case "string":
      hasher.string(value)
      return
    case "number":
      hasher.number(value)
      return
    case "boolean":
      hasher.word(value ? 0x54525545 : 0x46414c53)
      return
    case "undefined":
      hasher.word(0x554e4446)
      return
    case "bigint":
      hasher.string(`${value}n`)
      return
    case "object": {
      if (value === null) {
        hasher.word(0x4e554c4c)
        return
      }
      if (Array.isArray(value)) {
        hasher.word(ARRAY ^ value.length)
        for (let i = 0; i < value.length; i++) anyInto(hasher, value[i])
        return
      }
      if (isVersionSet(value)) {
        hasher.fp(setFp(value))
        return
      }
      if (Symbol.iterator in value) {
        if (value instanceof Map || HashMap.isHashMap(value)) {
          hasher.fp(mapFp(value as ReadonlyMap<unknown, unknown>))
          return
        }
        throw new Error("fingerprint: cannot fingerprint an iterable that is not a Map or a HashMap")
      }
      hasher.word(OBJECT)
      const record = value as Record<string, unknown>
      for (const key in record) {
        hasher.string(key)
        anyInto(hasher, record[key])
      }
      hasher.word(END)
      return
    }
    default:
      throw new Error(`fingerprint: cannot fingerprint a ${typeof value}`)
  }
}

/**
 * An Effect HashMap or a Map, entries combined order-independently (lane-wise sums of each
 * entry's hash). Cached on the map: maps are immutable values, and a node's store is the same
 * map in every world until that node writes. No closure per call: under tsx (`keepNames`) every
 * function expression evaluated costs a `defineProperty`.
 */
export const mapFp = (map: HashMap.HashMap<unknown, unknown> | ReadonlyMap<unknown, unknown>): Fp => {
  let fp = mapCache.get(map)
  if (fp === undefined) {
    let hi = 0
    let lo = 0
    let count = 0
    const entry = new Hasher()
    for (const [key, value] of map as Iterable<readonly [unknown, unknown]>) {
      entry.reset()
      anyInto(entry, key)
      anyInto(entry, value)
      const entryFp = entry.finish()
      hi = (hi + entryFp.hi) | 0
      lo = (lo + entryFp.lo) | 0
      count += 1
    }
    fp = entry.reset().word(MAP).word(count).word(hi).word(lo).finish()
    mapCache.set(map, fp)
  }
  return fp
}

const MAP = 0x4d415031
const mapCache = new WeakMap<object, Fp>()
