// Membership, ring changes and anti-entropy under failure schedules (issue 6), checked by the
// simulator against the event-set oracle. A failing property leaves its shrunk schedule in
// traces/counterexamples/NAME.json for `dynamo replay`.
import { fc, test } from "@fast-check/vitest"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { keyNames, nodeIds, type ClientOp, type Scenario } from "../src/sim/scenario.ts"
import { describe, expect } from "vitest"
import { replayTrace } from "../src/sim/replay.ts"
import { defaultSimOptions, generateScenario } from "../src/sim/scenario.ts"
import { decodeTrace, encodeTrace } from "../src/trace/format.ts"
import { traceOfReport } from "../src/sim/trace.ts"
import { World } from "../src/sim/world.ts"
import { describeViolations, pinned, runAndRecord, scenarioArb, type ScheduleShape } from "./schedules.ts"

const changing: ScheduleShape = {
  nodes: 5,
  spares: 2,
  keys: 3,
  clients: 3,
  opsMax: 60,
  faults: ["join", "leave", "drop", "dup", "reorder", "partition", "crash", "disk", "hintloss"],
  faultsMax: 3,
  quorums: [[3, 2, 2], [3, 1, 2], [3, 2, 1], [3, 3, 1], [3, 1, 3]]
}

describe("ring changes and anti-entropy under failure schedules", () => {
  // Catches: a leaving node that stops before its ranges are confirmed, or a node that drops keys
  // it no longer replicates instead of handing them on (DUR-1); hand-overs or anti-entropy that
  // overwrite instead of merging (SIB-1); a view merge that is not a join of the two views, or
  // gossip that never reaches some node (MEMBERSHIP-1); a hand-over carrying keys the receiver
  // does not gain (RING-2); hints lost with a fallback's disk never repaired (CONV-1); a leaving
  // node that leaves before each gaining node holds what it handed over, e.g. one ack confirming
  // every offer to that node (LEAVE-1, mutant 34); keys no longer replicated that are never passed
  // on, stranded on a disk outside the replicas (DUR-2, mutant 33); a non-replica write acked at
  // its first hint, not its last (ACK-2, mutant 10); a joining node that becomes a member before
  // every range it gains is on its disk, e.g. one missing offer ignored (JOIN-1).
  test.prop([scenarioArb(changing)], { numRuns: 150 })(
    "DUR-1 SIB-1 HINT-1 CONV-1 MEMBERSHIP-1 RING-2 JOIN-1 hold across joins and leaves, with crashes, disk and hint loss",
    (scenario) => {
      const report = runAndRecord(scenario, "ring-change")
      expect(describeViolations(report)).toBe("")
    }
  )

  // Quiescence without reads: only Merkle anti-entropy can repair replicas that missed writes or
  // lost their disks. Catches: a tree not updated on a write (the exchange reports in-sync
  // replicas that differ, or the tree's own old-set check fails); a descent that skips subtrees.
  test.prop([scenarioArb({ ...changing, quiesceReads: false, faults: ["drop", "partition", "crash", "disk", "hintloss"] })], { numRuns: 150 })(
    "CONV-1 by anti-entropy alone: replicas converge after heal with no read, disk loss included",
    (scenario) => {
      const report = runAndRecord(scenario, "anti-entropy")
      expect(describeViolations(report)).toBe("")
    }
  )

  // Catches: a joining node that serves (becomes a member) before its ranges arrived, or a
  // leaving node that leaves before the gaining nodes confirmed: a later get misses a write
  // acknowledged before the change began. Also a leaving node that stops owning its ranges at once,
  // before its hand-overs (mutant 69: an R=1 get then asks a new replica that holds nothing yet).
  // Under 69 the generated inputs first failed after 21, 146 and 83 of 150 runs on seeds
  // 20261203, 1 and 2; the example is the first of them (seed 20261203, under mutant 69).
  test.prop([scenarioArb({ ...changing, faults: ["join", "leave"], faultsMax: 0, quorums: [[3, 2, 2], [3, 3, 1], [3, 1, 3]] })], { numRuns: 150, examples: [[pinned("ring-change-leaving-69.json")]] })(
    "QUORUM-1 across joins and leaves: writes acknowledged before the change are seen by every later get",
    (scenario) => {
      const report = runAndRecord(scenario, "quorum-ring-change")
      expect(describeViolations(report)).toBe("")
    }
  )

  // The sharpest form of the same promise: writes first, then a join (or a leave), then reads
  // through every node while the ring changes. Catches a joining node that becomes a member
  // before its ranges arrived: coordinators that already route to it read nothing there.
  const writeJoinRead = fc
    .record({
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
      writes: fc.array(fc.record({ client: fc.integer({ min: 0, max: 2 }), key: fc.constantFrom(...keyNames(4)), node: fc.constantFrom(...nodeIds(5)) }), { minLength: 3, maxLength: 12 }),
      reads: fc.array(fc.record({ client: fc.integer({ min: 0, max: 2 }), key: fc.constantFrom(...keyNames(4)), node: fc.constantFrom(...nodeIds(6)), delayMs: fc.integer({ min: 5, max: 120 }) }), { minLength: 10, maxLength: 60 }),
      quorum: fc.constantFrom([3, 2, 2] as const, [3, 1, 3] as const, [3, 3, 1] as const),
      change: fc.constantFrom<"join" | "leave">("join", "join", "leave"),
      leaving: fc.constantFrom(...nodeIds(5))
    })
    .map(({ seed, writes, reads, quorum, change, leaving }): Scenario => {
      const ops: Array<ClientOp> = [
        ...writes.map((w) => ({ ...w, delayMs: 10, kind: "blind" as const })),
        // Every client waits until the change has begun, then reads.
        ...[0, 1, 2].map((client) => ({ client, delayMs: 900, node: "n1", kind: "get" as const, key: "k1" })),
        ...reads.map((r) => ({ ...r, kind: "get" as const }))
      ].sort((a, b) => a.client - b.client)
      return {
        seed,
        options: { ...defaultSimOptions, nodes: 5, spares: 1, n: quorum[0], r: quorum[1], w: quorum[2], keys: 4, clients: 3, faults: [change] },
        ops,
        faults: [change === "join" ? { _tag: "Join", at: 800, node: "n6" } : { _tag: "Leave", at: 800, node: leaving }]
      }
    })
  // Under mutant 69 (a leaving node stops owning its ranges before its hand-overs) the generated
  // inputs first failed after 127, 41 and 83 of 200 runs on seeds 20261203, 1 and 2; the example
  // is the one of seed 1 (under mutant 69: an R=1 get during the leave misses a W=3 write).
  test.prop([writeJoinRead], { numRuns: 200, examples: [[pinned("join-read-leaving-69.json")]] })(
    "QUORUM-1 writes, then a join or leave, then reads during and after it: every read sees every write",
    (scenario) => {
      const report = runAndRecord(scenario, "quorum-join-read")
      expect(describeViolations(report)).toBe("")
    }
  )

  // Sometimes: the runs above would pass vacuously if no join completed, no range moved and
  // anti-entropy never repaired a key.
  test("joins and leaves complete, ranges move, anti-entropy repairs keys", () => {
    let handoffKeys = 0
    let antiEntropyKeys = 0
    let joined = 0
    let left = 0
    for (let seed = 1; seed <= 8; seed++) {
      const options = { ...defaultSimOptions, spares: 2, quiesceReads: false, faults: ["join", "leave", "crash", "disk", "drop"] as const }
      const world = new World(generateScenario(seed, { ...options, faults: [...options.faults] }, 120))
      const report = world.run()
      expect(describeViolations(report)).toBe("")
      handoffKeys += report.stats.handoffKeys
      antiEntropyKeys += report.stats.antiEntropyKeys
      joined += report.finalMembership.filter((e) => e.status === "member" && ["n6", "n7"].includes(e.id)).length
      left += report.finalMembership.filter((e) => e.status === "left").length
    }
    expect(handoffKeys).toBeGreaterThan(0)
    expect(antiEntropyKeys).toBeGreaterThan(0)
    expect(joined).toBeGreaterThan(0)
    expect(left).toBeGreaterThan(0)
  })
})

