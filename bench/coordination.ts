// The paper's Table 2 on this cluster (section 6.4): server-driven against client-driven
// coordination under the same load. One local cluster of five nodes (SQLite, synchronous=FULL,
// N=3 R=2 W=2), 10,000 keys of 1 KiB, 32 closed-loop clients (50% gets, 50% puts) through the
// client library; server-driven (each request to a random node, which forwards it to a replica
// when it is not one) and client-driven (each request to a replica, from the ring the client
// learnt) in alternating runs, so both see the same machine load over time.
// Run: `npm run bench -- coordination` or `npx tsx bench/coordination.ts [--seconds 20] [--rounds 2]`.
import { rmSync } from "node:fs"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Client, type Coordination } from "dynamo-reference/client"
import { LocalCluster } from "../src/net/cluster.ts"
import { HttpClient, readTimings } from "./cluster.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"
import { mean, percentile, preload, runLoad, type RunStats, type Workload } from "./load.ts"
import { plainTable } from "./table.ts"

export interface CoordinationBenchOptions {
  /** Seconds of each run. */
  readonly seconds?: number | undefined
  /** Rounds of (server-driven run, client-driven run). */
  readonly rounds?: number | undefined
  readonly clients?: number | undefined
  readonly log?: ((line: string) => void) | undefined
}

const NODES = 5
const KEYS = 10_000
const VALUE_BYTES = 1024
/** A request still unanswered after this long counts as failed (nodes answer within 2 s by design). */
const ATTEMPT_TIMEOUT_MS = 10_000
/** Load before the first measured run, so both modes start on a warm cluster. */
const WARM_UP_SECONDS = 3

/** The paper's Table 2 (ms): 99.9th percentile and average of reads and writes. */
const PAPER = [
  { coordination: "server" as const, read999: 68.9, write999: 68.5, readMean: 3.9, writeMean: 4.02 },
  { coordination: "client" as const, read999: 30.4, write999: 30.4, readMean: 1.55, writeMean: 1.9 }
]

interface Run {
  readonly coordination: Coordination
  readonly round: number
  readonly stats: RunStats
  /** Share of the requests a node forwarded to a replica (GET /status timings: Forward messages received). */
  readonly forwarded: number
  readonly load1: readonly [number, number]
}

const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(2) : value.toFixed(1))

const concatSorted = (arrays: ReadonlyArray<Float64Array>): Float64Array => {
  const all = new Float64Array(arrays.reduce((sum, array) => sum + array.length, 0))
  let offset = 0
  for (const array of arrays) {
    all.set(array, offset)
    offset += array.length
  }
  return all.sort()
}

const forwardsOf = (timings: Awaited<ReturnType<typeof readTimings>>) => timings.get("core Receive Forward")?.count ?? 0

/** One row: reads and writes at p50 / p99 / p99.9 and their means, throughput, errors, forwarded share. */
const row = (label: string, runs: ReadonlyArray<Run>): Array<string> => {
  const reads = concatSorted(runs.map((run) => run.stats.getLatencies))
  const writes = concatSorted(runs.map((run) => run.stats.putLatencies))
  const ops = runs.reduce((sum, run) => sum + run.stats.ops, 0)
  const seconds = runs.reduce((sum, run) => sum + run.stats.seconds, 0)
  const requests = ops + runs.reduce((sum, run) => sum + run.stats.errors, 0)
  const forwarded = runs.reduce((sum, run) => sum + run.forwarded * (run.stats.ops + run.stats.errors), 0) / Math.max(1, requests)
  return [
    label,
    ms(percentile(reads, 0.5)), ms(percentile(reads, 0.99)), ms(percentile(reads, 0.999)), ms(mean(reads)),
    ms(percentile(writes, 0.5)), ms(percentile(writes, 0.99)), ms(percentile(writes, 0.999)), ms(mean(writes)),
    (ops / seconds).toFixed(0),
    String(runs.reduce((sum, run) => sum + run.stats.errors, 0)),
    `${(forwarded * 100).toFixed(0)}%`
  ]
}

const paperRow = (entry: (typeof PAPER)[number]): Array<string> =>
  [`paper, ${entry.coordination}-driven`, "-", "-", ms(entry.read999), ms(entry.readMean), "-", "-", ms(entry.write999), ms(entry.writeMean), "-", "-", "-"]

