// Properties of zone-aware placement, src/core/ring.ts and the coordinator's fallback choice
// (paper 4.6: "the preference list of a key is constructed such that the storage nodes are spread
// across multiple data centers"). RING-4: the top N span min(N, zones) zones, the earliest such
// choice in walk order; the extended list continues in ring order; fallbacks prefer the zone of
// the node they stand in for. Checked against a brute-force oracle written apart from ring.ts.
import { fc, test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { chooseTargets } from "../src/core/coordinator.ts"
import { keyPosition } from "../src/core/hash.ts"
import { initialView, join, reconcile, ringOf, viewDigest } from "../src/core/membership.ts"
import {
  buildRing,
  extendedPreferenceList,
  fallbacksFor,
  preferenceList,
  zoneOf,
  type Member,
  type NodeId,
  type Ring,
  type RingConfig,
  ZONE_DEFAULT
} from "../src/core/ring.ts"
import type { NodeState } from "../src/core/state.ts"

const MEMBERS_GENERATED_MAX = 9
const ZONES = ["dc-a", "dc-b", "dc-c", "dc-d"] as const

const memberArb = (zones: number) =>
  fc.record({ id: fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), zone: fc.constantFrom(...ZONES.slice(0, zones)) })
const membersArb = fc.integer({ min: 1, max: ZONES.length }).chain((zones) =>
  fc.uniqueArray(memberArb(zones), { minLength: 1, maxLength: MEMBERS_GENERATED_MAX, selector: (m) => m.id }))
const configArb: fc.Arbitrary<RingConfig> = fc.oneof(
  fc.record({ strategy: fc.constant("tokens" as const), tokensPerNode: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ strategy: fc.constant("partitions" as const), partitions: fc.integer({ min: 16, max: 64 }) }))
const keysArb = fc.array(fc.string(), { minLength: 1, maxLength: 12 })

/** The distinct-node walk clockwise from a position, by a fresh sort and a linear scan. */
function walkOracle(ring: Ring, position: bigint): NodeId[] {
  const tokens = [...ring.tokens].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0))
  const first = tokens.findIndex((token) => token.position >= position)
  const walk: NodeId[] = []
  for (let step = 0; step < tokens.length; step++) {
    const owner = tokens[((first === -1 ? 0 : first) + step) % tokens.length]!.owner
    if (!walk.includes(owner)) walk.push(owner)
  }
  return walk
}

/** Every k-subset of 0..m-1 as ascending index lists, in lexicographic order. */
function* combinations(m: number, k: number, from = 0, prefix: number[] = []): Generator<number[]> {
  if (prefix.length === k) {
    yield prefix
    return
  }
  for (let i = from; i <= m - (k - prefix.length); i++) yield* combinations(m, k, i + 1, [...prefix, i])
}

/** RING-4's oracle: the lexicographically first n-subset of the walk spanning min(n, zones) zones. */
function spanOracle(walk: readonly NodeId[], zoneOfNode: (node: NodeId) => string, n: number): NodeId[] {
  const zones = new Set(walk.map(zoneOfNode)).size
  const count = Math.min(n, walk.length)
  for (const picked of combinations(walk.length, count)) {
    const nodes = picked.map((i) => walk[i]!)
    if (new Set(nodes.map(zoneOfNode)).size === Math.min(count, zones)) return nodes
  }
  throw new Error("no subset spans the zones")
}

