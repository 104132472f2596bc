// The helpers of src/core/versions.ts (section 4.4) that the history properties of
// properties/versions.test.ts pass through without pinning: emptiness and counts per mode, the
// field-by-field equality read repair decides with, the canonical order of vv siblings and the
// winner between equal clocks, the context codec's edges and the sibling warning. Issue 18: each
// test names the Stryker survivors it kills.
import { describe, expect, test } from "vitest"
import type { VClock } from "../src/core/vclock.ts"
import {
  coordinatePut, decodeContext, defaultVersionsConfig, emptyVersionSet, encodeContext, isCanonicalVersionSet, isEmptySet,
  putValue, sameVersions, siblingCount, syncVersions, tombstone, type Value, type VersionSet, type VersionsConfig
} from "../src/core/versions.ts"

const clock = (...entries: ReadonlyArray<readonly [string, number, number?]>): VClock =>
  entries.map(([node, counter, time]) => ({ node, counter, time: time ?? 1 }))
const dvvSet = (node: string, counter: number, time: number, values: ReadonlyArray<Value>): VersionSet =>
  ({ mode: "dvv", entries: [{ node, counter, time, values }] })
const vvSet = (...siblings: ReadonlyArray<{ readonly clock: VClock; readonly value: Value }>): VersionSet => ({ mode: "vv", siblings })
const lwwSet = (time: number, actor: string, value: Value): VersionSet => ({ mode: "lww", versions: [{ time, actor, value }] })
const vv: VersionsConfig = { ...defaultVersionsConfig, mode: "vv" }
const json = (set: VersionSet) => JSON.stringify(set)

