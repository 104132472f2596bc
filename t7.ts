import { Client } from "dynamo-reference/client"
import { LocalCluster } from "./src/net/cluster.ts"
import { mkdtempSync } from "node:fs"
const dir = mkdtempSync("/tmp/dynamo-client-smoke-")
const cluster = await LocalCluster.start({ nodes: 3, dataDir: dir, memory: true })
try {
  const c = await Client.connect({ nodes: cluster.nodes.map((n) => n.url) })
  const contexts = new Map<string, string>()
  const deadline = performance.now() + 8000
  let ops = 0
  const cpu0 = process.cpuUsage()
  await Promise.all(Array.from({ length: 32 }, async (_, k) => {
    while (performance.now() < deadline) {
      const key = `key:${Math.floor(Math.random() * 1000)}`
      if (Math.random() < 0.5) { const w = await c.put(key, "x".repeat(1000), { context: contexts.get(key) }); contexts.set(key, w.context) }
      else { const r = await c.get(key); contexts.set(key, r.context) }
      ops++
    }
  }))
  const cpu = process.cpuUsage(cpu0)
  console.log("ops", ops, "cpu us/op", ((cpu.user + cpu.system) / ops).toFixed(0))
  await c.close()
} finally { await cluster.stop() }
