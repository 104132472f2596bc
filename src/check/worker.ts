// A worker thread of a parallel search: it rebuilds the model from plain options, recomputes
// the shared breadth-first prefix, then takes roots one at a time from a shared counter and
// explores each depth-first, storing fingerprints in the table all workers share.
import { parentPort, workerData } from "node:worker_threads"
import { depthFirstFrom, emptySometimes, newStats, type CheckStats } from "./explore.ts"
import { buildModel, type CheckOptions } from "./model.ts"
import { expandPrefix } from "./prefix.ts"
import { FingerprintTable, type TableBuffers } from "./table.ts"
import { compile, type Sometimes, type Violation } from "./world.ts"

export interface WorkerInit {
  readonly options: CheckOptions
  readonly table: TableBuffers
  /** [0]: stop flag, [1]: next root to take. */
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
      readonly outcome: "exhausted" | "violation" | "bounded" | "stopped"
      readonly finding?: { readonly root: number; readonly path: ReadonlyArray<number>; readonly violation: Violation; readonly eventual: boolean }
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
    stopped: () => Atomics.load(control, 0) !== 0,
    tick: () => {
      const now = performance.now()
      if (now - lastReport < REPORT_INTERVAL_MS) return
      lastReport = now
      const usage = process.memoryUsage()
      stats.peakHeapBytes = Math.max(stats.peakHeapBytes, usage.heapUsed)
      parentPort!.postMessage({ _tag: "Progress", index: init.index, stats, sometimes } satisfies WorkerReport)
    }
  }
  for (;;) {
    if (Atomics.load(control, 0) !== 0) return { _tag: "Done", index: init.index, stats, sometimes, outcome: "stopped" }
    const root = Atomics.add(control, 1, 1)
    if (root >= prefix.roots.length) return { _tag: "Done", index: init.index, stats, sometimes, outcome: "exhausted" }
    const result = depthFirstFrom(dfs, prefix.roots[root]!.world)
    if (result.outcome === "violation") {
      Atomics.store(control, 0, 1)
      return {
        _tag: "Done", index: init.index, stats, sometimes, outcome: "violation",
        finding: { root, path: result.path, violation: result.violation!, eventual: result.eventual }
      }
    }
    if (result.outcome === "bounded") {
      Atomics.store(control, 0, 1)
      return { _tag: "Done", index: init.index, stats, sometimes, outcome: "bounded" }
    }
    if (result.outcome === "stopped") return { _tag: "Done", index: init.index, stats, sometimes, outcome: "stopped" }
  }
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
