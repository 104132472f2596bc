// The 99.9th percentile over a wide-area network (paper 4.6, 6.1: "99.9% of its read and write
// requests ... within 300 ms"): three node processes, one per zone (z1, z2, z3), N=3, so every
// key has a replica in every zone; a client beside z1 sends gets and puts to z1's node with the
// request's R and W for (N,R,W) = (3,2,2), (3,3,1), (3,1,3), and the table gives p50, p99 and
// p99.9 against 300 ms. The links between zones are slow on purpose, one way: z1-z2 20 ms,
// z2-z3 50 ms, z1-z3 80 ms; inside a zone, loopback.
// How the delay is made: network namespaces and netem would be the faithful way (each zone in
// its own namespace, `tc qdisc ... netem delay` between them), but this machine's kernel has no
// netem (nor prio) qdisc ("Specified qdisc kind is unknown"), so each node delays the peer
// messages it sends to another zone (`dynamo node --zone-delay-ms`, src/net/zone-delay.ts): the
// same one-way delay, without netem's queueing. Run directly: `npx tsx bench/zones.ts
// [--requests 1500] [--concurrency 6]`.
import { mkdtempSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { ClusterNode, freePorts } from "../src/net/cluster.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"
import { percentile } from "./load.ts"
import { plainTable } from "./table.ts"

const ZONES = ["z1", "z2", "z3"] as const
/** One-way delay between two zones, ms (the pair's key is the two names sorted). */
const INTER_ZONE_DELAY_MS: Readonly<Record<string, number>> = { "z1-z2": 20, "z2-z3": 50, "z1-z3": 80 }
const CONFIGS = [[3, 2, 2], [3, 3, 1], [3, 1, 3]] as const
/** The paper's service level: 300 ms at the 99.9th percentile. */
const SLA_MS = 300
const REQUESTS_DEFAULT = 1_500
const CONCURRENCY_DEFAULT = 6
const PRELOAD_KEYS = 300
const VALUE_BYTES = 256
const REQUEST_TIMEOUT_MS = 10_000

const delayBetween = (a: string, b: string): number => INTER_ZONE_DELAY_MS[[a, b].sort().join("-")] ?? 0

interface Row {
  readonly config: string
  readonly op: "get" | "put"
  readonly samples: number
  readonly failed: number
  readonly latencies: Float64Array
}

/** `count` requests, `concurrency` at a time; the latency of each that answered 200. */
async function measure(count: number, concurrency: number, request: (i: number) => Promise<Response>): Promise<{ latencies: Float64Array; failed: number }> {
  const latencies: Array<number> = []
  let failed = 0
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++
      const started = performance.now()
      try {
        const response = await request(i)
        await response.arrayBuffer()
        if (response.status === 200) latencies.push(performance.now() - started)
        else failed += 1
      } catch {
        failed += 1
      }
    }
  }))
  return { latencies: Float64Array.from(latencies).sort(), failed }
}

