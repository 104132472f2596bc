// AE-1 (spec/README.md): anti-entropy's peer choice (src/core/antientropy.ts, paper 4.7) reaches
// every pair of a range's replicas. The simulator cannot see a choice that always takes the same
// peer: replicas still converge through the one they all pick, a round later, and its convergence
// check waits for that. So the choice is checked here, on the core's step, over consecutive picks.
import { fc, test } from "@fast-check/vitest"
import { describe, expect, test as unitTest } from "vitest"
import { defaultProtocolConfig } from "../src/core/config.ts"
import { emptyDurableState } from "../src/core/durable.ts"
import { recover, step } from "../src/core/node.ts"
import { buildRing, rangesHeldBy, type KeyRange } from "../src/core/ring.ts"
import { PICK_MAX } from "../src/host/index.ts"

const rangeId = (range: KeyRange): string => `${range.start}:${range.end}`

const sometimes = { rounds: 0, withDown: 0, threePeers: 0 }

describe("AE-1 every pair of a range's replicas is compared", () => {
  // Within N - 1 consecutive picks, a node compares each range it replicates with each of the
  // range's other replicas it does not believe down: picks are drawn at random, so every pair
  // meets within a few rounds. The replicas of a range are read off every node's held ranges,
  // not off the preference list the choice itself walks. Catches: a range always compared with
  // the same peer, whatever the pick (mutant 65, otherwise killed only by the Quint trace); a
  // choice among all N replicas that can land on the node itself; a down peer still chosen.
  test.prop(
    [
      fc.integer({ min: 3, max: 7 }),
      fc.integer({ min: 2, max: 5 }),
      fc.constantFrom(8, 16, 32),
      fc.integer({ min: 0, max: PICK_MAX - 1 }),
      fc.array(fc.integer({ min: 2, max: 7 }), { maxLength: 2 })
    ],
    { numRuns: 40 }
  )("AE-1 over N - 1 consecutive picks each range meets every other replica not believed down", (nodes, nWanted, partitions, base, downIds) => {
    const n = Math.min(nWanted, nodes)
    const members = Array.from({ length: nodes }, (_, i) => ({ id: `n${i + 1}` }))
    const ring = buildRing(members, { strategy: "partitions", partitions })
    const config = { ...defaultProtocolConfig, n, r: 1, w: 1, seeds: members.map((m) => m.id) }
    const down = [...new Set(downIds.filter((i) => i <= nodes).map((i) => `n${i}`))].sort()
    let state = step(recover("n1", config, ring, emptyDurableState), { _tag: "Beliefs", down }, 0).state
    // Each range n1 holds, and who else holds it (by every node's own held ranges).
    const expected = new Map<string, Set<string>>()
    for (const range of rangesHeldBy(ring, "n1", n)) expected.set(rangeId(range), new Set())
    for (const { id } of members) {
      if (id === "n1" || down.includes(id)) continue
      for (const range of rangesHeldBy(ring, id, n)) expected.get(rangeId(range))?.add(id)
    }
    const met = new Map<string, Set<string>>([...expected.keys()].map((range) => [range, new Set<string>()]))
    for (let round = 0; round < n - 1; round++) {
      const result = step(state, { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick: (base + round) % PICK_MAX }, 1_000 * (round + 1))
      state = result.state
      sometimes.rounds += 1
      for (const effect of result.effects) {
        if (effect._tag !== "Send" || effect.message._tag !== "AntiEntropy") continue
        expect(effect.to).not.toBe("n1")
        expect(down).not.toContain(effect.to)
        for (const exchange of effect.message.exchanges) met.get(rangeId(exchange.range))?.add(effect.to)
      }
    }
    if (down.length > 0) sometimes.withDown += 1
    for (const [range, peers] of expected) {
      if (peers.size >= 3) sometimes.threePeers += 1
      expect({ range, met: [...met.get(range)!].sort() }).toEqual({ range, met: [...peers].sort() })
    }
  })

  unitTest("AE-1 sometimes: peers believed down, ranges with three other replicas", () => {
    expect(sometimes.rounds).toBeGreaterThan(0)
    expect(sometimes.withDown).toBeGreaterThan(0)
    expect(sometimes.threePeers).toBeGreaterThan(0)
  })
})
