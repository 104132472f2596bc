// Swarm search: a bounded mode that spends its budget on coverage, not on depth. Instead of one
// depth-first search that drowns in fault interleavings (issue 23: 44 million lost messages for
// 4 acknowledged puts), it runs many random walks from the initial world to the end of the
// scripts, each under its own fault budget (a sub-vector of the model's bounds, as swarm testing
// omits features per run: Groce et al., ISSTA 2012) and its own fault rate, checking every
// invariant on every transition and the eventual ones at every settled world it reaches. It
// reports how many walks reached each `Sometimes` event and warns when an expected one stayed
// rare. Deterministic: the same seed gives the same walks, counts and finding.
import { Prng } from "../host/prng.ts"
import { countFlags, emptySometimes, judgeSettled, newStats, PROGRESS_INTERVAL_MS, sampleCache, sampleMemory, type CheckStats, type Finding } from "./explore.ts"
import type { CheckBounds, CheckModel } from "./model.ts"
import { FingerprintTable, slotsFor } from "./table.ts"
import {
  apply, compile, enabledActions, F_SETTLED, initialWorld, isSettled, SOMETIMES,
  type Action, type Compiled, type Sometimes
} from "./world.ts"

/** A walk stops after this many actions (every model here ends far sooner: scripts and faults are bounded). */
export const SWARM_WALK_ACTIONS_MAX = 400
/** An expected `Sometimes` reached by fewer than this fraction of the walks is reported as rare. */
export const SWARM_RARE_FRACTION = 0.01
/** A walk's fault rate: the chance, in percent, that a step takes a fault when one is enabled. */
export const SWARM_FAULT_PERCENT_MIN = 2
export const SWARM_FAULT_PERCENT_MAX = 40
/** Walks between progress checks. */
const SWARM_TICK_WALKS = 256


/** The actions that spend a fault budget; everything else (recoveries included) is the system running. */
const FAULTS: ReadonlySet<Action["_tag"]> = new Set(["Drop", "Duplicate", "Crash", "LoseDisk", "Partition"])

export interface SwarmOptions {
  /** Random walks to run. */
  readonly walks: number
  readonly seed: number
  readonly onProgress?: (line: string) => void
}

/** How often an expected `Sometimes` was reached: by how many walks, and how many times in all. */
export interface SometimesReach {
  readonly name: Sometimes
  readonly walks: number
  readonly total: number
  /** Reached by fewer than SWARM_RARE_FRACTION of the walks (or by none). */
  readonly rare: boolean
}

export interface SwarmResult {
  readonly outcome: "violation" | "bounded"
  /** `generated` counts the walks' transitions, `distinct` the worlds they visited, `depth` the longest walk. */
  readonly stats: CheckStats
  readonly walks: number
  /** Distinct fault budgets the walks ran under. */
  readonly budgets: number
  /** Per SOMETIMES name, over all walks. */
  readonly sometimes: Readonly<Record<Sometimes, number>>
  /** Per SOMETIMES name, the walks that reached it at least once. */
  readonly walksReaching: Readonly<Record<Sometimes, number>>
  /** The model's expected `Sometimes`, each with its reach. */
  readonly expected: ReadonlyArray<SometimesReach>
  /** With a violation: the walk's model (its fault budget) and the actions from the initial world. */
  readonly finding: { readonly model: CheckModel; readonly finding: Finding } | undefined
}

const BOUND_NAMES: ReadonlyArray<keyof CheckBounds> = ["crashes", "diskLosses", "drops", "dups", "partitions", "periodic"]

/** A sub-budget: each bound drawn uniformly in 0..the model's (the periodic bound is kept: it is not a fault). */
const drawBounds = (rng: Prng, bounds: CheckBounds): CheckBounds => {
  const drawn = Object.fromEntries(BOUND_NAMES.map((name) => [name, name === "periodic" ? bounds[name] : rng.int(0, bounds[name])]))
  return drawn as unknown as CheckBounds
}

const boundsKey = (bounds: CheckBounds): string => BOUND_NAMES.map((name) => bounds[name]).join(",")

/** The kinds of action a walk weighs (Action's tags). */
const KINDS: ReadonlyArray<Action["_tag"]> = ["Issue", "GiveUp", "Deliver", "Persist", "Fire", "Drop", "Duplicate", "Crash", "LoseDisk", "Restart", "Partition", "Heal"]
/** A walk's weight for each kind is one of these (swarm testing's per-run configuration). */
const KIND_WEIGHTS: ReadonlyArray<number> = [1, 4, 16]

type KindWeights = Readonly<Record<Action["_tag"], number>>

const drawWeights = (rng: Prng): KindWeights =>
  Object.fromEntries(KINDS.map((kind) => [kind, rng.pick(KIND_WEIGHTS)])) as unknown as KindWeights

/**
 * Pick a kind of action first (by the walk's weights), then one of that kind: a uniform pick
 * over actions would favour whatever is most numerous (seven cuts of four nodes, a loss per
 * message in flight), which is how a depth-first search ends up spending its budget. The
 * weights differ from walk to walk: under async timing some walks let timeouts fire often
 * (false suspicions), others deliver first and let requests complete.
 */
