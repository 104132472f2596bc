// How big the model checker's `medium` is, and where its states come from (issue 23; the figures are in src/check/SIZE.md). Two
// measures per model: an exhaustive depth-first count (bounded), and a bounded breadth-first
// census giving new states per level and the kind of action that first reached each. The models:
// a fault-free, prompt-timeout base of `medium`, the base with one source of interleavings added
// at a time, and `medium` itself. Where each addition exhausts, its factor over the base is
// measured; the product of the factors is a rough estimate of `medium` (it assumes the sources
// multiply independently, which interleaving makes an underestimate rather than an overestimate).
// With `--splits N`: for each model, which component of the world alone tells apart how many of
// a breadth-first sample of N distinct worlds (src/check/splits.ts), with the canonical form on
// and off (`--no-canonical`): where an abstraction could pay (src/check/README.md).
// `npm run bench -- check-census`, or `npx tsx bench/check-census.ts [--states N] [--census N] [--splits N]`.
import { pathToFileURL } from "node:url"
import { census, type Census } from "../src/check/census.ts"
import { search } from "../src/check/explore.ts"
import { buildModel, type CheckOptions } from "../src/check/model.ts"
import { splits } from "../src/check/splits.ts"
import { onlyKnownFlags, positiveNumberFlag } from "./flags.ts"

/** Distinct states at which a depth-first count stops. */
const COUNT_STATES_DEFAULT = 20_000_000
/** Distinct states at which a census stops (breadth-first keeps a whole level in memory). */
const CENSUS_STATES_DEFAULT = 500_000

const number = (n: number): string => n.toLocaleString("en")

const model = (options: CheckOptions) => {
  const built = buildModel(options)
  if (built._tag === "Error") throw new Error(built.message)
  return built.model
}

const BASE = { preset: "medium", por: false, canonical: false, crashes: 0, drops: 0, partitions: 0, periodic: 0, timing: "prompt" } as const

interface Variant {
  readonly name: string
  readonly options: CheckOptions
  /** A source of interleavings added to the base alone: its factor enters the estimate. */
  readonly factor: boolean
}

const VARIANTS: ReadonlyArray<Variant> = [
  { name: "base: medium's nodes and scripts, prompt timeouts, no fault, no periodic firing", options: BASE, factor: false },
  { name: "base + async timeouts", options: { ...BASE, timing: "async" }, factor: true },
  { name: "base + 2 periodic firings", options: { ...BASE, periodic: 2 }, factor: true },
  { name: "base + 1 crash", options: { ...BASE, crashes: 1 }, factor: true },
  { name: "base + 1 lost message", options: { ...BASE, drops: 1 }, factor: true },
  { name: "base + 1 partition", options: { ...BASE, partitions: 1 }, factor: true },
  { name: "medium", options: { preset: "medium", por: false, canonical: false }, factor: false }
]

const levelsLine = (result: Census): string => result.levels.map((level) => number(level.fresh)).join(" ")

/** The kinds of action that first reached the most new worlds, in all, with their shares. */
const topKinds = (result: Census, count: number): string => {
  const totals: Record<string, number> = {}
  for (const level of result.levels) for (const [kind, n] of Object.entries(level.firstBy)) totals[kind] = (totals[kind] ?? 0) + n
  const all = Object.values(totals).reduce((a, b) => a + b, 0)
  return Object.entries(totals)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, count)
    .map(([kind, n]) => `${kind} ${(100 * n / all).toFixed(0)}%`)
    .join(", ")
}

/** The components (or unions of them) each sample is measured without. */
const SPLIT_UNIONS: ReadonlyArray<ReadonlyArray<string>> = [
  ["node*.state.nextToken", "node*.state.waiters", "node*.pending"],
  ["node*.state.down", "node*.timers"],
  ["oracle.ackersLeft", "client*.pending"]
]

const splitsReport = (sample: number): string => {
  const out: Array<string> = [`Worlds told apart by one component alone, in a breadth-first sample of ${number(sample)} (por off):`, ""]
  for (const variant of VARIANTS) {
    for (const canonical of [false, true]) {
      const report = splits(model({ ...variant.options, canonical }), sample, SPLIT_UNIONS)
      const top = report.splits.filter((s) => s.merged > 0).map((s) => `${s.group} ${(100 * s.merged / report.sampled).toFixed(1)}%`).join(", ")
      const line = `- ${variant.name}, canonical form ${canonical ? "on" : "off"}${report.exhausted ? " (exhausted)" : ""}: ${top}`
      process.stderr.write(`${line}\n`)
      out.push(line)
    }
  }
  return out.join("\n")
}

export async function checkCensusBench(): Promise<string> {
  const sample = positiveNumberFlag("splits", "a positive number of states")
  if (sample !== undefined) return splitsReport(sample)
  const countStates = positiveNumberFlag("states", "a positive number of states") ?? COUNT_STATES_DEFAULT
  const censusStates = positiveNumberFlag("census", "a positive number of states") ?? CENSUS_STATES_DEFAULT
  const out: Array<string> = [
    `Counts: depth-first, one thread, stopped at ${number(countStates)}. Census: breadth-first, stopped at ${number(censusStates)}.`,
    "",
    "| model | distinct (depth-first) | exhausted | s | factor over the base | census: first reached by (share of new states) |",
    "|---|---:|---|---:|---:|---|"
  ]
  const details: Array<string> = []
  let base: number | undefined
  let estimate = 1
  let estimable = true
  for (const variant of VARIANTS) {
    const counted = search(model(variant.options), { order: "dfs", maxStates: countStates })
    const exhausted = counted.outcome === "exhausted"
    const distinct = counted.stats.distinct
    if (base === undefined) {
      base = distinct
      estimate = distinct
    }
    let factor = ""
    if (variant.factor) {
      if (exhausted) {
        factor = (distinct / base).toFixed(1)
        estimate *= distinct / base
      } else {
        factor = `> ${(distinct / base).toFixed(1)}`
        estimable = false
      }
    }
    const sampled = census(model(variant.options), censusStates)
    const row = `| ${variant.name} | ${number(distinct)} | ${exhausted ? "yes" : "no"} | ${counted.stats.seconds.toFixed(1)} | ${factor} | ${topKinds(sampled, 5)} |`
    out.push(row)
    // Each row takes minutes under load: printed as it comes, on stderr.
    process.stderr.write(`${row}\n  census levels: ${levelsLine(sampled)}\n`)
    details.push(`${variant.name}: new states per breadth-first level (census): ${levelsLine(sampled)}${sampled.exhausted ? " (exhausted)" : " ..."}`)
    const enabled = Object.entries(sampled.enabledBy).sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${(n / sampled.expanded).toFixed(2)}`).join(", ")
    details.push(`  enabled actions per expanded world: ${enabled}`)
  }
  out.push("", estimable
    ? `Product of the factors (base x each source alone): about ${number(Math.round(estimate))} states for medium.`
    : `Product of the factors: at least ${number(Math.round(estimate))} states for medium (some sources did not exhaust alone: their factors are lower bounds).`)
  return [...out, "", ...details].join("\n")
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  onlyKnownFlags(["splits", "states", "census"], [])
  console.log(await checkCensusBench())
}
