// Where a node's thread spends its time, by stage: the count and cumulative wall time of each
// stage since the node started (GET /status "timings"). Two readings around a run, divided by
// the operations served, give each stage's cost per operation; bench/cluster.ts prints that table.
// Stages are timed on the node's one thread and do not overlap, so their sum is at most the elapsed
// time. What no stage covers: Effect's HTTP server and fibers, Node's sockets and event loop, GC.
// "client reply" writes the client's HTTP response to the socket (src/net/kv-listener.ts; on the
// Effect router's path, Effect resumes the handler synchronously). "storage commit" with --writer inline is the whole transaction
// and the fsync the thread waits for (blocked, not using CPU); with --writer worker it is only
// handing the batch to the writer thread.
//
// With DYNAMO_TIMELINE=PATH in its environment, a node also writes every stage's start and end,
// on the machine's clock in µs, to PATH.<pid> (bench/put-timeline.ts merges the nodes' files into
// one put's timeline, hop by hop). Off by default: the hot path then pays one undefined check.
import { appendFileSync } from "node:fs"
import type { NodeInput } from "../core/index.ts"
import { performance } from "node:perf_hooks"
import process from "node:process"

/** How often a timeline's buffered lines are appended to its file. */
const TIMELINE_FLUSH_MS = 200

/** Wall-clock µs comparable across the processes of one machine. */
const absoluteMicros = (performanceMs: number): number => Math.round((performance.timeOrigin + performanceMs) * 1000)

/** The timeline writer when DYNAMO_TIMELINE is set: one line per event, "start_us end_us stage". */
const makeTimeline = (base: string | undefined): ((stage: string, startedMs: number, endedMs: number) => void) | undefined => {
  if (base === undefined || base === "") return undefined
  const path = `${base}.${process.pid}`
  let lines: Array<string> = []
  const flush = () => {
    if (lines.length === 0) return
    appendFileSync(path, lines.join(""))
    lines = []
  }
  setInterval(flush, TIMELINE_FLUSH_MS).unref()
  process.once("exit", flush)
  return (stage, startedMs, endedMs) => {
    lines.push(`${absoluteMicros(startedMs)} ${absoluteMicros(endedMs)} ${stage}\n`)
  }
}

export interface StageTiming {
  readonly stage: string
  readonly count: number
  readonly ms: number
}

export class Timings {
  private readonly stages = new Map<string, { count: number; ms: number }>()
  /** Stage names of core steps, by input tag and sub-tag: built once, not per step. */
  private readonly stepNames = new Map<string, Map<string, string>>()
  private readonly timeline = makeTimeline(process.env["DYNAMO_TIMELINE"])

  /** Adds the time since `startedMs` (a `performance.now()` reading) to `stage`. */
  record(stage: string, startedMs: number): void {
    const ended = performance.now()
    const elapsed = ended - startedMs
    this.timeline?.(stage, startedMs, ended)
    const entry = this.stages.get(stage)
    if (entry === undefined) {
      this.stages.set(stage, { count: 1, ms: elapsed })
    } else {
      entry.count += 1
      entry.ms += elapsed
    }
  }

  /** Whether DYNAMO_TIMELINE is set (extra listeners for the timeline only). */
  get timelineOn(): boolean {
    return this.timeline !== undefined
  }

  /** An instant on the timeline (only there: it has no duration to count). */
  mark(stage: string): void {
    if (this.timeline === undefined) return
    const now = performance.now()
    this.timeline(stage, now, now)
  }

  /** The stage of a core step: "core Receive Replicate", "core Client Put", "core TimerFired Gossip", ... */
  stepStage(input: NodeInput): string {
    const sub = input._tag === "Receive" ? input.message._tag : input._tag === "Client" ? input.request._tag : input._tag === "TimerFired" ? input.timer._tag : ""
    let names = this.stepNames.get(input._tag)
    if (names === undefined) {
      names = new Map()
      this.stepNames.set(input._tag, names)
    }
    let name = names.get(sub)
    if (name === undefined) {
      name = sub === "" ? `core ${input._tag}` : `core ${input._tag} ${sub}`
      names.set(sub, name)
    }
    return name
  }

  /** Every stage so far, by name. */
  snapshot(): ReadonlyArray<StageTiming> {
    return [...this.stages]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([stage, entry]) => ({ stage, count: entry.count, ms: Math.round(entry.ms * 1000) / 1000 }))
  }
}