// Shrunk counterexamples of the property above, kept as traces of the fixed run (their scenario
// field is the bug report). Each is re-run in the simulator, which must find no violation, and
// replayed step by step through the core. To rewrite them after a deliberate protocol change:
// DYNAMO_WRITE_REGRESSION_TRACES=1 npx vitest run properties/ring-change.test.ts
const REGRESSIONS_DIR = "traces/regressions"

/**
 * HINT-1 (and, as an artefact of the run stopping there, MEMBERSHIP-1): two nodes whose views
 * disagree about a leave each think the other replicates a key. The intended node acknowledged a
 * hint after merely passing it on as hints, one of them back to the sender; each then deleted its
 * hint on the other's acknowledgement, and the node that does replicate the key once the leave is
 * known held nothing. Fixed in src/core/hints.ts (receiveHint keeps the versions in the store).
 */
const regressions: ReadonlyArray<{ readonly file: string; readonly description: string }> = [
  {
    file: "hint-ping-pong-leave.json",
    description: "HINT-1: n3 leaves; n3 (left) and n4 (not yet told) hint k1 to each other, and n3 deleted its hint for n4 on an ack n4 sent having only passed it on"
  },
  {
    file: "hint-ping-pong-join-leave.json",
    description: "HINT-1: n6 and n7 join, n1 leaves, n3 crashes; n1 (left) and n2 hint k2 to each other, and n1 deleted its hint for n2 on an ack n2 sent having only passed it on"
  },
  {
    // Found by a first form of LEAVE-1 (issue 18): an offer id names (sender, receiver, range), the same
    // triple recurred across two ring changes. Hardened in src/core/handoff.ts (receiveHandoff
    // stores an offer's keys even when the id was received before, then confirms).
    file: "leave1-offer-id-reused.json",
    description: "LEAVE-1: n7 joins, then n1 leaves; n1 hands k1 to n7 under the offer id its empty hand-over for n7's join had used, n7 confirmed it as already received without storing it, and n1 left while n7 lacked c0.1"
  },
  {
    // Found outside the project (the CONV-1 by anti-entropy alone property, on one fast-check
    // seed in about 10,000). Not a protocol bug: the simulator judged CONV-1 at a fixed moment
    // after the last reply, and n5's next anti-entropy round, which would have repaired k2, was
    // due 28 ms later. Fixed in src/sim/world.ts (awaitConvergence: a bounded wait for hints and
    // anti-entropy); the repair's two-way-ness, which such a wait could hide, is checked on its
    // own in properties/merkle.test.ts.
    file: "conv1-antientropy-disk-loss.json",
    description: "CONV-1: partition, disk loss of n5, heal, restart, no quiescence reads: n5 lacked c0.2 on k2 when judged at a fixed moment, one anti-entropy round before it would have had it"
  }
]

describe("regressions: traces/regressions", () => {
  for (const { file, description } of regressions) {
    test(`${file}: re-run without violation, and replayed through the core`, () => {
      const path = `${REGRESSIONS_DIR}/${file}`
      const committed = decodeTrace(readFileSync(path, "utf8"))
      if (committed._tag === "Error") throw new Error(`${path}: ${committed.message}`)
      const scenario = committed.trace.scenario!
      const report = new World(scenario, true).run()
      if (process.env["DYNAMO_WRITE_REGRESSION_TRACES"] !== undefined) {
        writeFileSync(path, encodeTrace(traceOfReport(report, "simulator", description)))
      }
      expect(describeViolations(report)).toBe("")
      expect(replayTrace(committed.trace).divergence, `${path} no longer replays: rewrite it (see above) if the change was deliberate`).toBeUndefined()
    })
  }

  test("every trace in traces/regressions is listed", () => {
    expect(readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith(".json")).sort()).toEqual(regressions.map((r) => r.file).sort())
  })
})
