// The search's reductions (src/check/por.ts, README "Partial-order reduction: late messages
// first"): with and without each, `small` and every anomaly preset reach the same verdicts (the
// same invariant, the same shortest counterexample length, a trace that replays); the reduced and
// unreduced counts of `small` are pinned; and wherever the reduction picks a delivery, that
// delivery changes no node's state and does nothing but remove the message.
import { describe, expect, test } from "vitest"
import { runCheck } from "../../src/check/check.ts"
import { expectSameCounterexample } from "./anomaly-lengths.ts"
import { ANOMALY_PRESETS, buildModel } from "../../src/check/model.ts"
import { searchActions } from "../../src/check/por.ts"
import { FingerprintTable, slotsFor } from "../../src/check/table.ts"
import { apply, compile, enabledActions, initialWorld, type WorldState } from "../../src/check/world.ts"

/** `small`'s state count without any reduction (src/check/README.md, issue 23). */
const SMALL_STATES = 1_612_946
/** `small`'s state count with the late-messages-first reduction. */
const SMALL_STATES_POR = 1_607_980

describe("reductions keep every verdict", () => {
  // Catches: a reduction that hides a violation of small or changes what it can reach beyond
  // the late deliveries (either pinned count would move), and one left on under --no-por.
  test("small: exhausted with no violation with and without POR; both counts pinned", async () => {
    for (const [por, states] of [[false, SMALL_STATES], [true, SMALL_STATES_POR]] as const) {
      // The canonical form off: these are the counts of the full fingerprint (canonical.test.ts pins
      // the count with both on).
      const checked = await runCheck({ preset: "small", por, canonical: false }, { order: "dfs", workers: 2, maxStates: 20_000_000 })
      expect(checked.counterexample?.violation, `por ${por}`).toBeUndefined()
      expect(checked.result.outcome).toBe("exhausted")
      expect(checked.result.stats.distinct, `por ${por}`).toBe(states)
      expect(checked.vacuous, `por ${por}`).toEqual([])
    }
  }, 600_000)

  // Catches: a reduction that loses an anomaly's counterexample, lengthens its shortest path
  // (test/scenarios.test.ts pins the lengths), or yields a trace that does not replay.
  test.each(ANOMALY_PRESETS)("%s: the same invariant and the same shortest length with and without POR", (preset) =>
    expectSameCounterexample(preset, [{ por: false }, { por: true }]))
})

describe("late messages first: the delivery it picks is invisible", () => {
  // Catches: a message taken for ignorable that its receiver acts on (a live request's ack, a
  // Read, a Pong from a node the receiver suspects: with the `down` guard of ignoredForever
  // removed this test fails, on a probe's Pong), since the chosen delivery would change a node's
  // state, send, persist, reply or raise a Sometimes; and a reduction that never applies (the
  // count of worlds where it picked a delivery would be 0, and the test would prove nothing).
  test("in the first 60,000 worlds of handoff with one crash and probes, every delivery it picks changes nothing but the flight", () => {
    // A crash leaves late messages (requests finish by timeout) and suspicions; the periodic
    // firings let a node probe the suspect, whose Pong is then in flight.
    const built = buildModel({ preset: "handoff", partitions: 0 })
    if (built._tag === "Error") throw new Error(built.message)
    const c = compile(built.model)
    const table = FingerprintTable.allocate(slotsFor(100_000), false, false)
    let frontier: Array<WorldState> = [initialWorld(c)]
    table.insert(frontier[0]!.fp, undefined)
    let seen = 1
    let reduced = 0
    while (frontier.length > 0 && seen < 60_000) {
      const next: Array<WorldState> = []
      for (const world of frontier) {
        const chosen = searchActions(c, world)
        const all = enabledActions(c, world)
        if (chosen.length === 1 && all.length > 1 && chosen[0]!._tag === "Deliver") {
          reduced += 1
          const transition = apply(c, world, chosen[0]!)
          expect(transition.violation).toBeUndefined()
          expect(transition.flags).toBe(0)
          expect(transition.state.flight.length).toBe(world.flight.length - 1)
          transition.state.nodes.forEach((slot, i) => {
            expect(slot.state).toBe(world.nodes[i]!.state)
            expect(slot.pending).toBe(world.nodes[i]!.pending)
            expect(slot.timers).toBe(world.nodes[i]!.timers)
          })
          expect(transition.state.clients).toEqual(world.clients)
        }
        for (const action of all) {
          const child = apply(c, world, action).state
          if (table.insert(child.fp, undefined)) {
            seen += 1
            next.push(child)
          }
        }
      }
      frontier = next
    }
    expect(reduced).toBeGreaterThan(0)
  }, 300_000)
})
