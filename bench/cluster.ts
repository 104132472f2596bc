// A real local cluster under load (issue 9): five node processes on 127.0.0.1 with durable
// writes (SQLite, synchronous=FULL), 32 concurrent closed-loop clients, 50% gets and 50% puts
// over 10,000 keys with 1 KiB values; throughput and p50/p99/p99.9 latency, then one client
// alone; for (N,R,W) = (3,2,2), (3,3,1), (3,1,3), with client-driven routing (each request to a
// replica of its key), then (3,2,2) again with server-driven routing (each request to a random
// node, which forwards it when it is not a replica). The load goes through the client library
// (bench/load.ts); `npm run bench -- coordination` is the paper's Table 2 comparison with
// alternating runs on one cluster. Then a disk loss: one node is killed -9 while
// clients write, its data directory deleted, and it comes back empty; the table counts the
// acknowledged writes that were acknowledged by that node alone and those no disk holds after.
// Run directly: `npx tsx bench/cluster.ts [--seconds 30] [--clients 32] [--routing both|any|replica]
// [--profile DIR] [--node-args "--flag ..."]`. With --profile, every node writes a CPU profile into
// DIR, and DIR/window-NRW.json names the 32-client run's span on the profiles' clock.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { Pool } from "undici"
import { Client } from "dynamo-reference/client"
import { LocalCluster } from "../src/net/cluster.ts"
import type { WriterMode } from "../src/net/options.ts"
import { percentile, preload, runLoad, valueOf, type RunStats, type Workload } from "./load.ts"
import { plainTable } from "./table.ts"
import { onlyKnownFlags } from "./flags.ts"

const WRITERS: ReadonlyArray<WriterMode> = ["auto", "inline", "worker", "async"]

export interface ClusterBenchOptions {
  /** Seconds of the 32-client run, per configuration. */
  readonly seconds?: number
  /** Seconds of the one-client run, per configuration. */
  readonly singleSeconds?: number
  readonly clients?: number
  readonly nodes?: number
  readonly keys?: number
  readonly valueBytes?: number
  readonly configs?: ReadonlyArray<readonly [n: number, r: number, w: number]>
  /**
   * "replica": each request goes to a replica of its key (client-driven coordination, paper
   * section 6.4: the client knows the ring); "any": to a random node, which forwards it when it
   * is not a replica (server-driven, as behind a load balancer); "both": every configuration
   * client-driven, then the first one server-driven too.
   */
  readonly routing?: Routing | "both"
  readonly sync?: "full" | "normal"
  /** Where nodes commit (the node's --writer; auto, its default, picks by timing the disk). */
  readonly writer?: WriterMode
  readonly diskLoss?: boolean
  /** Write a CPU profile of every node process into this directory (node --cpu-prof). */
  readonly profileDir?: string
  /** Extra flags for every node's Node binary (e.g. --perf-basic-prof for Linux perf). */
  readonly nodeArgs?: ReadonlyArray<string>
  readonly log?: (line: string) => void
}

const DEFAULTS = {
  seconds: 30,
  clients: 32,
  nodes: 5,
  keys: 10_000,
  valueBytes: 1024,
  configs: [[3, 2, 2], [3, 3, 1], [3, 1, 3]] as ReadonlyArray<readonly [number, number, number]>,
  routing: "both" as Routing | "both",
  sync: "full" as const,
  writer: "auto" as WriterMode,
  diskLoss: true,
  profileDir: undefined as string | undefined,
  nodeArgs: [] as ReadonlyArray<string>
}
/** Requests that take longer than this count as failures (the node answers within 2 s by design). */
const REQUEST_TIMEOUT_MS = 10_000
/** The disk-loss phase: writes for this long, the kill at its middle. */
const DISK_LOSS_WRITE_MS = 4_000
/** Waiting for hints to drain after the node comes back, at most. */
const SETTLE_MS_MAX = 20_000

// The raw HTTP client of the benches (status reads, /local, the disk-loss writers, and the
// floor and handoff benches): undici's pool, one per node, keep-alive connections. It runs on the
// same cores as the nodes it measures, so its own CPU per request matters: node:http's client
// spent about 100 µs per request, undici's pool about half that. The 32-client load itself goes
// through the client library (bench/load.ts), on the same undici underneath.

