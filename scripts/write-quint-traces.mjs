#!/usr/bin/env node
// Regenerates the committed ITF traces of traces/quint/ that test/conformance.test.ts replays
// through the TypeScript core: `quint run --mbt` samples CANDIDATES traces of spec/dynamo.qnt with
// a fixed seed, every candidate is replayed with the conformance driver (all must conform), and
// a handful is kept: greedily, the traces that add the most actions not yet covered, so the kept
// set exercises every action of the model; then the first trace that shows the open core bug
// the driver works around (a ReplicateAck from an earlier incarnation counted by the new one,
// see src/conformance/driver.ts `deliverStaleAcks`), if any. Same quint, same model, same bytes.
//
//   node scripts/write-quint-traces.mjs          (npm puts node_modules/.bin first on PATH)
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"
import { tsImport } from "tsx/esm/api"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const binDir = path.join(root, "node_modules", ".bin")
const quint = path.join(binDir, "quint")
const spec = path.join("spec", "dynamo.qnt")
const outDir = path.join(root, "traces", "quint")

const SEED = "0x7ace0007"
const CANDIDATES = 150
const STEPS = 25
/** Traces kept for action coverage (the stale-ack trace comes on top). */
const KEEP = 5

function fail(message) {
  console.error(`write-quint-traces: FAILED: ${message}`)
  process.exit(1)
}

const { decodeItfTrace } = await tsImport("../src/conformance/itf.ts", import.meta.url)
const { ConformanceMismatch, readModelConfig, replayItf } = await tsImport("../src/conformance/driver.ts", import.meta.url)
const model = readModelConfig(readFileSync(path.join(root, spec), "utf8"))

const work = mkdtempSync(path.join(tmpdir(), "quint-traces-"))
try {
  const env = { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}` }
  const args = [
    "run", "--backend", "typescript", "--mbt",
    "--n-traces", String(CANDIDATES), "--max-samples", String(CANDIDATES), "--max-steps", String(STEPS),
    "--seed", SEED, "--out-itf", path.join(work, "trace_{seq}.itf.json"), spec
  ]
  console.log(`$ quint ${args.join(" ")}`)
  const run = spawnSync(quint, args, { cwd: root, env, encoding: "utf8", timeout: 300_000, maxBuffer: 64 * 1024 * 1024 })
  if (run.error) fail(`could not run quint: ${run.error.message}`)
  if (run.status !== 0) fail(`quint exited ${run.status}:\n${run.stdout}${run.stderr}`)

  const files = readdirSync(work).filter((f) => f.endsWith(".itf.json"))
    .sort((a, b) => Number(a.match(/\d+/)[0]) - Number(b.match(/\d+/)[0]))
  const candidates = []
  for (const file of files) {
    const json = JSON.parse(readFileSync(path.join(work, file), "utf8"))
    const decoded = decodeItfTrace(json)
    if (decoded._tag !== "Ok") fail(`${file} does not decode: ${decoded.message}`)
    const result = replayItf(decoded.trace, model)
    let showsStaleAck = false
    try {
      replayItf(decoded.trace, model, { deliverStaleAcks: true })
    } catch (error) {
      if (!(error instanceof ConformanceMismatch)) throw error
      showsStaleAck = error.action === "DeliverAck"
    }
    candidates.push({ file, json, actions: new Set(Object.keys(result.actions)), steps: result.steps, showsStaleAck })
  }

  const kept = []
  const covered = new Set()
  while (kept.length < KEEP) {
    let best
    let bestGain = -1
    for (const c of candidates) {
      if (kept.includes(c)) continue
      const gain = [...c.actions].filter((a) => !covered.has(a)).length * 100 + c.actions.size
      if (gain > bestGain) [best, bestGain] = [c, gain]
    }
    if (best === undefined) break
    kept.push(best)
    for (const a of best.actions) covered.add(a)
  }
  const stale = candidates.find((c) => c.showsStaleAck)

  for (const old of readdirSync(outDir).filter((f) => f.endsWith(".itf.json"))) unlinkSync(path.join(outDir, old))
  const write = (name, candidate) => {
    // Quint stamps the creation time into #meta; drop it so the same run writes the same bytes.
    const { description: _description, timestamp: _timestamp, ...meta } = candidate.json["#meta"]
    const json = { ...candidate.json, "#meta": { ...meta, seed: SEED, candidate: candidate.file } }
    writeFileSync(path.join(outDir, name), `${JSON.stringify(json)}\n`)
    console.log(`  ${name}: ${candidate.file}, ${candidate.steps} steps, ${[...candidate.actions].sort().join(" ")}`)
  }
  console.log(`${candidates.length} candidate traces conform; writing ${outDir}`)
  kept.forEach((c, i) => write(`coverage-${i + 1}.itf.json`, c))
  if (stale !== undefined) write("stale-ack-after-restart.itf.json", stale)
  else console.log("  no candidate shows the stale-ack bug (fixed in the core?): stale-ack-after-restart.itf.json not written")
  const actions = ["ClientPut", "ClientDelete", "ClientGet", "DeliverReplicate", "DeliverAck", "DeliverHint", "DeliverHandoff",
    "DeliverHandoffAck", "ReadRepair", "DeliverRepair", "SyncReplicas", "Crash", "Restart", "DropMessage"]
  const missing = actions.filter((a) => !covered.has(a))
  if (missing.length > 0) fail(`the kept traces never take ${missing.join(", ")}`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
