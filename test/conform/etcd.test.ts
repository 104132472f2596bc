// The short version of `dynamo conform` against a real three-member etcd (Debian's etcd-server,
// through its v3 JSON gateway), when it is installed: a linearizable store without siblings must
// pass under kill -9 and SIGSTOP, its compare-and-swap writes losing races as conflicts. Skipped,
// saying so, where /usr/bin/etcd (or $ETCD_BIN) is missing: `apt-get install -y etcd-server`.
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, test } from "vitest"
import { etcdAdapter } from "../../src/conform/adapters/etcd.ts"
import { check } from "../../src/conform/checker.ts"
import { ClusterProcesses, loadClusterFile } from "../../src/conform/nemesis.ts"
import { runConform } from "../../src/conform/runner.ts"
import { workloadOf } from "../../src/conform/workloads.ts"

const ETCD = process.env["ETCD_BIN"] ?? "/usr/bin/etcd"
const installed = existsSync(ETCD)
if (!installed) console.warn(`test/conform/etcd.test.ts skipped: no etcd at ${ETCD} (apt-get install -y etcd-server)`)

describe.skipIf(!installed)("dynamo conform against etcd", () => {
  // Catches: an etcd adapter whose context does not guard its writes (lost updates), that reads
  // stale or reports siblings, or a runner that cannot drive a store other than this one.
  test("three members under kill -9 and SIGSTOP: no anomaly, never a sibling, races lost as conflicts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dynamo-conform-etcd-"))
    const file = await loadClusterFile("etcd", { dir: join(dir, "data"), clock: "dvv" })
    if (Result.isFailure(file)) throw new Error(file.failure.message)
    const adapter = etcdAdapter()
    const processes = new ClusterProcesses(file.success, adapter, join(dir, "logs"))
    try {
      await processes.startAll()
      const history = await runConform({
        adapter, adapterName: "etcd", nodes: file.success.nodes.map((node) => ({ id: node.id, url: node.url })),
        clients: 4, keys: ["k1", "k2", "k3"], workloadName: "set", workload: workloadOf("set"),
        rounds: 2, roundMs: 3_000, faults: ["kill", "stop"], nemesis: processes, coordinator: "any", seed: 5, convergeTimeoutMs: 10_000
      })
      const result = check(history)
      expect(result.anomalies.map((anomaly) => `${anomaly.invariant}: ${anomaly.message}`)).toEqual([])
      expect(history.meta.reads).toEqual({ kind: "linearizable" })
      expect(result.stats.writesAcknowledged).toBeGreaterThan(20)
      expect(result.stats.siblings.every((entry) => entry.values <= 1)).toBe(true)
      // Sometimes: concurrent read-modify-writes do race (else the guard was never exercised).
      expect(history.ops.some((op) => op.conflict === true)).toBe(true)
    } finally {
      await processes.stopAll()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
