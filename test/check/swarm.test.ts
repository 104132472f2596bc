// The swarm mode of the model checker (src/check/swarm.ts): random walks under drawn fault
// budgets reach every expected `Sometimes` of `small` and say how often; the same seed gives the
// same run; each anomaly preset's violation is found by a walk and its counterexample replays
// through the core; an expected event reached by too few walks is flagged rare.
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { formatSwarm, runSwarm } from "../../src/check/check.ts"
import { counterexampleText } from "../../src/check/counterexample.ts"
import { buildModel } from "../../src/check/model.ts"
import { expectedReach, SWARM_RARE_FRACTION } from "../../src/check/swarm.ts"
import { emptySometimes } from "../../src/check/explore.ts"
import { replayTrace } from "../../src/sim/replay.ts"
import { decodeTrace } from "../../src/trace/format.ts"

describe("swarm: coverage-guided bounded search", () => {
  // Catches: settled worlds never judged (settled 0), faults never taken (message-lost and
  // crash-before-ack 0), walks that stop before the scripts end (put-acknowledged, get-answered
  // rare), and any use of an unseeded source of randomness (the two runs would differ).
  test("small: 600 walks reach every expected Sometimes, none rare, and the same seed gives the same run", () => {
    const first = runSwarm({ preset: "small" }, { walks: 600, seed: 7 })
    const again = runSwarm({ preset: "small" }, { walks: 600, seed: 7 })
    expect(first.counterexample).toBeUndefined()
    expect(first.result.outcome).toBe("bounded")
    expect(first.result.walks).toBe(600)
    expect(first.result.expected.map((reach) => reach.name)).toEqual(first.model.sometimes)
    for (const reach of first.result.expected) {
      expect(reach.walks, reach.name).toBeGreaterThan(0)
      expect(reach.rare, reach.name).toBe(false)
    }
    // Every walk reaches the end of the scripts and a settled world (the runs are bounded).
    expect(first.result.walksReaching.settled).toBe(600)
    expect(first.result.stats.settled).toBeGreaterThan(0)
    // Walks run under drawn budgets: some with the crash, some without.
    expect(first.result.budgets).toBeGreaterThan(1)
    expect(again.result.sometimes).toEqual(first.result.sometimes)
    expect(again.result.walksReaching).toEqual(first.result.walksReaching)
    expect(again.result.stats.distinct).toBe(first.result.stats.distinct)
    expect(formatSwarm(first, 7)).not.toContain("WARNING")
  })

  // The four-node preset made to exhaust (3,728,047 states, too long for the unit tests): a
  // partition does send writes to a fallback and the heal does bring the hints home. Catches a
  // preset whose partition bound or periodic firings were dropped (no hint stored or delivered).
  test("handoff-partition: walks store hints on fallbacks and deliver them home", () => {
    const checked = runSwarm({ preset: "handoff-partition" }, { walks: 300, seed: 1 })
    expect(checked.counterexample).toBeUndefined()
    expect(checked.model.nodes.length).toBe(4)
    for (const reach of checked.result.expected) expect(reach.walks, reach.name).toBeGreaterThan(0)
    expect(checked.result.walksReaching["hint-delivered"]).toBeGreaterThan(0)
  })

  // Catches: a walk's counterexample re-run in the full model rather than under the walk's own
  // fault budget (eager persistence depends on the crash bound, so the actions would not re-run),
  // and a finding whose actions were not the walk's.
  test.each([
    ["lost-update-vv", "SIB-1"], ["sloppy-stale-read", "QUORUM-1"], ["truncation-false-siblings", "SIB-1"],
    ["lww-lost-write", "DUR-1"], ["no-read-repair-divergence", "CONV-1"]
  ])("%s: a walk finds %s, and its trace replays", (preset, invariant) => {
    const checked = runSwarm({ preset }, { walks: 2_000, seed: 1 })
    expect(checked.result.outcome).toBe("violation")
    expect(checked.counterexample?.violation.invariant).toBe(invariant)
    const decoded = decodeTrace(counterexampleText(checked.counterexample!))
    expect(decoded._tag).toBe("Ok")
    if (decoded._tag !== "Ok") return
    expect(replayTrace(decoded.trace).divergence).toBeUndefined()
  })

  // Catches: the rare threshold inverted or dropped, and an event no walk reached not flagged.
  test("an expected event reached by fewer than 1% of the walks is rare; one never reached is too", () => {
    const built = buildModel({ preset: "small" })
    if (built._tag === "Error") throw new Error(built.message)
    const walks = 1_000
    const reaching = emptySometimes()
    const counts = emptySometimes()
    for (const name of built.model.sometimes) reaching[name as keyof typeof reaching] = walks
    reaching.siblings = walks * SWARM_RARE_FRACTION - 1
    reaching["read-repair"] = 0
    reaching["get-answered"] = walks * SWARM_RARE_FRACTION
    const rare = expectedReach(built.model, walks, counts, reaching).filter((reach) => reach.rare).map((reach) => reach.name)
    expect(rare).toEqual(["siblings", "read-repair"])
  })

  // Catches: --swarm accepted with flags it ignores, or a walk's violation not exiting 1.
  test("dynamo check --swarm: bad arguments exit 2, a violation exits 1 with its trace", () => {
    const root = join(import.meta.dirname, "..", "..")
    const run = (...args: Array<string>) =>
      spawnSync(process.execPath, ["--import", "tsx", join(root, "src", "cli", "main.ts"), "check", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 })
    const bad = run("--swarm", "0", "--workers", "2")
    expect(bad.status).toBe(2)
    expect(bad.stderr + bad.stdout).toContain("--swarm must be in 1..")
    const found = run("--preset", "lost-update-vv", "--swarm", "50")
    expect(found.status).toBe(1)
    expect(found.stdout).toContain("VIOLATION of SIB-1")
    expect(found.stdout).toContain("of a random walk")
  })
})
