// This project's cluster against a consensus store on the same machine and the same load (issue
// 19): a 3-node cluster (N=3 R=2 W=2, default flags: a write is fsynced before it is acknowledged) and a 3-member etcd
// (Debian's etcd-server; Raft, an fsync on every member per commit; reads through its JSON gateway,
// serializable), both on 127.0.0.1. One closed-loop load generator drives both: 32 clients, 50%
// gets and 50% puts of random keys over 10,000 keys (preloaded), 1 KiB values, each request to a
// random node or member, for 15 s per run; runs alternate (dynamo, etcd, dynamo, etcd, ...) so a
// change in what else the machine runs falls on both. Dynamo puts carry the context of the key's
// last reply (a read-modify-write client); etcd puts are plain puts (last writer wins).
// Before the first round, 5 s of the same load per store, not measured (--warmup-seconds: a Node
// process needs some seconds of a load to reach its steady state). After the rounds, one client
// alone for 5 s against each store (the latency of a lone request).
// Run: `npm run bench -- versus-etcd` or `npx tsx bench/versus-etcd.ts [--seconds 15] [--rounds 2]
// [--single-seconds 5] [--warmup-seconds 5] [--nodes 3] [--value-bytes 1024] [--rate OPS] [--variant "--writer worker"] [--variant-node-args "..."] [--floor]
// [--variant-tsx] [--variant-entry PATH] [--no-etcd] [--gc] [--routing server|client] [--variant-routing server|client]`: --variant adds a second dynamo cluster with those node flags
// (--variant-node-args: flags of its Node binary; --variant-tsx: run from the sources through tsx,
// as before the install-time bundle; --variant-entry: run another build, e.g. a checkout of an
// earlier commit's bin/dynamo.mjs, for a before/after table in one run) to the same alternating
// rounds (an A/B comparison); --floor adds as many floor nodes (bench/floor-node.ts: what this machine allows
// any design of one process per node) as dynamo nodes; --nodes 5 --floor --no-etcd is the 5-node
// cluster against its floor; --no-etcd leaves etcd out; --gc starts the dynamo nodes with
// --trace-gc-nvp and ends with their collections (scavenge pauses, bytes promoted per op);
// --routing client sends each dynamo request to a random replica of its key (client-driven
// coordination, bench/routing.ts) instead of the node drawn, --variant-routing the second cluster's.
// The output ends, for each dynamo cluster, with the issue's targets judged against the etcd and
// floor of the same run (bench/targets.ts): each met or not, with its figure.
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, rmSync } from "node:fs"
import { availableParallelism, loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { CONNECT_WAIT_MS, freePorts, LocalCluster } from "../src/net/cluster.ts"
import { addCounters, countersOf, NO_COUNTERS, type ProcessCounters, HttpClient } from "./cluster.ts"
import { addCollections, CollectionReader, type Collections, describeCollections, NO_COLLECTIONS } from "./gc-trace.ts"
import { startFloor, stopFloor } from "./cluster-floor.ts"
import { nonNegativeNumberFlag, onlyKnownFlags, positiveNumberFlag } from "./flags.ts"
import { percentile } from "./load.ts"
import { describePaired, pairRounds, type RoundFigures } from "./paired.ts"
import { routerOf, type Routing, routingFlag } from "./routing.ts"
import { plainTable } from "./table.ts"
import { describeVerdicts, judgeTargets, type StoreFigures } from "./targets.ts"

const MEMBERS = 3
const CLIENTS = 32
/** Failed dynamo puts whose reply is logged, per cluster. */
const FAILURES_LOGGED_MAX = 10
const KEYS = 10_000
const VALUE_BYTES = 1024
const SECONDS = 15
const ROUNDS = 2
/** The one-client run per store after the rounds: the latency of a request alone. */
const SINGLE_SECONDS = 5
/**
 * Unmeasured load per store before the first round. A Node process reaches its steady state only
 * after some seconds of a load (its code optimised for it, its heap sized): without this, the
 * first round was the dynamo cluster's slowest in the tail in every run of the eleventh round.
 */
const WARMUP_SECONDS = 5
const PRELOAD_ATTEMPTS_MAX = 5
const PRELOAD_RETRY_MS = 200
/** A request slower than this counts as an error. */
const REQUEST_TIMEOUT_MS = 10_000
/** etcd members must all answer /health within this long of starting. */
const ETCD_START_TIMEOUT_MS = 30_000
const ETCD_BINARY = "/usr/bin/etcd"
/** What --gc adds to the dynamo nodes' Node flags: one line per collection, read by bench/gc-trace.ts. */
const GC_TRACE_FLAG = "--trace-gc-nvp"

/** One store under test: how to read and write a key on a node, and its processes (for CPU). */
interface Target {
  readonly name: string
  /** Nodes (members) requests are spread over. */
  readonly nodes: number
  readonly get: (node: number, key: string) => Promise<boolean>
  readonly put: (node: number, key: string, value: string) => Promise<boolean>
  readonly pids: () => ReadonlyArray<number | undefined>
  /** Group commits so far, summed over the nodes (GET /status), where the store reports them. */
  readonly commits?: () => Promise<Commits>
  /** V8's collections in the nodes since the last call, when they print them (--gc). */
  readonly collections?: () => Collections
  readonly stop: () => Promise<void>
}

/** Group commits (one fsync each) and the records they held. */
interface Commits {
  readonly count: number
  readonly records: number
  /** The slowest commit (write to durable) of any node since it started, in ms. */
  readonly maxMs: number
  /** Anti-entropy firings and, of them, those reported busy (AE-2), where /status reports them. */
  readonly firings: number
  readonly busy: number
  /**
   * The nodes' writers by kind ("inline": 5), from /status's `writer` (`--writer auto` picks one
   * per node when it starts: a cluster whose nodes picked differently is not the same store).
   */
  readonly writers: string
}

const value = (tag: string, bytes: number) => (tag + ":").padEnd(bytes, "v")
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64")

/** Installs Debian's etcd-server when there is no etcd binary, saying so. */
const ensureEtcd = (log: (line: string) => void): void => {
  if (existsSync(ETCD_BINARY)) return
  log(`no ${ETCD_BINARY}: installing Debian's etcd-server package (apt-get install -y etcd-server)`)
  const apt = (args: ReadonlyArray<string>) => spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } })
  apt(["update", "-qq"])
  const installed = apt(["install", "-y", "-qq", "etcd-server"])
  if (installed.status !== 0 || !existsSync(ETCD_BINARY)) throw new Error(`apt-get install etcd-server failed (exit ${installed.status}); install it and run again`)
}

