// The canonical form of worlds (src/check/README.md, "Canonical form: data no future step and no
// invariant reads"): with and without it, `small` and every anomaly preset reach the same
// verdicts (the same invariant, the same shortest counterexample length, a trace that replays),
// `small`'s count with it is pinned; in bounded searches of two models no two worlds share a
// canonical fingerprint unless they agree on everything but the abstracted data, checked against
// a projection written here independently of world-fp.ts; and, field by field, worlds rewritten
// by hand hash equal exactly when the README's argument says they may.
import { HashMap } from "effect"
import { describe, expect, test } from "vitest"
import { runCheck } from "../../src/check/check.ts"
import { expectSameCounterexample } from "./anomaly-lengths.ts"
import { ANOMALY_PRESETS, buildModel, type CheckOptions } from "../../src/check/model.ts"
import { searchActions } from "../../src/check/por.ts"
import { apply, compile, initialWorld, type Compiled, type WorldState } from "../../src/check/world.ts"
import { nodeStateInfo, pendingEntry, pendingFp, slotOf, worldFp } from "../../src/check/world-fp.ts"
import type { NodeState } from "../../src/core/index.ts"
import { DERIVED_STATE_FIELDS } from "../../src/core/index.ts"

/** `small`'s state count with both reductions on (the defaults): README, "Canonical form". */
const SMALL_STATES_CANONICAL = 1_105_148

