// Partitions on real nodes: the built-in dynamo-netns cluster puts each of five nodes in its own
// network namespace on a bridge and cuts links with blackhole routes, so clients still reach both
// sides. Needs root (and `ip`); skipped, saying so, otherwise.
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Result } from "effect"
import { describe, expect, test } from "vitest"
import { dynamoAdapter } from "../../src/conform/adapters/dynamo.ts"
import { check } from "../../src/conform/checker.ts"
import { ClusterProcesses, loadClusterFile } from "../../src/conform/nemesis.ts"
import { runConform } from "../../src/conform/runner.ts"
import { workloadOf } from "../../src/conform/workloads.ts"

const root = process.getuid?.() === 0 && spawnSync("ip", ["netns", "list"]).status === 0
if (!root) console.warn("test/conform/partition.test.ts skipped: network namespaces need root and iproute2")

const namespaces = () => spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout

describe.skipIf(!root)("dynamo conform with partitions (network namespaces)", () => {
  // Catches: cuts that do not cut (a lone node would still reach W=2), a heal that does not mend,
  // a teardown that leaves namespaces behind, and any write the core loses across a partition.
  test("a cut isolates, a heal mends; dvv across two partitions: no anomaly; nothing left behind", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dynamo-conform-netns-"))
    const file = await loadClusterFile("dynamo-netns", { dir: join(dir, "data"), clock: "dvv" })
    if (Result.isFailure(file)) throw new Error(file.failure.message)
    const run = /cf([0-9a-f]{4})br/.exec(JSON.stringify(file.success.setup))![1]!
    const adapter = dynamoAdapter()
    const processes = new ClusterProcesses(file.success, adapter, join(dir, "logs"))
    try {
      await processes.startAll()
      expect(namespaces()).toContain(`cf${run}n5`)
      // The cut cuts: n1 alone cannot gather W=2, n2 among the rest can; the heal mends it.
      const [n1, n2] = file.success.nodes.map((node) => node.url)
      expect(await processes.partition([0])).toEqual({ ok: true })
      expect((await adapter.put(n1!, "probe", "alone", undefined))._tag).not.toBe("Ok")
      expect((await adapter.put(n2!, "probe", "majority", undefined))._tag).toBe("Ok")
      expect(await processes.heal()).toEqual({ ok: true })
      let healed = false
      for (let attempt = 0; attempt < 20 && !healed; attempt++) {
        healed = (await adapter.put(n1!, "probe", "healed", undefined))._tag === "Ok"
        if (!healed) await new Promise((done) => setTimeout(done, 250))
      }
      expect(healed).toBe(true)
      // The run's history starts here and its checker takes this moment as quiet (no fault since
      // 0 ms), so wait until no node's failure detector still holds the probe's cut against a
      // peer: a put a node would send to a fallback would otherwise be read stale, and on a slow
      // machine the detector's beliefs lag the first successful put through n1.
      let settled = false
      for (let attempt = 0; attempt < 80 && !settled; attempt++) {
        const views = await Promise.all(file.success.nodes.map(async (node) => {
          const body = await fetch(`${node.url}/status`).then((response) => response.json()) as { members: ReadonlyArray<{ state: string }> }
          return body.members.every((member) => member.state === "up")
        }))
        settled = views.every(Boolean)
        if (!settled) await new Promise((done) => setTimeout(done, 250))
      }
      expect(settled).toBe(true)
      const history = await runConform({
        adapter, adapterName: "dynamo", nodes: file.success.nodes.map((node) => ({ id: node.id, url: node.url })),
        clients: 5, keys: ["k1", "k2", "k3"], workloadName: "set", workload: workloadOf("set"),
        rounds: 2, roundMs: 4_000, faults: ["partition"], nemesis: processes, coordinator: "any", seed: 2, convergeTimeoutMs: 10_000
      })
      const result = check(history)
      expect(result.anomalies.map((anomaly) => `${anomaly.invariant}: ${anomaly.message}`)).toEqual([])
      expect(history.faults.map((fault) => `${fault.action} ${fault.ok}`)).toEqual(["partition true", "heal true", "partition true", "heal true"])
      // Sometimes: operations were invoked while the network was partitioned (a side of two
      // nodes stays writeable through sloppy quorum, so they need not fail).
      expect(result.stats.availability.some((entry) => entry.partitioned && entry.writes > 0)).toBe(true)
    } finally {
      await processes.stopAll()
      rmSync(dir, { recursive: true, force: true })
    }
    expect(namespaces()).not.toContain(`cf${run}`)
  }, 60_000)
})
