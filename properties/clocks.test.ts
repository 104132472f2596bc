// Laws of vector clocks and dotted version vector sets (section 4.4): compare is a partial order,
// merge is the least upper bound, truncation drops the oldest entries; DVVSet sync is a join
// (commutative, associative, idempotent) and update keeps exactly what its context has not seen.

import { fc, test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import * as Dvv from "../src/core/dvv.ts"
import * as VClock from "../src/core/vclock.ts"

const nodes = ["a", "b", "c", "d"] as const

const entryArb = fc.record({
  node: fc.constantFrom(...nodes),
  counter: fc.nat({ max: 4 }),
  time: fc.nat({ max: 20 })
})

/** Small counters over few nodes, so that equal and comparable pairs are common. */
const clockArb: fc.Arbitrary<VClock.VClock> = fc.array(entryArb, { maxLength: 6 }).map(VClock.fromEntries)

/** Three clocks, often a chain a <= b <= c, so transitivity is not vacuous. */
const tripleArb: fc.Arbitrary<readonly [VClock.VClock, VClock.VClock, VClock.VClock]> = fc.oneof(
  fc.tuple(clockArb, clockArb, clockArb),
  fc.tuple(clockArb, clockArb, clockArb).map(([a, x, y]) => {
    const b = VClock.merge(a, x)
    return [a, b, VClock.merge(b, y)] as const
  })
)

/** The pointwise definition of the order, with plain records: the oracle for `compare`. */
function pointwise(a: VClock.VClock, b: VClock.VClock): VClock.Ordering {
  const counters = (clock: VClock.VClock): Record<string, number> => {
    const record: Record<string, number> = {}
    for (const entry of clock) record[entry.node] = entry.counter
    return record
  }
  const x = counters(a)
  const y = counters(b)
  let aLeads = false
  let bLeads = false
  for (const node of nodes) {
    const left = x[node] ?? 0
    const right = y[node] ?? 0
    if (left > right) aLeads = true
    if (right > left) bLeads = true
  }
  return aLeads ? (bLeads ? "Concurrent" : "After") : bLeads ? "Before" : "Equal"
}

const json = (value: unknown): string => JSON.stringify(value)

/** Runs per law: cheap, so many. */
const runs = { numRuns: 300 }

describe("vector clocks", () => {
  // Catches: compare that reports "Concurrent" as "After" (or any wrong branch), a walk that
  // stops early, or ignores a node present on one side only.
  test.prop([clockArb, clockArb], runs)("CLOCK-1 compare agrees with the pointwise order", (a, b) => {
    expect(VClock.compare(a, b)).toBe(pointwise(a, b))
  })

  // Catches: a compare that is not reflexive (e.g. reads times, or uses > where >= is meant).
  test.prop([clockArb], runs)("CLOCK-2 compare is reflexive: every clock is Equal to itself", (a) => {
    expect(VClock.compare(a, a)).toBe("Equal")
    expect(VClock.descends(a, a)).toBe(true)
  })

  // Catches: asymmetric handling of the two sides (e.g. Concurrent reported as After only one way).
  test.prop([clockArb, clockArb], runs)("CLOCK-3 compare(b, a) mirrors compare(a, b); antisymmetry", (a, b) => {
    const ab = VClock.compare(a, b)
    expect(VClock.compare(b, a)).toBe(VClock.mirror(ab))
    if (VClock.descends(a, b) && VClock.descends(b, a)) expect(ab).toBe("Equal")
    if (ab === "Equal") for (const node of nodes) expect(VClock.get(a, node)).toBe(VClock.get(b, node))
  })

  // Catches: a non-transitive order (e.g. descends that skips entries missing on one side).
  test.prop([tripleArb], runs)("CLOCK-4 descends is transitive", ([a, b, c]) => {
    if (VClock.descends(b, a) && VClock.descends(c, b)) expect(VClock.descends(c, a)).toBe(true)
  })

  // Catches: descends and compare drifting apart (two implementations of one order).
  test.prop([clockArb, clockArb], runs)("CLOCK-5 descends(a, b) iff compare(a, b) is After or Equal", (a, b) => {
    const ordering = VClock.compare(a, b)
    expect(VClock.descends(a, b)).toBe(ordering === "After" || ordering === "Equal")
  })

  // Catches: a merge whose time rule depends on argument order, or that drops an entry.
  test.prop([clockArb, clockArb, clockArb], runs)("CLOCK-6 merge is commutative, associative, idempotent", (a, b, c) => {
    expect(json(VClock.merge(a, b))).toBe(json(VClock.merge(b, a)))
    expect(json(VClock.merge(VClock.merge(a, b), c))).toBe(json(VClock.merge(a, VClock.merge(b, c))))
    expect(json(VClock.merge(a, a))).toBe(json(a))
  })

  // Catches: merge taking the min, or a sum, or the left side's counter instead of the max.
  test.prop([clockArb, clockArb, clockArb], runs)("CLOCK-7 merge is the least upper bound", (a, b, x) => {
    const upper = VClock.merge(a, b)
    expect(VClock.descends(upper, a)).toBe(true)
    expect(VClock.descends(upper, b)).toBe(true)
    for (const c of [x, VClock.merge(upper, x), VClock.merge(VClock.merge(a, x), b)]) {
      if (VClock.descends(c, a) && VClock.descends(c, b)) expect(VClock.descends(c, upper)).toBe(true)
    }
    for (const node of nodes) {
      expect(VClock.get(upper, node)).toBe(Math.max(VClock.get(a, node), VClock.get(b, node)))
    }
  })

  // Catches: non-canonical output (unsorted, duplicated or zero entries) that breaks JSON equality.
  test.prop([clockArb, clockArb, fc.constantFrom(...nodes), fc.nat({ max: 50 }), fc.integer({ min: 1, max: 5 })], runs)(
    "CLOCK-8 increment, merge and truncate keep clocks canonical; equal data, equal JSON",
    (a, b, node, time, entriesMax) => {
      for (const clock of [VClock.increment(a, node, time), VClock.merge(a, b), VClock.truncate(a, entriesMax)]) {
        expect(VClock.isCanonical(clock)).toBe(true)
      }
      expect(json(VClock.fromEntries([...a].reverse()))).toBe(json(a))
    }
  )

  // Catches: increment that bumps the wrong node, or by more than one.
  test.prop([clockArb, fc.constantFrom(...nodes), fc.nat({ max: 50 })], runs)(
    "CLOCK-9 increment advances exactly one counter by one",
    (a, node, time) => {
      const next = VClock.increment(a, node, time)
      expect(VClock.compare(next, a)).toBe("After")
      for (const other of nodes) {
        expect(VClock.get(next, other)).toBe(VClock.get(a, other) + (other === node ? 1 : 0))
      }
    }
  )

  // Catches: truncation dropping the newest entries, dropping too many, or changing counters.
  test.prop([clockArb, fc.integer({ min: 1, max: 5 })], runs)(
    "CLOCK-10 truncate keeps at most k entries and drops the oldest",
    (a, entriesMax) => {
      const kept = VClock.truncate(a, entriesMax)
      expect(kept.length).toBe(Math.min(a.length, entriesMax))
      const keptJson = new Set(kept.map(json))
      for (const entry of kept) expect(a.map(json)).toContain(json(entry))
      const dropped = a.filter((entry) => !keptJson.has(json(entry)))
      const older = (x: VClock.VClockEntry, y: VClock.VClockEntry) => x.time < y.time || (x.time === y.time && x.node < y.node)
      for (const gone of dropped) for (const entry of kept) expect(older(gone, entry)).toBe(true)
      expect(VClock.descends(a, kept)).toBe(true)
    }
  )

  // Entries of equal time are dropped lowest node id first (a total order, so replicas truncate
  // alike). CLOCK-10 meets such a tie at the cut only a few times in its 300 runs (with the
  // tie-break reversed it first failed after 25, 75 and 179 runs on three seeds), so the tie is
  // stated here. Catches the node tie-break reversed (b dropped, a kept).
  test("CLOCK-10 truncate breaks a tie on time by node id: the lower id is dropped first", () => {
    const clock = VClock.fromEntries([{ node: "a", counter: 1, time: 5 }, { node: "b", counter: 2, time: 5 }, { node: "c", counter: 1, time: 9 }])
    expect(VClock.truncate(clock, 2).map((entry) => entry.node)).toEqual(["b", "c"])
    expect(VClock.truncate(clock, 1).map((entry) => entry.node)).toEqual(["c"])
  })

  // Sometimes: the generators do produce every ordering, so the laws above are not vacuous.
  test("CLOCK-1 sometimes: random clock pairs cover Before, After, Equal and Concurrent", () => {
    const seen = new Set(fc.sample(fc.tuple(clockArb, clockArb), { numRuns: 500, seed: 1 }).map(([a, b]) => VClock.compare(a, b)))
    expect([...seen].sort()).toEqual(["After", "Before", "Concurrent", "Equal"])
  })
})

// ---------------------------------------------------------------------------------------------
// DVVSets: reachable states only, built by a random history over three replicas whose ids are
// the actors (a coordinator only mints dots against its own store).

const replicas = ["a", "b", "c"] as const
type Replica = (typeof replicas)[number]

type DvvCommand =
  | { readonly _tag: "Update"; readonly replica: Replica; readonly context: "none" | Replica | number }
  | { readonly _tag: "Sync"; readonly from: Replica; readonly to: Replica }

const dvvCommandArb: fc.Arbitrary<DvvCommand> = fc.oneof(
  fc.record({
    _tag: fc.constant("Update" as const),
    replica: fc.constantFrom(...replicas),
    context: fc.oneof(fc.constant("none" as const), fc.constantFrom(...replicas), fc.nat({ max: 30 }))
  }),
  fc.record({ _tag: fc.constant("Sync" as const), from: fc.constantFrom(...replicas), to: fc.constantFrom(...replicas) })
)

interface DvvWorld {
  readonly sets: Record<Replica, Dvv.DvvSet<string>>
  readonly contexts: ReadonlyArray<VClock.VClock>
  readonly time: number
}

function runDvv(commands: ReadonlyArray<DvvCommand>): DvvWorld {
  const sets: Record<Replica, Dvv.DvvSet<string>> = { a: Dvv.empty, b: Dvv.empty, c: Dvv.empty }
  const contexts: Array<VClock.VClock> = []
  let time = 0
  for (const command of commands) {
    time++
    if (command._tag === "Sync") {
      sets[command.to] = Dvv.sync(sets[command.to], sets[command.from])
      continue
    }
    const context = command.context === "none"
      ? VClock.empty
      : typeof command.context === "number"
      ? (contexts[command.context % Math.max(1, contexts.length)] ?? VClock.empty)
      : Dvv.join(sets[command.context])
    sets[command.replica] = Dvv.update(sets[command.replica], context, `v${time}`, command.replica, time)
    contexts.push(Dvv.join(sets[command.replica]), context)
  }
  return { sets, contexts, time }
}

const dvvWorldArb = fc.array(dvvCommandArb, { maxLength: 30, size: "max" }).map(runDvv)

/** The dot of every value held: values[j] of an entry carries (node, counter - j). */
function dots(set: Dvv.DvvSet<string>): Map<string, { readonly node: string; readonly counter: number }> {
  const result = new Map<string, { readonly node: string; readonly counter: number }>()
  for (const entry of set) entry.values.forEach((value, j) => result.set(value, { node: entry.node, counter: entry.counter - j }))
  return result
}

describe("dotted version vector sets", () => {
  // Catches: a merge that prefers its left argument (e.g. keeps x's values on equal counters
  // without taking the shorter list), or a time rule that depends on argument order.
  test.prop([dvvWorldArb], runs)("DVV-1 sync is commutative", ({ sets: { a, b, c } }) => {
    expect(json(Dvv.sync(a, b))).toBe(json(Dvv.sync(b, a)))
    expect(json(Dvv.sync(b, c))).toBe(json(Dvv.sync(c, b)))
  })

  // Catches: a merge that discards by comparing with the wrong side's counter.
  test.prop([dvvWorldArb], runs)("DVV-2 sync is associative", ({ sets: { a, b, c } }) => {
    expect(json(Dvv.sync(Dvv.sync(a, b), c))).toBe(json(Dvv.sync(a, Dvv.sync(b, c))))
  })

  // Catches: a sync that drops or duplicates values when both sides are the same.
  test.prop([dvvWorldArb], runs)("DVV-3 sync is idempotent and absorbing", ({ sets: { a, b } }) => {
    expect(json(Dvv.sync(a, a))).toBe(json(a))
    const ab = Dvv.sync(a, b)
    expect(json(Dvv.sync(a, ab))).toBe(json(ab))
    expect(Dvv.isCanonical(ab)).toBe(true)
  })

  // Catches: an update that ignores the context's entries for other actors, or forgets the stored clock.
  test.prop([dvvWorldArb, fc.constantFrom(...replicas), fc.nat()], runs)(
    "DVV-4 update's result covers the input context and the stored set",
    ({ sets, contexts, time }, actor, pick) => {
      const context = contexts[pick % Math.max(1, contexts.length)] ?? VClock.empty
      const next = Dvv.update(sets[actor], context, "new", actor, time + 1)
      expect(VClock.descends(Dvv.join(next), context)).toBe(true)
      expect(VClock.compare(Dvv.join(next), Dvv.join(sets[actor]))).toBe("After")
      expect(Dvv.values(next)).toContain("new")
      expect(Dvv.isCanonical(next)).toBe(true)
    }
  )

  // Catches: an update that drops siblings its context does not cover, or keeps covered ones.
  test.prop([dvvWorldArb, fc.constantFrom(...replicas), fc.nat()], runs)(
    "DVV-5 update discards exactly the siblings whose dots the context covers",
    ({ sets, contexts, time }, actor, pick) => {
      const context = contexts[pick % Math.max(1, contexts.length)] ?? VClock.empty
      const before = dots(sets[actor])
      const expected = [...before]
        .filter(([, dot]) => dot.counter > VClock.get(context, dot.node))
        .map(([value]) => value)
      const after = Dvv.values(Dvv.update(sets[actor], context, "new", actor, time + 1))
      expect([...after].sort()).toEqual(["new", ...expected].sort())
    }
  )

  // Sometimes: histories do produce concurrent siblings and partly covering contexts.
  test("DVV-5 sometimes: reachable sets hold several siblings", () => {
    const sizes = fc.sample(dvvWorldArb, { numRuns: 200, seed: 2 }).map(({ sets }) => Dvv.size(Dvv.sync(sets.a, Dvv.sync(sets.b, sets.c))))
    expect(Math.max(...sizes)).toBeGreaterThanOrEqual(3)
  })
})

describe("DVVSet canonical form and entry times (issue 18: survivors of the mutation run)", () => {
  const entry = (node: string, counter: number, values: ReadonlyArray<string>, time = 1): Dvv.DvvEntry<string> => ({ node, counter, time, values })

  // What a decoder (VersionSetSchema) and the stores rely on. Catches each test of isCanonical
  // removed or inverted (a `return false` turned into `true`, a condition into `false`), or the
  // order check weakened to `<=` (a node listed twice).
  test("isCanonical accepts canonical sets and rejects each non-canonical form", () => {
    expect(Dvv.isCanonical([])).toBe(true)
    expect(Dvv.isCanonical([entry("a", 2, ["x", "y"]), entry("b", 1, [])])).toBe(true)
    expect(Dvv.isCanonical([entry("a", 0, [])]), "counter 0").toBe(false)
    expect(Dvv.isCanonical([entry("a", 1.5, [])]), "fractional counter").toBe(false)
    expect(Dvv.isCanonical([entry("a", Number.NaN, [])]), "NaN counter").toBe(false)
    expect(Dvv.isCanonical([entry("a", 1, [], Number.POSITIVE_INFINITY)]), "infinite time").toBe(false)
    expect(Dvv.isCanonical([entry("a", 1, ["x", "y"])]), "more values than dots").toBe(false)
    expect(Dvv.isCanonical([entry("b", 1, []), entry("a", 1, [])]), "unsorted").toBe(false)
    expect(Dvv.isCanonical([entry("a", 1, []), entry("a", 2, [])]), "a node twice").toBe(false)
    // Each rule also on a later entry, so a check of the first entry only does not pass.
    expect(Dvv.isCanonical([entry("a", 1, []), entry("b", 0, [])])).toBe(false)
    expect(Dvv.isCanonical([entry("a", 1, []), entry("b", 1, ["x", "y"])])).toBe(false)
  })

  // The entry time is that of the newest dot seen (the clock's entry time, which vv truncation
  // by age and the context's times read). Catches a merge that takes the later clock reading
  // rather than the newer counter's (`>` turned into `>=`, max into min, either side always):
  // a node whose clock stepped back (NTP) minted a newer dot at an earlier time.
  test("sync keeps the time of the newer counter, and the later time for the same counter", () => {
    const older = [entry("a", 1, ["x"], 9)]
    const newer = [entry("a", 2, ["y"], 5)]
    expect(Dvv.sync(older, newer)).toEqual([entry("a", 2, ["y"], 5)])
    expect(Dvv.sync(newer, older)).toEqual([entry("a", 2, ["y"], 5)])
    expect(Dvv.sync([entry("a", 2, ["y"], 3)], [entry("a", 2, ["y"], 7)])).toEqual([entry("a", 2, ["y"], 7)])
    expect(Dvv.sync([entry("a", 2, ["y"], 7)], [entry("a", 2, ["y"], 3)])).toEqual([entry("a", 2, ["y"], 7)])
  })
})
