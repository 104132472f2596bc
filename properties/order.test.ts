// Where the order of a node's work shows in its effects, the core fixes it (STYLE.md: same seed,
// same bytes): hints in (intended node, key) order, keys in key order, Merkle ranges in ring
// order, never a map's internal order. Effect's HashMap iterates in hash order, which is the same
// run after run, so a dropped sort changes no determinism test within one build: it changes the
// bytes against a trace recorded by another build or another implementation. These tests pin the
// order itself (issue 18: every comparator of durable.ts and antientropy.ts survived otherwise).
import { fc, test } from "@fast-check/vitest"
import { HashMap } from "effect"
import { describe, expect } from "vitest"
import { defaultProtocolConfig } from "../src/core/config.ts"
import { applyRecord, emptyDurableState, sortedHints, sortedStore, type DurableState } from "../src/core/durable.ts"
import type { NodeEffect } from "../src/core/io.ts"
import { initialView } from "../src/core/membership.ts"
import { recover, step } from "../src/core/node.ts"
import { buildRing, rangesHeldBy } from "../src/core/ring.ts"
import { coordinatePut, emptyVersionSet, putValue, type VersionSet } from "../src/core/versions.ts"

const setOf = (value: string): VersionSet => {
  const made = coordinatePut(defaultProtocolConfig.versions, emptyVersionSet("dvv"), [], putValue(value), "a", 1)
  if (made._tag !== "Ok") throw new Error("put refused")
  return made.set
}

const keyArb = fc.string({ minLength: 1, maxLength: 6 })
const ascending = (items: ReadonlyArray<string>): boolean => items.every((item, i) => i === 0 || items[i - 1]! < item)

describe("the order a node's work shows in", () => {
  // Catches any comparator mutant of sortedStore and sortedHints (a branch forced, `<` made `<=`,
  // the sort dropped): the lists come back in hash order, or with ties misplaced.
  test.prop([fc.uniqueArray(keyArb, { maxLength: 30 }), fc.uniqueArray(fc.tuple(fc.constantFrom("a", "b", "c", "d"), keyArb), { maxLength: 30, selector: ([n, k]) => `${n}/${k}` })])(
    "stores and hints are listed in key order, hints by intended node first",
    (keys, hints) => {
      let durable: DurableState = emptyDurableState
      for (const key of keys) durable = applyRecord(durable, { _tag: "StoreKey", key, set: setOf(key) })
      for (const [intended, key] of hints) durable = applyRecord(durable, { _tag: "StoreHint", intended, key, set: setOf(key) })
      expect(sortedStore(durable).map(([key]) => key)).toEqual([...keys].sort())
      const listed = sortedHints(durable).map((h) => [h.intended, h.key] as const)
      expect(listed).toEqual([...hints].sort((x, y) => (x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0)))
    }
  )

  // A hint scan offers at most HINTS_PER_SCAN_MAX hints: which ones go first is decided by the
  // order. Catches the scan walking the map in hash order.
  test("a hint scan offers hints in (intended node, key) order", () => {
    const members = ["a", "b", "c", "d"].map((id) => ({ id }))
    const ring = buildRing(members, { strategy: "partitions", partitions: 16 })
    let durable: DurableState = { ...emptyDurableState, epoch: 1, membership: initialView(members) }
    const hinted = Array.from({ length: 12 }, (_, i) => [["b", "c", "d"][i % 3]!, `key${(i * 7) % 12}`] as const)
    for (const [intended, key] of hinted) durable = applyRecord(durable, { _tag: "StoreHint", intended, key, set: setOf(key) })
    const started = step(recover("a", defaultProtocolConfig, ring, durable), { _tag: "Start", epochFloor: 2 }, 0).state
    const scan = step(started, { _tag: "TimerFired", timer: { _tag: "HintScan" } }, 1)
    const offered = scan.effects.flatMap((e) => (e._tag === "Send" && e.message._tag === "HintDeliver" ? [`${e.to}/${e.message.key}`] : []))
    expect(offered.length).toBeGreaterThan(1)
    expect(ascending(offered)).toBe(true)
  })

  // A round compares at most ANTI_ENTROPY_RANGES_PER_ROUND_MAX ranges and the next round goes on
  // from there, so the order decides which ranges a round covers. Catches the ranges taken in
  // the trees map's order (the sort's comparator mutated or dropped): a round then covers ranges
  // scattered over the ring, and within a peer's message they are out of ring order.
  test("anti-entropy walks a node's ranges in ring order, a round at a time", () => {
    const members = ["a", "b", "c"].map((id) => ({ id }))
    const ring = buildRing(members, { strategy: "partitions", partitions: 256 })
    const config = { ...defaultProtocolConfig, n: 3, r: 1, w: 1 }
    let state = recover("a", config, ring, emptyDurableState)
    const held = rangesHeldBy(ring, "a", 3).map((range) => range.end).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
    const perRound = (effects: ReadonlyArray<NodeEffect>) => {
      const ends: Array<bigint> = []
      for (const effect of effects) {
        if (effect._tag !== "Send" || effect.message._tag !== "AntiEntropy") continue
        const inMessage = effect.message.exchanges.map((exchange) => exchange.range.end)
        // Within one peer's message, ring order.
        expect(inMessage.every((end, i) => i === 0 || inMessage[i - 1]! < end)).toBe(true)
        ends.push(...inMessage)
      }
      return ends.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))
    }
    const first = step(state, { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick: 0 }, 1)
    state = first.state
    const covered = perRound(first.effects)
    expect(held.length).toBeGreaterThan(covered.length)
    // The first round takes the ranges from the start of the ring on, in order.
    expect(covered).toEqual(held.slice(0, covered.length))
    const second = perRound(step(state, { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick: 0 }, 2).effects)
    // The next round goes on where the first stopped.
    expect(held.length).toBeGreaterThanOrEqual(2 * covered.length)
    expect(second).toEqual(held.slice(covered.length, 2 * covered.length))
    expect(HashMap.size(state.trees)).toBe(held.length)
  })

  // A round's exchanges travel in one message per peer, and the messages leave in peer order
  // (antiEntropyTick sorts the peers). Catches that sort dropped: the messages then leave in the
  // order each peer was first picked, which for one of the two picks below starts with "c" (the
  // first range's other replicas are b and c, one per pick), as the last assertion makes sure.
  test("anti-entropy sends one message per peer, in peer order, whatever the pick", () => {
    const ring = buildRing(["a", "b", "c"].map((id) => ({ id })), { strategy: "partitions", partitions: 256 })
    const state = recover("a", { ...defaultProtocolConfig, n: 3, r: 1, w: 1 }, ring, emptyDurableState)
    const firstPicked: Array<string> = []
    for (const pick of [0, 1]) {
      const sends = step(state, { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick }, 1).effects
        .flatMap((effect) => (effect._tag === "Send" && effect.message._tag === "AntiEntropy" ? [{ to: effect.to, first: effect.message.exchanges[0]!.range.end }] : []))
      expect(sends.map((send) => send.to)).toEqual(["b", "c"])
      // The peer of the round's first range in ring order: the one a message order by first pick would put first.
      firstPicked.push(sends.reduce((x, y) => (x.first < y.first ? x : y)).to)
    }
    expect(firstPicked).toContain("c")
  })
})
