// The checks written once in src/invariants/ over records (ACK-2, ACK-3, EPOCH-2, RING-2, MEMBERSHIP-1, JOIN-1) and the one
// heal-and-quiesce, on hand-made records and a scripted interpreter: each test names the mutation
// of the rule it catches. (The simulator's and the checker's runs judge them end to end; the
// mutants of src/core that they kill are listed in spec/README.md section 6.)
import { describe, expect, test } from "vitest"
import { ack2AfterDurable, ack3WholeCopy } from "../src/invariants/acks.ts"
import { epoch2MintsAfterDurable } from "../src/invariants/epoch.ts"
import type { AckRecords, Causality, InvariantOracle, LeaveRecords } from "../src/invariants/oracle.ts"
import { join1Received } from "../src/invariants/join.ts"
import { moveId } from "../src/invariants/leave.ts"
import { healAndQuiesce, QUIESCE_READ_ROUNDS } from "../src/invariants/quiescence.ts"
import { membership1ViewsAgree, ring2HandoffMovesOnlyGains } from "../src/invariants/membership.ts"
import { availOwedAnswered } from "../src/invariants/availability.ts"

const records = (facts: Partial<AckRecords<unknown>>): AckRecords<unknown> => ({
  recorded: () => true, heldDurably: () => undefined, isHome: () => false, durableUpTo: () => -1,
  receipts: () => [], acknowledgements: () => 0, copiesHeld: () => [], copiesWaiting: () => [], confirmations: () => 0,
  ...facts
})

describe("ACK-2: the k-th acknowledgement answers the k-th receipt", () => {
  const ack = { node: "n2", coordinator: "n1", epoch: 1, op: 0, key: "k1" }
  // Catches a rule that looks at the last receipt (a duplicate's later token) or none at all.
  test("the second ack of a Replicate received twice needs the second receipt's persist durable", () => {
    const twice = { receipts: () => [3, 7], durableUpTo: () => 5 }
    expect(ack2AfterDurable(records({ ...twice, acknowledgements: () => 0 }), ack)).toBeUndefined()
    expect(ack2AfterDurable(records({ ...twice, acknowledgements: () => 1 }), ack)?.invariant).toBe("ACK-2")
  })
})

describe("ACK-3: a confirmation needs a whole durable copy not yet confirmed", () => {
  const confirmation = { node: "n2", sender: "n1", offer: "o1" }
  // Catches counting one batch of two as a whole copy, or a whole copy confirmed twice.
  test("one batch of two is not whole; both are; a second confirmation needs a second copy", () => {
    expect(ack3WholeCopy(records({ copiesHeld: () => [{ batch: 0, batches: 2 }] }), confirmation)?.invariant).toBe("ACK-3")
    const whole = [{ batch: 0, batches: 2 }, { batch: 1, batches: 2 }]
    expect(ack3WholeCopy(records({ copiesHeld: () => whole }), confirmation)).toBeUndefined()
    expect(ack3WholeCopy(records({ copiesHeld: () => whole, confirmations: () => 1 }), confirmation)?.invariant).toBe("ACK-3")
  })
})

describe("EPOCH-2: nothing minted in an epoch whose record is in flight", () => {
  const inFlight = { epochInFlight: () => ({ epoch: 2, actor: "n1:2", token: 0 }) }
  // Catches a rule that looks only at replies, or at any actor of the node (an older epoch's dots are fine).
  test("a Replicate naming the new actor fails; one naming only an older epoch passes", () => {
    expect(epoch2MintsAfterDurable(inFlight, "n1", [{ what: "a Replicate to n2", actors: ["n1:2"] }])?.message).toContain("a Replicate to n2")
    expect(epoch2MintsAfterDurable(inFlight, "n1", [{ what: "a Replicate to n2", actors: ["n1:1"] }])).toBeUndefined()
    expect(epoch2MintsAfterDurable({ epochInFlight: () => undefined }, "n1", [{ what: "a put's reply", actors: ["n1:2"] }])).toBeUndefined()
  })
})

describe("heal-and-quiesce, written once", () => {
  const run = (options: { quiet?: boolean; settles?: boolean; hintLeft?: boolean }) => {
    const log: Array<string> = []
    const findings: Array<string> = []
    const oracle = {
      nodes: ["n1"], hintsHeld: () => (options.hintLeft ? [{ intended: "n2", key: "k1" }] : []),
      replicas: () => [], acknowledgedDeletes: () => [], none: 0, union: (a: number, b: number) => a | b, acknowledged: () => 0,
      past: () => 0, missing: (a: number, p: number) => a & ~p, notExcused: (e: number) => e, isEmpty: (e: number) => e === 0
    } as unknown as InvariantOracle<number, number>
    healAndQuiesce({
      oracle, keys: ["k1", "k2"], readRounds: QUIESCE_READ_ROUNDS, checks: { hint1: true, conv1: true, dur2: true, del1: true },
      stopped: () => findings.length > 0, report: (f) => f !== undefined && findings.push(f.invariant),
      alreadyQuiet: () => options.quiet ?? false,
      heal: () => log.push("heal"), settle: () => (log.push("settle"), options.settles ?? true),
      read: (key, id) => log.push(`read ${key} ${id}`), settleReads: () => log.push("settle reads"),
      converge: () => log.push("converge"), checkDurability: () => log.push("DUR-1")
    })
    return { log, findings }
  }
  // Catches a procedure that judges before reading, reads once, or skips healing.
  test("heal, settle, two rounds of reads of every key, converge, then judge with DUR-1 last", () => {
    expect(run({}).log).toEqual([
      "heal", "settle", "read k1 quiesce.0.0", "read k2 quiesce.0.1", "settle reads", "read k1 quiesce.1.0", "read k2 quiesce.1.1", "settle reads", "converge", "DUR-1"
    ])
  })
  test("a quiet world is judged as it stands; a world that never settles is not judged", () => {
    expect(run({ quiet: true }).log).toEqual(["DUR-1"])
    expect(run({ settles: false }).log).toEqual(["heal", "settle"])
  })
  test("a hint left after quiescence is HINT-1's, and stops the judging there", () => {
    expect(run({ hintLeft: true })).toEqual({ log: expect.not.arrayContaining(["DUR-1"]), findings: ["HINT-1"] })
  })
})

