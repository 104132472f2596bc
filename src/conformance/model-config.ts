// The conformance driver's setting: the model's configuration (its pure vals are not in the ITF
// states) and, for each model key, a core key whose extended preference list over the core's ring
// is the model key's, so both sides route a key to the same replicas.
import { buildRing, extendedPreferenceList, keyRange, type KeyRange, type NodeId, type Ring, type RingConfig } from "../core/index.ts"

export interface ModelConfig {
  readonly nodes: ReadonlyArray<NodeId>
  /** Extended preference list of each model key. */
  readonly preference: Readonly<Record<string, ReadonlyArray<NodeId>>>
  readonly n: number
  readonly r: number
  readonly w: number
}

/** Reads NODES, PREFERENCE, N, R and W from the text of spec/dynamo.qnt. */
export function readModelConfig(spec: string): ModelConfig {
  const need = (pattern: RegExp, what: string): RegExpMatchArray => {
    const match = spec.match(pattern)
    if (match === null) throw new Error(`spec: cannot find ${what}`)
    return match
  }
  const strings = (text: string): Array<string> => [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]!)
  const nodes = strings(need(/pure val NODES\s*:[^=]*=\s*Set\(([^)]*)\)/, "NODES")[1]!)
  const body = need(/pure val PREFERENCE\s*:[^=]*=\s*Map\(([\s\S]*?)\n\s*\)/, "PREFERENCE")[1]!
  const preference: Record<string, ReadonlyArray<NodeId>> = {}
  for (const entry of body.matchAll(/"([^"]+)"\s*->\s*\[([^\]]*)\]/g)) preference[entry[1]!] = strings(entry[2]!)
  const int = (name: string): number => Number(need(new RegExp(`pure val ${name}\\s*=\\s*(\\d+)`), name)[1])
  return { nodes, preference, n: int("N"), r: int("R"), w: int("W") }
}

// ---------------------------------------------------------------------------------------------
// Keys: a core key whose extended preference list over the core's ring is the model key's

/**
 * The core's ring for the conformance runs: strategy 3 (the core's default strategy) with Q = 64
 * partitions instead of the default 1024. With 1024 partitions each of 4 nodes replicates about
 * 768 ranges, more than one anti-entropy tick compares (ANTI_ENTROPY_RANGES_PER_ROUND_MAX): the
 * ticks take the ranges in turn, so the model's one anti-entropy step would need up to three of
 * the core's; with 64 it replicates 48 to 55, all compared every tick. Both preference lists of
 * the model exist on this ring.
 */
export const CONFORMANCE_RING: RingConfig = { strategy: "partitions", partitions: 64 }

const KEY_SEARCH_MAX = 100_000
const keyCache = new Map<string, string>()
const ringCache = new Map<string, Ring>()

/** The core's ring of the model's nodes, built once per node set and ring config. */
export function ringFor(nodes: ReadonlyArray<NodeId>, config: RingConfig): Ring {
  const cacheKey = JSON.stringify([nodes, config])
  let ring = ringCache.get(cacheKey)
  if (ring === undefined) {
    ring = buildRing(nodes.map((id) => ({ id })), config)
    ringCache.set(cacheKey, ring)
  }
  return ring
}

export const rangeText = (range: KeyRange): string => `${range.start}:${range.end}`

/**
 * The first of `${modelKey}-0`, `${modelKey}-1`, ... whose extended preference list over `ring`
 * equals `preference` and whose key range is none of `taken` (so that an anti-entropy exchange,
 * which compares a whole range, syncs one model key only, as the model's SyncReplicas does).
 * Deterministic; cached per ring shape, key and taken ranges.
 */
export function coreKeyFor(ring: Ring, modelKey: string, preference: ReadonlyArray<NodeId>, taken: ReadonlyArray<string> = []): string {
  const cacheKey = JSON.stringify([ring.config, ring.members, modelKey, preference, taken])
  const cached = keyCache.get(cacheKey)
  if (cached !== undefined) return cached
  const wanted = preference.join(",")
  for (let i = 0; i < KEY_SEARCH_MAX; i++) {
    const candidate = `${modelKey}-${i}`
    if (extendedPreferenceList(ring, candidate, ring.nodes.length).join(",") === wanted && !taken.includes(rangeText(keyRange(ring, candidate)))) {
      keyCache.set(cacheKey, candidate)
      return candidate
    }
  }
  throw new Error(`no key ${modelKey}-i (i < ${KEY_SEARCH_MAX}) has the extended preference list [${wanted}] in a range of its own`)
}