const startEtcd = async (dir: string): Promise<Target> => {
  const ports = await freePorts(MEMBERS * 2)
  const names = Array.from({ length: MEMBERS }, (_, i) => `e${i + 1}`)
  const initial = names.map((name, i) => `${name}=http://127.0.0.1:${ports[MEMBERS + i]}`).join(",")
  const processes: Array<ChildProcess> = names.map((name, i) => spawn(ETCD_BINARY, [
    "--name", name, "--data-dir", join(dir, name),
    "--listen-client-urls", `http://127.0.0.1:${ports[i]}`, "--advertise-client-urls", `http://127.0.0.1:${ports[i]}`,
    "--listen-peer-urls", `http://127.0.0.1:${ports[MEMBERS + i]}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${ports[MEMBERS + i]}`,
    "--initial-cluster", initial, "--initial-cluster-state", "new", "--initial-cluster-token", `bench-${process.pid}`,
    "--logger", "zap", "--log-level", "error"
  ], { stdio: ["ignore", "ignore", "inherit"] }))
  const client = new HttpClient(ports.slice(0, MEMBERS), CLIENTS, REQUEST_TIMEOUT_MS)
  const stop = async () => {
    client.close()
    for (const child of processes) child.kill("SIGKILL")
  }
  const deadline = Date.now() + ETCD_START_TIMEOUT_MS
  for (let i = 0; i < MEMBERS; i++) {
    for (;;) {
      const healthy = await client.request(i, "GET", "/health").then((reply) => reply.status === 200 && reply.body.includes('"true"'), () => false)
      if (healthy) break
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`etcd member e${i + 1} not healthy within ${ETCD_START_TIMEOUT_MS} ms`)
      }
      await new Promise((done) => setTimeout(done, 100))
    }
  }
  return {
    name: "etcd",
    nodes: MEMBERS,
    get: async (node, key) => (await client.request(node, "POST", "/v3/kv/range", JSON.stringify({ key: b64(key), serializable: true }))).status === 200,
    put: async (node, key, text) => (await client.request(node, "POST", "/v3/kv/put", JSON.stringify({ key: b64(key), value: b64(text) }))).status === 200,
    pids: () => processes.map((child) => child.pid),
    stop
  }
}

