// The model checker (src/check/): the default protocol exhausts the `small` model with no
// violation and the interesting cases do occur there (Stateright's `Sometimes`); each preset of
// the anomaly catalogue finds the counterexample of its caveat, and that counterexample, written
// as a trace, replays through the core; the committed catalogue replays too; bad arguments exit 2.
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { formatRun, rareInBounded, runCheck } from "../../src/check/check.ts"
import { counterexampleText } from "../../src/check/counterexample.ts"
import { search } from "../../src/check/explore.ts"
import { ANOMALY_PRESETS, buildModel, type CheckOptions } from "../../src/check/model.ts"
import { apply, compile, describeAction, enabledActions, initialWorld, type Action, type WorldState } from "../../src/check/world.ts"
import { replayTrace } from "../../src/sim/replay.ts"
import { decodeTrace } from "../../src/trace/format.ts"

const root = join(import.meta.dirname, "..", "..")

const modelOf = (options: CheckOptions) => {
  const built = buildModel(options)
  if (built._tag === "Error") throw new Error(built.message)
  return built.model
}

describe("small: the default protocol (DVV) under at most one crash and one lost message", () => {
  test("exhausts the space with no violation, and every expected Sometimes happens", async () => {
    const checked = await runCheck({ preset: "small" }, { order: "dfs", workers: 2, maxStates: 20_000_000 })
    const stats = checked.result.stats
    expect(checked.counterexample?.violation).toBeUndefined()
    expect(checked.result.outcome).toBe("exhausted")
    expect(stats.distinct).toBeGreaterThan(200_000)
    expect(stats.settled).toBeGreaterThan(100)
    expect(checked.vacuous).toEqual([])
    for (const name of ["siblings", "put-acknowledged", "get-answered", "crash-before-ack", "message-lost", "read-repair", "settled"]) {
      expect(checked.result.sometimes[name as keyof typeof checked.result.sometimes], name).toBeGreaterThan(0)
    }
    // An exhausted search judged every world: nothing to warn about, however rare an event was.
    expect(rareInBounded(checked.model, checked.result)).toEqual([])
    expect(formatRun(checked)).not.toContain("WARNING")
  })
})

describe("a bounded search says what it hardly saw (issue 23)", () => {
  // Catches: the warning dropped, or never given to a depth-first run stopped by --max-states.
  // `medium` stopped at 100,000 states has acknowledged 2 puts in about 870,000 transitions.
  test("medium stopped at 100,000 states: acknowledged puts, answered gets and siblings are reported rare, with --swarm named", async () => {
    const checked = await runCheck({ preset: "medium" }, { order: "dfs", workers: 1, maxStates: 100_000 })
    expect(checked.result.outcome).toBe("bounded")
    const rare = rareInBounded(checked.model, checked.result).map((reach) => reach.name)
    expect(rare).toEqual(expect.arrayContaining(["put-acknowledged", "get-answered", "siblings"]))
    // Only expected events, and not the faults the search did spend its budget on.
    for (const name of rare) expect(checked.model.sometimes).toContain(name)
    expect(rare).not.toContain("crash-before-ack")
    const report = formatRun(checked)
    expect(report).toMatch(/WARNING: this search stopped at --max-states before exhausting the model/)
    expect(report).toMatch(/put-acknowledged \d+ time\(s\)/)
    expect(report).toContain("--swarm")
  })

  // Catches: every bounded run warned (the threshold compared the wrong way, or not at all):
  // `small` stopped at 300,000 states saw each expected event on over 0.1% of its transitions.
  test("small stopped at 300,000 states: nothing rare, no warning", async () => {
    const checked = await runCheck({ preset: "small" }, { order: "dfs", workers: 1, maxStates: 300_000 })
    expect(checked.result.outcome).toBe("bounded")
    expect(rareInBounded(checked.model, checked.result)).toEqual([])
    expect(formatRun(checked)).not.toContain("WARNING")
  })
})

