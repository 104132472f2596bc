// The whole kit (runner, workloads, checker) against an in-process store with one fault built in
// (src/conform/adapters/memory.ts): each anomaly class is found on a store that really has it,
// and nothing is found on the correct store. Catches a runner that records what the store did
// wrongly (wrong events, wrong contexts) as much as a checker that misses the class.
import { describe, expect, test } from "vitest"
import { memoryAdapter, type MemoryFault } from "../../src/conform/adapters/memory.ts"
import { check } from "../../src/conform/checker.ts"
import { runConform } from "../../src/conform/runner.ts"
import { registerWorkload, workloadOf, type Workload } from "../../src/conform/workloads.ts"

const run = async (fault: MemoryFault, workload: Workload = workloadOf("set"), clients = 3) => {
  const history = await runConform({
    adapter: memoryAdapter(fault), adapterName: `memory-${fault}`,
    nodes: [{ id: "m1", url: "mem://m1" }, { id: "m2", url: "mem://m2" }],
    clients, keys: ["k1", "k2"], workloadName: "test", workload,
    rounds: 1, roundMs: 400, faults: [], nemesis: undefined, coordinator: "any", seed: 7, convergeTimeoutMs: 1_000, settleMs: 100
  })
  return check(history)
}

const found = (result: ReturnType<typeof check>) => [...new Set(result.anomalies.map((anomaly) => `${anomaly.invariant} ${anomaly.kind}`))].sort()

describe("conform against a purpose-built faulty store", () => {
  test("the correct store: nothing found, siblings seen, every write accounted for", async () => {
    const result = await run("correct")
    expect(found(result)).toEqual([])
    expect(result.stats.writesAcknowledged).toBeGreaterThan(20)
    // Sometimes: concurrent writers do make siblings (else the SIB-1 checks saw nothing).
    expect(result.stats.siblings.some((entry) => entry.values >= 2)).toBe(true)
    const register = await run("correct", registerWorkload())
    expect(found(register)).toEqual([])
    expect(register.stats.ops.delete.ok).toBeGreaterThan(0)
  })

  test("last writer wins: lost writes, SIB-1", async () => {
    expect(found(await run("overwrite"))).toContain("SIB-1 lost")
  })

  test("acknowledged puts thrown away: DUR-1", async () => {
    // Its reads miss those writes too, but a lost write is reported once, as lost.
    expect(found(await run("forget", workloadOf("set"), 1))).toEqual(["DUR-1 lost"])
  })

  test("contexts ignored on put: false siblings, SIB-1", async () => {
    expect(found(await run("false-siblings"))).toEqual(["SIB-1 false-siblings"])
  })

  test("values nobody wrote: READ-1", async () => {
    expect(found(await run("phantom"))).toEqual(["READ-1 phantom"])
  })

  test("deletes that do nothing: DEL-1", async () => {
    expect(found(await run("resurrect", registerWorkload({ blind: 1, context: 0, delete: 1 })))).toEqual(["DEL-1 resurrected"])
  })

  test("reads that lag the writes while R + W > N is claimed: QUORUM-1", async () => {
    expect(found(await run("stale"))).toEqual(["QUORUM-1 stale-read"])
  })

  test("nodes that never exchange: CONV-1", async () => {
    expect(found(await run("diverge"))).toEqual(["CONV-1 diverged"])
  })
})

describe("the runner dates faults so the checker never owes a read during one", () => {
  // A store that is sloppy while cut: from the moment the nemesis begins a partition, reads see
  // nothing (as a side that holds no replica would), and the cut takes 300 ms to report done, as
  // many route changes do on a slow machine. Catches the runner dating a partition (or a kill)
  // when the nemesis returned: the reads in between fall in a "quiet" period and are reported as
  // QUORUM-1 stale reads of a store that did nothing wrong. It also must not excuse too much: the
  // same store cut without the nemesis knowing (no fault line) is caught.
  const cutStore = (announce: boolean) => {
    const inner = memoryAdapter("correct")
    let cut = false
    const adapter = {
      ...inner,
      describe: async () => ({ reads: { kind: "quorum", n: 3, r: 2, w: 2 } as const, store: "memory, sloppy while cut" }),
      get: async (url: string, key: string) => cut ? (await new Promise((done) => setTimeout(done, 1)), { _tag: "Ok" as const, value: { values: [], context: "" } }) : inner.get(url, key)
    }
    const slow = () => new Promise<void>((done) => setTimeout(done, 300))
    const nemesis = {
      eligible: [0, 1], partitions: true,
      down: async () => ({ ok: true }), up: async () => ({ ok: true }),
      partition: async () => { cut = true; await slow(); return { ok: true } },
      heal: async () => { cut = false; return { ok: true } }
    }
    return { adapter, nemesis: announce ? nemesis : undefined, cutNow: (value: boolean) => { cut = value } }
  }
  const runCut = async (announce: boolean) => {
    const { adapter, nemesis, cutNow } = cutStore(announce)
    // Unannounced: the same cut, made by a timer at the same moment of the run.
    const timers = announce ? [] : [setTimeout(() => cutNow(true), 500), setTimeout(() => cutNow(false), 1_500)]
    const history = await runConform({
      adapter, adapterName: "memory-cut", nodes: [{ id: "m1", url: "mem://m1" }, { id: "m2", url: "mem://m2" }],
      clients: 3, keys: ["k1"], workloadName: "set", workload: workloadOf("set"),
      rounds: 1, roundMs: 2_000, faults: announce ? ["partition"] : [], nemesis, coordinator: "any", seed: 3, convergeTimeoutMs: 1_000, settleMs: 100
    })
    timers.forEach(clearTimeout)
    return { history, result: check(history) }
  }

  test("a partition counts from when it was begun, not from when the nemesis returned", async () => {
    const { history, result } = await runCut(true)
    expect(history.faults.map((fault) => fault.action)).toEqual(["partition", "heal"])
    expect(found(result)).toEqual([])
    const unannounced = await runCut(false)
    expect(found(unannounced.result)).toEqual(["QUORUM-1 stale-read"])
  })
})
