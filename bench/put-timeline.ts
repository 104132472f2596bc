// Where a lone put's time goes, hop by hop (issue 19): a 3-node cluster whose nodes write their
// stage timeline (DYNAMO_TIMELINE, src/net/timings.ts), one client putting 1 KiB values one at a
// time, then every put's events from the three nodes merged on the machine's clock and named by
// role (the coordinator, the first and second replica to receive the Replicate). Prints, for each
// event seen in most puts, its median start and end in µs after the client sent the request: the
// gaps between one event's end and the next one's start are waits, not work.
// Run: `npm run bench -- put-timeline` or `npx tsx bench/put-timeline.ts [--puts 300] [--entry PATH]`.
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { LocalCluster } from "../src/net/cluster.ts"
import { HttpClient } from "./cluster.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"
import { plainTable } from "./table.ts"

const PUTS = 300
/** Puts before the measured ones: connections open, code warm. */
const WARMUP_PUTS = 200
const KEYS = 100
const VALUE_BYTES = 1024
const REQUEST_TIMEOUT_MS = 10_000
/** Long enough for every node to append its last timeline lines (TIMELINE_FLUSH_MS is 200). */
const SETTLE_MS = 600
/** An event is listed when it shows in at least this share of the puts. */
const SHOWN_SHARE_MIN = 0.5

interface TimelineEvent {
  readonly node: number
  readonly start: number
  readonly end: number
  readonly stage: string
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!
}

export const putTimelineBench = async (options: { readonly puts?: number | undefined; readonly entry?: string | undefined } = {}): Promise<string> => {
  const puts = options.puts ?? PUTS
  const dir = join(tmpdir(), `put-timeline-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const base = join(dir, "timeline")
  const previous = process.env.DYNAMO_TIMELINE
  process.env.DYNAMO_TIMELINE = base
  const cluster = await LocalCluster.start({ nodes: 3, dataDir: join(dir, "data"), n: 3, r: 2, w: 2, entry: options.entry }).finally(() => {
    if (previous === undefined) delete process.env.DYNAMO_TIMELINE
    else process.env.DYNAMO_TIMELINE = previous
  })
  const client = new HttpClient(cluster.nodes.map((node) => node.port), 1, REQUEST_TIMEOUT_MS)
  const sent: Array<{ readonly node: number; readonly start: number; readonly end: number }> = []
  try {
    await cluster.waitConnected()
    const contexts = new Map<string, string>()
    const value = "v".repeat(VALUE_BYTES)
    for (let i = 0; i < WARMUP_PUTS + puts; i++) {
      const key = `k${i % KEYS}`
      const node = i % 3
      const context = contexts.get(key)
      const start = Math.round((performance.timeOrigin + performance.now()) * 1000)
      const reply = await client.request(node, "PUT", `/kv/${key}`, JSON.stringify(context === undefined ? { value } : { value, context }))
      const end = Math.round((performance.timeOrigin + performance.now()) * 1000)
      if (reply.status !== 200) throw new Error(`put ${key} at node ${node + 1}: ${reply.status} ${reply.body.slice(0, 200)}`)
      const next = (JSON.parse(reply.body) as { context?: unknown }).context
      if (typeof next === "string") contexts.set(key, next)
      if (i >= WARMUP_PUTS) sent.push({ node, start, end })
    }
    await new Promise((done) => setTimeout(done, SETTLE_MS))
  } finally {
    client.close()
    await cluster.stop()
  }
  const nodeOfPid = new Map(cluster.nodes.map((node, i) => [node.process?.pid, i]))
  const events: Array<TimelineEvent> = []
  for (const file of readdirSync(dir).filter((name) => name.startsWith("timeline."))) {
    const node = nodeOfPid.get(Number(file.slice("timeline.".length)))
    if (node === undefined) continue
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      const [start, end, ...stage] = line.split(" ")
      if (stage.length > 0) events.push({ node, start: Number(start), end: Number(end), stage: stage.join(" ") })
    }
  }
  events.sort((a, b) => a.start - b.start)
  rmSync(dir, { recursive: true, force: true })

  // For each put: its events, named by role and occurrence, as offsets from the client's send.
  const offsets = new Map<string, { starts: Array<number>; ends: Array<number> }>()
  const totals: Array<number> = []
  let from = 0
  /** The put whose round trip is the median: listed event by event, as it happened. */
  const typical = sent.map((put, i) => ({ i, total: put.end - put.start })).sort((a, b) => a.total - b.total)[Math.floor((sent.length - 1) / 2)]!.i
  const typicalRows: Array<Array<string>> = []
  for (const [index, put] of sent.entries()) {
    totals.push(put.end - put.start)
    while (from < events.length && events[from]!.start < put.start) from += 1
    const inside: Array<TimelineEvent> = []
    for (let i = from; i < events.length && events[i]!.start <= put.end; i++) if (events[i]!.end <= put.end) inside.push(events[i]!)
    const replicas = [...new Set(inside.filter((event) => event.node !== put.node).map((event) => event.node))]
    const seen = new Map<string, number>()
    for (const event of inside) {
      const role = event.node === put.node ? "coordinator" : `replica ${replicas.indexOf(event.node) + 1}`
      const name = `${role}: ${event.stage}`
      const occurrence = (seen.get(name) ?? 0) + 1
      seen.set(name, occurrence)
      const label = occurrence === 1 ? name : `${name} #${occurrence}`
      if (index === typical) typicalRows.push([label, String(event.start - put.start), String(event.end - put.start)])
      let entry = offsets.get(label)
      if (entry === undefined) offsets.set(label, entry = { starts: [], ends: [] })
      entry.starts.push(event.start - put.start)
      entry.ends.push(event.end - put.start)
    }
  }
  const rows = [...offsets]
    .filter(([, entry]) => entry.starts.length >= sent.length * SHOWN_SHARE_MIN)
    .map(([label, entry]) => ({ label, start: median(entry.starts), end: median(entry.ends), share: entry.starts.length / sent.length }))
    .sort((a, b) => a.start - b.start || a.end - b.end)
  const table = plainTable(
    ["event (median over puts)", "start µs", "end µs", "in puts"],
    rows.map((row) => [row.label, String(row.start), String(row.end), `${Math.round(row.share * 100)}%`]),
    1
  ).join("\n")
  const oneTable = plainTable(["event", "start µs", "end µs"], typicalRows, 1).join("\n")
  return `put timeline: ${sent.length} puts of ${VALUE_BYTES} B, one client, 3 nodes (N=3 R=2 W=2); client round trip p50 ${median(totals)} µs\n${table}\n\n` +
    `the put with the median round trip (${sent[typical]!.end - sent[typical]!.start} µs), event by event:\n${oneTable}`
}

/** The flags, from the command line (`--puts N`, `--entry PATH`). */
export const putTimelineOptionsFromArgv = (): { readonly puts: number | undefined; readonly entry: string | undefined } => {
  onlyKnownFlags(["puts", "entry"], [])
  const entryAt = process.argv.indexOf("--entry")
  return { puts: positiveNumberFlag("puts", "a positive number"), entry: entryAt === -1 ? undefined : process.argv[entryAt + 1] }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await putTimelineBench(putTimelineOptionsFromArgv()))
}
