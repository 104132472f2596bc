// Hinted handoff after an outage (section 4.6) on a real local cluster: five nodes (SQLite,
// synchronous=FULL), 16 closed-loop writers putting 1 KiB values over 20,000 keys through the
// first four nodes; the fifth is killed -9 for `--down` seconds (10), then restarted on its disk
// while the writers go on. Reports the writes acknowledged, the hints the four fallbacks held
// when it came back, how long until they held none (each hint is dropped once the restarted node
// holds it durably), and the writers' latency before the outage, during it, and while hints drain.
// Run: `npm run bench -- handoff` or `npx tsx bench/handoff.ts [--down 10]`.
import { rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { HINTS_PER_SCAN_MAX } from "../src/core/config.ts"
import { LocalCluster } from "../src/net/cluster.ts"
import { hintsHeld, HttpClient, untilNoHints } from "./cluster.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"
import { plainTable } from "./table.ts"

const NODES = 5
const WRITERS = 16
const KEYS = 20_000
const WARM_MS = 2_000
/** Waiting for the hints to drain, at most. */
const DRAIN_MS_MAX = 240_000
const POLL_MS = 250

type Phase = "before" | "outage" | "drain"

const quantiles = (values: Array<number>): string => {
  if (values.length === 0) return "-"
  const sorted = Float64Array.from(values).sort()
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!.toFixed(1)
  return `${at(0.5)}/${at(0.99)}`
}

/** Runs the outage and returns its table. */
export async function handoffBench(options: { readonly downSeconds?: number | undefined } = {}): Promise<string> {
  const downSeconds = options.downSeconds ?? 10
  const dir = join(tmpdir(), `dynamo-handoff-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  const cluster = await LocalCluster.start({ nodes: NODES, dataDir: dir, n: 3, r: 2, w: 2 })
  const client = new HttpClient(cluster.nodes.map((node) => node.port), WRITERS, 10_000)
  const victim = cluster.nodes[NODES - 1]!
  try {
    let writing = true
    let sequence = 0
    let acknowledged = 0
    let phase: Phase = "before"
    const latencies: Record<Phase, Array<number>> = { before: [], outage: [], drain: [] }
    const writers = Promise.all(Array.from({ length: WRITERS }, async () => {
      while (writing) {
        const i = sequence++
        const at = phase
        const started = performance.now()
        const reply = await client.request(i % (NODES - 1), "PUT", `/kv/k${i % KEYS}`, JSON.stringify({ value: `${i}:`.padEnd(1024, "v") })).catch(() => undefined)
        if (reply?.status !== 200) continue
        acknowledged += 1
        if (at === phase) latencies[at].push(performance.now() - started)
      }
    }))
    await new Promise((done) => setTimeout(done, WARM_MS))
    phase = "outage"
    await victim.kill()
    await new Promise((done) => setTimeout(done, downSeconds * 1000))
    const held = await hintsHeld(client, NODES - 1)
    await victim.start()
    phase = "drain"
    const drainedMs = await untilNoHints(client, NODES - 1, DRAIN_MS_MAX, POLL_MS)
    writing = false
    await writers
    const header = ["outage s", "writes acknowledged", "hints held at restart", "drained in s", "hints/s", "put p50/p99 ms: before", "outage", "drain"]
    const row = [
      String(downSeconds), String(acknowledged), String(held),
      drainedMs === undefined ? `>${DRAIN_MS_MAX / 1000}` : (drainedMs / 1000).toFixed(1),
      drainedMs === undefined ? "-" : (held / (drainedMs / 1000)).toFixed(0),
      ...(["before", "outage", "drain"] as const).map((name) => quantiles(latencies[name]))
    ]
    return [
      `${NODES} nodes (SQLite FULL, N=3 R=2 W=2), ${WRITERS} writers through ${NODES - 1} of them; ${victim.id} killed -9 for ${downSeconds} s, then restarted on its disk.`,
      `Each node offers at most ${HINTS_PER_SCAN_MAX} hints per scan (HINTS_PER_SCAN_MAX); 'drained' is measured from the restart (the node's start-up included), polled every ${POLL_MS} ms.`,
      "The writers go on throughout: their put latency before the kill, while the node is down, and from its restart until the hints are gone.",
      "",
      ...plainTable(header, [row])
    ].join("\n")
  } finally {
    client.close()
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  onlyKnownFlags(["down"], [])
  console.log(await handoffBench({ downSeconds: positiveNumberFlag("down", "a positive number of seconds") }))
}
