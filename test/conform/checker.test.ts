// The conform checker on hand-written histories: one story per anomaly class, and the near-miss
// beside each that must not be reported (a write covered by a delete is not lost, a stale read
// during a fault is allowed, ...). Each test names the mutation of src/conform/checker.ts it catches.
import { Result } from "effect"
import { describe, expect, test } from "vitest"
import { check, QUORUM_GRACE_MS } from "../../src/conform/checker.ts"
import { decodeHistory, encodeHistory, HISTORY_FORMAT, HISTORY_VERSION, type FaultLine, type History, type OpLine, type ReadPromise } from "../../src/conform/history.ts"

/** A history written as a story: each call appends one operation, times in ms. */
class Story {
  private readonly ops: Array<OpLine> = []
  private readonly faults: Array<FaultLine> = []
  constructor(private readonly reads: ReadPromise = { kind: "none" }) {}

  private add(op: Omit<OpLine, "type" | "id" | "phase" | "node"> & { phase?: OpLine["phase"]; node?: string }): number {
    const id = this.ops.length
    this.ops.push({ type: "op", id, phase: "run", node: "n1", ...op })
    return id
  }
  write(event: string, start: number, end: number, options: { after?: number; status?: OpLine["status"]; client?: number; key?: string } = {}): number {
    return this.add({ client: options.client ?? 0, f: "write", key: options.key ?? "k", start, end, status: options.status ?? "ok", event, ...(options.after === undefined ? {} : { after: options.after }) })
  }
  del(event: string, start: number, end: number, after: number, status: OpLine["status"] = "ok"): number {
    return this.add({ client: 0, f: "delete", key: "k", start, end, status, event, after })
  }
  read(values: ReadonlyArray<string>, start: number, end: number, options: { foreign?: ReadonlyArray<string>; client?: number; key?: string } = {}): number {
    return this.add({ client: options.client ?? 0, f: "read", key: options.key ?? "k", start, end, status: "ok", values, ...(options.foreign === undefined ? {} : { foreign: options.foreign }) })
  }
  final(values: ReadonlyArray<string>, at: number, node = "n1", attempt = 0, key = "k"): number {
    return this.add({ client: -1, phase: "final", attempt, f: "read", key, node, start: at, end: at + 1, status: "ok", values })
  }
  fault(action: FaultLine["action"], node: string, at: number): this {
    this.faults.push({ type: "fault", action, node, at, ok: true })
    return this
  }
  history(): History {
    return {
      meta: {
        type: "meta", format: HISTORY_FORMAT, version: HISTORY_VERSION, adapter: "test", workload: "story", clients: 2,
        keys: ["k"], nodes: [{ id: "n1", url: "mem://n1" }, { id: "n2", url: "mem://n2" }], reads: this.reads, nemesis: [], seed: 1,
        startedAt: "2026-12-03T00:00:00.000Z"
      },
      ops: this.ops, faults: this.faults, phases: [{ type: "phase", name: "final", at: 1_000 }]
    }
  }
  check() {
    return check(this.history())
  }
}

const kinds = (story: Story) => story.check().anomalies.map((anomaly) => `${anomaly.invariant} ${anomaly.kind}`)

describe("conform checker: clean histories", () => {
  // Catches a checker that reports anything at all on a correct run (false positives).
  test("a write, a read, a write with its context, deletes and a final read: nothing to report", () => {
    const story = new Story()
    story.write("a", 0, 5)
    const r1 = story.read(["a"], 10, 12)
    story.write("b", 20, 25, { after: r1 })
    story.write("c", 21, 26, { client: 1 })
    const r2 = story.read(["b", "c"], 30, 32)
    story.write("d", 40, 45, { after: r2 })
    story.write("x", 50, 55, { status: "indeterminate" })
    story.final(["d"], 1_000, "n1")
    story.final(["d"], 1_000, "n2")
    expect(kinds(story)).toEqual([])
    const result = story.check()
    expect(result.stats.writesAcknowledged).toBe(4)
    expect(result.stats.siblings).toEqual([{ values: 1, reads: 1 }, { values: 2, reads: 1 }])
  })
})

