// A join on a loaded cluster (sections 4.8, 4.9, 6): four nodes formed through the seed path
// (SQLite, synchronous=FULL) hold `--keys` keys (100,000) of 1 KiB; 16 closed-loop clients (half
// gets, half puts, over those keys, through the four) run throughout; a fifth node starts with
// the seed and joins on its own behalf. Reports how long the join took (from its ready line to
// every node seeing it a member), the keys it received and the transfer rate, how long the hints
// the old owners then hold for their former keys took to drain, and the clients' p50/p99 before,
// during and after the transfer (section 6: background work must not hurt foreground requests).
// Run: `npm run bench -- join` or `npx tsx bench/join.ts [--keys 100000]`.
import { mkdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { SHELL_HANDOFF_KEYS_IN_FLIGHT_MAX, SHELL_HANDOFF_OFFERS_IN_FLIGHT_MAX } from "../src/net/options.ts"
import { ClusterNode, freePorts, LocalCluster } from "../src/net/cluster.ts"
import { ensureSecretFile } from "../src/net/secret.ts"
import { HttpClient } from "./cluster.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"
import { plainTable } from "./table.ts"

const NODES = 4
const CLIENTS = 16
const PRELOAD_CONNECTIONS = 32
const VALUE_BYTES = 1024
const KEYS_DEFAULT = 100_000
/** Foreground load measured before the join and after it, each this long. */
const STEADY_MS = 10_000
const JOIN_MS_MAX = 600_000
const DRAIN_MS_MAX = 600_000
const POLL_MS = 250

type Phase = "before" | "during" | "after" | "drain"

const quantiles = (values: Array<number>): string => {
  if (values.length === 0) return "-"
  const sorted = Float64Array.from(values).sort()
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!.toFixed(1)
  return `${at(0.5)}/${at(0.99)}`
}

const valueOf = (i: number) => `${i}:`.padEnd(VALUE_BYTES, "v")

const statusOf = async (url: string): Promise<any> => (await fetch(`${url}/status`, { signal: AbortSignal.timeout(10_000) })).json()

/** Runs the join and returns its table. */
export async function joinBench(options: { readonly keys?: number | undefined } = {}): Promise<string> {
  const keys = options.keys ?? KEYS_DEFAULT
  const dir = join(tmpdir(), `dynamo-join-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  const secretFile = join(dir, "cluster.secret")
  mkdirSync(dir, { recursive: true })
  ensure(secretFile)
  const cluster = await LocalCluster.start({ nodes: NODES, dataDir: dir, n: 3, r: 2, w: 2, membership: "seeds", secretFile, logToFiles: true })
  const client = new HttpClient(cluster.nodes.map((node) => node.port), Math.max(CLIENTS, PRELOAD_CONNECTIONS), 30_000)
  const [port] = await freePorts(1)
  const joiner = new ClusterNode(`n${NODES + 1}`, port!, join(dir, `n${NODES + 1}`), ["--seeds", `127.0.0.1:${cluster.nodes[0]!.port}`, "--secret-file", secretFile], join(dir, `n${NODES + 1}.log`))
  try {
    const pending = await cluster.waitMembers()
    if (pending.length > 0) throw new Error(`the cluster did not form: ${pending.join(", ")}`)
    const preloadStarted = performance.now()
    let next = 0
    await Promise.all(Array.from({ length: PRELOAD_CONNECTIONS }, async () => {
      while (next < keys) {
        const i = next++
        for (let attempt = 0; ; attempt++) {
          const reply = await client.request(i % NODES, "PUT", `/kv/k${i}`, JSON.stringify({ value: valueOf(i) })).catch(() => undefined)
          if (reply?.status === 200) break
          if (attempt > 5) throw new Error(`preload of k${i} failed: ${reply?.status}`)
        }
      }
    }))
    const preloadSeconds = (performance.now() - preloadStarted) / 1000

    let running = true
    let phase: Phase = "before"
    let sequence = 0
    let failed = 0
    const latencies: Record<Phase, Array<number>> = { before: [], during: [], after: [], drain: [] }
    const load = Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (running) {
        const i = sequence++
        const key = `k${(i * 7919) % keys}`
        const at = phase
        const started = performance.now()
        const reply = await (i % 2 === 0
          ? client.request(i % NODES, "GET", `/kv/${key}`)
          : client.request(i % NODES, "PUT", `/kv/${key}`, JSON.stringify({ value: valueOf(i) }))).catch(() => undefined)
        if (reply === undefined || (reply.status !== 200 && reply.status !== 404)) {
          failed += 1
          continue
        }
        if (at === phase) latencies[at].push(performance.now() - started)
      }
    }))
    await new Promise((done) => setTimeout(done, STEADY_MS))

    phase = "during"
    const startedAt = performance.now()
    await joiner.start()
    const readyAt = performance.now()
    const joinedAt = await until(async () => {
      const pendingNow = await cluster.waitMembers([...cluster.nodes.map((n) => n.id), joiner.id], 0)
      const joinerView = (await statusOf(joiner.url)).view as Array<{ id: string; status: string }>
      return pendingNow.length === 0 && joinerView.every((entry) => entry.status === "member")
    }, JOIN_MS_MAX)
    const received = (await statusOf(joiner.url)).keys as number
    phase = "after"
    const holdersOf = async () => {
      let hints = 0
      for (const node of [...cluster.nodes, joiner]) {
        const status = await statusOf(node.url)
        hints += (status.hints as number) + (status.leave.orphans as number)
      }
      return hints
    }
    const hintsAtJoin = await holdersOf()
    await new Promise((done) => setTimeout(done, STEADY_MS))
    phase = "drain"
    const drainedAt = await until(async () => (await holdersOf()) === 0, DRAIN_MS_MAX)
    running = false
    await load

    const joinSeconds = joinedAt === undefined ? undefined : (joinedAt - readyAt) / 1000
    const megabytes = (received * (VALUE_BYTES + 16)) / 1e6
    const header = ["keys", "start-up s", "join s", "keys received", "MB/s", "hints+waiting at join", "drained s", "p50/p99 ms before", "during", "after", "drain", "failed"]
    const row = [
      String(keys),
      ((readyAt - startedAt) / 1000).toFixed(1),
      joinSeconds === undefined ? `>${JOIN_MS_MAX / 1000}` : joinSeconds.toFixed(1),
      String(received),
      joinSeconds === undefined ? "-" : (megabytes / joinSeconds).toFixed(2),
      String(hintsAtJoin),
      drainedAt === undefined ? `>${DRAIN_MS_MAX / 1000}` : ((drainedAt - (joinedAt ?? startedAt)) / 1000).toFixed(1),
      quantiles(latencies.before), quantiles(latencies.during), quantiles(latencies.after), quantiles(latencies.drain),
      String(failed)
    ]
    return [
      `${NODES} nodes formed through a seed (SQLite FULL, N=3 R=2 W=2), ${keys} keys of ${VALUE_BYTES} B preloaded in ${preloadSeconds.toFixed(0)} s; ${CLIENTS} closed-loop clients`,
      `(half gets, half puts) through the ${NODES} throughout; n${NODES + 1} started with the seed joins on its own behalf.`,
      `Offers in flight per sender: at most ${SHELL_HANDOFF_OFFERS_IN_FLIGHT_MAX} ranges and ${SHELL_HANDOFF_KEYS_IN_FLIGHT_MAX} keys. 'join s': from the joiner's ready line until every`,
      "node sees it a member; MB/s: keys received x 1 KiB / join s. The old owners then pass their former keys on as hints:",
      "'drained s': until no node holds hints or keys waiting to become hints, from the join's end. Latency phases: 10 s before, the join, 10 s after, then until the hints are gone.",
      "",
      ...plainTable(header, [row])
    ].join("\n")
  } finally {
    client.close()
    await joiner.stop()
    joiner.closeLog()
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

const ensure = (path: string) => {
  const secret = ensureSecretFile(path, "bench-join")
  if (typeof secret === "string") throw new Error(secret)
}

/** Polls `check` until true: the performance.now() it became so, or undefined past `timeoutMs`. */
const until = async (check: () => Promise<boolean>, timeoutMs: number): Promise<number | undefined> => {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    if (await check().catch(() => false)) return performance.now()
    await new Promise((done) => setTimeout(done, POLL_MS))
  }
  return undefined
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  onlyKnownFlags(["keys"], [])
  console.log(await joinBench({ keys: positiveNumberFlag("keys", "a positive number of keys") }))
}
