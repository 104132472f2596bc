// The history `dynamo conform` records (one JSON line per operation, fault and phase) and the
// only thing its checker reads: `dynamo conform --check history.jsonl` re-checks a run from this
// file alone. Every write is an event with a unique id; a read lists the events its values carry.
import { Result, Schema } from "effect"

export const HISTORY_FORMAT = "dynamo-conform-history"
export const HISTORY_VERSION = 1

/**
 * What the adapter says about reads: "quorum" with N, R, W as the store reports them (QUORUM-1
 * is checked when R + W > N, outside fault windows); "linearizable" (every read must see every
 * write acknowledged before it started, faults or not); "none" (no promise; not checked).
 */
export const ReadPromiseSchema = Schema.Union([
  Schema.Struct({ kind: Schema.Literal("quorum"), n: Schema.Int, r: Schema.Int, w: Schema.Int }),
  Schema.Struct({ kind: Schema.Literal("linearizable") }),
  Schema.Struct({ kind: Schema.Literal("none") })
])
export type ReadPromise = typeof ReadPromiseSchema.Type

export const MetaLineSchema = Schema.Struct({
  type: Schema.Literal("meta"),
  format: Schema.Literal(HISTORY_FORMAT),
  version: Schema.Literal(HISTORY_VERSION),
  adapter: Schema.String,
  workload: Schema.String,
  clients: Schema.Int,
  keys: Schema.Array(Schema.String),
  /** The nodes, in the order the clients and the nemesis name them. */
  nodes: Schema.Array(Schema.Struct({ id: Schema.String, url: Schema.String })),
  reads: ReadPromiseSchema,
  nemesis: Schema.Array(Schema.String),
  seed: Schema.Int,
  /** Free text from the adapter: the store's version, its clock mode, ... */
  store: Schema.optionalKey(Schema.String),
  startedAt: Schema.String
})
export type MetaLine = typeof MetaLineSchema.Type

/** ok: done; failed: definitely had no effect; indeterminate: may or may not have taken effect. */
export const OpStatusSchema = Schema.Literals(["ok", "failed", "indeterminate"])
export type OpStatus = typeof OpStatusSchema.Type

export const OpLineSchema = Schema.Struct({
  type: Schema.Literal("op"),
  /** Unique, in invocation order. */
  id: Schema.Int,
  /** The client that issued it; -1 for the final reads of the convergence phase. */
  client: Schema.Int,
  /** "run" while the workload and the nemesis run; "final" for the reads after every fault healed. */
  phase: Schema.Literals(["run", "final"]),
  /** In the final phase: the attempt (the checker judges each key by its last attempt). */
  attempt: Schema.optionalKey(Schema.Int),
  f: Schema.Literals(["read", "write", "delete"]),
  key: Schema.String,
  /** The node asked (its id in the meta line). */
  node: Schema.String,
  /** Milliseconds since the run started, at invocation and at completion. */
  start: Schema.Number,
  end: Schema.Number,
  status: OpStatusSchema,
  error: Schema.optionalKey(Schema.String),
  /** A failed write that lost a compare-and-swap race (the store was available). */
  conflict: Schema.optionalKey(Schema.Boolean),
  /** Writes and deletes: the event this operation is. */
  event: Schema.optionalKey(Schema.String),
  /** Writes and deletes: the read whose context they carried (absent: a blind write). */
  after: Schema.optionalKey(Schema.Int),
  /** Reads that succeeded: the events of the values returned (siblings when several). */
  values: Schema.optionalKey(Schema.Array(Schema.String)),
  /** Reads: returned values that carry no event id this tool wrote (shown as phantoms). */
  foreign: Schema.optionalKey(Schema.Array(Schema.String))
})
export type OpLine = typeof OpLineSchema.Type

/**
 * A nemesis action, at the time it took effect: kill (-9) and stop (SIGSTOP) take a node down;
 * start (once it answers again) and cont (SIGCONT) bring it back; partition cuts the nodes named
 * in `node` (comma-separated, the smaller side) off from the others, heal mends every cut.
 */
export const FaultLineSchema = Schema.Struct({
  type: Schema.Literal("fault"),
  /**
   * When the fault counts from, in ms since the run began: kill, stop and partition are dated
   * when the nemesis began them, start, cont and heal when it finished, so the quiet periods the
   * checker derives never include a moment the fault may have been in force.
   */
  at: Schema.Number,
  action: Schema.Literals(["kill", "stop", "start", "cont", "partition", "heal"]),
  node: Schema.String,
  ok: Schema.Boolean,
  error: Schema.optionalKey(Schema.String)
})
export type FaultLine = typeof FaultLineSchema.Type

