// How long `dynamo node` takes to print its ready line (issue 19): the bundle built at install
// time (dist/dynamo.mjs) against the TypeScript sources compiled by tsx at start
// (DYNAMO_NO_BUNDLE=1), in alternating runs of a one-node in-memory node. Wall time depends on
// what else the machine runs; the CPU time the process used until ready does much less, and is
// what the wall time approaches on an idle machine.
// Run: `npm run bench -- startup` or `npx tsx bench/startup.ts [--runs 5]`.
import { spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { loadavg } from "node:os"
import { pathToFileURL } from "node:url"
import { CLI_ENTRY } from "../src/net/cluster.ts"
import { cpuSecondsOf } from "./cluster.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"
import { plainTable } from "./table.ts"

const READY_TIMEOUT_MS = 60_000
const RUNS = 5

interface Start {
  readonly wallMs: number
  readonly cpuMs: number
}

/** Starts one in-memory node and kills it at its ready line. */
const startOnce = (bundle: boolean): Promise<Start> =>
  new Promise((done, failed) => {
    const started = performance.now()
    const child = spawn(process.execPath, [CLI_ENTRY, "node", "--id", "n1", "--port", "0", "--data", ":memory:", "--peers", "n1=127.0.0.1:1", "--n", "1", "--r", "1", "--w", "1"], {
      stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DYNAMO_NO_BUNDLE: bundle ? "0" : "1" }
    })
    let out = ""
    let err = ""
    const timer = setTimeout(() => child.kill("SIGKILL"), READY_TIMEOUT_MS)
    child.stderr.on("data", (chunk) => (err += chunk))
    child.stdout.on("data", (chunk) => {
      out += chunk
      if (!out.includes("ready ")) return
      const wallMs = performance.now() - started
      const cpuMs = cpuSecondsOf(child.pid) * 1000
      clearTimeout(timer)
      child.kill("SIGKILL")
      done({ wallMs, cpuMs })
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      if (!out.includes("ready ")) failed(new Error(`the node exited (${code}) before its ready line: ${err.slice(0, 500)}`))
    })
  })

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export async function startupBench(options: { readonly runs?: number | undefined } = {}): Promise<string> {
  const runs = options.runs ?? RUNS
  const bundled = existsSync(new URL("../dist/dynamo.mjs", import.meta.url))
  const kinds = bundled ? [true, false] : [false]
  const results = new Map<boolean, Array<Start>>(kinds.map((kind) => [kind, []]))
  const load = [loadavg()[0]!]
  for (let i = 0; i < runs; i++) for (const kind of kinds) results.get(kind)!.push(await startOnce(kind))
  load.push(loadavg()[0]!)
  const rows = kinds.map((kind) => {
    const starts = results.get(kind)!
    return [
      kind ? "bundle (dist/dynamo.mjs)" : "tsx (TypeScript compiled at start)",
      median(starts.map((s) => s.wallMs)).toFixed(0), Math.min(...starts.map((s) => s.wallMs)).toFixed(0),
      median(starts.map((s) => s.cpuMs)).toFixed(0)
    ]
  })
  return [
    `\`dynamo node\` (one node, in memory) until its ready line, ${runs} alternating runs each; 1-minute load average ${load.map((l) => l.toFixed(1)).join(" -> ")}`,
    ...(bundled ? [] : ["(no dist/dynamo.mjs: run `npm run build` to compare the bundle)"]),
    "",
    ...plainTable(["entry", "wall ms median", "wall ms min", "CPU ms median"], rows, 1)
  ].join("\n")
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  onlyKnownFlags(["runs"], [])
  console.log(await startupBench({ runs: positiveNumberFlag("runs", "a positive number") }))
}
