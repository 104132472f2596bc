// The hand-over window (src/core/handoff.ts, sections 4.8, 4.9 and 6): a node sends the ranges
// of a ring change a few at a time, bounded by offers and by keys in flight, and sends the next
// when one is confirmed; the defaults (the simulator's, the checker's) keep every offer in flight.
// Also the operator's view of a join: changePlan names exactly the moves each sender will make.
import { describe, expect, test } from "vitest"
import { HashMap } from "effect"
import { defaultProtocolConfig, type ProtocolConfig } from "../src/core/config.ts"
import { applyRecord, emptyDurableState } from "../src/core/durable.ts"
import { coordinatePut, emptyVersionSet, putValue } from "../src/core/versions.ts"
import type { NodeEffect } from "../src/core/io.ts"
import { foundingView, initialView, join } from "../src/core/membership.ts"
import { buildTrees, changePlan, ringShares } from "../src/core/ownership.ts"
import { root } from "../src/core/merkle.ts"
import { recover, step } from "../src/core/node.ts"
import { buildRing, ownershipChanges, preferenceList, RING_CONFIG_DEFAULT } from "../src/core/ring.ts"
import { ringOf, targetRingOf } from "../src/core/membership.ts"

const RING = { strategy: "partitions" as const, partitions: 64 }
const members = ["a", "b", "c"].map((id) => ({ id }))

/** Node `a` of a three-node ring, told that `d` joins. */
const joinSeenBy = (config: ProtocolConfig) => {
  const state = recover("a", config, buildRing(members, RING), emptyDurableState)
  const started = step(state, { _tag: "Start", epochFloor: 2 }, 0)
  return step(started.state, { _tag: "Admin", command: { _tag: "Join", node: "d" } }, 1)
}

const offersSent = (effects: ReadonlyArray<NodeEffect>) =>
  new Set(effects.flatMap((e) => (e._tag === "Send" && e.message._tag === "Handoff" ? [e.message.offer] : [])))

describe("hand-over window", () => {
  test("default: every range of the change goes at once (the simulator's behaviour)", () => {
    const joined = joinSeenBy(defaultProtocolConfig)
    expect(offersSent(joined.effects).size).toBe(joined.state.offers.length)
    expect(joined.state.offers.length).toBeGreaterThan(4)
  })

  // Mutation caught: the window not applied (every range sent at once floods the link) or not
  // refilled on a confirmation (the transfer stalls until the resend timer).
  test("bounded: at most handoffOffersInFlightMax ranges in flight; a confirmation sends the next", () => {
    const joined = joinSeenBy({ ...defaultProtocolConfig, handoffOffersInFlightMax: 2 })
    const first = offersSent(joined.effects)
    expect(first.size).toBe(2)
    const offer = [...first][0]!
    const acked = step(joined.state, { _tag: "Receive", from: "d", message: { _tag: "HandoffAck", offer } }, 2)
    const next = offersSent(acked.effects)
    expect(next.size).toBe(1)
    expect(first.has([...next][0]!)).toBe(false)
  })
})

describe("changePlan", () => {
  // RING-2 for operators: the plan shown before a join names exactly the (range, gaining node)
  // pairs whose replicas change, each from a node that held it. Mutation caught: a plan computed
  // from one sender only, or from the rings the wrong way round.
  test("names every (range, gaining node) pair of the change once, each from a holder", () => {
    const view = join(initialView(members), "d")
    const moves = changePlan(view, RING, 3)
    const changes = ownershipChanges(ringOf(view, RING), targetRingOf(view, RING), 3)
    const expected = changes.flatMap((c) => c.gaining.map((to) => `${c.start}:${c.end}>${to}`)).sort()
    expect(moves.map((m) => `${m.range.start}:${m.range.end}>${m.to}`).sort()).toEqual(expected)
    for (const move of moves) {
      const change = changes.find((c) => c.start === move.range.start && c.end === move.range.end)!
      expect(change.before).toContain(move.from)
    }
    expect(changePlan(initialView(members), RING, 3)).toEqual([])
  })

  test("ring shares add up to the whole ring; a founding view holds it all", () => {
    const shares = ringShares(buildRing(members, RING_CONFIG_DEFAULT))
    expect(shares.reduce((sum, s) => sum + s.share, 0)).toBeCloseTo(1, 5)
    expect(ringShares(ringOf(foundingView("solo", 1, "h:1"), RING))).toEqual([{ node: "solo", share: 1 }])
  })

  test("a member's join with a new address only moves its address; with the same one it is a no-op", () => {
    const view = foundingView("n1", 1, "h:1")
    const moved = join(view, "n1", 1, "h:2")
    expect(moved).toEqual([{ id: "n1", status: "member", capacity: 1, version: 2, address: "h:2" }])
    expect(join(moved, "n1", 1, "h:2")).toBe(moved)
  })
})