/** `extraArgs`: flags for every node beyond the defaults (an A/B variant); the row names them. */
const startDynamo = async (dir: string, nodes: number, extraArgs: ReadonlyArray<string> = [], nodeArgs: ReadonlyArray<string> = [], tsx = false, entry?: string, gc = false, routing: Routing = "server"): Promise<Target> => {
  // The nodes inherit this process's environment: DYNAMO_NO_BUNDLE=1 runs them from the sources through tsx.
  const bundleChoice = process.env.DYNAMO_NO_BUNDLE
  if (tsx) process.env.DYNAMO_NO_BUNDLE = "1"
  const cluster = await LocalCluster.start({ nodes, dataDir: dir, n: 3, r: 2, w: 2, extraArgs, nodeArgs: gc ? [...nodeArgs, GC_TRACE_FLAG] : nodeArgs, entry }).finally(() => {
    if (bundleChoice === undefined) delete process.env.DYNAMO_NO_BUNDLE
    else process.env.DYNAMO_NO_BUNDLE = bundleChoice
  })
  const unconnected = await cluster.waitConnected()
  if (unconnected.length > 0) console.error(`dynamo ${nodes}: links still not open after ${CONNECT_WAIT_MS} ms: ${unconnected.join(", ")}`)
  const client = new HttpClient(cluster.nodes.map((node) => node.port), CLIENTS, REQUEST_TIMEOUT_MS)
  // Client-driven: the node the load drew is replaced by a replica of the key (the ring read once from node 1).
  const route = routing === "client" ? routerOf(cluster.nodes.map((node) => node.port), JSON.parse((await client.request(0, "GET", "/status")).body)) : undefined
  const nodeFor = (drawn: number, key: string) => route?.(key) ?? drawn
  const gcReader = gc ? new CollectionReader(() => cluster.nodes.map((node) => node.stdout)) : undefined
  /** Failed puts logged so far (their status and body say which failure it was). */
  let failuresLogged = 0
  /** The context of each key's last reply, sent with its next put. */
  const contexts = new Map<string, string>()
  const remember = (key: string, body: string) => {
    const context = (JSON.parse(body) as { context?: unknown }).context
    if (typeof context === "string") contexts.set(key, context)
  }
  return {
    name: `dynamo ${nodes}${routing === "client" ? " client-driven" : ""}${tsx ? " (tsx)" : ""}${entry === undefined ? "" : ` (${entry})`}${[...nodeArgs, ...extraArgs].map((arg) => ` ${arg}`).join("")}`,
    nodes,
    get: async (drawn, key) => {
      const reply = await client.request(nodeFor(drawn, key), "GET", `/kv/${encodeURIComponent(key)}`)
      if (reply.status === 200 || reply.status === 404) remember(key, reply.body)
      return reply.status === 200 || reply.status === 404
    },
    put: async (drawn, key, text) => {
      const node = nodeFor(drawn, key)
      const context = contexts.get(key)
      const reply = await client.request(node, "PUT", `/kv/${encodeURIComponent(key)}`, JSON.stringify(context === undefined ? { value: text } : { value: text, context }))
      if (reply.status === 200) remember(key, reply.body)
      else if (failuresLogged++ < FAILURES_LOGGED_MAX) console.error(`dynamo ${nodes}: put of ${key} at node ${node + 1}: ${reply.status} ${reply.body.slice(0, 200)}`)
      return reply.status === 200
    },
    pids: () => cluster.nodes.map((node) => node.process?.pid),
    ...(gcReader === undefined ? {} : { collections: () => gcReader.readSince() }),
    commits: async () => {
      type Status = { commits: { count: number; records: number; ms: { max: number } }; background?: { verdicts: number; busy: number }; writer?: string }
      const all = await Promise.all(cluster.nodes.map(async (_, i) => JSON.parse((await client.request(i, "GET", "/status")).body) as Status))
      const kinds = new Map<string, number>()
      // A build from before /status named its writer: "unknown".
      for (const s of all) {
        const kind = s.writer?.split(" ")[0] ?? "unknown"
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
      }
      return {
        writers: [...kinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, n]) => `${n} ${kind}`).join(", "),
        count: all.reduce((sum, s) => sum + s.commits.count, 0),
        records: all.reduce((sum, s) => sum + s.commits.records, 0),
        maxMs: Math.max(...all.map((s) => s.commits.ms.max)),
        // A build from before admission control reports no verdicts: 0 of 0.
        firings: all.reduce((sum, s) => sum + (s.background?.verdicts ?? 0), 0),
        busy: all.reduce((sum, s) => sum + (s.background?.busy ?? 0), 0)
      }
    },
    stop: async () => {
      client.close()
      await cluster.stop()
    }
  }
}

