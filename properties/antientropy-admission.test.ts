// AE-2 (spec/README.md): anti-entropy under admission control (paper 6.5). The interpreter reports
// whether its foreground is over its latency target; the core skips a round on that verdict, at
// most antiEntropyDeferralsMax firings in a row. Checked on the core's step against an oracle
// written from the verdicts alone, on the ranges a node's rounds reach, and end to end in the
// simulator, where only the bound lets anti-entropy run at all.
import { fc, test } from "@fast-check/vitest"
import { describe, expect, test as unitTest } from "vitest"
import { ANTI_ENTROPY_RANGES_PER_ROUND_MAX, defaultProtocolConfig, validateProtocolConfig } from "../src/core/config.ts"
import { emptyDurableState } from "../src/core/durable.ts"
import type { NodeEffect } from "../src/core/io.ts"
import { recover, step } from "../src/core/node.ts"
import { buildRing, rangesHeldBy, type KeyRange } from "../src/core/ring.ts"
import { PICK_MAX } from "../src/host/index.ts"
import { defaultSimOptions, generateScenario } from "../src/sim/scenario.ts"
import { replayTrace } from "../src/sim/replay.ts"
import { traceOfReport } from "../src/sim/trace.ts"
import { World } from "../src/sim/world.ts"
import { decodeTrace, encodeTrace } from "../src/trace/format.ts"
import { describeViolations, runAndRecord, scenarioArb, type ScheduleShape } from "./schedules.ts"

const rangeId = (range: KeyRange): string => `${range.start}:${range.end}`

/** The ranges a firing's effects compare, and whether it re-armed its timer. */
const roundOf = (effects: ReadonlyArray<NodeEffect>): { readonly ranges: ReadonlyArray<string>; readonly rearmed: boolean } => ({
  ranges: effects.flatMap((effect) => (effect._tag === "Send" && effect.message._tag === "AntiEntropy" ? effect.message.exchanges.map((e) => rangeId(e.range)) : [])),
  rearmed: effects.some((effect) => effect._tag === "SetTimer" && effect.timer._tag === "AntiEntropy")
})

const sometimes = { deferred: 0, forcedByBound: 0, rotating: 0 }

describe("AE-2 anti-entropy yields to a busy foreground, boundedly", () => {
  // Each firing runs a round exactly when the oracle says: a firing not reported busy always
  // runs one; a busy one is skipped unless the D firings before it were all skipped. The oracle
  // counts skips from the verdicts, never from the node's state. Every firing re-arms the timer,
  // so a skipped round is postponed, never dropped. Catches: a busy verdict ignored (no round is
  // ever skipped); skipping while not busy; the bound off by one (D + 1 skips in a row); a counter
  // never reset after a round (a busy firing then runs although fewer than D were skipped); no
  // bound at all; a skipped firing that does not re-arm (anti-entropy stops for good).
  test.prop(
    [fc.integer({ min: 0, max: 5 }), fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: PICK_MAX - 1 })],
    { numRuns: 60 }
  )("AE-2 a round runs unless busy, and never more than D firings in a row are skipped", (deferralsMax, verdicts, pick) => {
    const members = [{ id: "n1" }, { id: "n2" }, { id: "n3" }]
    const ring = buildRing(members, { strategy: "partitions", partitions: 8 })
    const config = { ...defaultProtocolConfig, antiEntropyDeferralsMax: deferralsMax, seeds: ["n1"] }
    let state = recover("n1", config, ring, emptyDurableState)
    let skipped = 0
    verdicts.forEach((busy, i) => {
      const result = step(state, { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick, busy }, 1_000 * (i + 1))
      state = result.state
      const expectRound = !busy || skipped >= deferralsMax
      if (busy && expectRound) sometimes.forcedByBound += 1
      if (!expectRound) sometimes.deferred += 1
      skipped = expectRound ? 0 : skipped + 1
      const round = roundOf(result.effects)
      expect({ firing: i, busy, ran: round.ranges.length > 0, rearmed: round.rearmed }).toEqual({ firing: i, busy, ran: expectRound, rearmed: true })
    })
  })

  // The bound in time: with more ranges than a round compares, rounds take the ranges in turn, and
  // a skipped firing must not move that turn on. Whatever the verdicts, every range the node holds
  // is compared within (D + 1) x ceil(ranges / budget) consecutive firings, from the first firing
  // and after each comparison of it. Catches: a skipped firing that advances the rotation (its
  // ranges then wait a whole pass more); a bound that counts rounds instead of firings.
  test.prop(
    [fc.integer({ min: 0, max: 4 }), fc.constantFrom(96, 160, 256), fc.array(fc.boolean(), { minLength: 30, maxLength: 80 }), fc.integer({ min: 0, max: PICK_MAX - 1 })],
    { numRuns: 25 }
  )("AE-2 every held range is compared within (D + 1) x its rotation's rounds of firings, busy or not", (deferralsMax, partitions, verdicts, pick) => {
    const members = [{ id: "n1" }, { id: "n2" }, { id: "n3" }]
    const ring = buildRing(members, { strategy: "partitions", partitions })
    const config = { ...defaultProtocolConfig, antiEntropyDeferralsMax: deferralsMax, seeds: ["n1"] }
    const held = rangesHeldBy(ring, "n1", config.n).map(rangeId)
    const rounds = Math.ceil(held.length / ANTI_ENTROPY_RANGES_PER_ROUND_MAX)
    if (rounds > 1) sometimes.rotating += 1
    const bound = (deferralsMax + 1) * rounds
    const lastSeen = new Map(held.map((range) => [range, -1]))
    let state = recover("n1", config, ring, emptyDurableState)
    verdicts.forEach((busy, i) => {
      const result = step(state, { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick, busy }, 1_000 * (i + 1))
      state = result.state
      for (const range of roundOf(result.effects).ranges) lastSeen.set(range, i)
      for (const [range, seen] of lastSeen) {
        expect({ range, firing: i, waited: i - seen <= bound }).toEqual({ range, firing: i, waited: true })
      }
    })
  })

  // A bound that is not a whole number of firings is refused when a configuration is made (a
  // trace's or the shell's), by the knob's name. Catches: a negative bound accepted (the check
  // `deferred < -1` never skips, silently turning admission off), 0 refused (0 is "never skip").
  unitTest("AE-2 antiEntropyDeferralsMax must be a non-negative integer", () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(validateProtocolConfig({ ...defaultProtocolConfig, antiEntropyDeferralsMax: bad }, 3)).toBe(`antiEntropyDeferralsMax must be a non-negative integer, got ${bad}`)
    }
    expect(validateProtocolConfig({ ...defaultProtocolConfig, antiEntropyDeferralsMax: 0 }, 3)).toBeUndefined()
  })

  unitTest("AE-2 sometimes: rounds skipped, rounds forced by the bound, rotations of several rounds", () => {
    expect(sometimes.deferred).toBeGreaterThan(0)
    expect(sometimes.forcedByBound).toBeGreaterThan(0)
    expect(sometimes.rotating).toBeGreaterThan(0)
  })
})

