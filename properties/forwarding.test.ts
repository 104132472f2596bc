// Forwarding (section 4.5), a dead coordinator (4.6, "always writeable") and range hand-over
// (4.8, 4.9) in one fast simulator property: small enough (a dozen runs, a few seconds) for the
// mutation subset (vitest.stryker.config.ts), whose other tests never forward a request, never let
// a coordinator die under a forwarded one, and never join or leave (issue 18's survivors).
import { fc, test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import type { Scenario } from "../src/sim/scenario.ts"
import { World } from "../src/sim/world.ts"
import { describeViolations, runAndRecord, scenarioArb, type ScheduleShape } from "./schedules.ts"

/**
 * Five members and a spare; clients send to every node, so about two requests in five reach a
 * node outside the key's top N and are forwarded. Joins and leaves change the ring meanwhile.
 */
const changing: ScheduleShape = {
  nodes: 5,
  spares: 1,
  keys: 2,
  clients: 3,
  opsMax: 40,
  faults: ["join", "leave", "reorder", "crash"],
  faultsMax: 0,
  quorums: [[3, 2, 2], [3, 1, 3], [3, 2, 1]]
}
/** Clients give up soon, and send their next request at once: requests keep arriving while the coordinator is down. */
const CLIENT_TIMEOUT_MS = 200
const OP_DELAY_MS_MAX = 15
const CRASH_AT_MS_MAX = 400
const DOWN_MS_MIN = 200
const DOWN_MS_MAX = 2_000

/** One member crashes (at once or right after its next write step) while requests go on, and is back later. */
export const deadCoordinator: fc.Arbitrary<Scenario> = fc
  .tuple(
    scenarioArb(changing),
    fc.integer({ min: 20, max: CRASH_AT_MS_MAX }),
    fc.integer({ min: DOWN_MS_MIN, max: DOWN_MS_MAX }),
    fc.constantFrom("n1", "n2", "n3", "n4", "n5"),
    fc.boolean()
  )
  .map(([scenario, at, downMs, node, midWrite]): Scenario => ({
    ...scenario,
    options: { ...scenario.options, clientTimeoutMs: CLIENT_TIMEOUT_MS },
    ops: scenario.ops.map((op) => ({ ...op, delayMs: op.delayMs % OP_DELAY_MS_MAX })),
    faults: [
      ...scenario.faults,
      midWrite ? { _tag: "CrashMidWrite" as const, at, node } : { _tag: "Crash" as const, at, node },
      { _tag: "Restart" as const, at: at + downMs, node }
    ].sort((a, b) => a.at - b.at)
  }))

describe("forwarding and hand-over under a dead coordinator (fast)", () => {
  // Catches, in src/core/forward.ts: a forwarding node that never takes back a request its silent
  // coordinator did not claim, or a get (AVAIL-1, AVAIL-2: the request goes unanswered past the
  // bound); a put taken back although it was granted, or a claim granted twice, or a duplicated
  // Forward coordinated again (two coordinators mint two dots for one write: SIB-1, DEL-1 at the
  // next context that covers one copy only); a reply passed on for another op or epoch (READ-2,
  // QUORUM-1). In src/core/handoff.ts and ownership.ts: a range not offered, a batch merged into
  // the wrong store or counted before its keys, an offer confirmed before it was received, a
  // leaving node gone before its ranges were confirmed (DUR-1, DUR-2, RING-2, LEAVE-1, ACK-3), a
  // joining node made a member before it received every range it gains (JOIN-1).
  // Measured, not caught here on every seed: this shape duplicates no message, so a duplicated
  // Forward coordinated again (mutant 56) passed 150 runs on each of three seeds, and a granted
  // put taken back (mutant 57) failed once in those 450 runs. Both are caught by the first
  // property of properties/protocol.test.ts (57 within its first 25 runs on each seed; 56 by its
  // pinned example).
  test.prop([deadCoordinator], { numRuns: 12 })(
    "AVAIL-1 AVAIL-2 SIB-1 DEL-1 DUR-1 DUR-2 RING-2 LEAVE-1 JOIN-1 hold while a coordinator dies under forwarded requests, across joins and leaves",
    (scenario) => {
      const report = runAndRecord(scenario, "dead-coordinator")
      expect(describeViolations(report)).toBe("")
    }
  )

  // The windows the property exists for did open, counted on recorded runs of the same shape:
  // forwarded requests claimed, granted and answered; a forwarding node's timer fired (its
  // coordinator silent) and it took a request back; a granted put's minted set reached the
  // forwarding node; keys were handed over and a node left. Catches a mutant that closes a window
  // (say, forwarding nothing: every node coordinates itself, and every invariant above holds).
  test("dead coordinator sometimes: forwarded, claimed, granted, minted, timed out; keys handed over", () => {
    const seen = new Map<string, number>()
    const count = (name: string, by = 1) => seen.set(name, (seen.get(name) ?? 0) + by)
    for (const scenario of fc.sample(deadCoordinator, { numRuns: 8, seed: 3 })) {
      const report = new World(scenario, true).run()
      expect(describeViolations(report)).toBe("")
      for (const { event } of report.trace) {
        if (event._tag !== "Input") continue
        if (event.input._tag === "Receive" && event.input.message._tag.startsWith("Forward")) count(event.input.message._tag)
        if (event.input._tag === "TimerFired" && event.input.timer._tag === "ForwardTimer") count("ForwardTimer")
      }
      count("handoff keys", report.stats.handoffKeys)
      count("node left", report.sometimes["node-left"])
      count("request owed an answer", report.sometimes["request-owed-answer"])
    }
    for (const name of ["Forward", "ForwardClaim", "ForwardGrant", "ForwardMinted", "ForwardReply", "ForwardTimer", "handoff keys", "node left", "request owed an answer"]) {
      expect(seen.get(name) ?? 0, name).toBeGreaterThan(0)
    }
  })
})
