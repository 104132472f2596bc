// The search: breadth-first (level by level, so the first violation found has a shortest
// counterexample) or depth-first (memory bounded by the depth), over the worlds of world.ts,
// storing visited worlds as 64-bit fingerprints (table.ts). Safety invariants are checked on
// every transition generated; eventual properties (CONV-1, HINT-1's "no hint left", DEL-1) at
// every settled world, by a deterministic heal-and-quiesce run.
import { getHeapStatistics } from "node:v8"
import type { Fp } from "./fingerprint.ts"
import type { CheckModel } from "./model.ts"
import { FingerprintTable, slotsFor } from "./table.ts"
import {
  apply, compile, F_SETTLED, initialWorld, isSettled, quiesce, SOMETIMES,
  type Action, type Compiled, type Sometimes, type Transition, type Violation, type WorldState
} from "./world.ts"
import { searchActions } from "./por.ts"

export type SearchOrder = "bfs" | "dfs"

/** Progress lines at most this often on long runs. */
export const PROGRESS_INTERVAL_MS = 2_000
/** Memory is sampled every this many distinct states. */
const MEMORY_SAMPLE_EVERY = 8_192
/**
 * Breadth-first search keeps whole levels of worlds in memory; it stops ("bounded") before the
 * heap reaches this fraction of its limit rather than crash. Depth-first search needs no guard.
 */
export const BFS_HEAP_FRACTION_MAX = 0.8

export interface CheckStats {
  /** Transitions computed (successor worlds generated, duplicates included). */
  generated: number
  /** Distinct worlds (fingerprints stored). */
  distinct: number
  /** Deepest level reached (BFS) or longest path (DFS), in actions from the initial world. */
  depth: number
  /** Settled worlds judged for the eventual properties, and how many needed a full quiesce run. */
  settled: number
  quiesced: number
  seconds: number
  peakRssBytes: number
  peakHeapBytes: number
  tableBytes: number
  workers: number
  /** Node steps the core computed, and those found again in the transition cache (memo.ts). */
  stepsComputed: number
  stepsCached: number
}

export interface Finding {
  readonly violation: Violation
  /** True when heal-and-quiesce from a settled world found it (an eventual property). */
  readonly eventual: boolean
  /** The actions from the initial world, the last one being the violating transition. */
  readonly actions: ReadonlyArray<Action>
}

export interface SearchResult {
  readonly outcome: "exhausted" | "violation" | "bounded"
  readonly stats: CheckStats
  readonly finding: Finding | undefined
  readonly sometimes: Readonly<Record<Sometimes, number>>
}

export interface SearchOptions {
  readonly order: SearchOrder
  /** Stop (outcome "bounded") once this many distinct worlds are stored. */
  readonly maxStates: number
  readonly onProgress?: (line: string) => void
}

export const emptySometimes = (): Record<Sometimes, number> =>
  Object.fromEntries(SOMETIMES.map((name) => [name, 0])) as Record<Sometimes, number>

export const countFlags = (counts: Record<Sometimes, number>, flags: number): void => {
  for (let i = 0; flags !== 0; i++, flags >>>= 1) if ((flags & 1) !== 0) counts[SOMETIMES[i]!] += 1
}

export const newStats = (workers: number): CheckStats => ({
  generated: 0, distinct: 0, depth: 0, settled: 0, quiesced: 0, seconds: 0,
  peakRssBytes: 0, peakHeapBytes: 0, tableBytes: 0, workers, stepsComputed: 0, stepsCached: 0
})

/** The transition cache's counts so far (one cache per compiled model, so per thread). */
export const sampleCache = (stats: CheckStats, c: Compiled): void => {
  stats.stepsComputed = c.cache.steps.misses
  stats.stepsCached = c.cache.steps.hits
}

export const sampleMemory = (stats: CheckStats): void => {
  const usage = process.memoryUsage()
  stats.peakRssBytes = Math.max(stats.peakRssBytes, usage.rss)
  stats.peakHeapBytes = Math.max(stats.peakHeapBytes, usage.heapUsed)
}

export const progressLine = (stats: CheckStats, frontier: number, startedMs: number): string => {
  const seconds = (performance.now() - startedMs) / 1000
  return `  depth ${stats.depth}, ${stats.distinct.toLocaleString("en")} distinct, ${stats.generated.toLocaleString("en")} generated, ` +
    `frontier ${frontier.toLocaleString("en")}, ${Math.round(stats.distinct / Math.max(seconds, 1e-9)).toLocaleString("en")} states/s, ` +
    `rss ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB`
}

/** The eventual properties of a newly found settled world. */
export const judgeSettled = (c: Compiled, world: WorldState, stats: CheckStats, sometimes: Record<Sometimes, number>): Violation | undefined => {
  if (!isSettled(c, world)) return undefined
  stats.settled += 1
  const judged = quiesce(c, world)
  if (judged.ran) stats.quiesced += 1
  countFlags(sometimes, F_SETTLED)
  return judged.violation
}