describe("versions: emptiness, counts and equality per mode", () => {
  // Catches isEmptySet's or siblingCount's case of one mode dropped or inverted (a mode's case
  // label blanked, its length test forced): each mode's empty set is empty and counts 0, a set
  // with one version is not and counts 1, a vv set with two siblings counts 2.
  test("each mode's empty set is empty; a written one is not, and counts its siblings", () => {
    const written: ReadonlyArray<readonly [VersionSet, number]> = [
      [dvvSet("a", 1, 1, [putValue("x")]), 1],
      [vvSet({ clock: clock(["a", 1]), value: putValue("x") }, { clock: clock(["b", 1]), value: putValue("y") }), 2],
      [lwwSet(1, "a", putValue("x")), 1]
    ]
    for (const mode of ["dvv", "vv", "lww"] as const) {
      expect(isEmptySet(emptyVersionSet(mode)), mode).toBe(true)
      expect(siblingCount(emptyVersionSet(mode)), mode).toBe(0)
    }
    for (const [set, count] of written) {
      expect(isEmptySet(set), set.mode).toBe(false)
      expect(siblingCount(set), set.mode).toBe(count)
    }
  })

  // sameVersions decides whether read repair writes a replica back. Catches any of its field
  // comparisons forced true or joined with `||` (dvv: node, counter, time, values; vv: value and
  // clock, sameClock's node, counter and time; lww: time, actor, value; sameValue's tag, value
  // and tombstone id), the empty-set rule broken (an empty set equals another mode's empty set),
  // and the a === b shortcut made the only path (a copy must still compare equal).
  test("sameVersions tells apart sets that differ in any one field, and nothing else", () => {
    const put = putValue("x")
    const cases: ReadonlyArray<readonly [VersionSet, ReadonlyArray<VersionSet>]> = [
      [dvvSet("a", 2, 5, [put]), [dvvSet("b", 2, 5, [put]), dvvSet("a", 3, 5, [put]), dvvSet("a", 2, 6, [put]), dvvSet("a", 2, 5, [putValue("y")]), dvvSet("a", 2, 5, [tombstone("x")]), dvvSet("a", 2, 5, [])]],
      [vvSet({ clock: clock(["a", 2, 5]), value: put }), [
        vvSet({ clock: clock(["b", 2, 5]), value: put }), vvSet({ clock: clock(["a", 3, 5]), value: put }), vvSet({ clock: clock(["a", 2, 6]), value: put }),
        vvSet({ clock: clock(["a", 2, 5]), value: putValue("y") }), vvSet({ clock: clock(["a", 2, 5]), value: tombstone("x") }),
        vvSet({ clock: clock(["a", 2, 5], ["b", 1]), value: put })
      ]],
      [vvSet({ clock: clock(["a", 1]), value: tombstone("d1") }), [vvSet({ clock: clock(["a", 1]), value: tombstone("d2") })]],
      [lwwSet(5, "a", put), [lwwSet(6, "a", put), lwwSet(5, "b", put), lwwSet(5, "a", putValue("y")), lwwSet(5, "a", tombstone("x"))]]
    ]
    for (const [set, others] of cases) {
      expect(sameVersions(set, structuredClone(set)), json(set)).toBe(true)
      for (const other of others) {
        expect(sameVersions(set, other), `${json(set)} against ${json(other)}`).toBe(false)
        expect(sameVersions(other, set), `${json(other)} against ${json(set)}`).toBe(false)
      }
    }
    expect(sameVersions(emptyVersionSet("dvv"), emptyVersionSet("vv"))).toBe(true)
    expect(sameVersions(emptyVersionSet("lww"), { mode: "dvv", entries: [] })).toBe(true)
    expect(sameVersions(emptyVersionSet("dvv"), dvvSet("a", 1, 1, [put]))).toBe(false)
  })

  // Catches isCanonicalVersionSet's case of a mode dropped, and isCanonicalVv's clock check (the
  // schema's clock field rejects an unsorted clock first, so only this direct call reaches it).
  test("isCanonicalVersionSet judges each mode by its own rule", () => {
    expect(isCanonicalVersionSet(dvvSet("a", 1, 1, [putValue("x")]))).toBe(true)
    expect(isCanonicalVersionSet(dvvSet("a", 1, 1, [putValue("x"), putValue("y")]))).toBe(false)
    expect(isCanonicalVersionSet(vvSet({ clock: clock(["a", 1]), value: putValue("x") }, { clock: clock(["b", 1]), value: putValue("y") }))).toBe(true)
    expect(isCanonicalVersionSet(vvSet({ clock: clock(["b", 1], ["a", 1]), value: putValue("x") }))).toBe(false)
    // One clock a prefix of the other (it descends it): refused, not thrown on. Catches the order's
    // loop running to the longer clock's length (Math.max: it reads past the shorter one).
    expect(isCanonicalVersionSet(vvSet({ clock: clock(["a", 1]), value: putValue("x") }, { clock: clock(["a", 1], ["b", 1]), value: putValue("y") }))).toBe(false)
    expect(isCanonicalVersionSet(lwwSet(1, "a", putValue("x")))).toBe(true)
    expect(isCanonicalVersionSet({ mode: "lww", versions: [{ time: 1, actor: "a", value: putValue("x") }, { time: 2, actor: "b", value: putValue("y") }] })).toBe(false)
  })
})