describe("AE-2 end to end: anti-entropy alone converges while every firing is reported busy", () => {
  // No read repair and no quiescence reads, so only hints and anti-entropy mend replicas (a lost
  // disk or lost hints leave what only anti-entropy restores), and every anti-entropy firing of
  // every node is reported busy (busyPercent 100): the rounds that run are the ones the bound
  // forces. Catches: deferral without a bound (no round ever runs; CONV-1 and DUR-2 fail at
  // quiescence on the first replica a drop, a cut or a lost disk left behind).
  const shape: ScheduleShape = {
    nodes: 5,
    keys: 2,
    clients: 3,
    opsMax: 60,
    faults: ["drop", "partition", "crash", "disk", "hintloss"],
    faultsMax: 3,
    quorums: [[3, 2, 2], [3, 1, 1]],
    quiesceReads: false,
    readRepair: false,
    busyPercent: 100
  }
  const repaired = { runs: 0, keys: 0 }
  test.prop([scenarioArb(shape)], { numRuns: 60 })("CONV-1 DUR-2 AE-2 hold with every anti-entropy firing reported busy", (scenario) => {
    const report = runAndRecord(scenario, "admission-always-busy")
    repaired.runs += 1
    repaired.keys += report.stats.antiEntropyKeys
    expect(describeViolations(report)).toBe("")
  })
  unitTest("AE-2 end to end sometimes: anti-entropy moved keys while always busy", () => {
    expect(repaired.keys).toBeGreaterThan(0)
  })
})

describe("AE-2 in traces: a busy verdict is an input, recorded and replayed", () => {
  // A run whose firings are drawn busy is written as a trace, read back and replayed through the
  // core: the same replies, the same final replicas, byte for byte. Catches: `busy` dropped by the
  // trace's codec (replayed firings would all run their rounds and the replicas diverge from the
  // recording), or a scenario's busyPercent lost (the re-run simulation would draw differently).
  test("a simulated run with busy firings replays to the same observations", () => {
    const scenario = generateScenario(7, { ...defaultSimOptions, faults: ["drop", "crash", "disk"], busyPercent: 60 }, 120)
    const report = new World(scenario, true).run()
    const text = encodeTrace(traceOfReport(report, "simulator"))
    const firings = [...text.matchAll(/"busy":true/g)].length
    expect(firings).toBeGreaterThan(0)
    const decoded = decodeTrace(text)
    if (decoded._tag === "Error") throw new Error(decoded.message)
    expect(decoded.trace.scenario?.options.busyPercent).toBe(60)
    const replayed = replayTrace(decoded.trace)
    expect(replayed.divergence).toBeUndefined()
    expect(encodeTrace(decoded.trace)).toBe(text)
  })
})