describe("RING-2 and MEMBERSHIP-1 (src/invariants/membership.ts)", () => {
  // Catches a rule that looks only at the first key of a hand-over, or at none.
  test("a hand-over with one key its receiver does not gain is RING-2, naming that key", () => {
    const sent = { from: "n1", to: "n4", keys: [{ key: "a", gains: true }, { key: "b", gains: false }] }
    expect(ring2HandoffMovesOnlyGains(sent)?.message).toMatch(/n1 handed b to n4/)
    expect(ring2HandoffMovesOnlyGains({ ...sent, keys: [{ key: "a", gains: true }] })).toBeUndefined()
  })
  // Catches a rule that compares views but forgets a pending join or leave, or the reverse.
  test("views that differ, or agree with a change still pending, are MEMBERSHIP-1", () => {
    const view = (node: string, digest: string, pending = false) => ({ node, digest, pending })
    expect(membership1ViewsAgree([view("n1", "A"), view("n2", "A")], 100)).toBeUndefined()
    expect(membership1ViewsAgree([view("n1", "A"), view("n2", "B")], 100)?.message).toMatch(/2 distinct views/)
    expect(membership1ViewsAgree([view("n1", "A", true), view("n2", "A", true)], 100)?.message).toMatch(/still pending/)
  })
})

describe("AVAIL-1 and AVAIL-2 (src/invariants/availability.ts)", () => {
  const owed = { kind: "put" as const, id: "c1.1", key: "k", node: "n1", up: ["n1", "n2"], quorum: "W=2", premise: "no crash among [n1, n2, n3], no cut, loss or ring change" }
  // Catches a rule that lets a late success, a failure or no answer pass, or names the wrong invariant.
  test("an owed request passes only when it succeeded in time; a get's failure is AVAIL-2", () => {
    expect(availOwedAnswered(owed, { _tag: "Succeeded" })).toBeUndefined()
    expect(availOwedAnswered(owed, { _tag: "Late", at: 900 })?.invariant).toBe("AVAIL-1")
    expect(availOwedAnswered(owed, { _tag: "Unanswered", by: 800 })?.message).toMatch(/no answer by 800 ms/)
    expect(availOwedAnswered({ ...owed, kind: "get", quorum: "R=2" }, { _tag: "Failed", error: "QuorumTimeout" })?.invariant).toBe("AVAIL-2")
  })
})

describe("JOIN-1: a joining node becomes a member only with every range it gains on its disk", () => {
  // Events as sets of strings, with no causality between them: a key's past is what the disk holds.
  const sets: Causality<ReadonlySet<string>, ReadonlySet<string>> = {
    none: new Set(), one: (e) => new Set([e]), past: (_key, events) => events,
    missing: (events, past) => new Set([...events].filter((e) => !past.has(e))),
    within: (events, past) => new Set([...events].filter((e) => past.has(e))),
    union: (a, b) => new Set([...a, ...b]), without: (events, e) => new Set([...events].filter((x) => x !== e)),
    isEmpty: (events) => events.size === 0, first: (events) => [...events].sort()[0]!,
    same: (a, b) => a.size === b.size && [...a].every((e) => b.has(e)), firstOrdered: () => undefined,
    names: (events) => `[${[...events].sort().join(", ")}]`
  }
  const move = { from: "n1", to: "n7", start: 0n, end: 10n }
  const sent = { at: 5, messages: [{ batch: 0, keys: [{ key: "k1", events: new Set(["c0.1"]) }] }] }
  const leaveRecords = (facts: Partial<LeaveRecords<ReadonlySet<string>>>): LeaveRecords<ReadonlySet<string>> => ({
    handedOver: () => undefined, diskLostSince: () => false, diskHolds: () => new Set(), ...facts
  })
  // Catches a join completing before the losing node handed a range over (a rule that skips moves
  // never sent), one completing with a batch not on the joiner's disk (a rule that trusts the
  // hand-over alone), and one that looks the range up under the joiner's name instead of the sender's.
  test("never handed over, or handed over and not on disk: a finding; on disk: none", () => {
    expect(join1Received(sets, leaveRecords({}), "n7", [move])?.invariant).toBe("JOIN-1")
    const handed = (node: string, id: string) => (node === "n1" && id === moveId("n7", 0n, 10n) ? sent : undefined)
    expect(join1Received(sets, leaveRecords({ handedOver: handed }), "n7", [move])?.message).toContain("did not hold c0.1 of k1")
    expect(join1Received(sets, leaveRecords({ handedOver: handed, diskHolds: (node) => new Set(node === "n7" ? ["c0.1"] : []) }), "n7", [move])).toBeUndefined()
  })
  // Catches a rule that stops excusing a disk lost after the copy was sent (the joiner pulls again).
  test("a disk lost since the hand-over excuses the copy", () => {
    const handed = () => sent
    expect(join1Received(sets, leaveRecords({ handedOver: handed, diskLostSince: (node, at) => node === "n7" && at === 5 }), "n7", [move])).toBeUndefined()
  })
})
