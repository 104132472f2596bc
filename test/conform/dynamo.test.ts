// The short version of `dynamo conform` against this project's real nodes (the built-in cluster
// file: five processes, N=3 R=2 W=2): with dotted version vectors, under kill -9 and SIGSTOP,
// nothing is found; with the paper's per-server vector clocks and every client writing through one
// coordinator, acknowledged writes are lost (SIB-1, the VV-1 shape). The full runs are in the README.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, test } from "vitest"
import { dynamoAdapter } from "../../src/conform/adapters/dynamo.ts"
import { check } from "../../src/conform/checker.ts"
import { decodeHistory, encodeHistory } from "../../src/conform/history.ts"
import { ClusterProcesses, loadClusterFile } from "../../src/conform/nemesis.ts"
import { runConform, type FaultKind } from "../../src/conform/runner.ts"
import { workloadOf } from "../../src/conform/workloads.ts"

/** Where a run that found an anomaly is kept (git-ignored). */
const ARTIFACTS = "test-artifacts/conform"

/** A restart under load takes several seconds (the node boots through tsx): rounds fit in a minute. */
const TEST_TIMEOUT_MS = 60_000

const conform = async (clock: "dvv" | "vv", options: { coordinator: "one" | "any"; faults: ReadonlyArray<FaultKind>; rounds: number; expectClean: boolean }) => {
  const dir = mkdtempSync(join(tmpdir(), `dynamo-conform-${clock}-`))
  const file = await loadClusterFile("dynamo", { dir: join(dir, "data"), clock })
  if (Result.isFailure(file)) throw new Error(file.failure.message)
  const adapter = dynamoAdapter()
  const processes = new ClusterProcesses(file.success, adapter, join(dir, "logs"), options.coordinator === "one" ? [0] : [])
  try {
    await processes.startAll()
    const history = await runConform({
      adapter, adapterName: "dynamo", nodes: file.success.nodes.map((node) => ({ id: node.id, url: node.url })),
      clients: 4, keys: ["k1", "k2", "k3"], workloadName: "set", workload: workloadOf("set"),
      rounds: options.rounds, roundMs: 3_000, faults: options.faults, nemesis: options.faults.length === 0 ? undefined : processes,
      coordinator: options.coordinator, seed: 3, convergeTimeoutMs: 10_000
    })
    // The history file alone gives the same verdict (`dynamo conform --check`).
    const decoded = decodeHistory(encodeHistory(history))
    expect(Result.isSuccess(decoded)).toBe(true)
    const result = check(history)
    expect(check(Result.getOrThrow(decoded))).toEqual(result)
    // A run that found something keeps its evidence: the history (`dynamo conform --check`), and
    // each node's data and log, so an intermittent finding can be read after the fact.
    if (options.expectClean && result.anomalies.length > 0) {
      const kept = join(ARTIFACTS, `${clock}-${new Date().toISOString().replace(/[:.]/g, "-")}`)
      cpSync(dir, kept, { recursive: true })
      writeFileSync(join(kept, "history.jsonl"), encodeHistory(history))
      console.error(`dynamo conform found anomalies; the run is kept in ${kept}`)
    }
    return { history, result }
  } finally {
    await processes.stopAll()
    rmSync(dir, { recursive: true, force: true })
  }
}

describe("dynamo conform against this project's nodes", () => {
  // Catches: any regression of the shell or core that loses, hides or resurrects a write under
  // kill -9 and SIGSTOP, or leaves replicas diverged (and a kit that reports a correct store).
  test("dvv under kill -9 and SIGSTOP: no anomaly, every write accounted for, converged", async () => {
    const { history, result } = await conform("dvv", { coordinator: "any", faults: ["kill", "stop"], rounds: 2, expectClean: true })
    expect(result.anomalies.map((anomaly) => `${anomaly.invariant}: ${anomaly.message}`)).toEqual([])
    expect(result.stats.writesAcknowledged).toBeGreaterThan(50)
    // Sometimes: the nemesis did take nodes down while clients wrote, and siblings did occur.
    expect(history.faults.filter((fault) => fault.ok && (fault.action === "kill" || fault.action === "stop")).length).toBeGreaterThan(0)
    expect(result.stats.availability.some((entry) => entry.down > 0 && entry.writes > 0)).toBe(true)
    expect(result.stats.siblings.some((entry) => entry.values >= 2)).toBe(true)
  }, TEST_TIMEOUT_MS)

  // Catches: a checker (or runner) that cannot see the lost update of the paper's clocks.
  test("vv with every client on one coordinator: acknowledged writes lost, SIB-1 in the VV-1 shape", async () => {
    const { result } = await conform("vv", { coordinator: "one", faults: [], rounds: 1, expectClean: false })
    const lost = result.anomalies.filter((anomaly) => anomaly.kind === "lost")
    expect(lost.length).toBeGreaterThan(0)
    expect(lost.every((anomaly) => anomaly.invariant === "SIB-1")).toBe(true)
    expect(lost.some((anomaly) => anomaly.sameContext === true)).toBe(true)
  }, TEST_TIMEOUT_MS)
})