interface Reply {
  readonly status: number
  readonly body: string
  readonly nodes: string
}

export class HttpClient {
  private readonly pools: ReadonlyArray<Pool>

  constructor(ports: ReadonlyArray<number>, connections: number, private readonly timeoutMs: number) {
    this.pools = ports.map((port) => new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1 }))
  }

  async request(node: number, method: "GET" | "PUT" | "DELETE" | "POST", path: string, body?: string): Promise<Reply> {
    const response = await this.pools[node]!.request({
      method, path, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs,
      ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } })
    })
    const nodes = response.headers["x-dynamo-nodes"]
    return { status: response.statusCode, body: await response.body.text(), nodes: Array.isArray(nodes) ? nodes.join(",") : nodes ?? "" }
  }

  close(): void {
    for (const pool of this.pools) void pool.destroy()
  }
}

/** The hints nodes 0..count-1 hold between them (GET /status). */
export const hintsHeld = async (client: HttpClient, count: number): Promise<number> =>
  (await Promise.all(Array.from({ length: count }, async (_, i) => JSON.parse((await client.request(i, "GET", "/status")).body).hints as number)))
    .reduce((sum, held) => sum + held, 0)

/** Polls every `pollMs` until nodes 0..count-1 hold no hints: the ms that took, or undefined past `timeoutMs`. */
export const untilNoHints = async (client: HttpClient, count: number, timeoutMs: number, pollMs: number): Promise<number | undefined> => {
  const started = performance.now()
  while (performance.now() - started < timeoutMs) {
    if ((await hintsHeld(client, count)) === 0) return performance.now() - started
    await new Promise((done) => setTimeout(done, pollMs))
  }
  return undefined
}

/** A process's CPU split by mode and its context switches (summed over its threads), from /proc. */
export interface ProcessCounters {
  readonly userSeconds: number
  readonly systemSeconds: number
  readonly voluntarySwitches: number
  readonly involuntarySwitches: number
  /**
   * Minor page faults (minflt): each a page the kernel mapped and zeroed for the process, such as
   * a page of V8's young generation touched again after the collector gave it back.
   */
  readonly minorFaults: number
}

export const NO_COUNTERS: ProcessCounters = { userSeconds: 0, systemSeconds: 0, voluntarySwitches: 0, involuntarySwitches: 0, minorFaults: 0 }

/**
 * User and system CPU seconds of `pid` (utime, stime of /proc/PID/stat, in USER_HZ = 100 ticks)
 * and its minor faults (minflt).
 */
const cpuTimesOf = (pid: number): { readonly user: number; readonly system: number; readonly minorFaults: number } => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100, minorFaults: Number(fields[7]) }
}

/** CPU seconds (user + system) of a process, 0 when it is gone. */
export const cpuSecondsOf = (pid: number | undefined): number => {
  if (pid === undefined) return 0
  try {
    const times = cpuTimesOf(pid)
    return times.user + times.system
  } catch {
    return 0
  }
}

/** The counters of `pid`, zero when it is gone (or /proc is not there). */
export const countersOf = (pid: number | undefined): ProcessCounters => {
  if (pid === undefined) return NO_COUNTERS
  try {
    const times = cpuTimesOf(pid)
    let voluntary = 0
    let involuntary = 0
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      let status: string
      try {
        status = readFileSync(`/proc/${pid}/task/${thread}/status`, "utf8")
      } catch {
        continue // the thread ended meanwhile
      }
      voluntary += Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0)
      involuntary += Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0)
    }
    return { userSeconds: times.user, systemSeconds: times.system, voluntarySwitches: voluntary, involuntarySwitches: involuntary, minorFaults: times.minorFaults }
  } catch {
    return NO_COUNTERS
  }
}

/** `a` + `b`, field by field (`sign` -1: a - b). */
export const addCounters = (a: ProcessCounters, b: ProcessCounters, sign: 1 | -1 = 1): ProcessCounters => ({
  userSeconds: a.userSeconds + sign * b.userSeconds,
  systemSeconds: a.systemSeconds + sign * b.systemSeconds,
  voluntarySwitches: a.voluntarySwitches + sign * b.voluntarySwitches,
  involuntarySwitches: a.involuntarySwitches + sign * b.involuntarySwitches,
  minorFaults: a.minorFaults + sign * b.minorFaults
})