/** Plain text of any value the world holds: maps as sorted entries, bigints as text. */
const text = (value: unknown): string => {
  if (typeof value === "bigint") return `${value}n`
  if (value === undefined) return "undefined"
  if (typeof value !== "object" || value === null) return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(text).join(",")}]`
  if (value instanceof Map || HashMap.isHashMap(value)) {
    const entries = [...(value as Iterable<[unknown, unknown]>)].map(([k, v]) => `${text(k)}:${text(v)}`).sort()
    return `Map{${entries.join(",")}}`
  }
  const record = value as Record<string, unknown>
  return `{${Object.keys(record).sort().map((k) => `${k}:${text(record[k])}`).join(",")}}`
}

/**
 * Everything of a world that some future step or judged invariant reads. `canonical` false: the
 * world as it is (tokens as numbers, every acknowledger). True: the README's canonical form,
 * rewritten here from its definition (not from world-fp.ts): tokens as ages below the node's
 * counter, acknowledgers left out once no disk loss can come.
 */
const projection = (c: Compiled, w: WorldState, canonical: boolean): string => {
  const nodes = w.nodes.map((slot) => {
    const state = slot.state
    let view: unknown = "crashed"
    if (state !== undefined) {
      const fields: Record<string, unknown> = {}
      for (const [field, value] of Object.entries(state)) {
        if (field === "id" || field === "config" || DERIVED_STATE_FIELDS.has(field)) continue
        if (canonical && field === "nextToken") continue
        fields[field] = canonical && field === "waiters"
          ? state.waiters.map((waiter) => ({ age: state.nextToken - waiter.token, then: waiter.then }))
          : value
      }
      view = fields
    }
    const pending = slot.pending.map((p) => ({
      token: canonical && state !== undefined ? state.nextToken - p.token : p.token,
      record: p.record
    }))
    return { view, disk: slot.disk, pending, timers: slot.timers, starts: slot.starts, diskLost: slot.diskLost }
  })
  const flight = w.flight.map((p) => text([p.from, p.to, p.message])).sort()
  const clients = w.clients.map((client) => ({ next: client.next, pending: client.pending, seen: client.seen, context: client.context }))
  const disksMayBeLost = w.used.diskLosses < c.model.bounds.diskLosses
  const ackersLeft = canonical && !disksMayBeLost ? "not read" : w.ackersLeft
  return text({
    nodes, flight, clients, histories: w.histories, acked: w.acked, ackersLeft, excused: w.excused,
    used: w.used, cut: w.cut, now: w.now
  })
}

const model = (options: CheckOptions) => {
  const built = buildModel(options)
  if (built._tag === "Error") throw new Error(built.message)
  return built.model
}

/**
 * Breadth-first over `limit` distinct worlds: every pair with one fingerprint must have one
 * canonical projection; returns how many worlds the canonical form merged (same fingerprint,
 * different raw projection), which must be more than none for the check to mean anything.
 */
const mergesIn = (options: CheckOptions, limit: number): { merged: number; distinct: number } => {
  const c = compile(model(options))
  const seen = new Map<string, { canonical: string; raw: string }>()
  const key = (w: WorldState): string => `${w.fp.hi}:${w.fp.lo}`
  const initial = initialWorld(c)
  seen.set(key(initial), { canonical: projection(c, initial, true), raw: projection(c, initial, false) })
  let frontier = [initial]
  let merged = 0
  while (frontier.length > 0 && seen.size < limit) {
    const next: Array<WorldState> = []
    for (const world of frontier) {
      for (const action of searchActions(c, world)) {
        const child = apply(c, world, action).state
        const canonical = projection(c, child, true)
        const first = seen.get(key(child))
        if (first === undefined) {
          seen.set(key(child), { canonical, raw: projection(c, child, false) })
          next.push(child)
          continue
        }
        expect(canonical, "two worlds with one fingerprint differ in data a future step or invariant reads").toBe(first.canonical)
        if (projection(c, child, false) !== first.raw) merged += 1
      }
    }
    frontier = next
  }
  return { merged, distinct: seen.size }
}

describe("the canonical form keeps every verdict", () => {
  // Catches: an abstraction that hides small's violation-free exhaustive run's reach beyond what
  // it merges (the pinned count would move), and one left on under --no-canonical (the count
  // without it is pinned in reductions.test.ts).
  test("small: exhausted with no violation, every Sometimes reached, the count pinned", async () => {
    const checked = await runCheck({ preset: "small" }, { order: "dfs", workers: 2, maxStates: 20_000_000 })
    expect(checked.counterexample?.violation).toBeUndefined()
    expect(checked.result.outcome).toBe("exhausted")
    expect(checked.result.stats.distinct).toBe(SMALL_STATES_CANONICAL)
    expect(checked.vacuous).toEqual([])
  }, 600_000)

  // Catches: a canonical form that merges a counterexample's world into one without the
  // violation (the anomaly would go unfound), lengthens a shortest path, or breaks the replay
  // of the trace (a counterexample is re-run along real actions, never along merged worlds).
  test.each(ANOMALY_PRESETS)("%s: the same invariant and the same shortest length with and without it", (preset) =>
    expectSameCounterexample(preset, [{ canonical: false }, { canonical: true }]))
})

describe("the canonical form merges only worlds that differ in unread data", () => {
  // Catches: a canonical form that drops or weakens data something reads: the waiters' tokens
  // (their order against a PersistDone), the pending persists' records, the acknowledgers while a
  // disk loss can still excuse a write (small with one disk loss). Each would give two worlds of
  // the search one fingerprint and different projections. And a canonical form that merges
  // nothing (merged would be 0). QUORUM-1's ackedBefore is not abstracted in the fingerprint but
  // left at 0 where QUORUM-1 is not judged: kept at 0 where it is, sloppy-stale-read above would
  // lose its counterexample.
  test.each([
    // Sizes: the first merges come after about 2,500 worlds of small, sooner in medium.
    ["small, one disk loss", { preset: "small", diskLosses: 1 }, 4_000],
    ["medium", { preset: "medium" }, 2_500]
  ] as const)("%s: worlds with one fingerprint have one canonical projection", (_name, options, limit) => {
    const { merged, distinct } = mergesIn(options, limit)
    expect(distinct).toBeGreaterThan(limit - 500)
    expect(merged).toBeGreaterThan(0)
  }, 120_000)
})

/** The first world of a breadth-first search of `options` that `found` accepts. */
const firstWorld = (c: Compiled, found: (w: WorldState) => boolean): WorldState => {
  let frontier = [initialWorld(c)]
  for (let depth = 0; depth < 40 && frontier.length > 0; depth++) {
    const next: Array<WorldState> = []
    for (const world of frontier) {
      if (found(world)) return world
      for (const action of searchActions(c, world)) next.push(apply(c, world, action).state)
    }
    frontier = next.slice(0, 5_000)
  }
  throw new Error("no such world")
}

/** `w`'s fingerprint with node `i`'s state and pending tokens rewritten (rebuilt from scratch). */
const refingerprint = (
  c: Compiled, w: WorldState, i: number, state: (s: NodeState) => NodeState, token: (t: number) => number,
  ackersLeft: ReadonlyArray<number> = w.ackersLeft
): string => {
  const slot = w.nodes[i]!
  const pending = slot.pending.map((p) => pendingEntry(token(p.token), p.record))
  const nodes = w.nodes.slice()
  nodes[i] = slotOf(nodeStateInfo(c, state(slot.state!), undefined), slot.diskInfo, pending, pendingFp(pending), slot.timers, slot.timersFp, slot.starts, slot.diskLost, slot.reads)
  const fp = worldFp(c, { ...w, nodes, ackersLeft })
  return `${fp.hi}:${fp.lo}`
}

describe("the canonical form, field by field", () => {
  const withWaiters = (w: WorldState): number =>
    w.nodes.findIndex((slot) => slot.state !== undefined && slot.state.waiters.length > 0 && slot.pending.length > 0)
  const shiftAll = (d: number) => (s: NodeState): NodeState =>
    ({ ...s, nextToken: s.nextToken + d, waiters: s.waiters.map((x) => ({ ...x, token: x.token + d })) })

  // Catches: tokens left in the fingerprint as numbers (the shifted world would differ), and an
  // age form that drops the waiters' or the pending persists' tokens, or the counter's relation
  // to them (a world with one of them shifted alone would hash equal: a merge of worlds whose
  // next PersistDone completes different waiters). With the form off, every shift shows.
  test("a node's tokens shifted together hash equal; shifted apart, or with the form off, they do not", () => {
    for (const canonical of [true, false]) {
      const c = compile(model({ preset: "small", canonical }))
      const w = firstWorld(c, (x) => withWaiters(x) >= 0)
      const i = withWaiters(w)
      const same = refingerprint(c, w, i, (s) => s, (t) => t)
      expect(same).toBe(`${w.fp.hi}:${w.fp.lo}`)
      const shifted = refingerprint(c, w, i, shiftAll(7), (t) => t + 7)
      if (canonical) expect(shifted).toBe(same)
      else expect(shifted).not.toBe(same)
      expect(refingerprint(c, w, i, shiftAll(7), (t) => t), "waiters and counter shifted, pending not").not.toBe(same)
      expect(refingerprint(c, w, i, (s) => s, (t) => t + 7), "pending shifted alone").not.toBe(same)
      const waitersAlone = (s: NodeState): NodeState => ({ ...s, waiters: s.waiters.map((x) => ({ ...x, token: x.token + 7 })) })
      expect(refingerprint(c, w, i, waitersAlone, (t) => t), "waiters shifted alone").not.toBe(same)
      expect(refingerprint(c, w, i, (s) => ({ ...s, nextToken: s.nextToken + 7 }), (t) => t), "counter alone").not.toBe(same)
      expect(refingerprint(c, w, i, (s) => ({ ...s, nextOp: s.nextOp + 1 }), (t) => t), "nextOp is not abstracted").not.toBe(same)
    }
  })

  // Catches: acknowledgers left out while a disk loss can still come (the loss would excuse
  // writes differently, DUR-1's verdict), and kept once none can (nothing merged).
  test("the acknowledgers count while a disk loss can come, and not after", () => {
    const c = compile(model({ preset: "small", diskLosses: 1 }))
    const acked = (w: WorldState): boolean => w.acked !== 0 && w.nodes.every((slot) => slot.state !== undefined)
    const before = firstWorld(c, (w) => acked(w) && w.used.diskLosses === 0)
    const i = before.nodes.findIndex((slot) => slot.state !== undefined)
    const flip = (w: WorldState) => w.ackersLeft.map((m, k) => ((w.acked >> k) & 1 ? m ^ 1 : m))
    expect(refingerprint(c, before, i, (s) => s, (t) => t, flip(before))).not.toBe(refingerprint(c, before, i, (s) => s, (t) => t))
    const spent = { ...before, used: { ...before.used, diskLosses: 1 } }
    expect(refingerprint(c, spent, i, (s) => s, (t) => t, flip(spent))).toBe(refingerprint(c, spent, i, (s) => s, (t) => t))
  })
})