/** Marks where the run phase ended and the final reads began (every fault healed). */
export const PhaseLineSchema = Schema.Struct({
  type: Schema.Literal("phase"),
  name: Schema.Literals(["final", "end"]),
  at: Schema.Number
})
export type PhaseLine = typeof PhaseLineSchema.Type

export const HistoryLineSchema = Schema.Union([MetaLineSchema, OpLineSchema, FaultLineSchema, PhaseLineSchema])
export type HistoryLine = typeof HistoryLineSchema.Type

export interface History {
  readonly meta: MetaLine
  readonly ops: ReadonlyArray<OpLine>
  readonly faults: ReadonlyArray<FaultLine>
  readonly phases: ReadonlyArray<PhaseLine>
}

export class HistoryError extends Schema.TaggedError<HistoryError>()("HistoryError", {
  message: Schema.String
}) {}

const decodeLine = Schema.decodeUnknownResult(HistoryLineSchema)

/** The JSONL text of a history: the meta line first, then every other line in time order. */
export const encodeHistory = (history: History): string => {
  const timed: Array<{ at: number; order: number; line: HistoryLine }> = []
  for (const op of history.ops) timed.push({ at: op.start, order: op.id, line: op })
  for (const [i, fault] of history.faults.entries()) timed.push({ at: fault.at, order: i, line: fault })
  for (const [i, phase] of history.phases.entries()) timed.push({ at: phase.at, order: i, line: phase })
  timed.sort((a, b) => a.at - b.at || a.order - b.order)
  return [history.meta, ...timed.map((entry) => entry.line)].map((line) => JSON.stringify(line)).join("\n") + "\n"
}

/** Parses a history file; the error names the line and what is wrong with it. */
export const decodeHistory = (text: string): Result.Result<History, HistoryError> => {
  let meta: MetaLine | undefined
  const ops: Array<OpLine> = []
  const faults: Array<FaultLine> = []
  const phases: Array<PhaseLine> = []
  const lines = text.split("\n")
  for (const [index, raw] of lines.entries()) {
    if (raw.trim() === "") continue
    const where = `line ${index + 1}`
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch (error) {
      return Result.fail(new HistoryError({ message: `${where}: not JSON (${(error as Error).message})` }))
    }
    const decoded = decodeLine(json)
    if (Result.isFailure(decoded)) {
      return Result.fail(new HistoryError({ message: `${where}: not a history line: ${decoded.failure.message.split("\n").slice(0, 4).join(" ")}` }))
    }
    const line = decoded.success
    switch (line.type) {
      case "meta":
        if (meta !== undefined) return Result.fail(new HistoryError({ message: `${where}: a second meta line` }))
        meta = line
        break
      case "op":
        if (meta === undefined) return Result.fail(new HistoryError({ message: `${where}: an operation before the meta line` }))
        ops.push(line)
        break
      case "fault":
        faults.push(line)
        break
      case "phase":
        phases.push(line)
        break
    }
  }
  if (meta === undefined) {
    return Result.fail(new HistoryError({ message: `no meta line: is this a ${HISTORY_FORMAT} file (version ${HISTORY_VERSION})?` }))
  }
  const ids = new Set<number>()
  for (const op of ops) {
    if (ids.has(op.id)) return Result.fail(new HistoryError({ message: `operation id ${op.id} appears twice` }))
    ids.add(op.id)
  }
  const events = new Set<string>()
  for (const op of ops) {
    if (op.f === "read") continue
    if (op.event === undefined) return Result.fail(new HistoryError({ message: `operation ${op.id} (${op.f}) carries no event id` }))
    if (events.has(op.event)) return Result.fail(new HistoryError({ message: `event ${op.event} is written twice (operation ${op.id})` }))
    events.add(op.event)
    if (op.after !== undefined && !ids.has(op.after)) {
      return Result.fail(new HistoryError({ message: `operation ${op.id} carries the context of operation ${op.after}, which is not in the history` }))
    }
  }
  ops.sort((a, b) => a.id - b.id)
  return Result.succeed({ meta, ops, faults, phases })
}
