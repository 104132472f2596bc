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
