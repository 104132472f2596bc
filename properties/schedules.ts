// fast-check arbitraries for simulator scenarios: client workloads and timed fault schedules that
// shrink to a minimal failing schedule (fewer operations, fewer faults, earlier times).
import { Result, Schema } from "effect"
import fc from "fast-check"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { defaultSimOptions, keyNames, nodeIds, type ClientOp, type FaultKind, type Scenario, type SimOptions, type TimedFault } from "../src/sim/scenario.ts"
import { encodeTrace, ScenarioSchema } from "../src/trace/format.ts"
import { traceOfReport } from "../src/sim/trace.ts"
import type { SimReport } from "../src/sim/report.ts"
import { World } from "../src/sim/world.ts"

export interface ScheduleShape {
  readonly nodes: number
  /** Spare nodes Join faults can bring in. */
  readonly spares?: number
  /** Quiescence reads every key; false leaves convergence to anti-entropy alone. */
  readonly quiesceReads?: boolean
  /** false: no Merkle anti-entropy, so only hints and read repair mend replicas. */
  readonly antiEntropy?: boolean
  /** false: no read repair either (with the two above off: nothing mends a replica). */
  readonly readRepair?: boolean
  /** false: nodes start with epoch floor 0 (an interpreter with no floor of its own). */
  readonly epochFloor?: boolean
  /** Percent of messages duplicated when "dup" is among the faults (the default otherwise). */
  readonly dupPercent?: number
  /** Percent of messages dropped when "drop" is among the faults (the default otherwise). */
  readonly dropPercent?: number
  /** Percent of anti-entropy firings reported busy (admission control, AE-2); default never. */
  readonly busyPercent?: number
  readonly keys: number
  readonly clients: number
  readonly opsMax: number
  readonly faults: ReadonlyArray<FaultKind>
  readonly faultsMax: number
  readonly quorums: ReadonlyArray<readonly [n: number, r: number, w: number]>
  readonly clock?: "dvv" | "vv"
}

const opArb = (shape: ScheduleShape): fc.Arbitrary<ClientOp> =>
  fc.record({
    client: fc.integer({ min: 0, max: shape.clients - 1 }),
    delayMs: fc.integer({ min: 0, max: 60 }),
    node: fc.constantFrom(...nodeIds(shape.nodes)),
    kind: fc.constantFrom("get", "put", "blind", "delete", "put", "get"),
    key: fc.constantFrom(...keyNames(shape.keys))
  })

/** A fault and its repair: crash/disk loss then restart, partition then heal. */
const faultArb = (shape: ScheduleShape): fc.Arbitrary<ReadonlyArray<TimedFault>> => {
  const nodes = nodeIds(shape.nodes)
  const timed = shape.faults.filter((f) => f === "crash" || f === "disk" || f === "partition" || f === "hintloss" || f === "pause")
  if (timed.length === 0) return fc.constant([])
  return fc
    .record({
      kind: fc.constantFrom(...timed),
      at: fc.integer({ min: 0, max: 1_500 }),
      lengthMs: fc.integer({ min: 50, max: 1_500 }),
      node: fc.constantFrom(...nodes),
      isolated: fc.subarray([...nodes], { minLength: 1, maxLength: nodes.length - 1 }),
      midWrite: fc.boolean()
    })
    .map(({ kind, at, lengthMs, node, isolated, midWrite }): ReadonlyArray<TimedFault> =>
      kind === "hintloss"
        ? [{ _tag: "HintLoss", at, downMs: lengthMs }]
        : kind === "pause"
        ? [{ _tag: "Pause", at, node }, { _tag: "Resume", at: at + lengthMs, node }]
        : kind === "partition"
        ? [{ _tag: "Partition", at, isolated }, { _tag: "Heal", at: at + lengthMs }]
        : [
            kind === "disk" ? { _tag: "DiskLoss", at, node } : midWrite ? { _tag: "CrashMidWrite", at, node } : { _tag: "Crash", at, node },
            { _tag: "Restart", at: at + lengthMs, node }
          ]
    )
}

