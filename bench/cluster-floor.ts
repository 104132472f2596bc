// The floor under the cluster benchmark (issue 9): the same workload as bench/cluster.ts (five
// processes on 127.0.0.1, 32 closed-loop clients, 50% gets and 50% puts over 10,000 keys with
// 1 KiB values, then one client) against five "floor nodes" (bench/floor-node.ts) that carry a
// request's messages, two peers per request, durable UPSERTs with group commit and the real
// shell's SQLite pragmas, and do nothing else. Whatever this machine cannot do for the floor, the
// real cluster cannot do either; the gap between the two rows and bench/cluster.ts is the cost of
// the protocol and of the shell. Rows: data in memory, then SQLite synchronous=FULL.
// Run: `npm run bench -- cluster-floor` or `npx tsx bench/cluster-floor.ts [--seconds 10]`.
import { spawn, type ChildProcess } from "node:child_process"
import { rmSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath, pathToFileURL } from "node:url"
import { freePorts } from "../src/net/cluster.ts"
import { cpuSecondsOf, HttpClient } from "./cluster.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"
import { plainTable } from "./table.ts"

const NODES = 5
const CLIENTS = 32
const KEYS = 10_000
const VALUE_BYTES = 1024
const FLOOR_NODE = fileURLToPath(new URL("./floor-node.ts", import.meta.url))
const START_TIMEOUT_MS = 20_000

export interface Floor {
  readonly processes: ReadonlyArray<ChildProcess>
  readonly client: HttpClient
  readonly dir: string
}

/** Starts `count` floor nodes (five by default); node i's peers are listed from i+1 on, so its first two are its replicas. */
export const startFloor = async (durable: boolean, count = NODES): Promise<Floor> => {
  const ports = await freePorts(count * 2)
  const dir = join(tmpdir(), `dynamo-floor-${process.pid}-${count}`)
  const processes = Array.from({ length: count }, (_, i) => {
    const peers = Array.from({ length: count - 1 }, (_, k) => String(ports[count + ((i + 1 + k) % count)]))
    return spawn(process.execPath, ["--import", "tsx", FLOOR_NODE, String(i), String(ports[i]), String(ports[count + i]), durable ? join(dir, `n${i}`) : "-", ...peers],
      { stdio: ["ignore", "pipe", "inherit"] })
  })
  await Promise.all(processes.map((child, i) => new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`floor node ${i} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)
    child.once("exit", (code) => fail(new Error(`floor node ${i} exited with ${code}`)))
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line !== "ready") return
      clearTimeout(timer)
      ready()
    })
  })))
  return { processes, client: new HttpClient(ports.slice(0, count), CLIENTS, 10_000), dir }
}

export const stopFloor = (floor: Floor) => {
  floor.client.close()
  for (const child of floor.processes) child.kill("SIGKILL")
  rmSync(floor.dir, { recursive: true, force: true })
}

const value = (tag: string) => (tag + ":").padEnd(VALUE_BYTES, "v")

interface Measured {
  readonly ops: number
  readonly seconds: number
  readonly latencies: Float64Array
  readonly gets: Float64Array
  readonly puts: Float64Array
  readonly nodeMicrosPerOp: number
  readonly clientMicrosPerOp: number
}

const run = async (floor: Floor, clients: number, seconds: number): Promise<Measured> => {
  const all: Array<number> = []
  const gets: Array<number> = []
  const puts: Array<number> = []
  const node0 = floor.processes.reduce((sum, child) => sum + cpuSecondsOf(child.pid), 0)
  const client0 = process.cpuUsage()
  const started = performance.now()
  const deadline = started + seconds * 1000
  let sequence = 0
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < deadline) {
      const key = `key:${Math.floor(Math.random() * KEYS)}`
      const node = Math.floor(Math.random() * NODES)
      const isPut = Math.random() < 0.5
      const t0 = performance.now()
      const reply = isPut
        ? await floor.client.request(node, "PUT", `/kv/${encodeURIComponent(key)}`, JSON.stringify({ value: value(`c${sequence++}`) }))
        : await floor.client.request(node, "GET", `/kv/${encodeURIComponent(key)}`)
      if (reply.status !== 200 && reply.status !== 404) throw new Error(`floor node ${node}: ${reply.status} ${reply.body}`)
      const latency = performance.now() - t0
      all.push(latency)
      ;(isPut ? puts : gets).push(latency)
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  const client = process.cpuUsage(client0)
  const nodeSeconds = floor.processes.reduce((sum, child) => sum + cpuSecondsOf(child.pid), 0) - node0
  const sorted = (values: Array<number>) => Float64Array.from(values).sort()
  return {
    ops: all.length, seconds: elapsed, latencies: sorted(all), gets: sorted(gets), puts: sorted(puts),
    nodeMicrosPerOp: (nodeSeconds * 1e6) / Math.max(1, all.length), clientMicrosPerOp: (client.user + client.system) / Math.max(1, all.length)
  }
}

const percentile = (sorted: Float64Array, p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!)
const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(2) : value.toFixed(1))

/** Runs both rows and returns the table. */
export async function clusterFloorBench(options: { readonly seconds?: number | undefined } = {}): Promise<string> {
  const seconds = options.seconds ?? 30
  const singleSeconds = Math.max(2, Math.round(seconds / 3))
  const header = ["floor nodes", "ops/s", "p50", "p99", "p99.9", "get p50", "put p50", "CPU µs/op nodes+client", "1c get p50", "1c put p50"]
  const rows: Array<Array<string>> = []
  for (const durable of [false, true]) {
    const floor = await startFloor(durable)
    try {
      let next = 0
      await Promise.all(Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < KEYS; i = next++) await floor.client.request(i % NODES, "PUT", `/kv/key%3A${i}`, JSON.stringify({ value: value(`pre${i}`) }))
      }))
      const load = await run(floor, CLIENTS, seconds)
      const single = await run(floor, 1, singleSeconds)
      rows.push([
        durable ? "SQLite FULL" : "memory",
        (load.ops / load.seconds).toFixed(0),
        ms(percentile(load.latencies, 0.5)), ms(percentile(load.latencies, 0.99)), ms(percentile(load.latencies, 0.999)),
        ms(percentile(load.gets, 0.5)), ms(percentile(load.puts, 0.5)),
        `${load.nodeMicrosPerOp.toFixed(0)}+${load.clientMicrosPerOp.toFixed(0)}`,
        ms(percentile(single.gets, 0.5)), ms(percentile(single.puts, 0.5))
      ])
    } finally {
      stopFloor(floor)
    }
  }
  return [
    `${NODES} floor nodes on 127.0.0.1 (bench/floor-node.ts: node:http, raw TCP JSON lines, group-committed UPSERTs, no protocol),`,
    `${CLIENTS} clients for ${seconds} s then 1 client for ${singleSeconds} s, 50% get / 50% put over ${KEYS} keys, ${VALUE_BYTES}-byte values; latencies in ms; ${availableParallelism()} CPUs`,
    "",
    ...plainTable(header, rows)
  ].join("\n")
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  onlyKnownFlags(["seconds"], [])
  console.log(await clusterFloorBench({ seconds: positiveNumberFlag("seconds", "a positive number") }))
}