describe("the anomaly catalogue: each caveat of the paper has a counterexample", () => {
  test.each(ANOMALY_PRESETS)("%s breaks what it must, and its trace replays", async (preset) => {
    const checked = await runCheck({ preset }, { order: "bfs", workers: 1, maxStates: 2_000_000 })
    const counterexample = checked.counterexample
    expect(counterexample, "no counterexample").toBeDefined()
    expect(counterexample!.violation.invariant).toBe(checked.model.expect)
    // Through the file format and back, as `dynamo replay` reads it.
    const decoded = decodeTrace(counterexampleText(counterexample!))
    expect(decoded._tag).toBe("Ok")
    if (decoded._tag !== "Ok") return
    expect(decoded.trace.source).toBe("checker")
    expect(decoded.trace.observations.violations.map((v) => v.invariant)).toEqual([checked.model.expect])
    expect(replayTrace(decoded.trace).divergence).toBeUndefined()
  })

  test("the committed traces in traces/anomalies replay without divergence", () => {
    const dir = join(root, "traces", "anomalies")
    const files = readdirSync(dir).filter((file) => file.endsWith(".json")).sort()
    expect(files).toEqual(ANOMALY_PRESETS.map((preset) => `${preset}.json`).sort())
    for (const file of files) {
      const decoded = decodeTrace(readFileSync(join(dir, file), "utf8"))
      expect(decoded._tag, file).toBe("Ok")
      if (decoded._tag !== "Ok") continue
      expect(decoded.trace.observations.violations.length, file).toBe(1)
      expect(replayTrace(decoded.trace).divergence, file).toBeUndefined()
    }
  })
})

describe("the search itself", () => {
  test("breadth-first, depth-first and two workers count the same distinct states", async () => {
    const options: CheckOptions = { preset: "small", ops: 1, crashes: 0, drops: 1 }
    const model = modelOf(options)
    const bfs = search(model, { order: "bfs", maxStates: 5_000_000 })
    const dfs = search(model, { order: "dfs", maxStates: 5_000_000 })
    const parallel = await runCheck(options, { order: "dfs", workers: 2, maxStates: 5_000_000 })
    expect(bfs.outcome).toBe("exhausted")
    expect(dfs.stats.distinct).toBe(bfs.stats.distinct)
    expect(parallel.result.stats.distinct).toBe(bfs.stats.distinct)
    expect(parallel.result.stats.settled).toBe(bfs.stats.settled)
  })

  test("worker threads find a counterexample too, and it replays", async () => {
    const checked = await runCheck({ preset: "sloppy-stale-read" }, { order: "dfs", workers: 2, maxStates: 1_000_000 })
    expect(checked.counterexample?.violation.invariant).toBe("QUORUM-1")
    expect(replayTrace(checked.counterexample!.trace).divergence).toBeUndefined()
  })

  test("the same world reached in two orders has one fingerprint", () => {
    const c = compile(modelOf({ preset: "small", persistence: "lazy" }))
    const pick = (world: WorldState, line: string): Action => {
      const action = enabledActions(c, world).find((a) => describeAction(c, world, a) === line)
      if (action === undefined) throw new Error(`no action "${line}" among ${enabledActions(c, world).map((a) => describeAction(c, world, a)).join("; ")}`)
      return action
    }
    const run = (world: WorldState, lines: ReadonlyArray<string>): WorldState => lines.reduce((w, line) => apply(c, w, pick(w, line)).state, world)
    const start = initialWorld(c)
    const sent = apply(c, start, enabledActions(c, start).find((a) => a._tag === "Issue" && a.client === 0)!).state
    // The put's two Replicate messages reach their replicas in either order: the same world.
    const deliveries = enabledActions(c, sent).filter((a) => a._tag === "Deliver").map((a) => describeAction(c, sent, a))
    expect(deliveries.length).toBe(2)
    const ab = run(sent, deliveries)
    const ba = run(sent, [...deliveries].reverse())
    expect(ab.fp).toEqual(ba.fp)
    expect(ab.fp).not.toEqual(sent.fp)
    // And a different world has a different fingerprint.
    expect(run(sent, deliveries.slice(0, 1)).fp).not.toEqual(ab.fp)
  })

  test("bad arguments exit 2; an anomaly's counterexample exits 1", () => {
    const run = (...args: Array<string>) =>
      spawnSync(process.execPath, ["--import", "tsx", join(root, "src", "cli", "main.ts"), "check", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 })
    expect(run("--preset", "no-such-preset").status).toBe(2)
    expect(run("--workers", "0").status).toBe(2)
    expect(run("--bfs", "--dfs").status).toBe(2)
    expect(run("--clients", "0").status).toBe(2)
    const found = run("--preset", "lost-update-vv")
    expect(found.status).toBe(1)
    expect(found.stdout).toContain("VIOLATION of SIB-1")
  })
})
