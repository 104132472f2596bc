// The targeted presets (stale-ack, stale-read, dup-ack, hinted-read, fallback-coordinator,
// fallback-replaced: src/check/model.ts) and the invariants the checker took from the simulator
// for them (ACK-1, ACK-2, DUR-2, READ-2, READ-3: src/check/acks.ts, reads.ts, quiesce.ts).
// Each preset exhausts with no violation on the protocol as it is, and reaches the situation its
// mutant needs (its Sometimes list); each check is shown firing on a hand-made case, so a check
// that cannot fail does not pass for one. Which mutant each preset kills: src/check/MUTANTS.md.
import { describe, expect, test } from "vitest"
import { type Receipt, checkReplicaAcks, sentAck } from "../../src/check/acks.ts"
import { Draft } from "../../src/check/draft.ts"
import { checkGetReplies, EMPTY_READ_LOG, logAfter, type ReadLog, type StepReads, stepReads } from "../../src/check/reads.ts"
import { search } from "../../src/check/explore.ts"
import { buildModel, type CheckModel } from "../../src/check/model.ts"
import type { Action, WorldState } from "../../src/check/state.ts"
import { apply, compile, type Compiled, describeAction, enabledActions, initialWorld, quiesce } from "../../src/check/world.ts"
import { pendingEntry, pendingFp, slotOf } from "../../src/check/world-fp.ts"
import { replicateId } from "../../src/invariants/acks.ts"
import type { Finding } from "../../src/invariants/oracle.ts"

const model = (preset: string): CheckModel => {
  const built = buildModel({ preset })
  if (built._tag === "Error") throw new Error(built.message)
  return built.model
}

/** Applies, in order, the first enabled action whose description contains each of `steps`. */
const walk = (c: Compiled, from: WorldState, steps: ReadonlyArray<string>): WorldState => {
  let w = from
  for (const step of steps) {
    const actions = enabledActions(c, w)
    const found = actions.find((a: Action) => describeAction(c, w, a).includes(step))
    if (found === undefined) throw new Error(`no enabled action "${step}" among: ${actions.map((a) => describeAction(c, w, a)).join("; ")}`)
    const t = apply(c, w, found)
    if (t.violation !== undefined) throw new Error(`${step}: ${t.violation.invariant}: ${t.violation.message}`)
    w = t.state
  }
  return w
}

/** `w` with node `i`'s slot rebuilt by `edit` (a hand-made world no execution reaches). */
const withSlot = (w: WorldState, i: number, edit: (s: WorldState["nodes"][number]) => WorldState["nodes"][number]): WorldState =>
  ({ ...w, nodes: w.nodes.map((s, j) => (j === i ? edit(s) : s)) })

describe("targeted presets: no violation on the protocol as it is, and the situation reached", () => {
  // Catches: a preset whose situation never arises (the put after a restart, the fallback that
  // goes silent: the Sometimes), a false ACK-1/ACK-2/DUR-2 finding on a correct run (the checks
  // judged too eagerly), and a change of the model that changes its space (the pinned counts).
  test.each([
    ["stale-ack", 1_954],
    ["stale-read", 655],
    ["dup-ack", 45],
    ["hinted-read", 490],
    ["fallback-coordinator", 136_231],
    ["fallback-replaced", 9_883]
  ] as const)("%s exhausts at %i states", (preset, distinct) => {
    const m = model(preset)
    const result = search(m, { order: "dfs", maxStates: 400_000 })
    // Named so that `npm run mutants` reports which invariant the checker found.
    const found = result.finding?.violation
    expect(found === undefined ? "none" : `the checker found ${found.invariant}: ${found.message}`).toBe("none")
    expect(result.outcome).toBe("exhausted")
    expect(result.stats.distinct).toBe(distinct)
    for (const name of m.sometimes) expect(result.sometimes[name as keyof typeof result.sometimes], name).toBeGreaterThan(0)
  })
})

