// AVAIL-1 on real processes, as a campaign (spec/README.md): five nodes (N=3 R=2 W=2, SQLite,
// synchronous=FULL), 8 clients each doing read-modify-write on 20 keys (read the key's siblings,
// merge their items, add a unique item, write with the context), through live nodes chosen at
// random, while rounds of faults hit one node at a time: kill -9 then restart from its disk,
// SIGSTOP then SIGCONT, SIGTERM then restart, or nothing. Reports, per fault, the puts sent to a
// live node while at most one node was down and how many were acknowledged, with the failures
// by reply; then, after the last round and a settle, whether every acknowledged item is in the
// final value of its key (DUR-1 and SIB-1 seen through the API: an item acknowledged and missing
// at the end was lost). Partitions are not run here: the machine offers no way to cut loopback
// links (no iptables); the simulator's AVAIL property covers them.
// Run: `npm run bench -- campaign` or `npx tsx bench/campaign.ts [--rounds 20] [--round-seconds 6]`.
import { rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { LocalCluster } from "../src/net/cluster.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"
import { plainTable } from "./table.ts"

const NODES = 5
const CLIENTS = 8
const KEYS = 20
const REQUEST_TIMEOUT_MS = 10_000
/** After the last round: every node back, hints and anti-entropy given this long before the final reads. */
const SETTLE_MS = 8_000
const FAULTS = ["kill", "stop", "term", "none"] as const
type Fault = (typeof FAULTS)[number]

interface Tally { sent: number; acknowledged: number; failures: Map<string, number> }

const call = async (url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> => {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const text = await response.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* keep the text */ }
    return { status: response.status, body }
  } catch (error) {
    return { status: 0, body: { error: error instanceof Error ? error.message : String(error) } }
  }
}

/** The items of a key's value (a JSON array), merged over every sibling. */
const itemsOf = (values: ReadonlyArray<string>): Set<string> => {
  const items = new Set<string>()
  for (const value of values) for (const item of JSON.parse(value) as ReadonlyArray<string>) items.add(item)
  return items
}

export async function campaignBench(options: { readonly rounds?: number | undefined; readonly roundSeconds?: number | undefined } = {}): Promise<string> {
  const rounds = options.rounds ?? 20
  const roundMs = (options.roundSeconds ?? 6) * 1_000
  const dir = join(tmpdir(), `dynamo-campaign-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  const cluster = await LocalCluster.start({ nodes: NODES, dataDir: dir, n: 3, r: 2, w: 2 })
  const ids = cluster.nodes.map((node) => node.id)
  const tallies = new Map<Fault, Tally>(FAULTS.map((fault) => [fault, { sent: 0, acknowledged: 0, failures: new Map() }]))
  const acknowledgedItems = new Map<string, Set<string>>()
  let down: string | undefined
  let fault: Fault = "none"
  let running = true
  let counter = 0
  try {
    const clients = Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
      while (running) {
        const key = `cart:${Math.floor(Math.random() * KEYS)}`
        const live = ids.filter((id) => id !== down)
        const reader = live[Math.floor(Math.random() * live.length)]!
        const read = await call(`${cluster.node(reader).url}/kv/${key}`)
        if (read.status !== 200 && read.status !== 404) continue
        const items = read.status === 200 ? itemsOf(read.body.values) : new Set<string>()
        const item = `c${c}.${counter++}`
        items.add(item)
        const writer = ids.filter((id) => id !== down)[Math.floor(Math.random() * (NODES - (down === undefined ? 0 : 1)))]!
        const during = fault
        const put = await call(`${cluster.node(writer).url}/kv/${key}`, { method: "PUT", body: JSON.stringify({ value: JSON.stringify([...items].sort()), context: read.body.context }) })
        const tally = tallies.get(during)!
        tally.sent += 1
        if (put.status === 200) {
          tally.acknowledged += 1
          const held = acknowledgedItems.get(key) ?? new Set()
          held.add(item)
          acknowledgedItems.set(key, held)
        } else {
          const reason = `${put.status} ${String(put.body?.error ?? "").slice(0, 60)}${put.body?.outcome === undefined ? "" : ` (${put.body.outcome})`}`
          tally.failures.set(reason, (tally.failures.get(reason) ?? 0) + 1)
        }
      }
    }))
    for (let round = 0; round < rounds; round++) {
      const victim = cluster.node(ids[Math.floor(Math.random() * NODES)]!)
      fault = FAULTS[round % FAULTS.length]!
      if (fault !== "none") down = victim.id
      if (fault === "kill") await victim.kill()
      if (fault === "stop") victim.signal("SIGSTOP")
      if (fault === "term") await victim.stop()
      await new Promise((done) => setTimeout(done, roundMs))
      if (fault === "stop") victim.signal("SIGCONT")
      if (fault === "kill" || fault === "term") await victim.start()
      fault = "none"
      down = undefined
      await new Promise((done) => setTimeout(done, 1_000))
    }
    running = false
    await clients
    await new Promise((done) => setTimeout(done, SETTLE_MS))
    let lost = 0
    let checked = 0
    for (const [key, items] of acknowledgedItems) {
      const read = await call(`${cluster.node(ids[0]!).url}/kv/${key}?r=3`)
      const final = read.status === 200 ? itemsOf(read.body.values) : new Set<string>()
      for (const item of items) {
        checked += 1
        if (!final.has(item)) lost += 1
      }
    }
    const rows = FAULTS.map((f) => {
      const t = tallies.get(f)!
      const share = t.sent === 0 ? "-" : `${((100 * t.acknowledged) / t.sent).toFixed(2)}%`
      const why = [...t.failures].sort((a, b) => b[1] - a[1]).map(([reason, count]) => `${count}x ${reason}`).join("; ") || "-"
      return [f, String(t.sent), String(t.acknowledged), share, why]
    })
    const all = [...tallies.values()].reduce((sum, t) => ({ sent: sum.sent + t.sent, acknowledged: sum.acknowledged + t.acknowledged }), { sent: 0, acknowledged: 0 })
    return [
      `${rounds} rounds of ${roundMs / 1000} s, one node faulted per round (kill -9, SIGSTOP, SIGTERM restart, none in turn); puts sent only to live nodes`,
      "",
      ...plainTable(["fault", "puts", "acknowledged", "share", "failures"], rows, 1),
      "",
      `all puts with at most one node down: ${all.acknowledged} of ${all.sent} acknowledged (${((100 * all.acknowledged) / Math.max(1, all.sent)).toFixed(3)}%)`,
      `acknowledged items missing from the final read of their key (R=3): ${lost} of ${checked}`
    ].join("\n")
  } finally {
    running = false
    cluster.killAll()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  onlyKnownFlags(["rounds", "round-seconds"], [])
  const rounds = positiveNumberFlag("rounds", "a positive number of rounds")
  const roundSeconds = positiveNumberFlag("round-seconds", "a positive number of seconds")
  console.log(await campaignBench({ rounds, roundSeconds }))
}
