// The parallel search: the main thread expands a breadth-first prefix and stores it in a
// fingerprint table over a SharedArrayBuffer; worker threads recompute the same prefix, and
// each takes its last level's worlds one at a time from a shared counter (work sharing without
// moving any world between threads) and explores each depth-first, all storing into the one
// shared table, so no world is explored twice. The first violation stops every worker. The main
// thread explores nothing itself: a worker's heap can be bounded (`WORKER_OLD_GENERATION_MB`),
// the main thread's cannot, and a root's subtree cannot be handed over half explored.
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { pathToFileURL } from "node:url"
import { Worker } from "node:worker_threads"
import {
  actionsAlong, emptySometimes, newStats, PROGRESS_INTERVAL_MS, sampleCache, sampleMemory,
  type CheckStats, type SearchResult
} from "./explore.ts"
import type { CheckModel, CheckOptions } from "./model.ts"
import { CONTROL_WORDS, expandPrefix } from "./prefix.ts"
import { FingerprintTable, slotsFor } from "./table.ts"
import type { WorkerInit, WorkerReport } from "./worker.ts"
import { compile, SOMETIMES, type Sometimes } from "./world.ts"

/** Roots per worker in the prefix: enough that taking them one at a time balances the load. */
export const ROOTS_PER_WORKER = 64

/**
 * A worker's old generation at most, in MiB. Its live heap is a few hundred MiB (the transition
 * cache is bounded, memo.ts), but V8 lets a heap grow to four times its live size between full
 * collections when this limit is 2 GiB or more (4 GiB by default here), and about twice below
 * (V8's heap controller): a worker's peak heap on `handoff` is 460 MiB instead of 760 MiB.
 */
export const WORKER_OLD_GENERATION_MB = 2000

/**
 * The execArgv a worker needs to load TypeScript: the parent's when it runs under tsx, else tsx's
 * loader (vitest, or a bundled entry point).
 */
const workerExecArgv = (): ReadonlyArray<string> => {
  if (process.execArgv.some((arg) => arg.includes("tsx"))) return process.execArgv
  const require = createRequire(import.meta.url)
  const loader = join(dirname(require.resolve("tsx/package.json")), "dist", "loader.mjs")
  return ["--import", pathToFileURL(loader).href]
}

export interface ParallelOptions {
  readonly workers: number
  readonly maxStates: number
  readonly onProgress?: (line: string) => void
}

export const parallelSearch = async (options: CheckOptions, model: CheckModel, parallel: ParallelOptions): Promise<SearchResult> => {
  const started = performance.now()
  const c = compile(model)
  const stats = newStats(parallel.workers)
  const sometimes = emptySometimes()
  const table = FingerprintTable.allocate(slotsFor(Math.min(parallel.maxStates, 1 << 26)), true, false)
  const finishStats = (): CheckStats => {
    sampleMemory(stats)
    stats.seconds = (performance.now() - started) / 1000
    stats.tableBytes = table.bytes
    return stats
  }
  const prefix = expandPrefix(c, parallel.workers * ROOTS_PER_WORKER, stats, sometimes)
  if (prefix.finding !== undefined) {
    stats.depth = Math.max(stats.depth, prefix.finding.actions.length)
    return { outcome: "violation", stats: finishStats(), finding: prefix.finding, sometimes }
  }
  for (const world of prefix.worlds) table.insert(world.fp, undefined)
  if (prefix.roots.length === 0) return { outcome: "exhausted", stats: finishStats(), finding: undefined, sometimes }
  const prefixDepth = stats.depth
  sampleCache(stats, c)
  const control = new SharedArrayBuffer(4 * CONTROL_WORDS)
  const latest = new Map<number, { stats: CheckStats; sometimes: Record<Sometimes, number> }>()
  const base = {
    generated: stats.generated, distinct: stats.distinct, settled: stats.settled, quiesced: stats.quiesced,
    stepsComputed: stats.stepsComputed, stepsCached: stats.stepsCached
  }
  const baseSometimes = { ...sometimes }
  const aggregate = (): void => {
    stats.generated = base.generated
    stats.distinct = base.distinct
    stats.settled = base.settled
    stats.quiesced = base.quiesced
    stats.stepsComputed = base.stepsComputed
    stats.stepsCached = base.stepsCached
    let depth = prefixDepth
    for (const name of SOMETIMES) sometimes[name] = baseSometimes[name]
    for (const { stats: w, sometimes: s } of latest.values()) {
      stats.generated += w.generated
      stats.distinct += w.distinct
      stats.settled += w.settled
      stats.quiesced += w.quiesced
      stats.stepsComputed += w.stepsComputed
      stats.stepsCached += w.stepsCached
      depth = Math.max(depth, prefixDepth + w.depth)
      stats.peakHeapBytes = Math.max(stats.peakHeapBytes, w.peakHeapBytes)
      for (const name of SOMETIMES) sometimes[name] += s[name]
    }
    stats.depth = depth
  }
  let lastProgress = performance.now()
  const progress = (line: () => string): void => {
    const now = performance.now()
    if (parallel.onProgress === undefined || now - lastProgress <= PROGRESS_INTERVAL_MS) return
    lastProgress = now
    parallel.onProgress(line())
  }
  const rate = (distinct: number): string => `${Math.round(distinct / ((performance.now() - started) / 1000)).toLocaleString("en")} states/s`
  const execArgv = workerExecArgv()
  const reports = await Promise.all(Array.from({ length: parallel.workers }, (_, index) =>
    new Promise<WorkerReport>((resolve) => {
      const init: WorkerInit = {
        options, table: table.buffers, control, rootsMin: parallel.workers * ROOTS_PER_WORKER,
        rootsExpected: prefix.roots.length, maxStates: parallel.maxStates, index
      }
      const worker = new Worker(new URL("./worker.ts", import.meta.url), {
        workerData: init, execArgv: [...execArgv], resourceLimits: { maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB }
      })
      worker.on("message", (report: WorkerReport) => {
        if (report._tag === "Progress") {
          latest.set(report.index, { stats: report.stats, sometimes: report.sometimes })
          sampleMemory(stats)
          progress(() => {
            aggregate()
            return `  depth ${stats.depth}, ${stats.distinct.toLocaleString("en")} distinct, ${stats.generated.toLocaleString("en")} generated, ` +
              `${rate(stats.distinct)}, ${parallel.workers} workers, rss ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB`
          })
          return
        }
        if (report._tag === "Done") latest.set(report.index, { stats: report.stats, sometimes: report.sometimes })
        resolve(report)
        void worker.terminate()
      })
      worker.on("error", (error) => resolve({ _tag: "Failed", index, message: error.message }))
    })))
  aggregate()
  const failed = reports.find((report) => report._tag === "Failed")
  if (failed !== undefined && failed._tag === "Failed") throw new Error(`check: worker ${failed.index} failed: ${failed.message}`)
  const found = reports.find((report) => report._tag === "Done" && report.finding !== undefined)
  if (found !== undefined && found._tag === "Done" && found.finding !== undefined) {
    const root = prefix.roots[found.finding.root]!
    const actions = [...root.actions, ...actionsAlong(c, root.world, found.finding.path)]
    stats.depth = Math.max(stats.depth, actions.length)
    return {
      outcome: "violation",
      stats: finishStats(),
      finding: { violation: found.finding.violation, eventual: found.finding.eventual, actions },
      sometimes
    }
  }
  const bounded = reports.some((report) => report._tag === "Done" && report.outcome === "bounded")
  return { outcome: bounded ? "bounded" : "exhausted", stats: finishStats(), finding: undefined, sometimes }
}