interface Measured {
  readonly target: string
  /** The round it ran in (its row's run). */
  readonly round?: number
  readonly ops: number
  readonly seconds: number
  readonly errors: number
  /** Of the errors, how many were gets (a failed status or no answer in time). */
  readonly getErrors: number
  readonly gets: Float64Array
  readonly puts: Float64Array
  readonly serverMicrosPerOp: number
  readonly clientMicrosPerOp: number
  readonly load1: number
  /** Group commits during the run (every node), when the store reports them. */
  readonly commits: Commits | undefined
  /** The server processes' CPU by mode and their context switches during the run. */
  readonly server: ProcessCounters
  /** V8's collections in the server processes during the run (--gc). */
  readonly collections: Collections | undefined
}

const preloadKeys = async (target: Target, valueBytes: number) => {
  let next = 0
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    for (let i = next++; i < KEYS; i = next++) {
      let attempt = 0
      // Under a loaded machine a write can time out at a node; the preload only needs every key written once.
      while (!(await target.put((i + attempt) % target.nodes, `key:${i}`, value(`pre${i}`, valueBytes)).catch(() => false))) {
        if (++attempt >= PRELOAD_ATTEMPTS_MAX) throw new Error(`${target.name}: preloading key:${i} failed ${PRELOAD_ATTEMPTS_MAX} times`)
        await new Promise((done) => setTimeout(done, PRELOAD_RETRY_MS))
      }
    }
  }))
}

/**
 * CLIENTS closed loops for `seconds`: a get or a put (50/50) of a random key on a random node.
 * With `rate` (ops/s), request i starts no earlier than i/rate s into the run: every store serves
 * the same load, so CPU per op compares like with like on a machine whose other load varies
 * (a closed loop's CPU per op falls as its throughput rises: fuller ticks, larger group commits).
 * Latencies are then from each request's send, not from its slot.
 */
const measure = async (target: Target, seconds: number, clients: number, valueBytes: number, rate?: number): Promise<Measured> => {
  const gets: Array<number> = []
  const puts: Array<number> = []
  let errors = 0
  let getErrors = 0
  let sequence = 0
  const commits0 = await target.commits?.()
  target.collections?.() // what came before this run (the preload, earlier runs) is not this run's
  const serverCounters = () => target.pids().map(countersOf).reduce((sum, counters) => addCounters(sum, counters), NO_COUNTERS)
  const server0 = serverCounters()
  const client0 = process.cpuUsage()
  const started = performance.now()
  const deadline = started + seconds * 1000
  let slot = 0
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) {
      if (rate !== undefined) {
        const due = started + (slot++ * 1000) / rate
        if (due >= deadline) break
        const wait = due - performance.now()
        if (wait > 0) await new Promise((done) => setTimeout(done, wait))
      }
      const key = `key:${Math.floor(Math.random() * KEYS)}`
      const node = Math.floor(Math.random() * target.nodes)
      const isPut = Math.random() < 0.5
      const t0 = performance.now()
      const ok = await (isPut ? target.put(node, key, value(`c${sequence++}`, valueBytes)) : target.get(node, key)).catch(() => false)
      if (!ok) {
        errors += 1
        if (!isPut) getErrors += 1
        continue
      }
      ;(isPut ? puts : gets).push(performance.now() - t0)
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  const client = process.cpuUsage(client0)
  const ops = gets.length + puts.length
  const server = addCounters(serverCounters(), server0, -1)
  const serverSeconds = server.userSeconds + server.systemSeconds
  const commits1 = await target.commits?.()
  const commits = commits0 === undefined || commits1 === undefined ? undefined : {
    count: commits1.count - commits0.count, records: commits1.records - commits0.records, maxMs: commits1.maxMs,
    firings: commits1.firings - commits0.firings, busy: commits1.busy - commits0.busy, writers: commits1.writers
  }
  const sorted = (values: Array<number>) => Float64Array.from(values).sort()
  return {
    target: target.name, ops, seconds: elapsed, errors, getErrors, gets: sorted(gets), puts: sorted(puts),
    serverMicrosPerOp: (serverSeconds * 1e6) / Math.max(1, ops), clientMicrosPerOp: (client.user + client.system) / Math.max(1, ops), load1: loadavg()[0]!,
    commits, server, collections: target.collections?.()
  }
}

