// What splits a model's worlds (issue 23): over a bounded breadth-first sample of distinct
// worlds, how many would merge if one component of the world were left out of the fingerprint
// (a node-state field on every node, the disks, the timers, the multiset, a client's parts, the
// oracle's records, the budget). A component whose removal merges many worlds is where an
// abstraction (a canonical form) could pay; one that merges none is not worth arguing about.
import type { CheckModel } from "./model.ts"
import { FingerprintTable, slotsFor } from "./table.ts"
import { apply, compile, initialWorld, type Compiled, type WorldState } from "./world.ts"
import { searchActions } from "./por.ts"
import { Hasher, anyInto } from "./fingerprint.ts"
import { ackersUnread, slotPendingFp } from "./world-fp.ts"

/** Per position, two seeded mixes of a component's value, summed over the world (see `Combiner`). */
const mix = (x: number, seed: number): number => {
  let z = (x ^ seed) | 0
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad)
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97)
  return (z ^ (z >>> 15)) | 0
}

const h = new Hasher()
const hashOf = (value: unknown): number => {
  h.reset()
  anyInto(h, value)
  return h.finish().lo
}

/**
 * Each world's components, as (name, 32-bit value) pairs: a node's are named `node<i>.<part>`.
 * As the world's fingerprint sees them: with the canonical form on, tokens as ages, and no
 * acknowledgers once no disk loss can come.
 */
const eachPart = (c: Compiled, w: WorldState, visit: (name: string, value: number) => void): void => {
  w.nodes.forEach((slot, n) => {
    const info = slot.stateInfo
    if (info === undefined) visit(`node${n}.state:down`, 1)
    else info.fields.names.forEach((name, i) => {
      const fp = info.parts[i]
      if (fp !== undefined) visit(`node${n}.state.${name}`, fp.lo)
    })
    visit(`node${n}.disk`, slot.diskInfo.fp.lo)
    visit(`node${n}.pending`, slotPendingFp(c, slot).lo)
    visit(`node${n}.timers`, slot.timersFp.lo)
    visit(`node${n}.starts`, slot.starts | (slot.diskLost ? 1 << 16 : 0))
  })
  let flight = 0
  for (const packet of w.flight) flight = (flight + packet.fp.lo) | 0
  visit("flight", flight ^ w.flight.length)
  w.clients.forEach((client, k) => {
    visit(`client${k}.next`, client.next)
    visit(`client${k}.pending`, client.pending === undefined ? 0 : hashOf(client.pending))
    visit(`client${k}.seen`, hashOf(client.seen))
    visit(`client${k}.context`, hashOf(client.context))
  })
  visit("oracle.histories", hashOf(w.histories))
  visit("oracle.acked", w.acked)
  visit("oracle.ackersLeft", ackersUnread(c, w) ? 0 : hashOf(w.ackersLeft))
  visit("oracle.excused", w.excused)
  visit("budget.used", hashOf(w.used))
  visit("cut", w.cut)
  visit("now", w.now)
}

/** A component's group: its name without the node or client index. */
const groupOf = (name: string): string => name.replace(/^node\d+/, "node*").replace(/^client\d+/, "client*")

export interface Split {
  /** The component left out (every node's, or every client's, at once). */
  readonly group: string
  /** Distinct worlds of the sample once it is left out. */
  readonly distinct: number
  /** Worlds of the sample that only this component told apart. */
  readonly merged: number
}

export interface SplitReport {
  readonly sampled: number
  readonly exhausted: boolean
  readonly splits: ReadonlyArray<Split>
}

/**
 * For each group of components, how many of a breadth-first sample of `maxStates` distinct worlds
 * it alone tells apart. A world's key is a sum of per-component mixes (two lanes), so a key with a
 * group left out is the total minus that group's mixes: one pass per world, no world kept. With
 * `extraGroups`, unions of groups are left out together as well.
 */
export const splits = (model: CheckModel, maxStates: number, extraGroups: ReadonlyArray<ReadonlyArray<string>> = []): SplitReport => {
  const c: Compiled = compile(model)
  const ids = new Map<string, { readonly seedHi: number; readonly seedLo: number; readonly group: string }>()
  const groups: Array<string> = []
  const keys = new Map<string, Set<number>>()
  const componentOf = (name: string) => {
    let id = ids.get(name)
    if (id === undefined) {
      id = { seedHi: mix(ids.size * 2 + 1, 0x2545f491), seedLo: mix(ids.size * 2 + 2, 0x1b873593), group: groupOf(name) }
      ids.set(name, id)
      if (!groups.includes(id.group)) groups.push(id.group)
    }
    return id
  }
  const record = (w: WorldState): void => {
    let hi = 0
    let lo = 0
    const byGroup = new Map<string, [number, number]>()
    eachPart(c, w, (name, value) => {
      const id = componentOf(name)
      const a = mix(value, id.seedHi)
      const b = mix(value, id.seedLo)
      hi = (hi + a) | 0
      lo = (lo + b) | 0
      const sum = byGroup.get(id.group) ?? [0, 0]
      sum[0] = (sum[0] + a) | 0
      sum[1] = (sum[1] + b) | 0
      byGroup.set(id.group, sum)
    })
    const add = (name: string, dropHi: number, dropLo: number): void => {
      let set = keys.get(name)
      if (set === undefined) keys.set(name, (set = new Set()))
      // 53 bits of the two lanes: a collision among 10^6 keys has probability about 10^-4.
      set.add(((hi - dropHi) >>> 11) * 0x1_0000_0000 + ((lo - dropLo) >>> 0))
    }
    add("", 0, 0)
    for (const group of groups) {
      const sum = byGroup.get(group) ?? [0, 0]
      add(group, sum[0], sum[1])
    }
    for (const extra of extraGroups) {
      let dropHi = 0
      let dropLo = 0
      for (const group of extra) {
        const sum = byGroup.get(group) ?? [0, 0]
        dropHi = (dropHi + sum[0]) | 0
        dropLo = (dropLo + sum[1]) | 0
      }
      add(extra.join(" + "), dropHi, dropLo)
    }
  }
  const table = FingerprintTable.allocate(slotsFor(Math.min(maxStates, 1 << 22)), false, false)
  const initial = initialWorld(c)
  table.insert(initial.fp, undefined)
  record(initial)
  let sampled = 1
  let exhausted = true
  let frontier: Array<WorldState> = [initial]
  outer: while (frontier.length > 0) {
    const next: Array<WorldState> = []
    for (const world of frontier) {
      for (const action of searchActions(c, world)) {
        const child = apply(c, world, action).state
        if (!table.insert(child.fp, undefined)) continue
        record(child)
        next.push(child)
        sampled += 1
        if (sampled >= maxStates) {
          exhausted = false
          break outer
        }
      }
    }
    frontier = next
  }
  const total = keys.get("")!.size
  const result: Array<Split> = []
  for (const [group, set] of keys) {
    if (group === "") continue
    result.push({ group, distinct: set.size, merged: total - set.size })
  }
  result.sort((a, b) => b.merged - a.merged || (a.group < b.group ? -1 : 1))
  // The components cover the whole fingerprint: they tell apart as many worlds as it does.
  if (total !== sampled) throw new Error(`splits: the components tell apart ${total} worlds, the fingerprint ${sampled}`)
  return { sampled, exhausted, splits: result }
}