export const clusterCpuSeconds = (cluster: LocalCluster): number => cluster.nodes.reduce((sum, node) => sum + cpuSecondsOf(node.process?.pid), 0)

export interface CommitMillis {
  readonly p50: number
  readonly p999: number
}

/** The worst p50 and the worst p99.9 of the nodes' commit latencies (GET /status). */
export const worstCommits = async (client: HttpClient, nodes: number): Promise<CommitMillis> => {
  const all = await Promise.all(Array.from({ length: nodes }, async (_, i) => JSON.parse((await client.request(i, "GET", "/status")).body).commits.ms as CommitMillis))
  return { p50: Math.max(...all.map((ms) => ms.p50)), p999: Math.max(...all.map((ms) => ms.p999)) }
}

/** Each stage's count and milliseconds, summed over the nodes (GET /status "timings", src/net/timings.ts). */
export type StageTotals = ReadonlyMap<string, { readonly count: number; readonly ms: number }>

export const readTimings = async (client: HttpClient, nodes: number): Promise<StageTotals> => {
  const totals = new Map<string, { count: number; ms: number }>()
  for (let i = 0; i < nodes; i++) {
    const stages = JSON.parse((await client.request(i, "GET", "/status")).body).timings as ReadonlyArray<{ stage: string; count: number; ms: number }>
    for (const { stage, count, ms } of stages) {
      const entry = totals.get(stage) ?? { count: 0, ms: 0 }
      totals.set(stage, { count: entry.count + count, ms: entry.ms + ms })
    }
  }
  return totals
}

/** µs per operation of each stage between two readings. */
const stageMicrosPerOp = (before: StageTotals, after: StageTotals, ops: number): Map<string, number> =>
  new Map([...after].map(([stage, { ms }]) => [stage, ((ms - (before.get(stage)?.ms ?? 0)) * 1000) / Math.max(1, ops)]))

const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(2) : value.toFixed(1))

type Routing = "any" | "replica"

/** The client the load generator uses: client-driven for "replica", server-driven (any node) for "any". */
const clientFor = (cluster: LocalCluster, routing: Routing): Promise<Client> =>
  Client.connect({ nodes: cluster.nodes.map((node) => node.url), coordination: routing === "any" ? "server" : "client", attemptTimeoutMs: REQUEST_TIMEOUT_MS })

interface DiskLossResult {
  readonly acknowledged: number
  readonly soleAcker: number
  readonly lost: number
  /** Hints the survivors held when the victim came back, and how long they took to drain (undefined: not within SETTLE_MS_MAX). */
  readonly hints: number
  readonly drainSeconds: number | undefined
}

/**
 * Clients write fresh keys; halfway, `victim` is killed -9 and its data directory deleted; it
 * restarts empty. Every acknowledged write is then looked for on every node's disk (own replica
 * or hint, through /local).
 */
const diskLoss = async (cluster: LocalCluster, client: HttpClient, valueBytes: number, clients: number): Promise<DiskLossResult> => {
  const nodes = cluster.nodes.length
  const victim = cluster.nodes[cluster.nodes.length - 1]!
  const acked = new Map<string, { value: string; nodes: ReadonlyArray<string> }>()
  let sequence = 0
  let killed = false
  const deadline = performance.now() + DISK_LOSS_WRITE_MS
  const killAt = performance.now() + DISK_LOSS_WRITE_MS / 2
  const killing = (async () => {
    await new Promise((done) => setTimeout(done, DISK_LOSS_WRITE_MS / 2))
    await victim.kill()
    rmSync(victim.dataDir, { recursive: true, force: true })
    killed = true
  })()
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) {
      const key = `loss:${sequence++}`
      const value = valueOf(key, valueBytes)
      // Before the kill any node; after it, only the living.
      const choices = killed || performance.now() >= killAt ? nodes - 1 : nodes
      const node = Math.floor(Math.random() * choices)
      try {
        const reply = await client.request(node, "PUT", `/kv/${encodeURIComponent(key)}`, JSON.stringify({ value }))
        if (reply.status === 200) acked.set(key, { value, nodes: reply.nodes.split(",") })
      } catch {
        // a connection to the victim cut by the kill: not acknowledged
      }
    }
  }))
  await killing
  const survivors = cluster.nodes.length - 1
  const hints = await hintsHeld(client, survivors)
  await victim.start()
  const drainedMs = await untilNoHints(client, survivors, SETTLE_MS_MAX, 100)
  const drainSeconds = drainedMs === undefined ? undefined : drainedMs / 1000
  let soleAcker = 0
  let lost = 0
  const entries = [...acked]
  let next = 0
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < entries.length; i = next++) {
      const [key, write] = entries[i]!
      if (write.nodes.length === 1 && write.nodes[0] === victim.id) soleAcker += 1
      let found = false
      for (let node = 0; node < nodes && !found; node++) {
        const local = JSON.parse((await client.request(node, "GET", `/local/${encodeURIComponent(key)}`)).body) as { values: ReadonlyArray<string>; hints: ReadonlyArray<{ values: ReadonlyArray<string> }> }
        found = local.values.includes(write.value) || local.hints.some((hint) => hint.values.includes(write.value))
      }
      if (!found) lost += 1
    }
  }))
  return { acknowledged: acked.size, soleAcker, lost, hints, drainSeconds }
}