const pickByKind = (rng: Prng, weights: KindWeights, actions: ReadonlyArray<Action>): Action => {
  const kinds: Array<Action["_tag"]> = []
  let total = 0
  for (const action of actions) {
    if (kinds.includes(action._tag)) continue
    kinds.push(action._tag)
    total += weights[action._tag]
  }
  let ticket = rng.int(0, total - 1)
  let kind = kinds[0]!
  for (const candidate of kinds) {
    ticket -= weights[candidate]
    if (ticket < 0) {
      kind = candidate
      break
    }
  }
  return rng.pick(actions.filter((action) => action._tag === kind))
}

/**
 * The model a walk runs: the swarm model with a sub-budget, compiled once per budget. Every
 * budget shares the first one's transition cache: a node step, a disk write and a recovery do
 * not depend on the bounds (only which actions are enabled does), and one cache keeps memory
 * at one search's.
 */
const compiledFor = (cache: Map<string, Compiled>, model: CheckModel, bounds: CheckBounds): Compiled => {
  const key = boundsKey(bounds)
  let c = cache.get(key)
  if (c === undefined) {
    const sub: CheckModel = { ...model, name: `${model.name}+swarm`, description: `${model.description} (swarm walk under bounds ${describeBounds(bounds)})`, bounds }
    const first = cache.values().next()
    c = first.done === true ? compile(sub) : { ...compile(sub), cache: first.value.cache }
    cache.set(key, c)
  }
  return c
}

export const describeBounds = (b: CheckBounds): string =>
  `crashes ${b.crashes}, disk losses ${b.diskLosses}, drops ${b.drops}, dups ${b.dups}, partitions ${b.partitions}, periodic ${b.periodic}`

export const swarmSearch = (model: CheckModel, options: SwarmOptions): SwarmResult => {
  const started = performance.now()
  const rng = new Prng(options.seed)
  const stats = newStats(1)
  const sometimes = emptySometimes()
  const walksReaching = emptySometimes()
  const compiled = new Map<string, Compiled>()
  const table = FingerprintTable.allocate(slotsFor(Math.min(options.walks * 16, 1 << 20)), false, false)
  let lastProgress = started
  let finding: SwarmResult["finding"]
  let walks = 0
  while (walks < options.walks && finding === undefined) {
    const bounds = drawBounds(rng, model.bounds)
    const faultPercent = rng.int(SWARM_FAULT_PERCENT_MIN, SWARM_FAULT_PERCENT_MAX)
    const weights = drawWeights(rng)
    const c = compiledFor(compiled, model, bounds)
    walks += 1
    let world = initialWorld(c)
    let reached = 0
    if (table.insert(world.fp, undefined)) {
      stats.distinct += 1
      const violation = judgeSettled(c, world, stats, sometimes)
      if (violation !== undefined) finding = { model: c.model, finding: { violation, eventual: true, actions: [] } }
    }
    const path: Array<Action> = []
    while (finding === undefined && path.length < SWARM_WALK_ACTIONS_MAX) {
      const actions = enabledActions(c, world)
      if (actions.length === 0) break
      const faults = actions.filter((action) => FAULTS.has(action._tag))
      const running = faults.length === 0 ? actions : actions.filter((action) => !FAULTS.has(action._tag))
      const chosen = faults.length > 0 && (running.length === 0 || rng.chance(faultPercent)) ? pickByKind(rng, weights, faults) : pickByKind(rng, weights, running)
      const transition = apply(c, world, chosen)
      path.push(chosen)
      stats.generated += 1
      countFlags(sometimes, transition.flags)
      reached |= transition.flags
      if (transition.violation !== undefined) {
        finding = { model: c.model, finding: { violation: transition.violation, eventual: false, actions: path } }
        break
      }
      world = transition.state
      if (isSettled(c, world)) reached |= F_SETTLED
      if (table.insert(world.fp, undefined)) {
        stats.distinct += 1
        const violation = judgeSettled(c, world, stats, sometimes)
        if (violation !== undefined) finding = { model: c.model, finding: { violation, eventual: true, actions: path } }
      }
    }
    stats.depth = Math.max(stats.depth, path.length)
    countFlags(walksReaching, reached)
    if (walks % SWARM_TICK_WALKS === 0) {
      sampleMemory(stats)
      const now = performance.now()
      if (options.onProgress !== undefined && now - lastProgress > PROGRESS_INTERVAL_MS) {
        lastProgress = now
        options.onProgress(`  ${walks.toLocaleString("en")} walks, ${stats.distinct.toLocaleString("en")} distinct worlds, ${stats.generated.toLocaleString("en")} transitions`)
      }
    }
  }
  sampleMemory(stats)
  const first = compiled.values().next()
  if (first.done !== true) sampleCache(stats, first.value)
  stats.seconds = (performance.now() - started) / 1000
  stats.tableBytes = table.bytes
  return {
    outcome: finding === undefined ? "bounded" : "violation",
    stats, walks, budgets: compiled.size, sometimes, walksReaching,
    expected: expectedReach(model, walks, sometimes, walksReaching),
    finding
  }
}

/** Each expected `Sometimes` with how many walks reached it; rare below SWARM_RARE_FRACTION of them. */
export const expectedReach = (
  model: CheckModel, walks: number, sometimes: Readonly<Record<Sometimes, number>>, walksReaching: Readonly<Record<Sometimes, number>>
): ReadonlyArray<SometimesReach> =>
  model.sometimes
    .filter((name): name is Sometimes => (SOMETIMES as ReadonlyArray<string>).includes(name))
    .map((name) => ({ name, walks: walksReaching[name], total: sometimes[name], rare: walksReaching[name] < walks * SWARM_RARE_FRACTION || walksReaching[name] === 0 }))
