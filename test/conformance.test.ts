// Conformance of the TypeScript core to the Quint model (issue 8, part 3). Traces of
// spec/dynamo.qnt, generated here with `quint run --mbt` (fixed seed) and committed in
// traces/quint/ (scripts/write-quint-traces.mjs), are replayed action by action through the
// real `step` of every node by src/conformance/driver.ts, which compares after every step each
// replica's siblings (write ids with their dots) and context, in its store and its hints, the
// incarnations, the messages in flight, and the replies (a get's siblings and context, a put's
// acknowledgement). A mismatch names the step, the action and its picks, and shows both states.
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { replayItf } from "../src/conformance/driver.ts"
import { ConformanceMismatch, type ReplayResult } from "../src/conformance/mismatch.ts"
import { CONFORMANCE_RING, coreKeyFor, readModelConfig, ringFor } from "../src/conformance/model-config.ts"
import { decodeItfTrace, type ItfTrace } from "../src/conformance/itf.ts"
import { extendedPreferenceList } from "../src/core/ring.ts"

const root = path.resolve(import.meta.dirname, "..")
const binDir = path.join(root, "node_modules", ".bin")
const specPath = path.join(root, "spec", "dynamo.qnt")
const committedDir = path.join(root, "traces", "quint")
const model = readModelConfig(readFileSync(specPath, "utf8"))

/** Generated traces: enough that 50 of at least 20 steps remain whatever quint does at the end. */
const GENERATED = 60
const GENERATED_STEPS = 25
const GENERATED_MIN = 50
const STEPS_MIN = 20
const SEED = "0x0c0f0a11"

/** Every action of the model's `step`: each is taken in the committed traces (the script checks it). */
const ACTIONS = [
  "ClientPut", "ClientDelete", "ClientGet", "DeliverReplicate", "DeliverAck", "DeliverHint", "DeliverHandoff",
  "DeliverHandoffAck", "ReadRepair", "DeliverRepair", "SyncReplicas", "Crash", "Restart", "DropMessage"
]

/**
 * The actions every batch of generated traces takes many times. The hinted-handoff chain
 * (DeliverHint, DeliverHandoff, DeliverHandoffAck) and the read-repair delivery need a crash, a
 * restart and the right deliveries in order, so a batch may take them rarely; the committed
 * traces take them.
 */
const FREQUENT_ACTIONS = [
  "ClientPut", "ClientDelete", "ClientGet", "DeliverReplicate", "DeliverAck", "ReadRepair", "SyncReplicas", "Crash", "Restart", "DropMessage"
]

const decode = (json: unknown, name: string): ItfTrace => {
  const decoded = decodeItfTrace(json)
  if (decoded._tag === "Error") throw new Error(`${name} is not an ITF trace of spec/dynamo.qnt: ${decoded.message}`)
  return decoded.trace
}

const readTrace = (file: string): unknown => JSON.parse(readFileSync(file, "utf8"))

interface Totals {
  traces: number
  steps: number
  inputs: number
  antiEntropyMessages: number
  staleAcksWithheld: number
  actions: Record<string, number>
}

const emptyTotals = (): Totals => ({ traces: 0, steps: 0, inputs: 0, antiEntropyMessages: 0, staleAcksWithheld: 0, actions: {} })

const add = (totals: Totals, result: ReplayResult): void => {
  totals.traces += 1
  totals.steps += result.steps
  totals.inputs += result.inputs
  totals.antiEntropyMessages += result.antiEntropyMessages
  totals.staleAcksWithheld += result.staleAcksWithheld
  for (const [action, count] of Object.entries(result.actions)) totals.actions[action] = (totals.actions[action] ?? 0) + count
}

/** Replays one trace; a mismatch fails the test with the trace's name and the driver's report. */
const replayNamed = (name: string, trace: ItfTrace, totals: Totals): void => {
  try {
    add(totals, replayItf(trace, model))
  } catch (error) {
    if (error instanceof ConformanceMismatch) throw new Error(`${name}: ${error.message}`)
    throw error
  }
}

const summary = (what: string, totals: Totals, ms: number, extra = ""): string =>
  `conformance ${what}: ${totals.traces} traces, ${totals.steps} model steps, ${totals.inputs} core inputs, ` +
  `${totals.antiEntropyMessages} anti-entropy messages, ${totals.staleAcksWithheld} stale acks withheld, ${(ms / 1000).toFixed(1)} s${extra}\n` +
  `  actions: ${Object.entries(totals.actions).sort().map(([a, n]) => `${a} ${n}`).join(", ")}`