/** Joins of the spare nodes and leaves of members, at most one each, early in the run. */
const ringChangeArb = (shape: ScheduleShape): fc.Arbitrary<ReadonlyArray<TimedFault>> => {
  const members = nodeIds(shape.nodes)
  const spares = nodeIds(shape.nodes + (shape.spares ?? 0)).slice(shape.nodes)
  const joins = shape.faults.includes("join") && spares.length > 0
    ? fc.subarray(spares).chain((chosen) => fc.tuple(...chosen.map((node) => fc.integer({ min: 50, max: 1_200 }).map((at): TimedFault => ({ _tag: "Join", at, node })))))
    : fc.constant([] as Array<TimedFault>)
  const leaves = shape.faults.includes("leave") && shape.nodes > 3
    ? fc.option(fc.record({ at: fc.integer({ min: 50, max: 1_200 }), node: fc.constantFrom(...members) }).map(({ at, node }): TimedFault => ({ _tag: "Leave", at, node })), { nil: undefined })
    : fc.constant(undefined)
  return fc.tuple(joins, leaves).map(([j, l]) => (l === undefined ? j : [...j, l]))
}

export const scenarioArb = (shape: ScheduleShape): fc.Arbitrary<Scenario> =>
  fc
    .record({
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
      quorum: fc.constantFrom(...shape.quorums),
      ops: fc.array(opArb(shape), { minLength: 1, maxLength: shape.opsMax, size: "max" }),
      faults: fc.array(faultArb(shape), { maxLength: shape.faultsMax, size: "max" }),
      ringChanges: ringChangeArb(shape)
    })
    .map(({ seed, quorum, ops, faults, ringChanges }): Scenario => {
      const options: SimOptions = {
        ...defaultSimOptions,
        nodes: shape.nodes,
        n: quorum[0],
        r: quorum[1],
        w: quorum[2],
        keys: shape.keys,
        clients: shape.clients,
        clock: shape.clock ?? "dvv",
        faults: shape.faults,
        ...(shape.spares === undefined ? {} : { spares: shape.spares }),
        ...(shape.quiesceReads === undefined ? {} : { quiesceReads: shape.quiesceReads }),
        ...(shape.antiEntropy === undefined ? {} : { antiEntropy: shape.antiEntropy }),
        ...(shape.readRepair === undefined ? {} : { readRepair: shape.readRepair }),
        ...(shape.epochFloor === undefined ? {} : { epochFloor: shape.epochFloor }),
        ...(shape.dupPercent === undefined ? {} : { dupPercent: shape.dupPercent }),
        ...(shape.dropPercent === undefined ? {} : { dropPercent: shape.dropPercent }),
        ...(shape.busyPercent === undefined ? {} : { busyPercent: shape.busyPercent })
      }
      return { seed, options, ops, faults: [...faults.flat(), ...ringChanges].sort((a, b) => a.at - b.at) }
    })

/**
 * Run a scenario; on a violation, write it as a trace (the last failing run fast-check tries is
 * the shrunk one, so the file ends up holding the minimal schedule) and return the message.
 */
export const runAndRecord = (scenario: Scenario, name: string): SimReport => {
  const report = new World(scenario).run()
  if (report.violations.length > 0 && process.env["DYNAMO_NO_COUNTEREXAMPLES"] === undefined) {
    const recorded = new World(scenario, true).run()
    const file = `traces/counterexamples/${name}.json`
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, encodeTrace(traceOfReport(recorded, "simulator", `shrunk counterexample of property ${name}`)))
  }
  return report
}

export const describeViolations = (report: SimReport): string =>
  report.violations.map((v) => `${v.invariant} at ${v.at} ms: ${v.message}`).join("\n")

/**
 * A scenario kept in properties/examples/ and run first, before the generated ones: an input the
 * property's generator meets too rarely for its mutant to die on every seed (the file name gives
 * the mutant it was found under).
 */
export const pinned = (file: string): Scenario => {
  const decoded = Schema.decodeUnknownResult(ScenarioSchema)(JSON.parse(readFileSync(`properties/examples/${file}`, "utf8")))
  if (Result.isFailure(decoded)) throw new Error(`properties/examples/${file}: ${String(decoded.failure)}`)
  return decoded.success
}