describe("ACK-1, ACK-2 and DUR-2 in the checker fire on hand-made cases", () => {
  // Catches: ACK-1 not judged at a PutOk, or judged from the coordinator's count rather than the
  // disks (here the named replica's disk is wiped behind the node's back: its ack still counts).
  test("ACK-1: a PutOk naming a node whose disk does not hold the write", () => {
    const c = compile(model("stale-ack"))
    const acked = walk(c, initialWorld(c), ["client 0 sends put", "deliver n1 -> n2: Replicate", "n1 persist", "n2 persist"])
    const n2 = c.nodeIndex.get("n2")!
    const wiped = withSlot(acked, n2, (s) => slotOf(s.stateInfo, c.cache.emptyDisk, s.pending, s.pendingFp, s.timers, s.timersFp, s.starts, s.diskLost, s.reads))
    const deliver = enabledActions(c, wiped).find((a) => describeAction(c, wiped, a).includes("deliver n2 -> n1: ReplicateAck"))!
    const t = apply(c, wiped, deliver)
    expect(t.violation?.invariant).toBe("ACK-1")
    expect(t.violation?.message).toContain("naming n2, which never held it durably")
    // The same delivery on the world as it is: no finding.
    expect(apply(c, acked, enabledActions(c, acked).find((a) => describeAction(c, acked, a).includes("deliver n2 -> n1: ReplicateAck"))!).violation).toBeUndefined()
  })

  // Catches: an ACK-2 that does not name the receipt an ack answers as the checker's comment
  // says (a partly durable receipt, or the step's own), or that flags a correct ack.
  test("ACK-2: an ack while a record of its receipt is not durable; none once all are", () => {
    const findings: Array<Finding> = []
    const d = { violation: undefined, report: (f: Finding | undefined) => { if (f !== undefined) findings.push(f) } } as unknown as Draft
    const id = replicateId("n1", 1, 0, "k1")
    const receipt: Receipt = { id, first: 3 }
    const record = { _tag: "StoreHint", intended: "n2", key: "k1", set: undefined } as never
    const tagged = (token: number) => ({ ...pendingEntry(token, record), receipt })
    const ack = sentAck("n4", "n1", { epoch: 1, op: 0, key: "k1" })
    // Token 3 just became durable (the PersistDone step), token 4 of the same receipt is not.
    checkReplicaAcks(d, [tagged(4)], [tagged(4)], undefined, [ack])
    expect(findings.map((f) => f.invariant)).toEqual(["ACK-2"])
    expect(findings[0]!.message).toContain("before its persist 4 was durable (durable up to 3)")
    // Acknowledged in the very step that received it, its records pending.
    findings.length = 0
    checkReplicaAcks(d, [], [tagged(3), tagged(4)], receipt, [ack])
    expect(findings.map((f) => f.invariant)).toEqual(["ACK-2"])
    // The last record durable: nothing of the receipt pending, no finding; nor for a later
    // receipt of the same Replicate (a duplicate) none of whose records is durable yet.
    findings.length = 0
    checkReplicaAcks(d, [], [], undefined, [ack])
    checkReplicaAcks(d, [{ ...pendingEntry(7, record), receipt: { id, first: 7 } }], [{ ...pendingEntry(7, record), receipt: { id, first: 7 } }], undefined, [ack])
    expect(findings).toEqual([])
  })

  // Catches: ACK-2 not wired into the step (feed.ts): the receipt's records not tagged, or the
  // pending persists read after the step instead of before it. A receipt with a second record
  // (as a node that does not replicate the key writes one hint per home node) is hand-made here:
  // no fixed-ring execution makes one (src/check/MUTANTS.md, mutant 10).
  test("ACK-2 through the step: the first of a receipt's two records durable, the ack leaves", () => {
    const c = compile(model("stale-ack"))
    const received = walk(c, initialWorld(c), ["client 0 sends put", "deliver n1 -> n2: Replicate"])
    const n2 = c.nodeIndex.get("n2")!
    const first = received.nodes[n2]!.pending[0]!
    expect(first.receipt?.id).toBe(replicateId("n1", 1, 0, "k1"))
    const second = { ...pendingEntry(first.token + 1, first.record), receipt: first.receipt! }
    const twoRecords = withSlot(received, n2, (s) => slotOf(s.stateInfo, s.diskInfo, [...s.pending, second], pendingFp([...s.pending, second]), s.timers, s.timersFp, s.starts, s.diskLost, s.reads))
    const persist = (w: WorldState) => enabledActions(c, w).find((a) => describeAction(c, w, a).startsWith("n2 persist"))!
    const t = apply(c, twoRecords, persist(twoRecords))
    expect(t.violation?.invariant).toBe("ACK-2")
    expect(t.violation?.message).toContain(`before its persist ${first.token + 1} was durable (durable up to ${first.token})`)
    // The receipt as the core made it, one record: its ack leaves once that one is durable.
    const ok = apply(c, received, persist(received))
    expect(ok.violation).toBeUndefined()
    expect(ok.state.flight.some((p) => p.message._tag === "ReplicateAck")).toBe(true)
  })

  // Catches: DUR-2 not judged at quiescence (the checker had it off): replicas that agree on
  // having lost an acknowledged write pass CONV-1, and the disks that still hold it pass DUR-1.
  test("DUR-2: an acknowledged write no replica holds after quiescence", () => {
    // READ-2 off: in this hand-made world a node's memory forgot what its disk holds, which
    // READ-2 notices first at quiescence's reads (the coordinator's own answer is its disk's).
    const m = model("stale-ack")
    const c = compile({ ...m, checks: { ...m.checks, read: false } })
    const start = initialWorld(c)
    const acked = walk(c, start, ["client 0 sends put", "deliver n1 -> n2: Replicate", "n1 persist", "n2 persist", "deliver n2 -> n1: ReplicateAck"])
    // Every node's state forgets the write (its disk keeps it, so DUR-1 passes), and nothing is in flight.
    let forgot: WorldState = { ...acked, flight: [] }
    for (let i = 0; i < c.ids.length; i++) {
      forgot = withSlot(forgot, i, (s) => slotOf(start.nodes[i]!.stateInfo, s.diskInfo, [], s.pendingFp, start.nodes[i]!.timers, start.nodes[i]!.timersFp, s.starts, s.diskLost, start.nodes[i]!.reads))
    }
    const result = quiesce(c, forgot, undefined, true)
    expect(result.violation?.invariant).toBe("DUR-2")
    expect(quiesce(c, walk(c, acked, []), undefined, true).violation).toBeUndefined()
  })
})

