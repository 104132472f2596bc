// Where the viewer's steps come from: a trace file (simulator, checker, shell, test: spec/traces.md)
// is replayed by src/sim/replay.ts, the path `dynamo replay` takes; a Quint ITF trace is replayed by
// the conformance driver (src/conformance/driver.ts), one model action at a time. Both report every
// core step they run, and ViewBuilder turns those into the page's model.
import { Schema } from "effect"
import { replayItf } from "../conformance/driver.ts"
import { ConformanceMismatch } from "../conformance/mismatch.ts"
import { readModelConfig } from "../conformance/model-config.ts"
import { decodeItfTrace } from "../conformance/itf.ts"
import { replaySteps } from "../trace/replay.ts"
import { decodeTrace, TRACE_FORMAT, type Trace, type TraceConfig } from "../trace/format.ts"
import { ViewBuilder, type ModelMeta, type ViewModel } from "./model.ts"

/** A file the viewer cannot read, with what is wrong with it. */
export class ViewInputError extends Schema.TaggedError<ViewInputError>()("ViewInputError", {
  message: Schema.String
}) {}

const quoted = (file: string): string => (/^[\w./@+-]+$/.test(file) ? file : `'${file.replace(/'/g, "'\\''")}'`)

/** `z1: n1, n3; z2: n2` for a trace's zone map, zones in name order. */
const zoneGroups = (zones: Readonly<Record<string, string>>): string => {
  const byZone = new Map<string, Array<string>>()
  for (const [node, zone] of Object.entries(zones).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) byZone.set(zone, [...(byZone.get(zone) ?? []), node])
  return [...byZone].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([zone, nodes]) => `${zone}: ${nodes.join(", ")}`).join("; ")
}

export const configLine = (config: TraceConfig): string => {
  const ring = config.ring.strategy === "tokens" ? `tokens ×${config.ring.tokensPerNode ?? "default"}` : `${config.ring.partitions ?? "default"} partitions`
  const spares = config.spares === undefined || config.spares.length === 0 ? "" : ` + spares ${config.spares.join(", ")}`
  const zones = config.zones === undefined ? "" : ` · zones ${zoneGroups(config.zones)}`
  return `nodes ${config.nodes.join(", ")}${spares}${zones} · N=${config.n} R=${config.r} W=${config.w} · clock ${config.clock}${config.truncateAt === undefined ? "" : ` truncated to ${config.truncateAt}`} · ring ${ring} · read repair ${config.readRepair ? "on" : "off"} · anti-entropy ${config.antiEntropy === false ? "off" : "on"}`
}

/** Partitions of a simulator scenario as step ranges: from the first step at or after the cut to the first at or after the heal. */
const partitionsOf = (trace: Trace): ModelMeta["partitions"] => {
  const faults = trace.scenario?.faults ?? []
  const stepAt = (at: number): number => trace.steps.findIndex((s) => s.at >= at)
  const partitions: Array<{ from: number; to: number; isolated: ReadonlyArray<string> }> = []
  for (const fault of [...faults].sort((a, b) => a.at - b.at)) {
    if (fault._tag === "Partition") {
      const from = stepAt(fault.at)
      if (from !== -1) partitions.push({ from, to: -1, isolated: fault.isolated })
    }
    if (fault._tag === "Heal") for (const open of partitions) if (open.to === -1) open.to = stepAt(fault.at)
  }
  return partitions
}

/** The model of a decoded trace file, replayed through the core. `file` is the path shown in commands. */
export const modelOfTrace = (trace: Trace, file: string): ViewModel => {
  const nodes = [...trace.config.nodes, ...(trace.config.spares ?? [])]
  const recorded = new Set(trace.steps.map((s) => s.node))
  const builder = new ViewBuilder(nodes, recorded, trace.config.zones)
  const result = replaySteps(trace, (info) => builder.add(info))
  const command = `npx dynamo replay ${quoted(file)} --verbose`
  return builder.finish({
    title: file,
    source: trace.source,
    description: trace.description ?? (trace.seed === undefined ? "" : `seed ${trace.seed}`),
    config: configLine(trace.config),
    nodes,
    groups: [],
    violations: trace.observations.violations,
    divergence: result.divergence,
    replay: { upTo: `${command} | sed '/^#{next} /,$d'`, whole: command },
    partitions: partitionsOf(trace)
  })
}

/** The model of a Quint ITF trace of spec/dynamo.qnt (`spec` is that file's text), replayed by the conformance driver. */
export const modelOfItf = (json: unknown, file: string, spec: string): ViewModel => {
  const decoded = decodeItfTrace(json)
  if (decoded._tag === "Error") throw new ViewInputError({ message: `${file} is not an ITF trace of spec/dynamo.qnt: ${decoded.message}` })
  const model = readModelConfig(spec)
  const builder = new ViewBuilder(model.nodes, new Set(model.nodes))
  const groups: Array<string> = []
  let divergence: string | undefined
  try {
    replayItf(decoded.trace, model, {
      observe: (step) => {
        const label = `model step ${step.modelStep}: ${step.action}`
        if (groups.at(-1) !== label) groups.push(label)
        builder.add({ ...step, group: groups.length - 1 })
      }
    })
  } catch (error) {
    if (!(error instanceof ConformanceMismatch)) throw error
    divergence = error.message
  }
  const command = `npx vitest run test/conformance.test.ts  # the conformance driver replays traces/quint/*.itf.json through the core, comparing every model step`
  return builder.finish({
    title: file,
    source: "quint",
    description: `Quint ITF trace of spec/dynamo.qnt: ${decoded.trace.states.length - 1} model steps, each replayed through the core by the conformance driver`,
    config: `nodes ${model.nodes.join(", ")} · N=${model.n} R=${model.r} W=${model.w} · clock dvv · keys ${Object.keys(model.preference).sort().join(", ")}`,
    nodes: model.nodes,
    groups,
    violations: [],
    divergence,
    replay: { upTo: command, whole: command },
    partitions: []
  })
}

/** Reads a file's text as a trace of any kind the project writes, and builds its model. */
export const modelOfFile = (text: string, file: string, spec: () => string): ViewModel => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new ViewInputError({ message: `${file} is not JSON: ${(error as Error).message}` })
  }
  if (typeof json === "object" && json !== null && "states" in json && "vars" in json) return modelOfItf(json, file, spec())
  if (typeof json === "object" && json !== null && (json as { format?: unknown }).format === TRACE_FORMAT) {
    const decoded = decodeTrace(text)
    if (decoded._tag === "Error") throw new ViewInputError({ message: `${file} is not a valid trace: ${decoded.message}` })
    return modelOfTrace(decoded.trace, file)
  }
  throw new ViewInputError({ message: `${file} is neither a trace (format "${TRACE_FORMAT}", spec/traces.md) nor a Quint ITF trace (fields "vars" and "states")` })
}