describe("conform checker: lost writes (SIB-1, DUR-1)", () => {
  // Catches: a lost-write check that treats every write as covered, or names it DUR-1 although
  // a concurrent write replaced it; the VV-1 shape (same context) must be recognised.
  test("two writes from the same context, one silently replaced: SIB-1, the VV-1 shape", () => {
    const story = new Story()
    story.write("a", 0, 5)
    const r = story.read(["a"], 10, 12)
    const lost = story.write("b", 20, 25, { after: r })
    const kept = story.write("c", 21, 26, { after: r, client: 1 })
    const final = story.final(["c"], 1_000)
    const [anomaly, ...rest] = story.check().anomalies
    expect(rest).toEqual([])
    expect(anomaly).toMatchObject({ invariant: "SIB-1", kind: "lost", sameContext: true })
    expect(anomaly!.message).toMatch(/b .*replaced by the concurrent write c/)
    // The excerpt: the lost write, its context's read, the survivor, the final read.
    expect(anomaly!.ops).toEqual([r, lost, kept, final])
    expect(story.check().stats.lostShare).toBeCloseTo(1 / 3)
    expect(story.check().lost).toEqual({ replaced: 1, sameContext: 1, vanished: 0 })
  })

  // Catches: classifying every loss as SIB-1 (a write that vanished with nothing concurrent is DUR-1).
  test("a write that vanished while an older write it saw is still there: DUR-1", () => {
    const story = new Story()
    story.write("a", 0, 5)
    const r = story.read(["a"], 10, 12)
    story.write("b", 20, 25, { after: r })
    story.final(["a"], 1_000)
    expect(kinds(story)).toEqual(["DUR-1 lost"])
  })

  // Catches: a checker that forgets deletes account for what they covered, or that demands
  // indeterminate or failed writes be visible.
  test("writes covered by a delete, indeterminate and failed writes are not lost", () => {
    const story = new Story()
    story.write("a", 0, 5)
    const r = story.read(["a"], 10, 12)
    story.del("d", 20, 25, r)
    story.write("i", 30, 35, { status: "indeterminate" })
    story.write("f", 31, 36, { status: "failed" })
    story.final([], 1_000)
    expect(kinds(story)).toEqual([])
  })

  // Catches: judging loss with no final read (nothing is known about the end state).
  test("without a final read nothing is judged lost, and a note says so", () => {
    const story = new Story()
    story.write("a", 0, 5)
    const result = story.check()
    expect(result.anomalies).toEqual([])
    expect(result.notes.join("\n")).toMatch(/no final read succeeded/)
  })
})

describe("conform checker: false siblings (SIB-1)", () => {
  // Catches: a false-sibling check that compares values by equality only, or never looks
  // through the chain of contexts (c saw b, b saw a: a beside c is false too).
  test("a read that returns a value beside one whose writer saw it, through a chain of contexts", () => {
    const story = new Story()
    const a = story.write("a", 0, 5)
    const r1 = story.read(["a"], 10, 12)
    const b = story.write("b", 20, 25, { after: r1 })
    const r2 = story.read(["b"], 30, 32)
    const c = story.write("c", 40, 45, { after: r2 })
    const r3 = story.read(["a", "c"], 50, 52)
    story.final(["c"], 1_000)
    const [anomaly, ...rest] = story.check().anomalies
    expect(rest).toEqual([])
    expect(anomaly).toMatchObject({ invariant: "SIB-1", kind: "false-siblings" })
    expect(anomaly!.message).toMatch(/c <- b <- a/)
    expect(anomaly!.ops).toEqual([a, r1, b, r2, c, r3])
  })
})

describe("conform checker: phantoms (READ-1)", () => {
  // Catches: accepting any event id a read returns, a refused write's value, or a read from the future.
  test("unknown events, refused writes, values read before their write, foreign values", () => {
    const story = new Story()
    story.write("f", 0, 5, { status: "failed" })
    story.read(["ghost"], 10, 12)
    story.read(["f"], 13, 14)
    story.read(["late"], 15, 16)
    story.write("late", 20, 25)
    story.read([], 30, 31, { foreign: ["hello"] })
    story.final(["late"], 1_000)
    const messages = story.check().anomalies.map((anomaly) => `${anomaly.invariant}: ${anomaly.message}`)
    expect(messages).toEqual([
      expect.stringMatching(/READ-1: .*f, but its write was refused/),
      expect.stringMatching(/READ-1: .*ghost, but no operation of this history wrote it/),
      expect.stringMatching(/READ-1: .*late, but its write was invoked after the read completed/),
      expect.stringMatching(/READ-1: .*no client of this run wrote: "hello"/)
    ])
  })
})

describe("conform checker: resurrected deletes (DEL-1)", () => {
  // Catches: a DEL-1 check that looks only for the delete's own event, or counts an unacknowledged delete.
  test("a value an acknowledged delete covered is live at the end", () => {
    const story = new Story()
    const a = story.write("a", 0, 5)
    const r = story.read(["a"], 10, 12)
    const d = story.del("d", 20, 25, r)
    const final = story.final(["a"], 1_000)
    const [anomaly, ...rest] = story.check().anomalies
    expect(rest).toEqual([])
    expect(anomaly).toMatchObject({ invariant: "DEL-1", kind: "resurrected", ops: [a, r, d, final] })
    const indeterminate = new Story()
    indeterminate.write("a", 0, 5)
    indeterminate.del("d", 20, 25, indeterminate.read(["a"], 10, 12), "indeterminate")
    indeterminate.final(["a"], 1_000)
    expect(kinds(indeterminate)).toEqual([])
  })
})