const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(2) : value.toFixed(1))

/** The p99.9 of every request of a run, gets and puts together. */
const p999Of = (m: Measured): number => percentile(Float64Array.from([...m.gets, ...m.puts]).sort(), 0.999)

const rowOf = (m: Measured, run: string): Array<string> => [
  run, m.target, (m.ops / m.seconds).toFixed(0),
  ms(percentile(m.gets, 0.5)), ms(percentile(m.gets, 0.99)), ms(percentile(m.gets, 0.999)),
  ms(percentile(m.puts, 0.5)), ms(percentile(m.puts, 0.99)), ms(percentile(m.puts, 0.999)),
  ms(p999Of(m)), m.errors === 0 ? "0" : `${m.errors} (${m.getErrors} gets)`, `${m.serverMicrosPerOp.toFixed(0)}+${m.clientMicrosPerOp.toFixed(0)}`, m.load1.toFixed(1)
]

export interface VersusEtcdOptions {
  readonly seconds?: number | undefined
  readonly rounds?: number | undefined
  /** Seconds of the one-client run per store, after the rounds (0: none). */
  readonly singleSeconds?: number | undefined
  /** Seconds of unmeasured load per store before the first round (0: none). */
  readonly warmupSeconds?: number | undefined
  /** Bytes per value (1,024 by default, the issue's load). */
  readonly valueBytes?: number | undefined
  /** Dynamo nodes (and floor nodes): 3 by default. */
  readonly nodes?: number | undefined
  /** Node flags of a second dynamo cluster measured in the same rounds (an A/B comparison), e.g. ["--writer", "worker"]. */
  readonly variant?: ReadonlyArray<string> | undefined
  /** Flags for the Node binary of the second cluster's nodes (e.g. ["--max-semi-space-size=64"]). */
  readonly variantNodeArgs?: ReadonlyArray<string> | undefined
  /** The second cluster runs from the TypeScript sources through tsx, as every node did before the install-time bundle. */
  readonly variantTsx?: boolean | undefined
  /** The second cluster runs this CLI entry instead (another checkout's bin/dynamo.mjs: a before/after comparison). */
  readonly variantEntry?: string | undefined
  /** Offered load in ops/s for the rounds (the same for every store), instead of closed loops at full speed. */
  readonly rate?: number | undefined
  /** Leave etcd out (A/B runs of two dynamo variants, or dynamo against the floor). */
  readonly noEtcd?: boolean | undefined
  /** Add as many floor nodes (bench/floor-node.ts, SQLite FULL) as dynamo nodes: the machine's floor. */
  readonly floor?: boolean | undefined
  /** Start the dynamo nodes with --trace-gc-nvp and report their collections over the loaded runs. */
  readonly gc?: boolean | undefined
  /**
   * Where the dynamo clusters' requests go: "server" (the node drawn at random, which forwards a
   * put it does not replicate: a load balancer in front of the nodes) or "client" (a replica of
   * the key, as the project's client library sends them: the paper's client-driven coordination,
   * section 6.4). Etcd and the floor always take the node drawn.
   */
  readonly routing?: Routing | undefined
  /** The second dynamo cluster's routing (default: `routing`); alone, it adds that cluster (an A/B of the routing). */
  readonly variantRouting?: Routing | undefined
  readonly log?: (line: string) => void
}

const floorTarget = async (nodes: number): Promise<Target> => {
  const floor = await startFloor(true, nodes)
  return {
    name: `floor ${nodes}`,
    nodes,
    get: async (node, key) => [200, 404].includes((await floor.client.request(node, "GET", `/kv/${encodeURIComponent(key)}`)).status),
    put: async (node, key, text) => (await floor.client.request(node, "PUT", `/kv/${encodeURIComponent(key)}`, JSON.stringify({ value: text }))).status === 200,
    pids: () => floor.processes.map((child) => child.pid),
    stop: async () => stopFloor(floor)
  }
}

