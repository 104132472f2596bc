// Schedule shapes that run one mechanism without the others that would mask its bugs (issue 18):
// every other property runs anti-entropy beside read repair, an epoch floor beside the core's own
// epoch rule, and little duplication beside disk loss, so a bug in one mechanism was repaired by
// another before any invariant looked. Each shape names the invariants it leans on and the
// mutant (mutants/, ../shared/mutants/) it exists to kill.
import { fc, test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import type { Scenario } from "../src/sim/scenario.ts"
import { World } from "../src/sim/world.ts"
import { describeViolations, pinned, runAndRecord, scenarioArb, type ScheduleShape } from "./schedules.ts"

const base: ScheduleShape = {
  nodes: 5,
  keys: 2,
  clients: 3,
  opsMax: 80,
  faults: ["drop", "reorder", "partition", "crash"],
  faultsMax: 3,
  quorums: [[3, 2, 2], [3, 1, 3], [3, 2, 3], [3, 3, 1]]
}

describe("one mechanism at a time", () => {
  // Read repair alone: anti-entropy off, so a replica that missed writes (a drop, a cut, a crash)
  // is mended only by the quiescence reads' repair. Catches (CONV-1): read repair that skips the
  // stale replicas (mutant 03), or repairs with the answer instead of the merged set.
  const readRepairAlone: ScheduleShape = { ...base, antiEntropy: false }
  const repaired = { runs: 0, repairs: 0 }
  test.prop([scenarioArb(readRepairAlone)], { numRuns: 200 })(
    "CONV-1 DUR-2 read repair alone (no anti-entropy) mends every stale replica",
    (scenario) => {
      const report = runAndRecord(scenario, "read-repair-alone")
      repaired.runs += 1
      repaired.repairs += report.stats.readRepairs
      expect(describeViolations(report)).toBe("")
    }
  )
  test("read repair alone sometimes: repairs were sent (the shape is not vacuous)", () => {
    expect(repaired.repairs).toBeGreaterThan(repaired.runs)
  })

  // Heavy duplication with disk loss: a duplicated ReplicateAck arrives while the put still
  // waits for W. Catches (ACK-1, then DUR-1 when the one real acker loses its disk): counting a
  // duplicate again (mutant 04); counting an ack of an earlier incarnation's request (mutant 38).
  const duplicated: ScheduleShape = { ...base, faults: ["dup", "reorder", "crash", "disk"], dupPercent: 30, quorums: [[3, 2, 3], [3, 1, 3], [3, 2, 2]] }
  test.prop([scenarioArb(duplicated)], { numRuns: 200 })(
    "ACK-1 ACK-2 DUR-1 DUR-2 hold under heavy duplication with disk loss",
    (scenario) => {
      const report = runAndRecord(scenario, "duplicated-disk-loss")
      expect(describeViolations(report)).toBe("")
    }
  )

  // Coordinators crash and restart quickly while acknowledgements are duplicated and reordered:
  // op numbers restart with each incarnation, so a late ack names a reused op. Catches (ACK-1): a
  // ReplicateAck of an earlier incarnation's request counted towards a new one (mutant 38).
  // Every client writes through n1, which crashes early (its op numbers are still small) and is
  // back 50 to 80 ms later, so its new incarnation reuses op numbers whose old acks, delayed by
  // reordering, are still on their way.
  const incarnations: ScheduleShape = { ...base, keys: 1, faults: ["dup", "reorder", "crash"], faultsMax: 0, dupPercent: 20, quorums: [[3, 2, 3], [3, 1, 3]] }
  const earlyCrash = fc
    .tuple(scenarioArb(incarnations), fc.integer({ min: 10, max: 120 }), fc.integer({ min: 50, max: 80 }))
    .map(([scenario, at, downMs]): Scenario => ({
      ...scenario,
      // Clients give up on the crashed node's requests at once and go on writing through it.
      options: { ...scenario.options, clientTimeoutMs: 40 },
      ops: scenario.ops.map((op) => ({ ...op, node: "n1", delayMs: op.delayMs % 8 })),
      faults: [{ _tag: "Crash", at, node: "n1" }, { _tag: "Restart", at: at + downMs, node: "n1" }]
    }))
  // Under mutant 38 the generated inputs first failed after 7, 126 and 171 of 300 runs on three
  // seeds: a few failing inputs a run. The example is one of them (seed 1, under mutant 38).
  test.prop([earlyCrash], { numRuns: 300, examples: [[pinned("incarnation-acks-38.json")]] })(
    "ACK-1 a restarted coordinator counts only its own incarnation's acknowledgements",
    (scenario) => {
      const report = runAndRecord(scenario, "incarnation-acks")
      expect(describeViolations(report)).toBe("")
    }
  )

  // Ring changes while writes are acknowledged by one node and most of their copies are lost: a
  // write may then exist only on a node that stops replicating its key, and no restart, anti-
  // entropy or read repair reaches it there (none of them looks outside the current replicas).
  // Catches (DUR-2): keys a node no longer replicates after a ring change never passed on (mutant
  // 33).
  const stranded: ScheduleShape = { ...base, spares: 2, keys: 3, faults: ["join", "leave", "drop"], faultsMax: 0, dropPercent: 40, quorums: [[3, 1, 1], [3, 2, 1]] }
  // Under mutant 33 the generated inputs failed on one seed of three (after 11 runs on seed 1,
  // none of 150 on seeds 20261203 and 2), so the example is that input.
  test.prop([scenarioArb(stranded)], { numRuns: 150, examples: [[pinned("stranded-writes-33.json")]] })(
    "DUR-2 LEAVE-1 writes held by one node across joins and leaves end up on the key's replicas",
    (scenario) => {
      const report = runAndRecord(scenario, "stranded-writes")
      expect(describeViolations(report)).toBe("")
    }
  )

  // An interpreter with no epoch floor: only the core's own rule makes epochs grow across
  // restarts (no disk loss here: without a floor an empty disk restarts the count, which is what
  // the floor is for). Catches (EPOCH-1 at the restart, SIB-1 later when a dot repeats): an epoch
  // not bumped at start (mutant 40), which every other shape masks with its floor; and an epoch
  // record never applied to the disk (mutant 72: every start takes the same epoch; in the pinned input a put
  // through a restarted node then goes unanswered while W nodes are up: AVAIL-1). The generator met 72's case in 1 of 400 inputs (four seeds), so the input it
  // met is pinned and runs first (properties/examples/epoch-floorless-72.json).
  const noFloor: ScheduleShape = { ...base, faults: ["reorder", "crash"], faultsMax: 4, epochFloor: false }
  const restarts = { faults: 0 }
  test.prop([scenarioArb(noFloor)], { numRuns: 100, examples: [[pinned("epoch-floorless-72.json")]] })(
    "EPOCH-1 SIB-1 epochs grow across restarts without the interpreter's floor",
    (scenario) => {
      const report = new World(scenario).run()
      restarts.faults += report.stats.faultsInjected
      if (report.violations.length > 0) runAndRecord(scenario, "no-epoch-floor")
      expect(describeViolations(report)).toBe("")
    }
  )
  test("no epoch floor sometimes: nodes crashed and restarted", () => {
    expect(restarts.faults).toBeGreaterThan(50)
  })
})