describe("orphans passed on in steps", () => {
  // Mutation caught: every key a node no longer replicates turned into hints in one step (a pause
  // of every request on a real node), or the rest never passed on (hints that never reach the
  // new owners; a leaving node that never becomes safe to stop).
  test("at most orphansPerStepMax keys per step; the hint scans pass on the rest", () => {
    const config = { ...defaultProtocolConfig, n: 1, r: 1, w: 1, orphansPerStepMax: 2 }
    const pair = [{ id: "a" }, { id: "b" }]
    const ring = buildRing(pair, RING)
    const keys = Array.from({ length: 40 }, (_, i) => `key${i}`)
    const onB = keys.filter((key) => preferenceList(ring, key, 1)[0] === "b")
    expect(onB.length).toBeGreaterThan(4)
    let durable = { ...emptyDurableState, epoch: 1, membership: initialView(pair) }
    for (const key of keys) {
      const made = coordinatePut(config.versions, emptyVersionSet("dvv"), [], putValue(key), "a", 1)
      if (made._tag !== "Ok") throw new Error("put refused")
      durable = applyRecord(durable, { _tag: "StoreKey", key, set: made.set })
    }
    // Node a holds every key but replicates only its own: b's are orphans at start.
    const hinted = (effects: ReadonlyArray<NodeEffect>) => effects.filter((e) => e._tag === "Persist" && e.record._tag === "StoreHint").length
    let result = step(recover("a", config, ring, durable), { _tag: "Start", epochFloor: 2 }, 0)
    expect(hinted(result.effects)).toBe(2)
    let passed = 2
    for (let scan = 0; passed < onB.length && scan < onB.length; scan++) {
      result = step(result.state, { _tag: "TimerFired", timer: { _tag: "HintScan" } }, scan + 1)
      const now = hinted(result.effects)
      expect(now).toBeLessThanOrEqual(2)
      passed += now
    }
    expect(passed).toBe(onB.length)
    expect(result.state.orphans).toEqual([])
  })
})

describe("trees across a ring change", () => {
  // Mutation caught: a kept tree for a range whose keys changed (a range reused by key but not by
  // content), or a gained range left without its keys: anti-entropy would then compare wrong roots.
  test("reusing the trees of ranges a node keeps gives the same trees as building all from the store", () => {
    const before = buildRing([{ id: "a" }, { id: "b" }, { id: "c" }], RING)
    const after = buildRing([{ id: "a" }, { id: "b" }, { id: "c" }, { id: "d" }], RING)
    let store = emptyDurableState.store
    for (let i = 0; i < 300; i++) {
      const made = coordinatePut(defaultProtocolConfig.versions, emptyVersionSet("dvv"), [], putValue(`v${i}`), "a", 1)
      if (made._tag !== "Ok") throw new Error("put refused")
      store = applyRecord({ ...emptyDurableState, store }, { _tag: "StoreKey", key: `key${i}`, set: made.set }).store
    }
    const kept = buildTrees(before, "a", 3, store)
    const reused = buildTrees(after, "a", 3, store, kept)
    const fresh = buildTrees(after, "a", 3, store)
    const roots = (trees: typeof fresh) => [...trees].map(([range, tree]) => `${range}=${root(tree)}:${tree.keyCount}`).sort()
    expect(roots(reused)).toEqual(roots(fresh))
    // And some trees were indeed kept, not rebuilt (the point of passing them).
    const keptTrees = new Set(HashMap.values(kept))
    expect([...HashMap.values(reused)].some((tree) => keptTrees.has(tree))).toBe(true)
  })
})