describe("RING-4 preference lists span zones", () => {
  // Mutations caught: a walk that ignores zones (lists crowded in one zone when another exists);
  // taking a same-zone node while the slots left no longer cover the missing zones; skipping
  // same-zone nodes even when slots are spare (a later node replaces an earlier one the oracle
  // keeps); returning the chosen nodes out of walk order; a memoised walk too short for the rule.
  test.prop([membersArb, configArb, keysArb, fc.nat()], { numRuns: 300 })(
    "RING-4 the top n span min(n, zones) zones: the earliest such choice in walk order (brute-force oracle)",
    (members, config, keys, nSeed) => {
      const ring = buildRing(members, config)
      const zoneById = new Map(members.map((m) => [m.id, m.zone]))
      const n = 1 + (nSeed % members.length)
      for (const key of keys) {
        const list = preferenceList(ring, key, n)
        const walk = walkOracle(ring, keyPosition(key))
        expect(list).toEqual(spanOracle(walk, (node) => zoneById.get(node)!, n))
        expect(new Set(list.map((node) => zoneById.get(node))).size).toBe(Math.min(n, new Set(zoneById.values()).size))
      }
    })

  // Mutations caught: an extended list in walk order from the start (its first n then differ
  // from the zone-spanning top n); passed-over nodes appended at the end instead of in ring
  // order; a node listed twice or missing.
  test.prop([membersArb, configArb, keysArb, fc.nat()], { numRuns: 200 })(
    "RING-4 the extended list is the top n, then every other node in ring order",
    (members, config, keys, nSeed) => {
      const ring = buildRing(members, config)
      const n = 1 + (nSeed % members.length)
      for (const key of keys) {
        const top = preferenceList(ring, key, n)
        const walk = walkOracle(ring, keyPosition(key))
        expect(extendedPreferenceList(ring, key, n)).toEqual([...top, ...walk.filter((node) => !top.includes(node))])
      }
    })

  // Mutation caught: a zone rule that changes lists of a cluster without zones (every existing
  // trace, golden test and checker count depends on it: one zone is the plain walk).
  test.prop([fc.uniqueArray(memberArb(1), { minLength: 1, maxLength: MEMBERS_GENERATED_MAX, selector: (m) => m.id }), configArb, keysArb, fc.nat()])(
    "RING-4 one zone, named or not, gives the plain walk's first n",
    (members, config, keys, nSeed) => {
      const named = buildRing(members, config)
      const unnamed = buildRing(members.map((m): Member => ({ id: m.id })), config)
      const n = 1 + (nSeed % members.length)
      for (const key of keys) {
        const walk = walkOracle(unnamed, keyPosition(key))
        expect(preferenceList(unnamed, key, n)).toEqual(walk.slice(0, n))
        expect(preferenceList(named, key, n)).toEqual(walk.slice(0, n))
        expect(extendedPreferenceList(named, key, n)).toEqual(walk)
      }
    })

  test("RING-4 a hand-checked case: three zones, N=3, one key", () => {
    // Two nodes per zone; whatever the walk, the top 3 holds one node of each zone and the
    // walk's first node leads it.
    const members: Member[] = ["a1", "a2", "b1", "b2", "c1", "c2"].map((id) => ({ id, zone: `dc-${id[0]}` }))
    const ring = buildRing(members, { strategy: "tokens", tokensPerNode: 4 })
    for (const key of ["cart:1", "cart:2", "cart:3", "user:9"]) {
      const top = preferenceList(ring, key, 3)
      expect(top.map((node) => zoneOf(ring, node)).sort()).toEqual(["dc-a", "dc-b", "dc-c"])
      expect(top[0]).toBe(walkOracle(ring, keyPosition(key))[0])
    }
  })
})

describe("RING-2 with zones", () => {
  // RING-2's promise, under the zone rule: a join moves to the new node only keys it now owns (no
  // other node gains a key), a leave moves only keys the leaving node held (no other node loses
  // one). The plain walk's stronger shape (the newcomer pushes out the last node) does not hold:
  // the zone rule may push out a node in the middle, of the zone the newcomer crowds.
  // Mutations caught: a zone rule that re-chooses the whole list when the zone count changes
  // (a join of a node of a new zone would move keys between old nodes); zones looked up by slot
  // in a stale index (a node's zone taken from the ring before the change).
  test.prop([membersArb.filter((m) => m.length >= 2), fc.record({ strategy: fc.constant("tokens" as const), tokensPerNode: fc.integer({ min: 1, max: 8 }) }), keysArb, fc.nat()], { numRuns: 300 })(
    "RING-2 RING-4 a join only adds the new node to lists, a leave only removes the leaving one",
    (members, config, keys, nSeed) => {
      const newcomer = members[members.length - 1]!.id
      const before = buildRing(members.slice(0, -1), config)
      const after = buildRing(members, config)
      const n = 1 + (nSeed % before.nodes.length)
      for (const key of keys) {
        const listBefore = preferenceList(before, key, n)
        const listAfter = preferenceList(after, key, n)
        // Join (before -> after): nobody but the newcomer gains, and a list it does not enter
        // stays as it was. Read backwards (after -> before) it is the newcomer's leave: nobody
        // but the leaver loses, and a list it was not in stays.
        for (const node of listAfter) if (node !== newcomer) expect(listBefore).toContain(node)
        if (!listAfter.includes(newcomer)) expect(listAfter).toEqual(listBefore)
      }
    })
})

