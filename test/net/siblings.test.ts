// Section 4.4 on real nodes: two clients write the same key from the same context through the
// same coordinator. With dotted version vectors both writes survive as siblings (the paper's
// per-server clocks would have lost one); a write carrying the merged context collapses them.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { ANTI_ENTROPY_DEFERRALS_MAX_DEFAULT } from "../../src/core/config.ts"
import { ADMISSION_P99_MS_DEFAULT } from "../../src/net/foreground.ts"
import { startCluster, until } from "./harness.ts"

describe("siblings through one coordinator (3 nodes, N=3 R=2 W=2)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("siblings", { nodes: 3 })
  })
  afterAll(() => env?.cleanup())

  test("a get returns both siblings; a put with the merged context collapses them", async () => {
    const n1 = env.client("n1")
    const n2 = env.client("n2")
    const first = await n1.put("cart", "milk")
    expect(first.status).toBe(200)
    expect(first.body.values).toEqual(["milk"])
    const context = first.body.context as string

    // Two clients, same context, same coordinator, at the same time.
    const [alice, bob] = await Promise.all([n1.put("cart", "milk,eggs", context), n1.put("cart", "milk,bread", context)])
    expect(alice.status).toBe(200)
    expect(bob.status).toBe(200)
    expect(alice.coordinator).toBe("n1")
    expect(bob.coordinator).toBe("n1")

    const read = await n2.get("cart", 3)
    expect(read.status).toBe(200)
    expect([...read.body.values].sort()).toEqual(["milk,bread", "milk,eggs"])
    expect(read.nodes.length).toBe(3)

    const merged = await n2.put("cart", "milk,bread,eggs", read.body.context)
    expect(merged.status).toBe(200)
    expect(merged.body.values).toEqual(["milk,bread,eggs"])

    for (const id of ["n1", "n2", "n3"]) {
      const again = await env.client(id).get("cart")
      expect(again.status).toBe(200)
      expect(again.body.values).toEqual(["milk,bread,eggs"])
    }
  })

  test("a delete hides the value and returns a context; a later write supersedes the tombstone", async () => {
    const n3 = env.client("n3")
    const written = await n3.put("session", "token-1")
    expect(written.status).toBe(200)
    const deleted = await n3.del("session", written.body.context)
    expect(deleted.status).toBe(200)
    expect(typeof deleted.body.context).toBe("string")
    const gone = await env.client("n1").get("session", 3)
    expect(gone.status).toBe(404)
    expect(gone.body.error).toBe("not found")
    const back = await n3.put("session", "token-2", gone.body.context)
    expect(back.status).toBe(200)
    expect(back.body.values).toEqual(["token-2"])
  })

  // Catches: commits not recorded (the count never grows), records not counted, or percentiles
  // reported out of order.
  test("/status reports the node's group commits: how many, their records, their latency", async () => {
    const before = (await env.client("n2").status()).body.commits
    const written = await env.client("n2").put("commits", "one")
    expect(written.status).toBe(200)
    // n2 coordinated, so it commits its own copy (maybe just after W others acknowledged).
    const after = await until("n2 to count the commit", async () => {
      const commits = (await env.client("n2").status()).body.commits
      return commits.count > before.count ? commits : undefined
    }, 5_000, 20)
    expect(after.records).toBeGreaterThanOrEqual(after.count)
    expect(after.ms.p50).toBeGreaterThan(0)
    expect(after.ms.p50).toBeLessThanOrEqual(after.ms.p99)
    expect(after.ms.p99).toBeLessThanOrEqual(after.ms.p999)
    expect(after.ms.p999).toBeLessThanOrEqual(after.ms.max)
  })

  // AE-2 as an operator sees it. Catches: the default target not passed to the node (null or
  // another number), verdicts not counted at anti-entropy firings (the count never grows), busy
  // verdicts counted beyond the verdicts, a streak of skipped rounds beyond the core's bound.
  test("/status reports anti-entropy's admission control: its target, verdicts, busy ones, rounds skipped in a row", async () => {
    type Background = { p99TargetMs: number | null; verdicts: number; busy: number; skippedInARow: number }
    const read = async () => (await env.client("n3").status()).body.background as Background
    const before = await read()
    expect(before.p99TargetMs).toBe(ADMISSION_P99_MS_DEFAULT)
    const after = await until("n3 to give another verdict", async () => {
      const now = await read()
      return now.verdicts > before.verdicts ? now : undefined
    }, 5_000, 50)
    expect(after.busy).toBeGreaterThanOrEqual(before.busy)
    expect(after.busy).toBeLessThanOrEqual(after.verdicts)
    expect(after.skippedInARow).toBeGreaterThanOrEqual(0)
    expect(after.skippedInARow).toBeLessThanOrEqual(ANTI_ENTROPY_DEFERRALS_MAX_DEFAULT)
  })

  // Catches: a stage never recorded (its count does not grow with the put that passes through
  // it), a core step filed under the wrong input, negative or non-cumulative times, or stages
  // listed out of order (the bench diffs readings by name).
  test("/status reports where the node's time goes, stage by stage", async () => {
    type Stage = { stage: string; count: number; ms: number }
    const read = async () => new Map(((await env.client("n2").status()).body.timings as Array<Stage>).map((entry) => [entry.stage, entry]))
    const before = await read()
    const written = await env.client("n2").put("timings", "one")
    expect(written.status).toBe(200)
    expect(written.coordinator).toBe("n2")
    // Every stage a put coordinated by n2 passes through on n2, including its own commit and a
    // replica's acknowledgement arriving (those may come just after the reply).
    const stages = ["client parse", "core Client Put", "peer encode", "peer send", "peer decode", "core Receive ReplicateAck", "storage commit", "core PersistDone", "client reply"]
    const after = await until("n2 to time every stage of the put", async () => {
      const now = await read()
      return stages.every((stage) => (now.get(stage)?.count ?? 0) > (before.get(stage)?.count ?? 0)) ? now : undefined
    }, 5_000, 20)
    for (const stage of stages) expect(after.get(stage)!.ms).toBeGreaterThanOrEqual(before.get(stage)?.ms ?? 0)
    const names = [...after.keys()]
    expect(names).toEqual([...names].sort())
    expect([...after.values()].every((entry) => entry.ms >= 0 && entry.count > 0)).toBe(true)
  })
})