/** Runs the comparison and returns its table. */
export async function coordinationBench(options: CoordinationBenchOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 20
  const rounds = options.rounds ?? 2
  const clients = options.clients ?? 32
  const log = options.log ?? ((line: string) => console.error(line))
  const dir = join(tmpdir(), `dynamo-coordination-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  const cluster = await LocalCluster.start({ nodes: NODES, dataDir: dir, n: 3, r: 2, w: 2, extraArgs: ["--sync", "full"] })
  const status = new HttpClient(cluster.nodes.map((node) => node.port), 1, ATTEMPT_TIMEOUT_MS)
  const urls = cluster.nodes.map((node) => node.url)
  const apis = {
    server: await Client.connect({ nodes: urls, coordination: "server", attemptTimeoutMs: ATTEMPT_TIMEOUT_MS }),
    client: await Client.connect({ nodes: urls, coordination: "client", attemptTimeoutMs: ATTEMPT_TIMEOUT_MS })
  }
  // One context per key whichever client last touched it, as one application's would.
  const contexts = new Map<string, string>()
  const workloads: Record<Coordination, Workload> = {
    server: { api: apis.server, keys: KEYS, valueBytes: VALUE_BYTES, contexts },
    client: { api: apis.client, keys: KEYS, valueBytes: VALUE_BYTES, contexts }
  }
  const runs: Array<Run> = []
  try {
    log(`coordination: preloading ${KEYS} keys`)
    await preload(workloads.client, clients)
    await runLoad(workloads.server, clients, WARM_UP_SECONDS)
    for (let round = 1; round <= rounds; round++) {
      for (const coordination of ["server", "client"] as const) {
        log(`coordination: round ${round}, ${coordination}-driven, ${clients} clients for ${seconds} s`)
        const load1Before = loadavg()[0]!
        const before = forwardsOf(await readTimings(status, NODES))
        const stats = await runLoad(workloads[coordination], clients, seconds)
        const forwards = forwardsOf(await readTimings(status, NODES)) - before
        runs.push({ coordination, round, stats, forwarded: forwards / Math.max(1, stats.ops + stats.errors), load1: [load1Before, loadavg()[0]!] })
      }
    }
  } finally {
    status.close()
    await apis.server.close()
    await apis.client.close()
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  const header = ["coordination", "read p50", "read p99", "read p99.9", "read mean", "write p50", "write p99", "write p99.9", "write mean", "ops/s", "errors", "forwarded"]
  const rows = [
    paperRow(PAPER[0]!),
    row("this cluster, server-driven", runs.filter((run) => run.coordination === "server")),
    paperRow(PAPER[1]!),
    row("this cluster, client-driven", runs.filter((run) => run.coordination === "client")),
    ...runs.map((run) => row(`  round ${run.round}, ${run.coordination}-driven`, [run]))
  ]
  return [
    `${NODES} nodes on 127.0.0.1, SQLite synchronous=FULL, N=3 R=2 W=2, ${KEYS} keys, ${VALUE_BYTES}-byte values, 50% get / 50% put, ${clients} closed-loop clients`,
    `through the client library; ${rounds} rounds of (server-driven, client-driven), ${seconds} s each, after ${WARM_UP_SECONDS} s of warm-up; latencies in ms`,
    "server-driven: each request to a random node, which forwards it to a replica when it is not one; client-driven: to a replica of the key (paper 6.4)",
    "forwarded: requests a node passed on to a replica (Forward messages received, GET /status timings)",
    `the paper's figures (Table 2) are from Amazon's production cluster; these from ${availableParallelism()} CPUs shared by the nodes, the load generator and other work:`,
    `1-minute load average around each run: ${runs.map((run) => `${run.coordination} ${run.round}: ${run.load1[0].toFixed(1)} -> ${run.load1[1].toFixed(1)}`).join("; ")}`,
    "",
    ...plainTable(header, rows, 1)
  ].join("\n")
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  onlyKnownFlags(["seconds", "rounds", "clients"], [])
  console.log(await coordinationBench({
    seconds: positiveNumberFlag("seconds", "a positive number of seconds"),
    rounds: positiveNumberFlag("rounds", "a positive whole number of rounds"),
    clients: positiveNumberFlag("clients", "a positive whole number of clients")
  }))
}
