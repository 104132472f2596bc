// The model checker's entry point: build the model, search it (breadth-first on one thread for
// shortest counterexamples, or depth-first on worker threads), re-run a finding into a
// counterexample trace, and say which `Sometimes` never happened. Used by `dynamo check` and
// the tests.
import { buildCounterexample, type Counterexample } from "./counterexample.ts"
import { search, type SearchOrder, type SearchResult } from "./explore.ts"
import { buildModel, type CheckModel, type CheckOptions } from "./model.ts"
import { parallelSearch } from "./parallel.ts"
import { describeBounds, swarmSearch, SWARM_RARE_FRACTION, type SwarmOptions, type SwarmResult } from "./swarm.ts"
import type { Sometimes } from "./world.ts"

/** The default bound on distinct states (the table is sized for it: 10M states, 256 MiB). */
export const MAX_STATES_DEFAULT = 10_000_000

/**
 * An expected `Sometimes` a bounded search (stopped by --max-states) saw on fewer than this
 * fraction of its transitions is reported rare. Issue 23: `medium` stopped at 10,000,000 states
 * had acknowledged 4 puts and answered 6 gets against 44,000,000 lost messages; its "no
 * violation" says next to nothing about acknowledged writes, and the report must say so.
 */
export const BOUNDED_RARE_FRACTION = 1e-4

/** An expected `Sometimes` of a bounded search that stayed rare, with how often it was seen. */
export interface BoundedReach {
  readonly name: string
  readonly count: number
}

/**
 * The expected `Sometimes` a search that did not exhaust saw rarely or never (none for an
 * exhausted search: every reachable state was judged, and a missing one is VACUOUS instead).
 */
export const rareInBounded = (model: CheckModel, result: SearchResult): ReadonlyArray<BoundedReach> => {
  if (result.outcome !== "bounded") return []
  const floor = result.stats.generated * BOUNDED_RARE_FRACTION
  return model.sometimes
    .map((name) => ({ name, count: result.sometimes[name as Sometimes] ?? 0 }))
    .filter((reach) => reach.count < floor)
}

export interface RunOptions {
  readonly order: SearchOrder
  readonly workers: number
  readonly maxStates: number
  readonly onProgress?: (line: string) => void
}

export interface CheckRun {
  readonly model: CheckModel
  readonly run: RunOptions
  readonly result: SearchResult
  readonly counterexample: Counterexample | undefined
  /** Expected `Sometimes` never seen: judged only when the search exhausted the space. */
  readonly vacuous: ReadonlyArray<string>
}

export const runCheck = async (options: CheckOptions, run: RunOptions): Promise<CheckRun> => {
  const built = buildModel(options)
  if (built._tag === "Error") throw new Error(built.message)
  const model = built.model
  const result = run.workers > 1
    ? await parallelSearch(options, model, { workers: run.workers, maxStates: run.maxStates, ...(run.onProgress === undefined ? {} : { onProgress: run.onProgress }) })
    : search(model, { order: run.order, maxStates: run.maxStates, ...(run.onProgress === undefined ? {} : { onProgress: run.onProgress }) })
  const counterexample = result.finding === undefined ? undefined : buildCounterexample(model, result.finding)
  const vacuous = result.outcome === "exhausted"
    ? model.sometimes.filter((name) => (result.sometimes[name as Sometimes] ?? 0) === 0)
    : []
  return { model, run, result, counterexample, vacuous }
}

export interface SwarmRun {
  readonly model: CheckModel
  readonly result: SwarmResult
  readonly counterexample: Counterexample | undefined
}

/** A bounded run that spends its budget on coverage: random walks under drawn fault budgets (swarm.ts). */
export const runSwarm = (options: CheckOptions, swarm: SwarmOptions): SwarmRun => {
  const built = buildModel(options)
  if (built._tag === "Error") throw new Error(built.message)
  const result = swarmSearch(built.model, swarm)
  const found = result.finding
  // A walk ran under its own fault budget: its counterexample is re-run in that model.
  const counterexample = found === undefined ? undefined : buildCounterexample(found.model, found.finding)
  return { model: built.model, result, counterexample }
}

