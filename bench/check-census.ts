// How big the model checker's `medium` is, and where its states come from (issue 23): a bounded
// breadth-first census of `medium` level by level, and the same model with one source of
// interleavings added at a time to a fault-free, prompt-timeout base. `small` is the calibration:
// it exhausts, so its truncated estimate can be compared with its true count.
// `npm run bench -- check-census`, or `npx tsx bench/check-census.ts [--states N]`.
import { pathToFileURL } from "node:url"
import { census, estimateTotal, type Census } from "../src/check/census.ts"
import { buildModel, type CheckOptions } from "../src/check/model.ts"
import { positiveNumberFlag } from "./flags.ts"

/** Distinct states at which one census stops (BFS keeps a level in memory). */
const CENSUS_STATES_DEFAULT = 3_000_000

const number = (n: number): string => n.toLocaleString("en")

const model = (options: CheckOptions) => {
  const built = buildModel(options)
  if (built._tag === "Error") throw new Error(built.message)
  return built.model
}

const NO_FAULTS = { crashes: 0, drops: 0, partitions: 0, periodic: 0, timing: "prompt" } as const

/** The variants: `medium` itself, and its base with one source of interleavings at a time. */
const VARIANTS: ReadonlyArray<{ readonly name: string; readonly options: CheckOptions }> = [
  { name: "medium base: prompt timeouts, no fault, no periodic firing", options: { preset: "medium", ...NO_FAULTS } },
  { name: "base + async timeouts", options: { preset: "medium", ...NO_FAULTS, timing: "async" } },
  { name: "base + 2 periodic firings", options: { preset: "medium", ...NO_FAULTS, periodic: 2 } },
  { name: "base + 1 crash", options: { preset: "medium", ...NO_FAULTS, crashes: 1 } },
  { name: "base + 1 lost message", options: { preset: "medium", ...NO_FAULTS, drops: 1 } },
  { name: "base + 1 partition", options: { preset: "medium", ...NO_FAULTS, partitions: 1 } },
  { name: "medium base + async, all faults but no periodic", options: { preset: "medium", periodic: 0 } },
  { name: "medium, faults off (async, periodic 2)", options: { preset: "medium", crashes: 0, drops: 0, partitions: 0 } },
  { name: "medium", options: { preset: "medium" } }
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

/**
 * The estimator's calibration: spaces that exhaust, cut short at a fraction of their size, so
 * that the estimate can be set against the true count.
 */
const CALIBRATION: ReadonlyArray<{ readonly name: string; readonly options: CheckOptions; readonly states: number }> = [
  { name: "small at 600,000", options: { preset: "small" }, states: 600_000 },
  { name: "medium base at 150,000", options: { preset: "medium", ...NO_FAULTS }, states: 150_000 }
]

export async function checkCensusBench(): Promise<string> {
  const states = positiveNumberFlag("states", "a positive number of states") ?? CENSUS_STATES_DEFAULT
  const out: Array<string> = [`Each census stops at ${number(states)} distinct states (breadth-first, one thread).`, ""]
  out.push("| model | distinct | exhausted | depth | estimate of the total | s | first reached by |")
  out.push("|---|---:|---|---:|---:|---:|---|")
  const details: Array<string> = []
  for (const cut of CALIBRATION) {
    const truncated = census(model(cut.options), cut.states)
    const whole = census(model(cut.options), Number.MAX_SAFE_INTEGER)
    const line = `calibration, ${cut.name}: estimate ${number(estimateTotal(truncated) ?? truncated.distinct)} against ${number(whole.distinct)} (exhausted: ${whole.exhausted})`
    process.stderr.write(`${line}\n`)
    details.push(line)
  }
  for (const variant of VARIANTS) {
    const result = census(model(variant.options), states)
    const estimate = estimateTotal(result)
    const row = `| ${variant.name} | ${number(result.distinct)} | ${result.exhausted ? "yes" : "no"} | ${result.levels.length} | ${estimate === undefined ? "" : number(estimate)} | ${result.seconds.toFixed(1)} | ${topKinds(result, 5)} |`
    out.push(row)
    // A census takes minutes under load: each row as it comes, on stderr.
    process.stderr.write(`${row}\n  levels: ${levelsLine(result)}\n`)
    details.push(`${variant.name}: new states per level: ${levelsLine(result)}`)
    const enabled = Object.entries(result.enabledBy).sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${(n / result.expanded).toFixed(2)}`).join(", ")
    details.push(`  enabled per expanded world: ${enabled}`)
  }
  return [...out, "", ...details].join("\n")
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) console.log(await checkCensusBench())
