// The trace format (spec/traces.md): a versioned JSON document with the configuration, the seed
// and scenario where there is one, every step fed to every node, and what was observed. The
// simulator, the checker and the network shell write it; `dynamo replay` re-runs it through the
// core; other implementations can drive their own system with the same steps and compare.
import { Result, Schema } from "effect"
import { ClientReplySchema, defaultProtocolConfig, defaultVersionsConfig, NodeInputSchema, type ProtocolConfig, type RingConfig, type Value } from "../core/index.ts"

export const TRACE_FORMAT = "dynamo-trace"
export const TRACE_VERSION = 1

const RingConfigSchema = Schema.Struct({
  strategy: Schema.Literals(["tokens", "partitions"]),
  tokensPerNode: Schema.optionalKey(Schema.Int),
  partitions: Schema.optionalKey(Schema.Int)
})

const SimOptionsSchema = Schema.Struct({
  nodes: Schema.Int, spares: Schema.optionalKey(Schema.Int), n: Schema.Int, r: Schema.Int, w: Schema.Int,
  clock: Schema.Literals(["dvv", "vv", "lww"]),
  truncateAt: Schema.optionalKey(Schema.Int),
  readRepair: Schema.Boolean,
  antiEntropy: Schema.optionalKey(Schema.Boolean),
  quiesceReads: Schema.optionalKey(Schema.Boolean),
  epochFloor: Schema.optionalKey(Schema.Boolean),
  ring: RingConfigSchema,
  keys: Schema.Int, clients: Schema.Int,
  faults: Schema.Array(Schema.Literals(["drop", "dup", "reorder", "partition", "crash", "disk", "join", "leave", "hintloss", "zone-down", "zone-cut", "pause"])),
  dropPercent: Schema.Number, dupPercent: Schema.Number,
  delayMsMin: Schema.Number, delayMsMax: Schema.Number, diskDelayMsMax: Schema.Number,
  clientTimeoutMs: Schema.Number,
  zones: Schema.optionalKey(Schema.Int),
  interZoneDelayMsMin: Schema.optionalKey(Schema.Number),
  interZoneDelayMsMax: Schema.optionalKey(Schema.Number),
  busyPercent: Schema.optionalKey(Schema.Number)
})

/** The simulator's scenario (src/sim/scenario.ts checks its types are exactly these). */
export const ScenarioSchema = Schema.Struct({
  seed: Schema.Int,
  options: SimOptionsSchema,
  ops: Schema.Array(Schema.Struct({
    client: Schema.Int, delayMs: Schema.Number, node: Schema.String,
    kind: Schema.Literals(["get", "put", "blind", "delete"]), key: Schema.String
  })),
  faults: Schema.Array(Schema.Union([
    Schema.TaggedStruct("Crash", { at: Schema.Number, node: Schema.String }),
    Schema.TaggedStruct("CrashMidWrite", { at: Schema.Number, node: Schema.String }),
    Schema.TaggedStruct("Restart", { at: Schema.Number, node: Schema.String }),
    Schema.TaggedStruct("DiskLoss", { at: Schema.Number, node: Schema.String }),
    Schema.TaggedStruct("Partition", { at: Schema.Number, isolated: Schema.Array(Schema.String) }),
    Schema.TaggedStruct("Heal", { at: Schema.Number }),
    Schema.TaggedStruct("Pause", { at: Schema.Number, node: Schema.String }),
    Schema.TaggedStruct("Resume", { at: Schema.Number, node: Schema.String }),
    Schema.TaggedStruct("Join", { at: Schema.Number, node: Schema.String }),
    Schema.TaggedStruct("Leave", { at: Schema.Number, node: Schema.String }),
    Schema.TaggedStruct("HintLoss", { at: Schema.Number, downMs: Schema.Number })
  ]))
})