describe("conform checker: stale reads (QUORUM-1)", () => {
  const quorum: ReadPromise = { kind: "quorum", n: 3, r: 2, w: 2 }

  // Catches: a checker that never compares reads with earlier acknowledged writes.
  test("a read after an acknowledged write misses it while R + W > N and nothing failed", () => {
    const story = new Story(quorum)
    const w = story.write("a", 0, 5)
    const r = story.read([], 10, 12)
    story.final(["a"], 1_000)
    const [anomaly, ...rest] = story.check().anomalies
    expect(rest).toEqual([])
    expect(anomaly).toMatchObject({ invariant: "QUORUM-1", kind: "stale-read", ops: [w, r] })
  })

  // Catches: a stale-read check that ignores the fault windows of a quorum store, the grace
  // after them, reads concurrent with the write, deletes that covered it, or R + W <= N.
  test("not reported during a fault, within the grace after it, for a concurrent read, after a delete, or when R + W <= N", () => {
    const duringFault = new Story(quorum).fault("kill", "n2", 1)
    duringFault.write("a", 2, 5)
    duringFault.read([], 10, 12)
    duringFault.fault("start", "n2", 20)
    duringFault.read([], 20 + QUORUM_GRACE_MS - 10, 20 + QUORUM_GRACE_MS)
    duringFault.final(["a"], 20 + QUORUM_GRACE_MS + 100)
    expect(kinds(duringFault)).toEqual([])

    const concurrent = new Story(quorum)
    concurrent.write("a", 0, 10)
    concurrent.read([], 5, 12)
    concurrent.final(["a"], 1_000)
    expect(kinds(concurrent)).toEqual([])

    const deleted = new Story(quorum)
    deleted.write("a", 0, 5)
    deleted.del("d", 6, 30, deleted.read(["a"], 5.5, 5.8))
    deleted.read([], 10, 12)
    deleted.final([], 1_000)
    expect(kinds(deleted)).toEqual([])

    const sloppy = new Story({ kind: "quorum", n: 3, r: 1, w: 1 })
    sloppy.write("a", 0, 5)
    sloppy.read([], 10, 12)
    sloppy.final(["a"], 1_000)
    expect(kinds(sloppy)).toEqual([])
    expect(sloppy.check().notes.join("\n")).toMatch(/QUORUM-1 not checked/)
  })

  // Catches: reporting a lost write again as a stale read by every read after it.
  test("a write found lost is not also a stale read", () => {
    const story = new Story(quorum)
    story.write("a", 0, 5)
    const r = story.read(["a"], 10, 12)
    story.write("b", 20, 25, { after: r })
    story.read(["a"], 30, 32)
    story.final(["a"], 1_000)
    expect(kinds(story)).toEqual(["DUR-1 lost"])
  })

  // Catches: excusing a linearizable store during faults.
  test("a linearizable store is held to it during faults too", () => {
    const story = new Story({ kind: "linearizable" }).fault("kill", "n2", 1)
    story.write("a", 2, 5)
    story.read([], 10, 12)
    story.fault("start", "n2", 20)
    story.final(["a"], 1_000)
    expect(kinds(story)).toEqual(["QUORUM-1 stale-read"])
  })
})

describe("conform checker: convergence (CONV-1)", () => {
  // Catches: judging convergence by the first attempt rather than the last, or not at all.
  test("nodes that still disagree at the last attempt; agreement at a later attempt is convergence", () => {
    const diverged = new Story()
    diverged.write("a", 0, 5)
    diverged.final(["a"], 1_000, "n1")
    diverged.final([], 1_000, "n2")
    expect(kinds(diverged)).toEqual(["CONV-1 diverged"])

    const healed = new Story()
    healed.write("a", 0, 5)
    healed.final(["a"], 1_000, "n1", 0)
    healed.final([], 1_000, "n2", 0)
    healed.final(["a"], 2_000, "n1", 1)
    healed.final(["a"], 2_000, "n2", 1)
    expect(kinds(healed)).toEqual([])
    expect(healed.check().stats.convergenceMs).toBe(1_000)
  })
})

describe("conform history file", () => {
  // Catches: an encoding the checker cannot read back, or a decoder that accepts garbage silently.
  test("round-trips, and a bad line is named", () => {
    const story = new Story()
    story.write("a", 0, 5)
    story.final(["a"], 1_000)
    const text = encodeHistory(story.history())
    const decoded = decodeHistory(text)
    expect(Result.isSuccess(decoded)).toBe(true)
    expect(check(Result.getOrThrow(decoded))).toEqual(story.check())
    const broken = decodeHistory(text.replace(/"f":"write"/, "\"f\":\"scribble\""))
    expect(Result.isFailure(broken) && broken.failure.message).toMatch(/^line 2: not a history line/)
    expect(Result.isFailure(decodeHistory("{}\n")) && "bad").toBe("bad")
    const twice = decodeHistory(text + text.split("\n")[1] + "\n")
    expect(Result.isFailure(twice) && twice.failure.message).toMatch(/appears twice/)
  })
})