describe("READ-2 and READ-3 in the checker fire on hand-made cases", () => {
  // Catches: READ-3 not judged at a GetOk sent through the step (feed.ts), or judged from the
  // coordinator's own request state (which counts the answer) rather than the read log. Here the
  // log forgets the Read the coordinator sent (as if it were an earlier incarnation's), so the
  // answer that completes the get is not one to this incarnation's Read, yet the reply names it.
  test("READ-3 through the step: a reply naming a node whose answer to this incarnation's Read is not logged", () => {
    const deliverAnswer = (m: CheckModel) => {
      const c = compile(m)
      const asked = walk(c, initialWorld(c), ["client 0 sends get", "deliver n1 -> n2: Read"])
      const n1 = c.nodeIndex.get("n1")!
      const forgot = withSlot(asked, n1, (s) => slotOf(s.stateInfo, s.diskInfo, s.pending, s.pendingFp, s.timers, s.timersFp, s.starts, s.diskLost, EMPTY_READ_LOG))
      const step = (w: WorldState) => apply(c, w, enabledActions(c, w).find((a) => describeAction(c, w, a).includes("deliver n2 -> n1: ReadReply"))!)
      return { asked: step(asked), forgot: step(forgot) }
    }
    const on = deliverAnswer(model("stale-read"))
    expect(on.forgot.violation?.invariant).toBe("READ-3")
    expect(on.forgot.violation?.message).toContain("naming n2, whose answer to it (op 0) never reached this incarnation of n1")
    // The world as it is: the get answered, no finding.
    expect(on.asked.violation).toBeUndefined()
    expect(on.asked.state.clients[0]!.next).toBe(1)
    // The check switched off: the same hand-made world passes, so the finding is READ-3's own.
    const m = model("stale-read")
    expect(deliverAnswer({ ...m, checks: { ...m.checks, read: false } }).forgot.violation).toBeUndefined()
  })

  // Catches: READ-2 not judged (or judged against the wrong node's answer): a reply naming n2
  // that misses the write n2's logged answer held. And READ-3 on a reply naming a node that never
  // answered. Judged directly on a world where the write exists (stale-ack, the put acknowledged).
  test("READ-2: a reply missing what a named answerer answered; READ-3: a named node that never answered", () => {
    const c = compile(model("stale-ack"))
    const acked = walk(c, initialWorld(c), ["client 0 sends put", "deliver n1 -> n2: Replicate", "n1 persist", "n2 persist", "deliver n2 -> n1: ReplicateAck"])
    const n1 = c.nodeIndex.get("n1")!
    const write = 1 << c.writeIndex.get(c.writes[0]!.id)!
    const log: ReadLog = { asks: [{ op: 3, key: "k1", epoch: 1, own: 0 }], answers: [{ op: 3, key: "k1", from: "n2", events: write }] }
    const judge = (nodes: ReadonlyArray<string>, events: number) => {
      const d = new Draft(acked, c, undefined)
      const step: StepReads = { asks: [], answer: undefined, ops: [3], replies: [{ id: "g", key: "k1", nodes, values: [], liveValues: [], events, valuesLive: undefined }] }
      checkGetReplies(d, n1, log, step)
      return d.violation
    }
    expect(judge(["n1", "n2"], 0)?.invariant).toBe("READ-2")
    expect(judge(["n1", "n2"], 0)?.message).toContain(`names n2 as an answerer but misses ${c.writes[0]!.id}`)
    expect(judge(["n1", "n2"], write)).toBeUndefined()
    expect(judge(["n1", "n3"], write)?.invariant).toBe("READ-3")
    // The coordinator's own answer, logged at the get's first ask from its disk: a reply naming
    // it must cover that too. Catches logAfter dropping it (READ-2 would skip the coordinator).
    const asked = logAfter(EMPTY_READ_LOG, { asks: [{ op: 3, key: "k1", epoch: 1, own: write }], answer: undefined, replies: [], ops: undefined }, "n1", () => write)
    expect(asked.answers).toEqual([{ op: 3, key: "k1", from: "n1", events: write }])
    const d = new Draft(acked, c, undefined)
    checkGetReplies(d, n1, asked, { asks: [], answer: undefined, ops: [3], replies: [{ id: "g", key: "k1", nodes: ["n1"], values: [], liveValues: [], events: 0, valuesLive: undefined }] })
    expect(d.violation?.message).toContain(`names n1 as an answerer but misses ${c.writes[0]!.id}`)
    // DEL-1 at the client (READ-2's second half), resolved with the step: a value no live sibling holds.
    const start = { _tag: "Start", epochFloor: 1 } as never
    const getOk = (values: ReadonlyArray<string>) => ({ _tag: "GetOk", id: "g", key: "k1", values, siblings: [], context: "", nodes: ["n1"] }) as never
    const before = acked.nodes[n1]!.stateInfo!.state
    expect(stepReads(c, before, start, [], [getOk(["v"])]).replies[0]!.valuesLive?.invariant).toBe("DEL-1")
    expect(stepReads(c, before, start, [], [getOk([])]).replies[0]!.valuesLive).toBeUndefined()
    // An answer carrying another epoch (an earlier incarnation's get, the same op) is not logged.
    expect(logAfter(asked, { asks: [], answer: { op: 3, key: "k1", epoch: 0, from: "n2", events: write }, replies: [], ops: [3] }, "n1", () => 0)).toBe(asked)
    // An answer without a set holds what the coordinator held when it asked (the ask's own
    // events): a reply naming n2 must cover them. Catches logAfter logging such an answer as
    // holding nothing (READ-2 would then pass a reply that dropped the coordinator's versions).
    const same = logAfter(asked, { asks: [], answer: { op: 3, key: "k1", epoch: 1, from: "n2", events: undefined }, replies: [], ops: [3] }, "n1", () => 0)
    expect(same.answers).toContainEqual({ op: 3, key: "k1", from: "n2", events: write })
    const d2 = new Draft(acked, c, undefined)
    checkGetReplies(d2, n1, same, { asks: [], answer: undefined, ops: [3], replies: [{ id: "g", key: "k1", nodes: ["n2"], values: [], liveValues: [], events: 0, valuesLive: undefined }] })
    expect(d2.violation?.message).toContain(`names n2 as an answerer but misses ${c.writes[0]!.id}`)
  })
})