describe("versions: the canonical order of vv siblings", () => {
  const sync = (a: VersionSet, b: VersionSet) => syncVersions(vv, a, b)
  const both = (a: VersionSet, b: VersionSet): VersionSet => {
    expect(json(sync(a, b))).toBe(json(sync(b, a)))
    return sync(a, b)
  }
  const clocks = (set: VersionSet) => (set.mode === "vv" ? set.siblings.map((s) => s.clock.map((e) => `${e.node}${e.counter}@${e.time}`).join(",")) : [])

  // Two clients writing the same value concurrently: siblings that differ by clock only. Their
  // order must come from the clock alone, entry by entry (node, then counter, then time), or the
  // merge depends on its argument order. Catches compareClockOrder's loop skipped or cut short
  // (its bound or its early return mutated), an entry compared on fewer fields, and
  // compareSiblingOrder's `||` made `&&` (a tie whenever values are equal).
  test("siblings with one value are ordered by clock, entry by entry, whatever the merge order", () => {
    const x = putValue("x")
    expect(clocks(both(vvSet({ clock: clock(["b", 1]), value: x }), vvSet({ clock: clock(["a", 1]), value: x })))).toEqual(["a1@1", "b1@1"])
    expect(clocks(both(vvSet({ clock: clock(["a", 1], ["c", 1]), value: x }), vvSet({ clock: clock(["a", 1], ["b", 1]), value: x })))).toEqual(["a1@1,b1@1", "a1@1,c1@1"])
    expect(clocks(both(vvSet({ clock: clock(["a", 2]), value: x }), vvSet({ clock: clock(["a", 1], ["b", 1]), value: x })))).toEqual(["a1@1,b1@1", "a2@1"])
    expect(clocks(both(vvSet({ clock: clock(["a", 1, 2], ["b", 1]), value: x }), vvSet({ clock: clock(["a", 1, 1], ["c", 1]), value: x })))).toEqual(["a1@1,c1@1", "a1@2,b1@1"])
  })

  // Equal clocks (a dot minted twice) keep one version, the same on every replica: the later one
  // by its latest entry time, then by value, a put above a tombstone. Catches equalClockWinner's
  // time test mutated (forced, or `>` made `>=`), latestTime reading the last entry instead of
  // the latest, and compareValueOrder's tag tests (put against tombstone, tombstone against
  // tombstone) forced or inverted.
  test("of two versions with equal clocks, every replica keeps the same one", () => {
    const winner = (x: Value, y: Value, cx: VClock = clock(["a", 1]), cy: VClock = cx): Value => {
      const merged = both(vvSet({ clock: cx, value: x }), vvSet({ clock: cy, value: y }))
      expect(merged.mode === "vv" && merged.siblings).toHaveLength(1)
      return merged.mode === "vv" ? merged.siblings[0]!.value : putValue("?")
    }
    expect(winner(putValue("x"), putValue("y"))).toEqual(putValue("y"))
    expect(winner(tombstone("d"), putValue("a"))).toEqual(putValue("a"))
    expect(winner(tombstone("d1"), tombstone("d2"))).toEqual(tombstone("d2"))
    // The later write wins over the larger value: its latest entry is the first one, not the last.
    expect(winner(putValue("late"), putValue("zzz"), clock(["a", 1, 9], ["b", 1, 1]), clock(["a", 1, 2], ["b", 1, 3]))).toEqual(putValue("late"))
    // ... and over the one first in sibling order (its first entry's time is the earlier one): the
    // time decides before the order does.
    expect(winner(putValue("late"), putValue("aaa"), clock(["a", 1, 2], ["b", 1, 9]), clock(["a", 1, 5], ["b", 1, 1]))).toEqual(putValue("late"))
  })
})

describe("versions: lww merges with an empty side", () => {
  // Catches lwwWinner's test for an empty second side dropped (it would compare with nothing).
  test("an lww set merged with an empty one, either way, is itself", () => {
    const lww: VersionsConfig = { ...defaultVersionsConfig, mode: "lww" }
    const set = lwwSet(3, "a", putValue("x"))
    expect(syncVersions(lww, set, emptyVersionSet("lww"))).toEqual(set)
    expect(syncVersions(lww, emptyVersionSet("lww"), set)).toEqual(set)
  })
})

describe("versions: the context codec and the sibling warning", () => {
  // Catches encodeContext's empty case dropped (the empty context of a blind put is "", which
  // clients send back as is) and decodeContext's error text blanked (the client is told what is wrong).
  test("the empty context encodes as \"\"; a bad one is refused, saying so", () => {
    expect(encodeContext([])).toBe("")
    expect(encodeContext(clock(["a", 1]))).not.toBe("")
    const bad = decodeContext("%%%")
    expect(bad._tag === "Error" && bad.message).toMatch(/^invalid context: ./)
  })

  // Catches the warning's text blanked: it names the count and the threshold.
  test("a put above siblingsWarn says how many siblings and the threshold", () => {
    const cfg: VersionsConfig = { ...defaultVersionsConfig, siblingsWarn: 1, siblingsMax: 5 }
    const first = coordinatePut(cfg, emptyVersionSet("dvv"), [], putValue("x"), "a", 1)
    if (first._tag !== "Ok") throw new Error("refused")
    const second = coordinatePut(cfg, first.set, [], putValue("y"), "b", 2)
    expect(second).toMatchObject({ _tag: "Ok", warning: "2 siblings, above the warning threshold of 1" })
  })
})