export async function versusEtcdBench(options: VersusEtcdOptions = {}): Promise<string> {
  const seconds = options.seconds ?? SECONDS
  const rounds = options.rounds ?? ROUNDS
  const singleSeconds = options.singleSeconds ?? SINGLE_SECONDS
  const warmupSeconds = options.warmupSeconds ?? WARMUP_SECONDS
  const nodes = options.nodes ?? MEMBERS
  const valueBytes = options.valueBytes ?? VALUE_BYTES
  const etcd = options.noEtcd !== true
  const log = options.log ?? ((line: string) => console.error(line))
  if (etcd) ensureEtcd(log)
  const dir = join(tmpdir(), `dynamo-versus-etcd-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const targets: Array<Target> = []
  const rows: Array<Array<string>> = []
  const results: Array<Measured> = []
  /** Each store's one-client run, by name: a lone put's latency. */
  const singles = new Map<string, Measured>()
  try {
    const routing = options.routing ?? "server"
    const variantBuild = (options.variant ?? []).length > 0 || (options.variantNodeArgs ?? []).length > 0 || options.variantTsx === true || options.variantEntry !== undefined
    if (!variantBuild && options.variantRouting === routing) throw new Error(`--variant-routing ${routing} is the first cluster's routing too: nothing to compare`)
    targets.push(await startDynamo(join(dir, "dynamo"), nodes, [], [], false, undefined, options.gc === true, routing))
    if (variantBuild || options.variantRouting !== undefined) {
      targets.push(await startDynamo(join(dir, "dynamo-b"), nodes, options.variant ?? [], options.variantNodeArgs ?? [], options.variantTsx === true, options.variantEntry, options.gc === true, options.variantRouting ?? routing))
    }
    if (options.floor === true) targets.push(await floorTarget(nodes))
    if (etcd) targets.push(await startEtcd(join(dir, "etcd")))
    for (const target of targets) {
      log(`${target.name}: preloading ${KEYS} keys`)
      await preloadKeys(target, valueBytes)
    }
    if (warmupSeconds > 0) {
      for (const target of targets) {
        log(`${target.name}: warming up, ${CLIENTS} clients for ${warmupSeconds} s (not measured)`)
        await measure(target, warmupSeconds, CLIENTS, valueBytes, options.rate)
      }
    }
    for (let round = 1; round <= rounds; round++) {
      for (const target of round % 2 === 1 ? targets : [...targets].reverse()) {
        log(`round ${round}: ${target.name}, ${CLIENTS} clients for ${seconds} s`)
        const measured = { ...(await measure(target, seconds, CLIENTS, valueBytes, options.rate)), round }
        results.push(measured)
        rows.push(rowOf(measured, String(round)))
      }
    }
    if (singleSeconds > 0) {
      for (const target of targets) {
        log(`${target.name}: 1 client for ${singleSeconds} s`)
        const single = await measure(target, singleSeconds, 1, valueBytes)
        singles.set(target.name, single)
        rows.push(rowOf(single, "1 client"))
      }
    }
  } finally {
    for (const target of targets) await target.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  const total = (name: string) => {
    const of = results.filter((m) => m.target === name)
    return of.reduce((sum, m) => sum + m.ops, 0) / of.reduce((sum, m) => sum + m.seconds, 0)
  }
  const cpu = (name: string) => {
    const of = results.filter((m) => m.target === name)
    return of.reduce((sum, m) => sum + m.serverMicrosPerOp * m.ops, 0) / of.reduce((sum, m) => sum + m.ops, 0)
  }
  /** Commits (fsyncs) per op and records per commit over the loaded runs: how well the group commit groups. */
  const grouping = (name: string): string => {
    const of = results.filter((m) => m.target === name && m.commits !== undefined)
    const count = of.reduce((sum, m) => sum + m.commits!.count, 0)
    const records = of.reduce((sum, m) => sum + m.commits!.records, 0)
    const ops = of.reduce((sum, m) => sum + m.ops, 0)
    const slowest = Math.max(...of.map((m) => m.commits!.maxMs))
    const firings = of.reduce((sum, m) => sum + m.commits!.firings, 0)
    const busy = of.reduce((sum, m) => sum + m.commits!.busy, 0)
    return of.length === 0 ? "" : `, ${(count / Math.max(1, ops)).toFixed(2)} commits per op, ${(records / Math.max(1, count)).toFixed(1)} records per commit, slowest commit ${slowest.toFixed(1)} ms` +
      (firings === 0 ? "" : `, anti-entropy firings reported busy ${busy} of ${firings}`) + `, writers: ${of[of.length - 1]!.commits!.writers}`
  }
  /**
   * Where each store's server CPU went over its loaded runs: user and system time, context
   * switches and minor page faults per operation (the gap to the floor is in user space or in the
   * kernel; a thread hand-off shows as switches; a page the kernel must zero, as a fault).
   */
  const split = (name: string): string => {
    const of = results.filter((m) => m.target === name)
    const sum = of.reduce((total, m) => addCounters(total, m.server), NO_COUNTERS)
    const ops = Math.max(1, of.reduce((total, m) => total + m.ops, 0))
    return `${name}: per op over all runs, ${((sum.userSeconds * 1e6) / ops).toFixed(0)} µs user + ${((sum.systemSeconds * 1e6) / ops).toFixed(0)} µs system CPU, ` +
      `${((sum.voluntarySwitches + sum.involuntarySwitches) / ops).toFixed(2)} context switches (${(sum.involuntarySwitches / ops).toFixed(2)} involuntary), ` +
      `${(sum.minorFaults / ops).toFixed(2)} minor page faults`
  }
  /** V8's collections in each dynamo cluster over its loaded runs (--gc). */
  const collected = (name: string): string | undefined => {
    const of = results.filter((m) => m.target === name && m.collections !== undefined)
    if (of.length === 0) return undefined
    return describeCollections(name, of.reduce((sum, m) => addCollections(sum, m.collections!), NO_COLLECTIONS), of.reduce((sum, m) => sum + m.ops, 0))
  }
  /** A lone put's p50 against another store's, when both ran the one-client run. */
  const lonePut = (name: string, other: string): string => {
    const mine = singles.get(name)
    const theirs = singles.get(other)
    if (mine === undefined || theirs === undefined || mine.puts.length === 0 || theirs.puts.length === 0) return ""
    const ours = percentile(mine.puts, 0.5)
    const ref = percentile(theirs.puts, 0.5)
    return `, a lone put's p50 ${ms(ours)} ms against ${ms(ref)} (${(ours / ref).toFixed(2)}x)`
  }
  const reference = targets.filter((target) => !target.name.startsWith("dynamo"))
  /** Each store's figures per round, for the paired reading of a variant against the first cluster. */
  const perRound = (name: string): ReadonlyArray<RoundFigures> =>
    results.filter((m) => m.target === name && m.round !== undefined).map((m) => ({
      round: m.round!,
      opsPerSecond: m.ops / m.seconds,
      cpuMicrosPerOp: m.serverMicrosPerOp,
      p999Ms: p999Of(m)
    }))
  const variants = targets.filter((target, i) => i > 0 && target.name.startsWith("dynamo"))
  /** A store's figures for the targets' verdict (bench/targets.ts). */
  const figuresOf = (name: string): StoreFigures => {
    const single = singles.get(name)
    return {
      name,
      opsPerSecond: total(name),
      cpuMicrosPerOp: cpu(name),
      p999ByRound: new Map(perRound(name).map((figures) => [figures.round, figures.p999Ms])),
      errors: results.filter((m) => m.target === name).reduce((sum, m) => sum + m.errors, 0),
      lonePutP50Ms: single === undefined || single.puts.length === 0 ? undefined : percentile(single.puts, 0.5)
    }
  }
  const etcdStore = targets.find((target) => target.name === "etcd")
  const floorStore = targets.find((target) => target.name.startsWith("floor"))
  const verdicts = (name: string): ReadonlyArray<string> => {
    // The issue's targets are for its load: 1,024-byte values.
    if (valueBytes !== VALUE_BYTES) return []
    const lines = describeVerdicts(name, judgeTargets(nodes, figuresOf(name), etcdStore && figuresOf(etcdStore.name), floorStore && figuresOf(floorStore.name)))
    return lines.length === 0 ? [] : ["", ...lines]
  }
  const header = ["run", "store", "ops/s", "get p50", "get p99", "get p99.9", "put p50", "put p99", "put p99.9", "p99.9", "errors", "CPU µs/op server+client", "load1"]
  return [
    `${nodes} dynamo nodes (N=3 R=2 W=2, default flags: every write fsynced before it is acknowledged)${options.floor === true ? `, ${nodes} floor nodes (bench/floor-node.ts, SQLite FULL)` : ""}` +
      `${etcd ? `, ${MEMBERS} etcd members (${ETCD_BINARY}, serializable gets)` : ""}, on 127.0.0.1;`,
    `${CLIENTS} ${options.rate === undefined ? "closed-loop clients" : `clients offering ${options.rate} ops/s in all`}, 50% get / 50% put over ${KEYS} keys, ${valueBytes}-byte values, each request to a random node` +
      `${[options.routing, options.variantRouting].includes("client") ? " (a client-driven dynamo cluster's: to a random replica of its key)" : ""}, ${seconds} s per run,`,
    `${warmupSeconds > 0 ? `after ${warmupSeconds} s of the same load per store, not measured; ` : ""}runs alternating${singleSeconds > 0 ? `, then 1 client for ${singleSeconds} s each` : ""}; latencies in ms; ${availableParallelism()} CPUs; load1: the machine's 1-minute load average after the run.`,
    "",
    ...plainTable(header, rows, 2),
    "",
    ...targets.filter((target) => target.name.startsWith("dynamo")).flatMap((target) => [
      `${target.name}: ${total(target.name).toFixed(0)} ops/s, ${cpu(target.name).toFixed(0)} µs of server CPU per op over all runs${grouping(target.name)}`,
      ...reference.map((other) => `  against ${other.name}: ${(total(target.name) / total(other.name)).toFixed(2)}x the ops/s, ${(cpu(target.name) / cpu(other.name)).toFixed(2)}x the CPU per op${lonePut(target.name, other.name)}`)
    ]),
    ...targets.filter((target) => target.name.startsWith("dynamo")).flatMap((target) => verdicts(target.name)),
    ...variants.flatMap((variant) => ["", ...describePaired(variant.name, targets[0]!.name, pairRounds(perRound(targets[0]!.name), perRound(variant.name)))]),
    "",
    ...targets.map((target) => split(target.name)),
    ...(options.gc === true ? ["", ...targets.flatMap((target) => collected(target.name) ?? [])] : [])
  ].join("\n")
}

const flag = (name: string): string | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  return index === -1 ? undefined : process.argv[index + 1]
}

