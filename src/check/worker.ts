// A worker thread of a parallel search: it rebuilds the model from plain options, recomputes
// the shared breadth-first prefix, then takes roots one at a time from a shared counter and
// explores each depth-first, storing fingerprints in the table all threads share.
import { parentPort, workerData } from "node:worker_threads"
import { emptySometimes, newStats, sampleCache, type CheckStats } from "./explore.ts"
import { buildModel, type CheckOptions } from "./model.ts"
import { CONTROL_STOP, expandPrefix, exploreRoots, type RootsOutcome } from "./prefix.ts"
import { FingerprintTable, type TableBuffers } from "./table.ts"
import { compile, type Sometimes } from "./world.ts"

export interface WorkerInit {
  readonly options: CheckOptions
  readonly table: TableBuffers
  /** See `CONTROL_STOP` and `CONTROL_NEXT_ROOT` (prefix.ts). */
  readonly control: SharedArrayBuffer
  readonly rootsMin: number
  readonly rootsExpected: number
  readonly maxStates: number
  readonly index: number
}

export type WorkerReport =
  | { readonly _tag: "Progress"; readonly index: number; readonly stats: CheckStats; readonly sometimes: Record<Sometimes, number> }
  | {
      readonly _tag: "Done"
      readonly index: number
      readonly stats: CheckStats
      readonly sometimes: Record<Sometimes, number>
      readonly outcome: RootsOutcome["outcome"]
      readonly finding?: RootsOutcome["finding"]
    }
  | { readonly _tag: "Failed"; readonly index: number; readonly message: string }

/** Progress reports at most this often. */
const REPORT_INTERVAL_MS = 500

const run = (init: WorkerInit): WorkerReport => {
  const built = buildModel(init.options)
  if (built._tag === "Error") return { _tag: "Failed", index: init.index, message: built.message }
  const c = compile(built.model)
  const table = new FingerprintTable(init.table, false)
  const control = new Int32Array(init.control)
  const prefix = expandPrefix(c, init.rootsMin)
  if (prefix.roots.length !== init.rootsExpected) {
    return { _tag: "Failed", index: init.index, message: `worker ${init.index} computed ${prefix.roots.length} roots, the main thread ${init.rootsExpected}` }
  }
  const stats = newStats(1)
  const sometimes = emptySometimes()
  let lastReport = performance.now()
  const dfs = {
    c, table, stats, sometimes, maxStates: init.maxStates,
    stopped: () => Atomics.load(control, CONTROL_STOP) !== 0,
    tick: () => {
      const now = performance.now()
      if (now - lastReport < REPORT_INTERVAL_MS) return
      lastReport = now
      const usage = process.memoryUsage()
      stats.peakHeapBytes = Math.max(stats.peakHeapBytes, usage.heapUsed)
      sampleCache(stats, c)
      parentPort!.postMessage({ _tag: "Progress", index: init.index, stats, sometimes } satisfies WorkerReport)
    }
  }
  const share = exploreRoots(dfs, prefix.roots, control)
  sampleCache(stats, c)
  return { _tag: "Done", index: init.index, stats, sometimes, outcome: share.outcome, ...(share.finding === undefined ? {} : { finding: share.finding }) }
}

if (parentPort !== null) {
  const init = workerData as WorkerInit
  let report: WorkerReport
  try {
    report = run(init)
  } catch (error) {
    report = { _tag: "Failed", index: init.index, message: error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error) }
  }
  parentPort.postMessage(report)
}
