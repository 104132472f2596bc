// SIGSTOP in the simulator (the "pause" fault): a paused node takes no step while the messages,
// timer expiries, disk completions and client requests meant for it wait; when it resumes it
// handles them all at once, its expired timers first, with its clock jumped. The real cluster's
// conformance run (test/conform/dynamo.test.ts) pauses nodes with SIGSTOP; this is the same
// shape, seeded and shrinkable, against the event-set oracle.
import { test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { defaultSimOptions, generateScenario } from "../src/sim/scenario.ts"
import { World } from "../src/sim/world.ts"
import { replayTrace } from "../src/sim/replay.ts"
import { traceOfReport } from "../src/sim/trace.ts"
import { decodeTrace, encodeTrace } from "../src/trace/format.ts"
import { describeViolations, runAndRecord, scenarioArb, type ScheduleShape } from "./schedules.ts"

const pausing: ScheduleShape = {
  nodes: 5,
  keys: 2,
  clients: 4,
  opsMax: 100,
  faults: ["pause", "crash", "reorder", "drop"],
  faultsMax: 5,
  quorums: [[3, 2, 2], [3, 1, 2], [3, 2, 1], [3, 3, 1]]
}

describe("protocol with paused nodes (SIGSTOP)", () => {
  // Catches what a node that is slow rather than dead exposes: a coordinator that, resuming, runs
  // its expired request timeout before the acks that arrived in time and then counts them for a
  // closed request (ACK-1, QUORUM-1); a forwarded put claimed by a coordinator that pauses while
  // its forwarder takes the request back (two coordinators, one write: SIB-1 if a dot is minted
  // twice); a hint holder or a replica whose late, duplicated answers change a newer version
  // (SIB-1, DUR-1); a failure detector that leaves a resumed node suspected (CONV-1, HINT-1).
  test.prop([scenarioArb(pausing)], { numRuns: 300 })(
    "SIB-1 DUR-1 DEL-1 HINT-1 CONV-1 and the step checks hold while nodes pause and resume",
    (scenario) => {
      const report = runAndRecord(scenario, "pause")
      expect(describeViolations(report)).toBe("")
    }
  )

  // Sometimes: the pauses above are not vacuous. Over fixed seeds, paused nodes held inputs that
  // they handled on resuming, puts were acknowledged and gets answered, and siblings occurred.
  test("Sometimes: paused nodes hold inputs until they resume, while writes go on", () => {
    const totals = { held: 0, acked: 0, answered: 0, siblings: 0 }
    for (let seed = 1; seed <= 20; seed++) {
      const options = { ...defaultSimOptions, nodes: 5, clients: 4, keys: 2, faults: ["pause" as const, "crash" as const] }
      const report = new World(generateScenario(seed, options, 150)).run()
      expect(describeViolations(report)).toBe("")
      totals.held += report.stats.heldUntilResume
      totals.acked += report.stats.putsAcknowledged
      totals.answered += report.stats.getsAnswered
      totals.siblings += report.stats.getsWithSiblings
    }
    expect(totals.held).toBeGreaterThan(100)
    expect(totals.acked).toBeGreaterThan(100)
    expect(totals.answered).toBeGreaterThan(100)
    expect(totals.siblings).toBeGreaterThan(0)
  })

  // Catches a pause that is not data in the trace (the scenario's Schema refusing Pause or
  // Resume) or a replay that cannot follow held inputs: a paused run encodes, decodes, and
  // replays through the core with every reply matched, byte for byte the same twice.
  test("a run with pauses is recorded and replays through the core", () => {
    const scenario = generateScenario(3, { ...defaultSimOptions, faults: ["pause"] }, 80)
    expect(scenario.faults.filter((fault) => fault._tag === "Pause").length).toBeGreaterThan(0)
    const report = new World(scenario, true).run()
    expect(report.stats.heldUntilResume).toBeGreaterThan(0)
    const encoded = encodeTrace(traceOfReport(report, "simulator"))
    expect(encodeTrace(traceOfReport(new World(scenario, true).run(), "simulator")) === encoded).toBe(true)
    const decoded = decodeTrace(encoded)
    if (decoded._tag === "Error") throw new Error(decoded.message)
    const result = replayTrace(decoded.trace)
    expect(result.divergence).toBeUndefined()
    expect(result.replies).toBe(report.observations.length)
  })
})