/** The options given on the command line (`npm run bench -- versus-etcd --floor ...` passes them here too). */
export const versusEtcdOptionsFromArgv = (): VersusEtcdOptions => {
  onlyKnownFlags(
    ["seconds", "rounds", "single-seconds", "warmup-seconds", "nodes", "value-bytes", "rate", "variant", "variant-node-args", "variant-entry", "routing", "variant-routing"],
    ["variant-tsx", "no-etcd", "floor", "gc"]
  )
  const single = flag("single-seconds")
  return {
    seconds: positiveNumberFlag("seconds", "a positive number"),
    rounds: positiveNumberFlag("rounds", "a positive number"),
    singleSeconds: single === undefined ? undefined : Number(single),
    warmupSeconds: nonNegativeNumberFlag("warmup-seconds", "a number of seconds, 0 or more"),
    nodes: positiveNumberFlag("nodes", "a positive number"),
    valueBytes: positiveNumberFlag("value-bytes", "a positive number of bytes"),
    rate: positiveNumberFlag("rate", "a positive number of operations per second"),
    variant: flag("variant")?.split(" ").filter((arg) => arg !== ""),
    variantNodeArgs: flag("variant-node-args")?.split(" ").filter((arg) => arg !== ""),
    variantTsx: process.argv.includes("--variant-tsx"),
    variantEntry: flag("variant-entry"),
    noEtcd: process.argv.includes("--no-etcd"),
    floor: process.argv.includes("--floor"),
    gc: process.argv.includes("--gc"),
    routing: routingFlag("routing"),
    variantRouting: routingFlag("variant-routing")
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await versusEtcdBench(versusEtcdOptionsFromArgv()))
}