/** Rebuild the actions leading to `target` by walking parent fingerprints and re-running them. */
export const pathTo = (c: Compiled, table: FingerprintTable, target: Fp): ReadonlyArray<Action> => {
  const chain: Array<Fp> = []
  for (let fp: Fp | undefined = target; fp !== undefined; fp = table.parentOf(fp)) {
    chain.push(fp)
    if (chain.length > 1_000_000) throw new Error("check: parent chain does not end")
  }
  chain.reverse()
  let world = initialWorld(c)
  if (world.fp.hi !== chain[0]!.hi || world.fp.lo !== chain[0]!.lo) throw new Error("check: the parent chain does not start at the initial world")
  const actions: Array<Action> = []
  for (const next of chain.slice(1)) {
    const found = searchActions(c, world).find((action) => {
      const fp = apply(c, world, action).state.fp
      return fp.hi === next.hi && fp.lo === next.lo
    })
    if (found === undefined) throw new Error("check: cannot re-run the path to the counterexample")
    actions.push(found)
    world = apply(c, world, found).state
  }
  return actions
}

export const search = (model: CheckModel, options: SearchOptions): SearchResult => {
  const c = compile(model)
  return options.order === "bfs" ? breadthFirst(c, options) : depthFirst(c, options)
}

/**
 * What both searches start from: the table holding the initial world, and the initial world
 * judged (an initial violation ends the search before it starts).
 */
const startSearch = (c: Compiled, options: SearchOptions, parentLinks: boolean) => {
  const started = performance.now()
  const stats = newStats(1)
  const sometimes = emptySometimes()
  const table = FingerprintTable.allocate(slotsFor(Math.min(options.maxStates, 1 << 20)), false, parentLinks)
  const initial = initialWorld(c)
  table.insert(initial.fp, undefined)
  stats.distinct = 1
  const initialViolation = judgeSettled(c, initial, stats, sometimes)
  const ended: SearchResult | undefined = initialViolation === undefined
    ? undefined
    : { outcome: "violation", stats: finish(stats, started, table, c), finding: { violation: initialViolation, eventual: true, actions: [] }, sometimes }
  return { started, stats, sometimes, table, initial, ended }
}

const breadthFirst = (c: Compiled, options: SearchOptions): SearchResult => {
  const { started, stats, sometimes, table, initial, ended } = startSearch(c, options, true)
  if (ended !== undefined) return ended
  let lastProgress = started
  let finding: { parent: WorldState; action: Action; violation: Violation; eventual: boolean } | undefined
  let frontier: Array<WorldState> = [initial]
  let bounded = false
  levels: while (frontier.length > 0) {
    const next: Array<WorldState> = []
    for (const world of frontier) {
      for (const action of searchActions(c, world)) {
        const transition = apply(c, world, action)
        stats.generated += 1
        countFlags(sometimes, transition.flags)
        if (transition.violation !== undefined) {
          finding = { parent: world, action, violation: transition.violation, eventual: false }
          break levels
        }
        const child = transition.state
        if (!table.insert(child.fp, world.fp)) continue
        stats.distinct += 1
        next.push(child)
        const eventual = judgeSettled(c, child, stats, sometimes)
        if (eventual !== undefined) {
          finding = { parent: world, action, violation: eventual, eventual: true }
          break levels
        }
        if ((stats.distinct & (MEMORY_SAMPLE_EVERY - 1)) === 0) {
          sampleMemory(stats)
          const now = performance.now()
          if (options.onProgress !== undefined && now - lastProgress > PROGRESS_INTERVAL_MS) {
            lastProgress = now
            options.onProgress(progressLine(stats, frontier.length + next.length, started))
          }
          const heap = getHeapStatistics()
          if (heap.used_heap_size > heap.heap_size_limit * BFS_HEAP_FRACTION_MAX) {
            options.onProgress?.(`  breadth-first search stops: its levels fill ${Math.round(heap.used_heap_size / 2 ** 20)} MiB of the heap (use --dfs)`)
            bounded = true
            break levels
          }
        }
        if (stats.distinct >= options.maxStates) {
          bounded = true
          break levels
        }
      }
    }
    frontier = next
    if (frontier.length > 0) stats.depth += 1
  }
  if (finding !== undefined) {
    stats.depth += 1
    const actions = [...pathTo(c, table, finding.parent.fp), finding.action]
    return { outcome: "violation", stats: finish(stats, started, table, c), finding: { violation: finding.violation, eventual: finding.eventual, actions }, sometimes }
  }
  return { outcome: bounded ? "bounded" : "exhausted", stats: finish(stats, started, table, c), finding: undefined, sometimes }
}

/** A world on the depth-first path. A class: see `Slot` in world.ts. */
class Frame {
  next = 0
  constructor(
    readonly world: WorldState,
    readonly actions: ReadonlyArray<Action>,
    /** The transition by each action, computed when the frame is made (see `frameOf`); dropped once taken. */
    readonly transitions: Array<Transition | undefined>
  ) {}
}