/** Runs the bench and returns the table; the caller prints it. */
export async function zonesBench(options: { readonly requests?: number; readonly concurrency?: number } = {}): Promise<string> {
  const requests = options.requests ?? positiveNumberFlag("requests", "a positive number of requests per row") ?? REQUESTS_DEFAULT
  const concurrency = options.concurrency ?? positiveNumberFlag("concurrency", "a positive number of requests in flight") ?? CONCURRENCY_DEFAULT
  const dir = mkdtempSync(join(tmpdir(), "dynamo-zones-bench-"))
  const ports = await freePorts(ZONES.length)
  const ids = ZONES.map((_, i) => `n${i + 1}`)
  const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i]}@${ZONES[i]}`).join(",")
  const nodes = ids.map((id, i) => {
    const zone = ZONES[i]!
    const delays = ZONES.filter((z) => z !== zone).map((z) => `${z}=${delayBetween(zone, z)}`).join(",")
    return new ClusterNode(id, ports[i]!, join(dir, id), [
      "--peers", peers, "--zone", zone, "--zone-delay-ms", delays, "--n", "3", "--r", "2", "--w", "2", "--sync", "normal"
    ], join(dir, `${id}.log`))
  })
  const rows: Array<Row> = []
  const loadBefore = loadavg()[0]!
  try {
    await Promise.all(nodes.map((node) => node.start()))
    const base = nodes[0]!.url
    const value = "x".repeat(VALUE_BYTES)
    const put = (key: string, w: number) => fetch(`${base}/kv/${encodeURIComponent(key)}?w=${w}`, {
      method: "PUT", body: JSON.stringify({ value }), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    })
    const get = (key: string, r: number) => fetch(`${base}/kv/${encodeURIComponent(key)}?r=${r}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    // Every node up and linked: a put that reaches all three zones.
    for (let attempt = 0; ; attempt++) {
      const response = await put("warm-up", 3).catch(() => undefined)
      await response?.arrayBuffer()
      if (response?.status === 200) break
      if (attempt > 60) throw new Error("the cluster never took a put with W=3")
      await new Promise((done) => setTimeout(done, 500))
    }
    const preload = await measure(PRELOAD_KEYS, concurrency, (i) => put(`key-${i}`, 3))
    if (preload.failed > 0) throw new Error(`${preload.failed} preload puts failed`)
    for (const [n, r, w] of CONFIGS) {
      const config = `(${n},${r},${w})`
      const puts = await measure(requests, concurrency, (i) => put(`put-${r}${w}-${i}`, w))
      rows.push({ config, op: "put", samples: puts.latencies.length, failed: puts.failed, latencies: puts.latencies })
      const gets = await measure(requests, concurrency, (i) => get(`key-${(i * 7919) % PRELOAD_KEYS}`, r))
      rows.push({ config, op: "get", samples: gets.latencies.length, failed: gets.failed, latencies: gets.latencies })
    }
  } finally {
    for (const node of nodes) node.signal("SIGKILL")
    await Promise.all(nodes.map((node) => node.exited()))
    for (const node of nodes) node.closeLog()
    rmSync(dir, { recursive: true, force: true })
  }
  const ms = (x: number) => x.toFixed(1)
  const table = plainTable(["(N,R,W)", "op", "samples", "failed", "p50 ms", "p99 ms", "p99.9 ms", "max ms", `p99.9 <= ${SLA_MS} ms`], rows.map((row) => [
    row.config, row.op, String(row.samples), String(row.failed),
    ms(percentile(row.latencies, 0.5)), ms(percentile(row.latencies, 0.99)), ms(percentile(row.latencies, 0.999)),
    ms(row.latencies[row.latencies.length - 1] ?? NaN),
    percentile(row.latencies, 0.999) <= SLA_MS ? "yes" : "no"
  ]), 2)
  return [
    `3 nodes, one per zone (n1 z1, n2 z2, n3 z3), N=3; every request to n1 (the client beside z1), ${concurrency} in flight,`,
    `${requests} puts of fresh keys and ${requests} gets of ${PRELOAD_KEYS} preloaded keys per row, ${VALUE_BYTES}-byte values, --sync normal.`,
    `One-way delays between zones: z1-z2 ${INTER_ZONE_DELAY_MS["z1-z2"]} ms, z2-z3 ${INTER_ZONE_DELAY_MS["z2-z3"]} ms, z1-z3 ${INTER_ZONE_DELAY_MS["z1-z3"]} ms, injected by each node`,
    `into the peer messages it sends (no netem qdisc in this kernel); inside a zone: loopback. Floors: a put with W=2 waits`,
    `for z2 (40 ms round trip), W=3 for z3 (160 ms); a get likewise with R. Load average at start: ${loadBefore.toFixed(1)}`,
    `(a shared, contended machine: the tails include its scheduling).`,
    ...table
  ].join("\n")
}

const entry = process.argv[1]
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  onlyKnownFlags(["requests", "concurrency"], [])
  console.log(await zonesBench())
}
