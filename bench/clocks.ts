// Throughput of the versioning hot paths (section 4.4): vector clock compare and merge, and the
// replica merge of sibling sets (syncVersions) in dvv and vv mode, for 3, 10 and 100 actors.
// Run directly (`npx tsx bench/clocks.ts`) to print the table; `clocksBench()` returns it.

import { pathToFileURL } from "node:url"
import * as VClock from "../src/core/vclock.ts"
import {
  contextOf,
  coordinatePut,
  defaultVersionsConfig,
  emptyVersionSet,
  putValue,
  syncVersions,
  type VersionsConfig,
  type VersionSet
} from "../src/core/versions.ts"

const actorCounts = [3, 10, 100] as const
const measureDurationMs = 200
const warmupIterations = 2_000

const actorName = (index: number): string => `node-${String(index).padStart(3, "0")}`

/**
 * Two clocks over `actors` nodes that are concurrent only at their last entry: the worst case
 * for compare, which must walk both arrays to the end before it can answer.
 */
function concurrentClocks(actors: number): readonly [VClock.VClock, VClock.VClock] {
  const entries = (bump: number) =>
    Array.from({ length: actors }, (_, index) => ({
      node: actorName(index),
      counter: 1 + ((index * 7) % 13) + (index === actors - 1 ? 1 - bump : bump),
      time: index
    }))
  return [VClock.fromEntries(entries(1)), VClock.fromEntries(entries(0))]
}

function mustPut(cfg: VersionsConfig, stored: VersionSet, context: VClock.VClock, value: string, actor: string, time: number): VersionSet {
  const result = coordinatePut(cfg, stored, context, putValue(value), actor, time)
  if (result._tag !== "Ok") throw new Error(`bench: put refused (${result._tag})`)
  return result.set
}

/**
 * Two replicas' sets of one key: a shared history in which every actor coordinated a put, then
 * concurrent puts through different coordinators on each side (two siblings on one, one on the other).
 */
function divergedSets(cfg: VersionsConfig, actors: number): readonly [VersionSet, VersionSet] {
  let base = emptyVersionSet(cfg.mode)
  let time = 0
  for (let index = 0; index < actors; index++) {
    base = mustPut(cfg, base, contextOf(base), `base-${index}`, actorName(index), ++time)
  }
  const context = contextOf(base)
  const left = mustPut(cfg, mustPut(cfg, base, context, "left-1", actorName(0), ++time), context, "left-2", actorName(2 % actors), ++time)
  const right = mustPut(cfg, base, context, "right-1", actorName(1 % actors), ++time)
  return [left, right]
}

/** Operations per second of `operation`, measured over about `measureDurationMs`. */
function opsPerSecond(operation: () => unknown): number {
  let sink = 0
  for (let iteration = 0; iteration < warmupIterations; iteration++) if (operation() !== undefined) sink++
  let iterations = 0
  const start = performance.now()
  let elapsedMs = 0
  while (elapsedMs < measureDurationMs) {
    for (let batch = 0; batch < 256; batch++) if (operation() !== undefined) sink++
    iterations += 256
    elapsedMs = performance.now() - start
  }
  if (sink < 0) throw new Error("unreachable")
  return (iterations / elapsedMs) * 1_000
}

const formatRate = (rate: number): string => Math.round(rate).toLocaleString("en-US")

/** The benchmark table (markdown): operations per second per actor count. */
export async function clocksBench(): Promise<string> {
  const vv: VersionsConfig = { ...defaultVersionsConfig, mode: "vv" }
  const header = ["actors", "vclock compare", "vclock merge", "dvv syncVersions", "vv syncVersions"]
  const rows: Array<Array<string>> = []
  for (const actors of actorCounts) {
    const [a, b] = concurrentClocks(actors)
    if (VClock.compare(a, b) !== "Concurrent") throw new Error("bench: clocks should be concurrent")
    const [dvvLeft, dvvRight] = divergedSets(defaultVersionsConfig, actors)
    const [vvLeft, vvRight] = divergedSets(vv, actors)
    rows.push([
      String(actors),
      formatRate(opsPerSecond(() => VClock.compare(a, b))),
      formatRate(opsPerSecond(() => VClock.merge(a, b))),
      formatRate(opsPerSecond(() => syncVersions(defaultVersionsConfig, dvvLeft, dvvRight))),
      formatRate(opsPerSecond(() => syncVersions(vv, vvLeft, vvRight)))
    ])
    // Yield between rows so a caller's event loop is not starved for the whole run.
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((cell, column) => cell.padStart(widths[column]!)).join(" | ")} |`
  const rule = `|${widths.map((width) => "-".repeat(width + 1) + ":").join("|")}|`
  return [`operations per second (${measureDurationMs} ms per cell)`, line(header), rule, ...rows.map(line)].join("\n")
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await clocksBench())
}