/**
 * A world's frame, its successors computed at once. Their fingerprints' slots in the table are
 * touched together, so the cache misses (one per successor, the table being far larger than any
 * cache) overlap instead of coming one by one. The successors are still taken one at a time and
 * in order, each after the subtree of the one before: the search is the same.
 */
const frameOf = (c: Compiled, table: FingerprintTable, world: WorldState): Frame => {
  const actions = searchActions(c, world)
  const transitions: Array<Transition | undefined> = []
  for (const action of actions) transitions.push(apply(c, world, action))
  for (const transition of transitions) table.touch(transition!.state.fp)
  return new Frame(world, actions, transitions)
}

export interface DepthFirstRun {
  readonly c: Compiled
  readonly table: FingerprintTable
  readonly stats: CheckStats
  readonly sometimes: Record<Sometimes, number>
  readonly maxStates: number
  /** Polled every few thousand states: true to stop (another worker found a violation). */
  readonly stopped: () => boolean
  /** Called every few thousand states (progress, memory). */
  readonly tick: () => void
}

export interface DepthFirstOutcome {
  readonly outcome: "exhausted" | "violation" | "bounded" | "stopped"
  /** With a violation: the enabled-action indices from the root to the violating transition. */
  readonly path: ReadonlyArray<number>
  readonly violation: Violation | undefined
  readonly eventual: boolean
}

/**
 * Depth-first from `root` (already stored in the table and judged): every new world is stored
 * and judged, then explored; memory is the table plus the current path.
 */
export const depthFirstFrom = (run: DepthFirstRun, root: WorldState): DepthFirstOutcome => {
  const { c, table, stats, sometimes } = run
  const stack: Array<Frame> = [frameOf(c, table, root)]
  let sinceTick = 0
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    const index = top.next++
    const transition = top.transitions[index]
    if (transition === undefined) {
      stack.pop()
      continue
    }
    top.transitions[index] = undefined
    stats.generated += 1
    countFlags(sometimes, transition.flags)
    let violation = transition.violation
    let eventual = false
    if (violation === undefined) {
      const child = transition.state
      if (!table.insert(child.fp, undefined)) continue
      stats.distinct += 1
      violation = judgeSettled(c, child, stats, sometimes)
      eventual = violation !== undefined
      if (violation === undefined) {
        stack.push(frameOf(c, table, child))
        if (stack.length - 1 > stats.depth) stats.depth = stack.length - 1
      }
    }
    if (violation !== undefined) {
      return { outcome: "violation", path: stack.map((frame) => frame.next - 1), violation, eventual }
    }
    if (++sinceTick >= DFS_TICK_STATES) {
      sinceTick = 0
      run.tick()
      if (run.stopped()) return { outcome: "stopped", path: [], violation: undefined, eventual: false }
      if (table.size >= run.maxStates) return { outcome: "bounded", path: [], violation: undefined, eventual: false }
    }
  }
  return { outcome: "exhausted", path: [], violation: undefined, eventual: false }
}

/** How often (in transitions) a depth-first run polls for a stop and reports progress. */
export const DFS_TICK_STATES = 4_096

/** The actions along a path of enabled-action indices from `root`. */
export const actionsAlong = (c: Compiled, root: WorldState, path: ReadonlyArray<number>): ReadonlyArray<Action> => {
  const actions: Array<Action> = []
  let world = root
  for (const index of path) {
    const action = searchActions(c, world)[index]
    if (action === undefined) throw new Error("check: cannot re-run a depth-first path")
    actions.push(action)
    world = apply(c, world, action).state
  }
  return actions
}

const depthFirst = (c: Compiled, options: SearchOptions): SearchResult => {
  const { started, stats, sometimes, table, initial, ended } = startSearch(c, options, false)
  if (ended !== undefined) return ended
  let lastProgress = started
  const run: DepthFirstRun = {
    c, table, stats, sometimes, maxStates: options.maxStates,
    stopped: () => false,
    tick: () => {
      sampleMemory(stats)
      const now = performance.now()
      if (options.onProgress !== undefined && now - lastProgress > PROGRESS_INTERVAL_MS) {
        lastProgress = now
        options.onProgress(progressLine(stats, 0, started))
      }
    }
  }
  const result = depthFirstFrom(run, initial)
  if (result.outcome === "violation") {
    const actions = actionsAlong(c, initial, result.path)
    stats.depth = Math.max(stats.depth, actions.length)
    return { outcome: "violation", stats: finish(stats, started, table, c), finding: { violation: result.violation!, eventual: result.eventual, actions }, sometimes }
  }
  return { outcome: result.outcome === "bounded" ? "bounded" : "exhausted", stats: finish(stats, started, table, c), finding: undefined, sometimes }
}

export const finish = (stats: CheckStats, startedMs: number, table: FingerprintTable, c: Compiled): CheckStats => {
  sampleMemory(stats)
  sampleCache(stats, c)
  stats.seconds = (performance.now() - startedMs) / 1000
  stats.tableBytes = table.bytes
  return stats
}