interface ConfigResult {
  /** The machine's 1-minute load average before and after the 32-client run (other work competes). */
  readonly load1: readonly [number, number]
  readonly config: readonly [number, number, number]
  readonly routing: Routing
  readonly load: RunStats
  readonly single: RunStats
  readonly loss: DiskLossResult | undefined
  /** Node thread time per operation by stage during the 32-client run, summed over the nodes. */
  readonly stages: ReadonlyMap<string, number>
}

/** One row of the table: a configuration, how clients route, whether a disk is lost after. */
interface Run {
  readonly config: readonly [number, number, number]
  readonly routing: Routing
  readonly diskLoss: boolean
}

/** The rows: every configuration with the routing asked for; "both" adds the first one server-driven. */
const runsOf = (options: typeof DEFAULTS): ReadonlyArray<Run> => {
  const routing: Routing = options.routing === "any" ? "any" : "replica"
  const runs: Array<Run> = options.configs.map((config) => ({ config, routing, diskLoss: options.diskLoss }))
  if (options.routing === "both" && options.configs.length > 0) runs.push({ config: options.configs[0]!, routing: "any", diskLoss: false })
  return runs
}

const runConfig = async (run: Run, options: typeof DEFAULTS & { singleSeconds: number; log: (line: string) => void }): Promise<ConfigResult> => {
  const config = run.config
  const [n, r, w] = config
  const dir = join(tmpdir(), `dynamo-bench-${process.pid}-${n}${r}${w}`)
  rmSync(dir, { recursive: true, force: true })
  const cluster = await LocalCluster.start({ nodes: options.nodes, dataDir: dir, n, r, w, extraArgs: ["--sync", options.sync, "--writer", options.writer],
    nodeArgs: [...options.nodeArgs, ...(options.profileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`])] })
  const client = new HttpClient(cluster.nodes.map((node) => node.port), options.clients, REQUEST_TIMEOUT_MS)
  const api = await clientFor(cluster, run.routing)
  const workload: Workload = { api, keys: options.keys, valueBytes: options.valueBytes, contexts: new Map() }
  try {
    options.log(`(${n},${r},${w}) ${run.routing === "any" ? "server" : "client"}-driven: preloading ${options.keys} keys`)
    await preload(workload, options.clients)
    options.log(`(${n},${r},${w}): ${options.clients} clients for ${options.seconds} s`)
    const load1Before = loadavg()[0]!
    const nodeCpu0 = clusterCpuSeconds(cluster)
    const clientCpu0 = process.cpuUsage()
    const monotonicStartUs = process.hrtime.bigint() / 1000n
    const timings0 = await readTimings(client, cluster.nodes.length)
    const load = await runLoad(workload, options.clients, options.seconds)
    const stages = stageMicrosPerOp(timings0, await readTimings(client, cluster.nodes.length), load.ops)
    const clientCpu = process.cpuUsage(clientCpu0)
    if (options.profileDir !== undefined) {
      // The profiles cover the whole process; this window (the clock of V8's samples) isolates the loaded run.
      const window = { config, startUs: Number(monotonicStartUs), endUs: Number(process.hrtime.bigint() / 1000n), ops: load.ops }
      mkdirSync(options.profileDir, { recursive: true })
      writeFileSync(join(options.profileDir, `window-${n}${r}${w}-${run.routing}.json`), JSON.stringify(window) + "\n")
    }
    load.nodeCpuMicrosPerOp = ((clusterCpuSeconds(cluster) - nodeCpu0) * 1e6) / Math.max(1, load.ops)
    load.commits = await worstCommits(client, cluster.nodes.length)
    load.clientCpuMicrosPerOp = (clientCpu.user + clientCpu.system) / Math.max(1, load.ops)
    options.log(`(${n},${r},${w}): 1 client for ${options.singleSeconds} s`)
    const single = await runLoad(workload, 1, options.singleSeconds)
    let loss: DiskLossResult | undefined
    if (run.diskLoss) {
      options.log(`(${n},${r},${w}): disk loss of ${cluster.nodes[cluster.nodes.length - 1]!.id} during writes`)
      loss = await diskLoss(cluster, client, options.valueBytes, options.clients)
    }
    return { config, routing: run.routing, load, single, loss, stages, load1: [load1Before, loadavg()[0]!] }
  } finally {
    client.close()
    await api.close()
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const formatTable = (results: ReadonlyArray<ConfigResult>, options: typeof DEFAULTS & { singleSeconds: number }): string => {
  const lines: Array<string> = []
  lines.push(`${options.nodes} nodes on 127.0.0.1, SQLite synchronous=${options.sync.toUpperCase()} (${options.writer} commits), ${options.keys} keys, ${options.valueBytes}-byte values, 50% get / 50% put`)
  lines.push("routing: client = each request to a replica of its key (client-driven coordination, paper 6.4); server = to a random node, which forwards it when it is not a replica")
  lines.push(`${options.clients} clients for ${options.seconds} s, then 1 client for ${options.singleSeconds} s; latencies in ms`)
  lines.push("commit p50/p99.9: the slowest node's group-commit latency (write to durable, ms) since it started, preload included (GET /status)")
  lines.push(`machine: ${availableParallelism()} CPUs; 1-minute load average around each 32-client run: ${results.map((result) => `${result.config.join(",")} ${result.routing === "any" ? "server" : "client"}: ${result.load1[0].toFixed(1)} -> ${result.load1[1].toFixed(1)}`).join("; ")}`)
  lines.push("")
  const header = ["N,R,W", "routing", "ops/s", "p50", "p99", "p99.9", "get p50", "put p50", "errors", "CPU µs/op nodes+client", "commit p50/p99.9", "1-client ops/s", "1c get p50", "1c put p50", "1c p99", "acked (loss run)", "acked by lost node alone", "lost", "hints: held / drained in s"]
  const rows = results.map((result) => {
    const { load, single, loss } = result
    return [
      result.config.join(","),
      result.routing === "any" ? "server" : "client",
      (load.ops / load.seconds).toFixed(0),
      ms(percentile(load.latencies, 0.5)), ms(percentile(load.latencies, 0.99)), ms(percentile(load.latencies, 0.999)),
      ms(percentile(load.getLatencies, 0.5)), ms(percentile(load.putLatencies, 0.5)),
      String(load.errors),
      `${(load.nodeCpuMicrosPerOp ?? 0).toFixed(0)}+${(load.clientCpuMicrosPerOp ?? 0).toFixed(0)}`,
      load.commits === undefined ? "-" : `${ms(load.commits.p50)}/${ms(load.commits.p999)}`,
      (single.ops / single.seconds).toFixed(0),
      ms(percentile(single.getLatencies, 0.5)), ms(percentile(single.putLatencies, 0.5)), ms(percentile(single.latencies, 0.99)),
      loss === undefined ? "-" : String(loss.acknowledged),
      loss === undefined ? "-" : String(loss.soleAcker),
      loss === undefined ? "-" : String(loss.lost),
      loss === undefined ? "-" : `${loss.hints} / ${loss.drainSeconds === undefined ? `>${SETTLE_MS_MAX / 1000}` : loss.drainSeconds.toFixed(1)}`
    ]
  })
  lines.push(...plainTable(header, rows))
  if (results.some((result) => result.loss !== undefined)) {
    lines.push("")
    lines.push("Disk loss: clients write fresh keys for 4 s; at 2 s the last node is killed -9, its data directory deleted, and it restarts")
    lines.push("empty. 'acked by lost node alone': acknowledged writes whose only durable copy, when acknowledged, was on the lost disk")
    lines.push("(possible with W=1 only). 'lost': acknowledged writes no disk holds (own replica or hint) after hints drained.")
    lines.push("'hints': what the survivors held for the lost node when it restarted, and how long until they held none (measured")
    lines.push("every 100 ms; the lost node acknowledges each hint once it is durable on its new disk).")
  }
  lines.push("", ...formatStages(results))
  return lines.join("\n")
}

/**
 * Where the node processes' time went during each 32-client run: µs per operation by stage,
 * summed over the nodes, for the stages worth at least 1 µs/op in some run, then their sum and
 * the nodes' CPU per operation. The rest of the CPU is outside every stage: Effect's HTTP server
 * and fibers, Node's sockets and event loop, GC.
 */
const formatStages = (results: ReadonlyArray<ConfigResult>): Array<string> => {
  const columns = results.map((result) => `${result.config.join(",")} ${result.routing === "any" ? "server" : "client"}`)
  const stages = [...new Set(results.flatMap((result) => [...result.stages.keys()]))]
    .filter((stage) => results.some((result) => (result.stages.get(stage) ?? 0) >= 1))
    .sort((a, b) => Math.max(...results.map((result) => result.stages.get(b) ?? 0)) - Math.max(...results.map((result) => result.stages.get(a) ?? 0)))
  const rows = stages.map((stage) => [stage, ...results.map((result) => (result.stages.get(stage) ?? 0).toFixed(1))])
  rows.push(["(sum of the stages above)", ...results.map((result) => stages.reduce((sum, stage) => sum + (result.stages.get(stage) ?? 0), 0).toFixed(1))])
  rows.push(["(node CPU, user + system)", ...results.map((result) => (result.load.nodeCpuMicrosPerOp ?? 0).toFixed(1))])
  const header = ["stage (node thread µs per op, all nodes)", ...columns]
  return [
    "Where the nodes' time went in each 32-client run (GET /status timings, src/net/timings.ts). Wall time on each node's thread;",
    "'storage commit' (inline writer) includes the fsync the thread waits for, so the sum can exceed the CPU. Outside every stage: Effect's HTTP",
    "server and fibers, Node's sockets and event loop, GC.",
    "",
    ...plainTable(header, rows, 1)
  ]
}

/** Runs the benchmark and returns its table. */
export async function clusterBench(options: ClusterBenchOptions = {}): Promise<string> {
  const seconds = options.seconds ?? DEFAULTS.seconds
  const resolved = {
    ...DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)),
    seconds,
    singleSeconds: options.singleSeconds ?? Math.max(2, Math.round(seconds / 3)),
    log: options.log ?? ((line: string) => console.error(line))
  } as typeof DEFAULTS & { singleSeconds: number; log: (line: string) => void }
  const results: Array<ConfigResult> = []
  for (const run of runsOf(resolved)) results.push(await runConfig(run, resolved))
  return formatTable(results, resolved)
}

const flag = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? undefined : process.argv[index + 1]
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  onlyKnownFlags(["seconds", "single-seconds", "clients", "configs", "routing", "writer", "sync", "profile", "node-args"], ["no-disk-loss"])
  const number = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)))
  const configs = flag("configs")?.split(";").map((text) => text.split(",").map(Number) as unknown as readonly [number, number, number])
  const routing = flag("routing")
  if (routing !== undefined && routing !== "any" && routing !== "replica" && routing !== "both") {
    console.error("--routing must be both, any or replica")
    process.exit(2)
  }
  const writer = flag("writer")
  if (writer !== undefined && !WRITERS.includes(writer as WriterMode)) {
    console.error(`--writer must be one of ${WRITERS.join(", ")}`)
    process.exit(2)
  }
  const sync = flag("sync")
  if (sync !== undefined && sync !== "full" && sync !== "normal") {
    console.error("--sync must be full or normal")
    process.exit(2)
  }
  console.log(await clusterBench({
    seconds: number("seconds"),
    singleSeconds: number("single-seconds"),
    clients: number("clients"),
    configs,
    routing,
    sync,
    writer,
    diskLoss: !process.argv.includes("--no-disk-loss"),
    profileDir: flag("profile"),
    nodeArgs: flag("node-args")?.split(" ").filter((arg) => arg !== "")
  } as ClusterBenchOptions))
}