const number = (n: number): string => n.toLocaleString("en")
const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`

/** The report `dynamo check` prints (the counterexample, if any, is printed apart). */
export const formatRun = (checked: CheckRun): string => {
  const { model, result, run } = checked
  const s = result.stats
  const p = model.protocol
  const b = model.bounds
  const lines = [
    `preset ${model.name}: ${model.description}`,
    `  ${model.nodes.length} nodes, N=${p.n} R=${p.r} W=${p.w}, clock ${p.versions.mode}${p.versions.truncateAt === undefined ? "" : ` truncated at ${p.versions.truncateAt}`}, ` +
      `read repair ${p.readRepair ? "on" : "off"}, keys [${model.keys.join(", ")}]`,
    `  timeouts ${model.timing}, restarts ${model.restart}, persistence ${model.persistence}`,
    ...model.clients.map((script, i) => `  client ${i}: ${script.map((op) => `${op.kind} ${op.key} @${op.node}`).join(", ")}`),
    `  bounds: ${b.crashes} crash(es), ${b.diskLosses} disk loss(es), ${b.drops} lost and ${b.dups} duplicated message(s), ${b.partitions} partition(s), ${b.periodic} periodic timer firing(s)`,
    `  search: ${run.workers > 1 ? `depth-first on ${run.workers} worker threads` : run.order === "bfs" ? "breadth-first" : "depth-first"}, at most ${number(run.maxStates)} states, partial-order reduction ${model.por === false ? "off (--no-por)" : "on"}, canonical form ${model.canonical === false ? "off (--no-canonical)" : "on"}`,
    `${result.outcome}: ${number(s.distinct)} distinct states, ${number(s.generated)} generated, depth ${s.depth}, ${s.seconds.toFixed(2)} s, ` +
      `${number(Math.round(s.distinct / Math.max(s.seconds, 1e-9)))} states/s (${number(Math.round(s.generated / Math.max(s.seconds, 1e-9)))} generated/s)`,
    `  memory: peak rss ${mib(s.peakRssBytes)}, peak heap ${mib(s.peakHeapBytes)}, fingerprint table ${mib(s.tableBytes)}`,
    `  core steps: ${number(s.stepsComputed)} computed, ${number(s.stepsCached)} found in the transition cache (${Math.round(100 * s.stepsCached / Math.max(s.stepsComputed + s.stepsCached, 1))}%)`,
    `  settled states judged for CONV-1/HINT-1/DUR-2/DEL-1: ${number(s.settled)} (${number(s.quiesced)} needed a heal-and-quiesce run)`,
    `  sometimes: ${Object.entries(result.sometimes).map(([name, count]) => `${name} ${number(count)}`).join(", ")}`
  ]
  if (checked.vacuous.length > 0) lines.push(`  VACUOUS: never saw ${checked.vacuous.join(", ")}: the invariants may hold only because the case never arose`)
  const rare = rareInBounded(model, result)
  if (rare.length > 0) {
    lines.push(
      `  WARNING: this search stopped at --max-states before exhausting the model, and spent its budget elsewhere: ` +
        rare.map((reach) => `${reach.name} ${reach.count === 0 ? "never" : `${number(reach.count)} time(s)`}`).join(", ") +
        ` in ${number(s.generated)} transitions (under ${BOUNDED_RARE_FRACTION * 100}% each). Its "no violation" says little about those cases; ` +
        `\`--swarm 10000\` spreads a budget over random walks under drawn fault budgets and reports how many reached each (src/check/README.md, "Swarm")`
    )
  }
  return lines.join("\n")
}

/** The report of a swarm run: what it covered, each expected `Sometimes` by the walks that reached it, and warnings. */
export const formatSwarm = (checked: SwarmRun, seed: number): string => {
  const { model, result } = checked
  const s = result.stats
  const percent = (n: number): string => `${(100 * n / Math.max(result.walks, 1)).toFixed(1)}%`
  const lines = [
    `preset ${model.name}: ${model.description}`,
    `  swarm: ${number(result.walks)} random walks (seed ${seed}), each under a fault budget drawn within ${describeBounds(model.bounds)}; ${result.budgets} distinct budgets`,
    `${result.outcome}: ${number(s.generated)} transitions, ${number(s.distinct)} distinct states, longest walk ${s.depth}, ${s.seconds.toFixed(2)} s`,
    `  settled states judged for CONV-1/HINT-1/DUR-2/DEL-1: ${number(s.settled)} (${number(s.quiesced)} needed a heal-and-quiesce run)`,
    `  expected sometimes (walks reaching it, times in all):`,
    ...result.expected.map((reach) => `    ${reach.name.padEnd(18)} ${number(reach.walks).padStart(9)} walks (${percent(reach.walks)}), ${number(reach.total)} times${reach.rare ? "  RARE" : ""}`),
    `  other sometimes: ${Object.entries(result.sometimes).filter(([name]) => !model.sometimes.includes(name)).map(([name, count]) => `${name} ${number(count)}`).join(", ")}`
  ]
  // A walk that found a violation stopped the run: nothing to say of coverage then.
  for (const reach of result.outcome === "violation" ? [] : result.expected) {
    if (reach.walks === 0) lines.push(`  WARNING: no walk reached ${reach.name}: the invariants were never tried against it`)
    else if (reach.rare) lines.push(`  WARNING: ${reach.name} was reached by ${number(reach.walks)} walk(s), under ${SWARM_RARE_FRACTION * 100}% of them: run more walks`)
  }
  return lines.join("\n")
}
