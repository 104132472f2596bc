// Where a cluster operation's CPU goes (issue 9): the same HTTP API measured in three set-ups that
// add one layer at a time, each with closed-loop clients on keep-alive connections to one node:
//   1. one node, N=1, data in memory: the client API (Effect's HTTP server) and the core alone;
//   2. three nodes, N=3, in memory: plus replication over the peer wire (every node a replica);
//   3. three nodes, N=3, SQLite with synchronous=FULL: plus durable storage (group commit).
// For each: puts of fresh 1 KiB values and gets of existing keys, the CPU the node processes and
// this load generator used per request (from /proc and process.cpuUsage), and the throughput
// those costs allow on this machine's cores. The differences between rows are the layers' costs.
// Run: `npm run bench -- cluster-costs` or `npx tsx bench/cluster-costs.ts [--seconds 5]`.
import { rmSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { LocalCluster } from "../src/net/cluster.ts"
import { clusterCpuSeconds, HttpClient, worstCommits } from "./cluster.ts"
import { plainTable } from "./table.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"

interface Setup {
  readonly name: string
  readonly nodes: number
  readonly n: number
  readonly memory: boolean
}

const SETUPS: ReadonlyArray<Setup> = [
  { name: "1 node, N=1, memory", nodes: 1, n: 1, memory: true },
  { name: "3 nodes, N=3, memory", nodes: 3, n: 3, memory: true },
  { name: "3 nodes, N=3, SQLite FULL", nodes: 3, n: 3, memory: false }
]

const CLIENTS = 16
const VALUE = "v".repeat(1024)

interface Measured {
  readonly ops: number
  readonly seconds: number
  readonly nodeMicrosPerOp: number
  readonly clientMicrosPerOp: number
}

/** `CLIENTS` closed loops against node 0 for `seconds`: puts of fresh keys, or gets of keys 0..written-1. */
const measure = async (cluster: LocalCluster, client: HttpClient, kind: "PUT" | "GET", seconds: number, prefix: string, written: number): Promise<Measured> => {
  const node0 = clusterCpuSeconds(cluster)
  const client0 = process.cpuUsage()
  const started = performance.now()
  const deadline = started + seconds * 1000
  let ops = 0
  let sequence = 0
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    while (performance.now() < deadline) {
      const i = sequence++
      const key = `${prefix}${kind === "PUT" ? i : i % written}`
      const reply = await client.request(0, kind, `/kv/${key}`, kind === "PUT" ? JSON.stringify({ value: VALUE }) : undefined)
      if (reply.status !== 200) throw new Error(`${kind} ${key}: ${reply.status} ${reply.body}`)
      ops += 1
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  const clientCpu = process.cpuUsage(client0)
  return { ops, seconds: elapsed, nodeMicrosPerOp: ((clusterCpuSeconds(cluster) - node0) * 1e6) / ops, clientMicrosPerOp: (clientCpu.user + clientCpu.system) / ops }
}

export async function clusterCostsBench(options: { readonly seconds?: number } = {}): Promise<string> {
  const seconds = options.seconds ?? 5
  const cores = availableParallelism()
  const rows: Array<ReadonlyArray<string>> = []
  for (const setup of SETUPS) {
    const dir = join(tmpdir(), `dynamo-costs-${process.pid}`)
    rmSync(dir, { recursive: true, force: true })
    const cluster = await LocalCluster.start({ nodes: setup.nodes, dataDir: dir, memory: setup.memory, n: setup.n, r: Math.min(2, setup.n), w: Math.min(2, setup.n) })
    const client = new HttpClient(cluster.nodes.map((node) => node.port), CLIENTS, 10_000)
    try {
      // Warm-up (JIT, connections), then fresh keys for the puts, and the warm-up's keys for the gets.
      const warm = await measure(cluster, client, "PUT", Math.max(2, seconds / 2), "warm:", 0)
      for (const kind of ["PUT", "GET"] as const) {
        const m = await measure(cluster, client, kind, seconds, kind === "PUT" ? "fresh:" : "warm:", warm.ops)
        const total = m.nodeMicrosPerOp + m.clientMicrosPerOp
        const commits = kind === "PUT" && !setup.memory ? await worstCommits(client, setup.nodes) : undefined
        rows.push([
          setup.name, kind.toLowerCase(), (m.ops / m.seconds).toFixed(0), m.nodeMicrosPerOp.toFixed(0), m.clientMicrosPerOp.toFixed(0),
          ((cores * 1e6) / total).toFixed(0),
          commits === undefined ? "-" : `${commits.p50.toFixed(2)}/${commits.p999.toFixed(2)}`
        ])
      }
    } finally {
      client.close()
      await cluster.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const header = ["set-up", "op", "ops/s", "node CPU µs/op", "client CPU µs/op", `ceiling ops/s on ${cores} cores`, "commit ms p50/p99.9"]
  return [
    `${CLIENTS} closed-loop clients to one node, ${seconds} s per row, 1 KiB values; CPU from /proc (user + system) of every node process.`,
    `ceiling = cores / (node + client CPU per op): the throughput if the CPU were the only limit and every core were busy.`,
    `commit: the slowest node's group-commit latency since it started (write to durable; the fsync), from GET /status.`,
    "",
    ...plainTable(header, rows)
  ].join("\n")
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  onlyKnownFlags(["seconds"], [])
  const seconds = positiveNumberFlag("seconds", "a positive number of seconds")
  console.log(await clusterCostsBench(seconds === undefined ? {} : { seconds }))
}
