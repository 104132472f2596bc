// Timeouts at canonical points (src/check/timer-chains.ts, README "Timeouts at canonical points"):
// the reduced search reaches exactly the worlds the full one does (so it cannot lower the count),
// a rule that forgets that a heal releases a timeout loses worlds, and the anomaly presets under
// async timing find the same invariant with a trace that replays.
import { describe, expect, it } from "vitest"
import { buildModel, type CheckOptions } from "../../src/check/model.ts"
import { searchActions as porActions } from "../../src/check/por.ts"
import { type Releases, releasedBy, searchSuccessors } from "../../src/check/timer-chains.ts"
import { apply, compile, initialWorld, type Compiled, type WorldState } from "../../src/check/world.ts"
import { ANOMALY_PRESETS } from "../../src/check/model.ts"
import { expectSameCounterexample } from "./anomaly-lengths.ts"

const compiled = (options: CheckOptions): Compiled => {
  const built = buildModel(options)
  if (built._tag === "Error") throw new Error(built.message)
  return compile(built.model)
}

const key = (w: WorldState): string => `${w.fp.hi}:${w.fp.lo}`

/** Every world reachable without crossing a violating transition (a search stops at one). */
const reachable = (c: Compiled, successors: (w: WorldState) => ReadonlyArray<{ state: WorldState; violation: unknown }>): Set<string> => {
  const initial = initialWorld(c)
  const seen = new Set([key(initial)])
  const stack = [initial]
  while (stack.length > 0) {
    for (const t of successors(stack.pop()!)) {
      if (t.violation !== undefined || seen.has(key(t.state))) continue
      seen.add(key(t.state))
      stack.push(t.state)
    }
  }
  return seen
}

const full = (c: Compiled) => reachable(c, (w) => porActions(c, w).map((a) => apply(c, w, a)))
const reduced = (c: Compiled, releases: Releases = releasedBy) => reachable(c, (w) => searchSuccessors(c, w, releases).transitions)

describe("timeouts at canonical points", () => {
  // Mutation caught: a release rule that misses a kind of step (a node's own step not
  // releasing it, say) loses worlds, and the sets differ.
  it.each([
    { preset: "read-repair-alone", timing: "async", crashes: 1 },
    { preset: "read-repair-alone", timing: "async", partitions: 1 }
  ] as const)("reaches exactly the worlds of the full search: %o", (options) => {
    const c = compiled(options)
    const all = full(c)
    const some = reduced(c)
    expect(some.size).toBe(all.size)
    for (const world of some) expect(all.has(world)).toBe(true)
  })

  // The unsound rule the brief warns of: a heal does not release (a firing put before a heal
  // loses the messages it sends across the old cut, which after the heal would arrive).
  it("a rule where a heal releases nothing loses reachable worlds", () => {
    const c = compiled({ preset: "read-repair-alone", timing: "async", partitions: 1 })
    const healBlind: Releases = (c, w, action, stepped) => action._tag === "Heal" ? stepped : releasedBy(c, w, action, stepped)
    const all = full(c)
    const some = reduced(c, healBlind)
    expect(some.size).toBeLessThan(all.size)
  })

  it.each(ANOMALY_PRESETS)("%s under async timing: same invariant, trace replays", async (preset) => {
    await expectSameCounterexample(preset, [{ timing: "async", fireAfterStep: false }, { timing: "async" }])
  }, 120_000)
})