describe("RING-4 fallbacks prefer the zone of the node they stand in for", () => {
  // Mutations caught: fallbacks in plain list order (a different-zone node stands in while a
  // same-zone one is up); a fallback taken from the top n; the same fallback given to two down
  // nodes; a down fallback chosen while an up one exists.
  test.prop([membersArb, configArb, keysArb, fc.array(fc.nat(), { maxLength: 3 })], { numRuns: 200 })(
    "RING-4 fallbacksFor lists the nodes past n, same zone first; chooseTargets takes the first up and untaken",
    (members, config, keys, downPicks) => {
      const ring = buildRing(members, config)
      const n = Math.min(3, members.length)
      const down = [...new Set(downPicks.map((pick) => ring.nodes[pick % ring.nodes.length]!))]
      const state = { ring, config: { n }, down } as unknown as NodeState
      for (const key of keys) {
        const extended = extendedPreferenceList(ring, key, n)
        for (const home of extended.slice(0, n)) {
          const fallbacks = fallbacksFor(ring, key, n, home)
          expect([...fallbacks].sort()).toEqual(extended.slice(n).sort())
          const same = fallbacks.filter((node) => zoneOf(ring, node) === zoneOf(ring, home))
          expect(fallbacks.slice(0, same.length)).toEqual(extended.slice(n).filter((node) => zoneOf(ring, node) === zoneOf(ring, home)))
        }
        const targets = chooseTargets(state, key)
        const taken = new Set<NodeId>()
        extended.slice(0, n).forEach((home, i) => {
          const target = targets[i]!
          if (!down.includes(home)) return expect(target).toEqual({ node: home })
          const expected = fallbacksFor(ring, key, n, home).find((node) => !taken.has(node) && !down.includes(node))
          if (expected === undefined) return expect(target).toEqual({ node: home })
          taken.add(expected)
          expect(target).toEqual({ node: expected, hintFor: home })
        })
      }
    })
})

describe("zones in the membership view", () => {
  // Mutations caught: a zone dropped by join or by the ring built from the view; a zone-less
  // view whose digest changes (every committed trace's gossip would differ); a merge that is
  // not commutative on entries differing only in zone.
  test("a join carries its zone to the ring; a view without zones keeps its digest", () => {
    const plain = initialView([{ id: "n1" }, { id: "n2" }])
    expect(viewDigest(plain)).toBe(viewDigest(initialView([{ id: "n1", zone: ZONE_DEFAULT }, { id: "n2" }])))
    expect(plain.every((entry) => !("zone" in entry))).toBe(true)
    const zoned = initialView([{ id: "n1", zone: "dc-a" }, { id: "n2", zone: "dc-b" }])
    expect(viewDigest(zoned)).not.toBe(viewDigest(plain))
    const joined = join(zoned, "n3", 1, undefined, "dc-c")
    const ring = ringOf(joined.map((entry) => (entry.id === "n3" ? { ...entry, status: "member" as const } : entry)), { strategy: "tokens", tokensPerNode: 4 })
    expect(ring.members.map((m) => m.zone)).toEqual(["dc-a", "dc-b", "dc-c"])
    expect(() => join(zoned, "n4", 1, undefined, "bad zone")).toThrow(/zone/)
    const a = [{ id: "n5", status: "joining" as const, capacity: 1, version: 1, zone: "dc-a" }]
    const b = [{ id: "n5", status: "joining" as const, capacity: 1, version: 1, zone: "dc-b" }]
    expect(reconcile(a, b)).toEqual(reconcile(b, a))
    expect(reconcile(a, b)[0]!.zone).toBe("dc-b")
  })
})