/** What replay needs to rebuild every node: members, ring, and the protocol's knobs. */
const TraceConfigSchema = Schema.Struct({
  nodes: Schema.Array(Schema.String),
  /** Nodes outside the starting ring that may join later (steps may name them too). */
  spares: Schema.optionalKey(Schema.Array(Schema.String)),
  /** The zone of each node that has one (paper 4.6); absent: one zone. */
  zones: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  ring: RingConfigSchema,
  n: Schema.Int, r: Schema.Int, w: Schema.Int,
  clock: Schema.Literals(["dvv", "vv", "lww"]),
  truncateAt: Schema.optionalKey(Schema.Int),
  readRepair: Schema.Boolean,
  antiEntropy: Schema.optionalKey(Schema.Boolean),
  seeds: Schema.optionalKey(Schema.Array(Schema.String)),
  replicaTimeoutMs: Schema.Number,
  requestTimeoutMs: Schema.Number,
  hintScanIntervalMs: Schema.Number,
  probeIntervalMs: Schema.Number,
  /** Absent: the default (the network shell runs smaller, more frequent rounds). */
  antiEntropyIntervalMs: Schema.optionalKey(Schema.Number),
  /** Absent: the default (anti-entropy firings a busy node may skip in a row, AE-2). */
  antiEntropyDeferralsMax: Schema.optionalKey(Schema.Int),
  /** Absent: the defaults (the network shell bounds a ring change's offers in flight). */
  handoffOffersInFlightMax: Schema.optionalKey(Schema.Int),
  handoffKeysInFlightMax: Schema.optionalKey(Schema.Int),
  handoffResendTicks: Schema.optionalKey(Schema.Int),
  orphansPerStepMax: Schema.optionalKey(Schema.Int)
})
export type TraceConfig = typeof TraceConfigSchema.Type

const TraceEventSchema = Schema.Union([
  Schema.TaggedStruct("Input", { input: NodeInputSchema }),
  Schema.TaggedStruct("Crash", {}),
  Schema.TaggedStruct("DiskLoss", {}),
  Schema.TaggedStruct("Recover", {})
])

export const TraceStepSchema = Schema.Struct({ at: Schema.Number, node: Schema.String, event: TraceEventSchema })

export const TraceSchema = Schema.Struct({
  format: Schema.Literal(TRACE_FORMAT),
  version: Schema.Literal(TRACE_VERSION),
  source: Schema.Literals(["simulator", "checker", "shell", "test"]),
  description: Schema.optionalKey(Schema.String),
  config: TraceConfigSchema,
  seed: Schema.optionalKey(Schema.Int),
  /** The simulator's scenario: with it, replay can also re-run the whole simulation. */
  scenario: Schema.optionalKey(ScenarioSchema),
  steps: Schema.Array(TraceStepSchema),
  observations: Schema.Struct({
    replies: Schema.Array(Schema.Struct({ at: Schema.Number, reply: ClientReplySchema })),
    finalReplicas: Schema.Array(Schema.Struct({ node: Schema.String, key: Schema.String, values: Schema.Array(Schema.String) })),
    violations: Schema.Array(Schema.Struct({ invariant: Schema.String, at: Schema.Number, message: Schema.String }))
  })
})

export type Trace = typeof TraceSchema.Type

/**
 * The name observations give a stored value: a put's value is its write's event id (every
 * interpreter writes the event id as the value); a tombstone is named by its id.
 */
export const eventOf = (value: Value): string => (value._tag === "Put" ? value.value : value.id)

/** Node ids by position: n1, n2, ... (the simulator's and the checker's naming). */
export const nodeIds = (count: number): ReadonlyArray<string> => Array.from({ length: count }, (_, i) => `n${i + 1}`)

/** The spare node ids after `nodes` members, absent when there are none. */
export const sparesOf = (nodes: number, spares: number): { readonly spares?: ReadonlyArray<string> } =>
  spares === 0 ? {} : { spares: nodeIds(nodes + spares).slice(nodes) }

