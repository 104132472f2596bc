// The breadth-first prefix that splits a depth-first search among threads: the first levels of
// the space, expanded until enough worlds are waiting to keep every thread busy, and the loop by
// which each thread takes those roots one at a time. Deterministic: the main thread and every
// worker compute the same roots in the same order, so no world ever has to cross a thread
// boundary; a thread only needs a root's index.
import { countFlags, depthFirstFrom, judgeSettled, type CheckStats, type DepthFirstRun } from "./explore.ts"
import { apply, initialWorld, type Action, type Compiled, type Violation, type WorldState } from "./world.ts"
import type { Sometimes } from "./world.ts"
import { searchActions } from "./por.ts"

export interface PrefixRoot {
  readonly world: WorldState
  readonly actions: ReadonlyArray<Action>
}

export interface Prefix {
  /** Every world the prefix reached, in order (interior worlds and roots). */
  readonly worlds: ReadonlyArray<WorldState>
  /** The worlds left to explore, each with the actions that reach it. */
  readonly roots: ReadonlyArray<PrefixRoot>
  readonly finding: { readonly actions: ReadonlyArray<Action>; readonly violation: Violation; readonly eventual: boolean } | undefined
}

/**
 * Expand breadth-first until at least `rootsMin` worlds wait (or nothing does). With `stats`,
 * count what it generates and check the invariants (the main thread); workers pass none.
 */
export const expandPrefix = (c: Compiled, rootsMin: number, stats?: CheckStats, sometimes?: Record<Sometimes, number>): Prefix => {
  const initial = initialWorld(c)
  const seen = new Set<string>([`${initial.fp.hi}:${initial.fp.lo}`])
  const worlds: Array<WorldState> = [initial]
  let frontier: Array<PrefixRoot> = [{ world: initial, actions: [] }]
  if (stats !== undefined && sometimes !== undefined) {
    stats.distinct += 1
    const violation = judgeSettled(c, initial, stats, sometimes)
    if (violation !== undefined) return { worlds, roots: [], finding: { actions: [], violation, eventual: true } }
  }
  while (frontier.length > 0 && frontier.length < rootsMin) {
    const next: Array<PrefixRoot> = []
    for (const { world, actions } of frontier) {
      for (const action of searchActions(c, world)) {
        const transition = apply(c, world, action)
        const path = [...actions, action]
        if (stats !== undefined && sometimes !== undefined) {
          stats.generated += 1
          countFlags(sometimes, transition.flags)
          if (transition.violation !== undefined) return { worlds, roots: [], finding: { actions: path, violation: transition.violation, eventual: false } }
        }
        const key = `${transition.state.fp.hi}:${transition.state.fp.lo}`
        if (seen.has(key)) continue
        seen.add(key)
        worlds.push(transition.state)
        next.push({ world: transition.state, actions: path })
        if (stats !== undefined && sometimes !== undefined) {
          stats.distinct += 1
          const violation = judgeSettled(c, transition.state, stats, sometimes)
          if (violation !== undefined) return { worlds, roots: [], finding: { actions: path, violation, eventual: true } }
        }
      }
    }
    frontier = next
    if (stats !== undefined && frontier.length > 0) stats.depth += 1
  }
  return { worlds, roots: frontier, finding: undefined }
}

/** What one thread's share of a parallel search came to. */
export interface RootsOutcome {
  readonly outcome: "exhausted" | "violation" | "bounded" | "stopped"
  /** With a violation: the root it was found under and the enabled-action indices from it. */
  readonly finding?: { readonly root: number; readonly path: ReadonlyArray<number>; readonly violation: Violation; readonly eventual: boolean }
}

/** The shared control words of a parallel search: the stop flag and the next root to take. */
export const CONTROL_STOP = 0
export const CONTROL_NEXT_ROOT = 1
export const CONTROL_WORDS = 2

/**
 * Take roots one at a time from the shared counter and explore each depth-first (work sharing:
 * a thread that finishes early takes more), until none is left. A violation, or the state bound,
 * raises the stop flag for every thread.
 */
export const exploreRoots = (run: DepthFirstRun, roots: ReadonlyArray<PrefixRoot>, control: Int32Array): RootsOutcome => {
  for (;;) {
    if (Atomics.load(control, CONTROL_STOP) !== 0) return { outcome: "stopped" }
    const root = Atomics.add(control, CONTROL_NEXT_ROOT, 1)
    if (root >= roots.length) return { outcome: "exhausted" }
    const result = depthFirstFrom(run, roots[root]!.world)
    if (result.outcome === "violation") {
      Atomics.store(control, CONTROL_STOP, 1)
      return { outcome: "violation", finding: { root, path: result.path, violation: result.violation!, eventual: result.eventual } }
    }
    if (result.outcome === "bounded") {
      Atomics.store(control, CONTROL_STOP, 1)
      return { outcome: "bounded" }
    }
    if (result.outcome === "stopped") return { outcome: "stopped" }
  }
}
