// The checker's event oracle on bit masks (as src/trace/oracle.ts: each write is an event whose
// causal past is what its client had read, never what the clocks say): the events a version set,
// a disk or a reply holds.
import { HashMap, Option } from "effect"
import { type DurableState, emptyVersionSet, hintsHeld, localStore, type NodeState, siblingValues, type Value, type VersionSet } from "../core/index.ts"
import { eventOf } from "../trace/format.ts"
import type { Compiled } from "./compiled.ts"
import type { DiskInfo } from "./world-fp.ts"

export const bit = (i: number): number => 1 << i

/** The event a sibling stands for: the written value, or the tombstone's id (as in the simulator). */

const eventsCache = new WeakMap<object, { readonly all: number; readonly live: number }>()

/** The events of a version set as masks: every sibling, and the live (non-tombstone) ones. */
export const setEvents = (c: Compiled, set: VersionSet): { readonly all: number; readonly live: number } => {
  let events = eventsCache.get(set)
  if (events === undefined) {
    let all = 0
    let live = 0
    for (const value of siblingValues(set)) {
      const w = c.writeIndex.get(eventOf(value))
      if (w === undefined) continue
      all |= bit(w)
      if (value._tag === "Put") live |= bit(w)
    }
    events = { all, live }
    eventsCache.set(set, events)
  }
  return events
}

export const valuesMask = (c: Compiled, values: ReadonlyArray<Value>): number => {
  let mask = 0
  for (const value of values) {
    const w = c.writeIndex.get(eventOf(value))
    if (w !== undefined) mask |= bit(w)
  }
  return mask
}

/** Every event in the causal past of some event of `mask`. */
export const coverage = (histories: ReadonlyArray<number>, mask: number): number => {
  let covered = 0
  for (let m = mask; m !== 0; m &= m - 1) covered |= histories[31 - Math.clz32(m & -m)]!
  return covered
}

export const eventNames = (c: Compiled, mask: number): string => {
  const names: Array<string> = []
  for (let m = mask; m !== 0; m &= m - 1) names.push(c.writes[31 - Math.clz32(m & -m)]!.id)
  return `[${names.join(", ")}]`
}

export const storeSetOf = (c: Compiled, store: HashMap.HashMap<string, VersionSet>, key: string): VersionSet =>
  Option.getOrElse(HashMap.get(store, key), () => emptyVersionSet(c.model.protocol.versions.mode))

/** The events a node holds for `key`: its own store's and its hints' for other nodes. */
export const heldEvents = (c: Compiled, state: NodeState, key: string): number => {
  let held = setEvents(c, storeSetOf(c, localStore(state), key)).all
  for (const hint of HashMap.values(hintsHeld(state))) if (hint.key === key) held |= setEvents(c, hint.set).all
  return held
}

/**
 * What a disk covers: every event in the past of an event it holds, any key, hints included.
 * Kept in the disk's info: the events it holds were sent before it was written, so their
 * histories are the same in every world that shares it.
 */
export const diskCoverage = (c: Compiled, histories: ReadonlyArray<number>, info: DiskInfo): number => {
  if (info.coverage < 0) {
    let held = 0
    for (const set of HashMap.values(info.disk.store)) held |= setEvents(c, set).all
    for (const hint of HashMap.values(info.disk.hints)) held |= setEvents(c, hint.set).all
    info.coverage = coverage(histories, held)
  }
  return info.coverage
}

/**
 * The events of `key` a disk holds as its own replica. Hints it keeps for other nodes do not
 * count: a hint deleted because the intended node acknowledged it must be in that node's own
 * store (HINT-1), not parked there as a hint for a third node.
 */
export const diskKeyEvents = (c: Compiled, disk: DurableState, key: string): number => setEvents(c, storeSetOf(c, disk.store, key)).all