const work = mkdtempSync(path.join(tmpdir(), "dynamo-conformance-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

// The model checks SIB-1, SIB-2, DUR-1, DEL-1 and HINT-1 (sib1 .. hint1) in every state it
// reaches; replaying its traces through the core, with every replica's siblings, contexts and
// hints compared after every step, holds the core to those same invariants on those schedules.
describe("conformance of the core to spec/dynamo.qnt (SIB-1 SIB-2 DUR-1 DEL-1 HINT-1)", () => {
  test("the driver reads the model's configuration and maps its keys onto the core's ring", () => {
    expect(model.nodes).toEqual(["n1", "n2", "n3", "n4"])
    expect([model.n, model.r, model.w]).toEqual([3, 2, 2])
    const ring = ringFor(model.nodes, CONFORMANCE_RING)
    for (const [key, preference] of Object.entries(model.preference)) {
      expect(extendedPreferenceList(ring, coreKeyFor(ring, key, preference), ring.nodes.length)).toEqual(preference)
    }
  })

  test(`${GENERATED} generated traces (quint run --mbt, seed ${SEED}) conform, step by step`, () => {
    const started = performance.now()
    const env = { ...process.env, PATH: `${binDir}${path.delimiter}${process.env["PATH"] ?? ""}` }
    const dir = path.join(work, "generated")
    mkdirSync(dir)
    const generation = spawnSync(path.join(binDir, "quint"), [
      "run", "--backend", "typescript", "--mbt",
      "--n-traces", String(GENERATED), "--max-samples", String(GENERATED), "--max-steps", String(GENERATED_STEPS),
      "--seed", SEED, "--out-itf", path.join(dir, "trace_{seq}.itf.json"), path.join("spec", "dynamo.qnt")
    ], { cwd: root, env, encoding: "utf8", timeout: 75_000, maxBuffer: 64 * 1024 * 1024 })
    if (generation.error) throw generation.error
    expect(generation.status, `quint failed:\n${generation.stdout}${generation.stderr}`).toBe(0)
    const generatedMs = performance.now() - started

    const files = readdirSync(dir).filter((f) => f.endsWith(".itf.json")).sort()
    const totals = emptyTotals()
    for (const file of files) {
      const trace = decode(readTrace(path.join(dir, file)), file)
      if (trace.states.length - 1 < STEPS_MIN) continue
      replayNamed(file, trace, totals)
    }
    const ms = performance.now() - started
    console.log(summary(`generated (seed ${SEED})`, totals, ms, `, of which quint ${(generatedMs / 1000).toFixed(1)} s`))
    expect(totals.traces).toBeGreaterThanOrEqual(GENERATED_MIN)
    expect(totals.steps).toBeGreaterThanOrEqual(GENERATED_MIN * STEPS_MIN)
    expect(FREQUENT_ACTIONS.filter((a) => !(totals.actions[a]! > 0))).toEqual([])
  }, 90_000)

  test("the committed traces in traces/quint conform", () => {
    const started = performance.now()
    const files = readdirSync(committedDir).filter((f) => f.endsWith(".itf.json")).sort()
    expect(files.length).toBeGreaterThanOrEqual(5)
    const totals = emptyTotals()
    for (const file of files) replayNamed(file, decode(readTrace(path.join(committedDir, file)), file), totals)
    console.log(summary("committed", totals, performance.now() - started))
    // Every action of the model was mapped and checked at least once.
    expect(ACTIONS.filter((a) => !(totals.actions[a]! > 0))).toEqual([])
  })

  describe("a corrupted trace is reported at the corrupted step", () => {
    const file = path.join(committedDir, "coverage-1.itf.json")
    type Json = Record<string, unknown> & { states: Array<Record<string, any>> }

    /** Replays `json`, expecting a mismatch; returns it. */
    const mismatchOf = (json: Json): ConformanceMismatch => {
      try {
        replayItf(decode(json, "corrupted"), model)
      } catch (error) {
        if (error instanceof ConformanceMismatch) return error
        throw error
      }
      throw new Error("the corrupted trace replayed without a mismatch: the comparison is vacuous")
    }

    test("a sibling's write id changed in a replica's store", () => {
      const json = readTrace(file) as Json
      // The first state (after init) where some replica holds a sibling: change its write id.
      const index = json.states.findIndex((state, i) =>
        i > 0 && state["store"]["#map"].some(([, keys]: [string, any]) => keys["#map"].some(([, v]: [string, any]) => v.siblings["#set"].length > 0)))
      expect(index).toBeGreaterThan(0)
      const [node, keys] = json.states[index]!["store"]["#map"].find(([, keys]: [string, any]) =>
        keys["#map"].some(([, v]: [string, any]) => v.siblings["#set"].length > 0))
      const [key, versions] = keys["#map"].find(([, v]: [string, any]) => v.siblings["#set"].length > 0)
      const sibling = versions.siblings["#set"][0]
      const original = Number(sibling.writeId["#bigint"])
      sibling.writeId = { "#bigint": String(original + 100) }
      const mismatch = mismatchOf(json)
      expect(mismatch.step).toBe(index)
      expect(mismatch.action).toBe(json.states[index]!["mbt::actionTaken"])
      // The report shows the model's corrupted line and the core's true one.
      const holds = (id: number) => (line: string) => line.startsWith(`store ${node} ${key} {`) && new RegExp(`[{ ]w${id}†?@`).test(line)
      expect(mismatch.model.some(holds(original + 100))).toBe(true)
      expect(mismatch.core.some(holds(original))).toBe(true)
      expect(mismatch.core.some(holds(original + 100))).toBe(false)
      expect(mismatch.message).toContain(`step ${index}: ${mismatch.action}(`)
      expect(mismatch.message).toMatch(/\n- store /)
      expect(mismatch.message).toMatch(/\n\+ store /)
    })

    test("a context counter changed in a get's result", () => {
      const json = readTrace(file) as Json
      // The first get whose result has a non-empty context: bump its first counter.
      const index = json.states.findIndex((state, i) => {
        if (i === 0 || state["mbt::actionTaken"] !== "ClientGet") return false
        const readId = json.states[i - 1]!["nextRead"]["#bigint"]
        const read = state["reads"]["#map"].find(([id]: [any]) => id["#bigint"] === readId)
        return read[1].versions.context["#map"].length > 0
      })
      expect(index).toBeGreaterThan(0)
      const readId = json.states[index - 1]!["nextRead"]["#bigint"]
      const read = json.states[index]!["reads"]["#map"].find(([id]: [any]) => id["#bigint"] === readId)[1]
      const entry = read.versions.context["#map"][0]
      entry[1] = { "#bigint": String(Number(entry[1]["#bigint"]) + 1) }
      const mismatch = mismatchOf(json)
      expect(mismatch.step).toBe(index)
      expect(mismatch.action).toBe("ClientGet")
      expect(mismatch.model.some((line) => line.startsWith(`reply GetOk r${readId} `))).toBe(true)
      expect(mismatch.message).toMatch(new RegExp(`\\n- reply GetOk r${readId} `))
    })

    test("a hint missing from a state", () => {
      const json = readTrace(file) as Json
      const index = json.states.findIndex((state, i) => i > 0 && state["hints"]["#set"].length > 0)
      expect(index).toBeGreaterThan(0)
      const hint = json.states[index]!["hints"]["#set"][0]
      json.states[index]!["hints"] = { "#set": json.states[index]!["hints"]["#set"].slice(1) }
      const mismatch = mismatchOf(json)
      expect(mismatch.step).toBe(index)
      expect(mismatch.message).toMatch(new RegExp(`\\n\\+ hint at ${hint.holder} for ${hint.intended} ${hint.key} `))
    })
  })

  // Regression, found by this conformance check: op ids restart with every incarnation, so an
  // ack for a put of a coordinator's previous incarnation used to be counted for the new
  // incarnation's request with the same op (a PutOk with one durable copy where W = 2 were
  // required). Messages now carry the coordinator's epoch and stale answers are ignored: the
  // replay conforms whether or not the driver delivers those stale acks.
  test("DUR-1 regression: a ReplicateAck from a coordinator's earlier incarnation is not counted for its new put", () => {
    const file = path.join(committedDir, "stale-ack-after-restart.itf.json")
    const trace = decode(readTrace(file), file)
    expect(() => replayItf(trace, model)).not.toThrow()
    expect(() => replayItf(trace, model, { deliverStaleAcks: true })).not.toThrow()
  })
})
