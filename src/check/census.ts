// How big a model's state space is, and where its states come from (issue 23): a bounded
// breadth-first run that counts, level by level, the new worlds and which kind of action first
// reached each (a delivery by message kind, a timer firing by timer kind, a client send, a fault).
// It judges nothing (the search does that); it measures what a reduction would have to remove.
import type { CheckModel } from "./model.ts"
import { FingerprintTable, slotsFor } from "./table.ts"
import { apply, compile, type Action, type Compiled, initialWorld, type WorldState } from "./world.ts"
import { searchActions } from "./por.ts"

/** One breadth-first level: the new worlds at that depth, and the actions that led to them. */
export interface CensusLevel {
  readonly depth: number
  /** New worlds at this depth (their fingerprint first seen here). */
  readonly fresh: number
  /** Transitions out of the previous level's worlds. */
  readonly generated: number
  /** Per kind of action: how many of this level's new worlds it reached first. */
  readonly firstBy: Readonly<Record<string, number>>
}

export interface Census {
  readonly levels: ReadonlyArray<CensusLevel>
  readonly distinct: number
  readonly exhausted: boolean
  /** Over every expanded world: how many actions of each kind were enabled in all. */
  readonly enabledBy: Readonly<Record<string, number>>
  readonly expanded: number
  readonly seconds: number
}

/** The kind of an action, finer than its tag: deliveries by message, firings by timer. */
export const actionKind = (world: WorldState, action: Action): string => {
  switch (action._tag) {
    case "Deliver":
      return `deliver ${world.flight[action.packet]!.message._tag}`
    case "Fire":
      return `fire ${world.nodes[action.node]!.timers[action.timer]!._tag}`
    case "Issue":
    case "GiveUp":
    case "Persist":
    case "Drop":
    case "Duplicate":
    case "Crash":
    case "LoseDisk":
    case "Restart":
    case "Partition":
    case "Heal":
      return action._tag
  }
}

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1
}

/** Breadth-first until `maxStates` distinct worlds (or the space ends), counting per level. */
export const census = (model: CheckModel, maxStates: number, onLevel?: (level: CensusLevel) => void): Census => {
  const started = performance.now()
  const c: Compiled = compile(model)
  const table = FingerprintTable.allocate(slotsFor(Math.min(maxStates, 1 << 22)), false, false)
  const initial = initialWorld(c)
  table.insert(initial.fp, undefined)
  const levels: Array<CensusLevel> = []
  const enabledBy: Record<string, number> = {}
  let distinct = 1
  let expanded = 0
  let frontier: Array<WorldState> = [initial]
  let exhausted = true
  outer: for (let depth = 1; frontier.length > 0; depth++) {
    const next: Array<WorldState> = []
    const firstBy: Record<string, number> = {}
    let generated = 0
    for (const world of frontier) {
      expanded += 1
      const actions = searchActions(c, world)
      for (const action of actions) bump(enabledBy, actionKind(world, action))
      for (const action of actions) {
        const child = apply(c, world, action).state
        generated += 1
        if (!table.insert(child.fp, undefined)) continue
        distinct += 1
        bump(firstBy, actionKind(world, action))
        next.push(child)
        if (distinct >= maxStates) {
          exhausted = false
          const level = { depth, fresh: next.length, generated, firstBy }
          levels.push(level)
          onLevel?.(level)
          break outer
        }
      }
    }
    if (next.length === 0) break
    const level = { depth, fresh: next.length, generated, firstBy }
    levels.push(level)
    onLevel?.(level)
    frontier = next
  }
  return { levels, distinct, exhausted, enabledBy, expanded, seconds: (performance.now() - started) / 1000 }
}