export const traceConfigOf = (nodes: number | ReadonlyArray<string>, ring: RingConfig, config: ProtocolConfig): TraceConfig => ({
  nodes: typeof nodes === "number" ? nodeIds(nodes) : nodes,
  ring,
  n: config.n, r: config.r, w: config.w,
  clock: config.versions.mode,
  ...(config.versions.truncateAt === undefined ? {} : { truncateAt: config.versions.truncateAt }),
  readRepair: config.readRepair,
  antiEntropy: config.antiEntropy,
  seeds: config.seeds,
  replicaTimeoutMs: config.replicaTimeoutMs,
  requestTimeoutMs: config.requestTimeoutMs,
  hintScanIntervalMs: config.hintScanIntervalMs,
  probeIntervalMs: config.probeIntervalMs,
  ...(config.antiEntropyIntervalMs === defaultProtocolConfig.antiEntropyIntervalMs ? {} : { antiEntropyIntervalMs: config.antiEntropyIntervalMs }),
  ...(config.antiEntropyDeferralsMax === defaultProtocolConfig.antiEntropyDeferralsMax ? {} : { antiEntropyDeferralsMax: config.antiEntropyDeferralsMax }),
  ...(config.handoffOffersInFlightMax === defaultProtocolConfig.handoffOffersInFlightMax ? {} : { handoffOffersInFlightMax: config.handoffOffersInFlightMax }),
  ...(config.handoffKeysInFlightMax === defaultProtocolConfig.handoffKeysInFlightMax ? {} : { handoffKeysInFlightMax: config.handoffKeysInFlightMax }),
  ...(config.handoffResendTicks === defaultProtocolConfig.handoffResendTicks ? {} : { handoffResendTicks: config.handoffResendTicks }),
  ...(config.orphansPerStepMax === defaultProtocolConfig.orphansPerStepMax ? {} : { orphansPerStepMax: config.orphansPerStepMax })
})

export const protocolConfigOfTrace = (config: TraceConfig): ProtocolConfig => ({
  ...defaultProtocolConfig,
  n: config.n, r: config.r, w: config.w,
  readRepair: config.readRepair,
  antiEntropy: config.antiEntropy ?? true,
  seeds: config.seeds ?? [],
  replicaTimeoutMs: config.replicaTimeoutMs,
  requestTimeoutMs: config.requestTimeoutMs,
  hintScanIntervalMs: config.hintScanIntervalMs,
  probeIntervalMs: config.probeIntervalMs,
  antiEntropyIntervalMs: config.antiEntropyIntervalMs ?? defaultProtocolConfig.antiEntropyIntervalMs,
  antiEntropyDeferralsMax: config.antiEntropyDeferralsMax ?? defaultProtocolConfig.antiEntropyDeferralsMax,
  handoffOffersInFlightMax: config.handoffOffersInFlightMax ?? defaultProtocolConfig.handoffOffersInFlightMax,
  handoffKeysInFlightMax: config.handoffKeysInFlightMax ?? defaultProtocolConfig.handoffKeysInFlightMax,
  handoffResendTicks: config.handoffResendTicks ?? defaultProtocolConfig.handoffResendTicks,
  orphansPerStepMax: config.orphansPerStepMax ?? defaultProtocolConfig.orphansPerStepMax,
  versions: { ...defaultVersionsConfig, mode: config.clock, ...(config.truncateAt === undefined ? {} : { truncateAt: config.truncateAt }) }
})

/**
 * Traces are encoded through their Schema (128-bit ring positions and Merkle hashes become
 * decimal strings) into JSON whose field order is fixed: the same run gives the same bytes.
 */
export const encodeTrace = (trace: Trace): string => JSON.stringify(Schema.encodeSync(TraceSchema)(trace)) + "\n"

/** Decode a trace file's text, naming what is wrong: bad JSON, wrong format or version, a bad field. */
export const decodeTrace = (text: string): { readonly _tag: "Ok"; readonly trace: Trace } | { readonly _tag: "Error"; readonly message: string } => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return { _tag: "Error", message: `not JSON: ${(error as Error).message}` }
  }
  if (typeof json !== "object" || json === null) return { _tag: "Error", message: "a trace must be a JSON object" }
  const header = json as { format?: unknown; version?: unknown }
  if (header.format !== TRACE_FORMAT) return { _tag: "Error", message: `field "format": expected "${TRACE_FORMAT}", got ${JSON.stringify(header.format)}` }
  if (header.version !== TRACE_VERSION) return { _tag: "Error", message: `field "version": this build reads version ${TRACE_VERSION}, got ${JSON.stringify(header.version)}` }
  const decoded = Schema.decodeUnknownResult(TraceSchema)(json)
  return Result.isSuccess(decoded)
    ? { _tag: "Ok", trace: decoded.success }
    : { _tag: "Error", message: decoded.failure.message }
}
