// Every Always has a Sometimes (STYLE.md, after Stateright): the case an invariant guards must
// occur in a standard run, or the invariant may hold only because nothing ever tested it. The
// list (src/invariants/index.ts) names each one's Sometimes; here the simulator's standard runs
// (the soak's first seeds) and the checker's standard presets must reach every one they count.
// Catches: a check wired to a path no run takes (a Sometimes counter left at 0), a scenario
// generator that stopped producing a fault (no restart, no leave), a preset that lost its case.
import { describe, expect, test } from "vitest"
import { runSwarm } from "../src/check/check.ts"
import { type Sometimes as CheckerSometimes } from "../src/check/state.ts"
import { INVARIANTS, noneReached, type Reached, RUN_CHECKPOINTS, SOMETIMES_CASES, type SometimesName } from "../src/invariants/index.ts"
import { defaultSimOptions, generateScenario } from "../src/sim/scenario.ts"
import { soakScenario } from "../src/sim/soak-scenario.ts"
import { World } from "../src/sim/world.ts"

/** The soak's first seeds at its default length, and `dynamo simulate`'s default (no faults) runs. */
const SIM_RUNS = 40
const SOAK_STEPS = 150
const DEFAULT_RUNS = 5
/** Runs with two spare nodes that join (and members that leave). */
const RING_CHANGE_RUNS = 3
/** `dynamo simulate`'s `--steps` default. */
const SIMULATE_STEPS_DEFAULT = 200
/** Walks of the checker's swarm per standard preset: bounded, a few seconds. */
const SWARM_WALKS = 300

/** Each Sometimes an invariant judged on runs by `judges` leans on, with the invariants it covers. */
const required = (judges: (i: (typeof INVARIANTS)[number]) => boolean, counted: (name: SometimesName) => boolean): Map<SometimesName, Array<string>> => {
  const names = new Map<SometimesName, Array<string>>()
  for (const invariant of INVARIANTS) {
    if (invariant.sometimes === undefined || !judges(invariant) || !counted(invariant.sometimes)) continue
    if (!invariant.checkpoints.some((c) => RUN_CHECKPOINTS.includes(c))) continue
    names.set(invariant.sometimes, [...(names.get(invariant.sometimes) ?? []), invariant.id])
  }
  return names
}

describe("every Always has a Sometimes that a standard run reaches", () => {
  test(`the simulator: the soak's seeds 1..${SIM_RUNS}, dynamo simulate's 1..${DEFAULT_RUNS} and ${RING_CHANGE_RUNS} runs with joins reach the Sometimes of every invariant it judges`, () => {
    const total: Reached = noneReached()
    const scenarios = [
      ...Array.from({ length: SIM_RUNS }, (_, i) => soakScenario(i + 1, SOAK_STEPS)),
      // Fault-free, R + W > N: the only runs QUORUM-1 judges.
      ...Array.from({ length: DEFAULT_RUNS }, (_, i) => generateScenario(i + 1, defaultSimOptions, SIMULATE_STEPS_DEFAULT)),
      // The soak has no spare node to join; `dynamo simulate --spares 2 --faults join,leave` does (JOIN-1).
      ...Array.from({ length: RING_CHANGE_RUNS }, (_, i) => generateScenario(i + 1, { ...defaultSimOptions, spares: 2, faults: ["join", "leave"] }, SIMULATE_STEPS_DEFAULT))
    ]
    for (const scenario of scenarios) {
      const seed = scenario.seed
      const report = new World(scenario).run()
      expect(report.violations, `seed ${seed}`).toEqual([])
      for (const [name, count] of Object.entries(report.sometimes)) total[name as SometimesName] += count
    }
    const needed = required((i) => i.simulator !== undefined, (name) => SOMETIMES_CASES[name].simulator)
    // The list's run invariants the simulator judges all have a Sometimes it counts.
    expect(needed.size).toBeGreaterThan(10)
    for (const [name, ids] of needed) expect(total[name], `${name} (for ${ids.join(", ")}) never reached`).toBeGreaterThan(0)
  })

  test("the checker: swarms over small, handoff and sloppy-stale-read reach the Sometimes of every invariant it judges", () => {
    const total = new Map<string, number>()
    for (const preset of ["small", "handoff", "sloppy-stale-read"]) {
      const run = runSwarm({ preset }, { walks: SWARM_WALKS, seed: 1 })
      for (const [name, count] of Object.entries(run.result.sometimes)) total.set(name, (total.get(name) ?? 0) + count)
    }
    const needed = required((i) => i.checker !== undefined, (name) => SOMETIMES_CASES[name].checker)
    expect(needed.size).toBeGreaterThan(3)
    for (const [name, ids] of needed) expect(total.get(name as CheckerSometimes), `${name} (for ${ids.join(", ")}) never reached`).toBeGreaterThan(0)
  })
})
