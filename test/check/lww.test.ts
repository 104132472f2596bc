// The "lww" clock mode (src/core/versions.ts): last-writer-wins as Cassandra and Riak's
// last_write_wins offer it, added so the model checker can show what it loses. One version per
// key; the later timestamp wins, then the larger actor, then the larger value.
import { Result, Schema } from "effect"
import { describe, expect, test } from "vitest"
import * as VClock from "../../src/core/vclock.ts"
import {
  contextOf, coordinatePut, covers, defaultVersionsConfig, emptyVersionSet, isCanonicalVersionSet, isEmptySet, liveValues,
  putValue, siblingCount, syncVersions, tombstone, VersionSetSchema, type VersionsConfig, type VersionSet
} from "../../src/core/versions.ts"

const lww: VersionsConfig = { ...defaultVersionsConfig, mode: "lww" }

const put = (stored: VersionSet, value: string, actor: string, time: number, context: VClock.VClock = VClock.empty): VersionSet => {
  const result = coordinatePut(lww, stored, context, putValue(value), actor, time)
  if (result._tag !== "Ok") throw new Error(`put ${value} refused`)
  return result.set
}

describe("last-writer-wins", () => {
  test("a key never written is empty, and holds at most one version after any put", () => {
    const empty = emptyVersionSet("lww")
    expect(isEmptySet(empty)).toBe(true)
    const one = put(empty, "a", "n1", 1)
    const two = put(one, "b", "n1", 2)
    expect(siblingCount(two)).toBe(1)
    expect(liveValues(two)).toEqual(["b"])
    expect(isCanonicalVersionSet(two)).toBe(true)
  })

  test("replicas pick the same winner whatever the merge order: the later timestamp", () => {
    const a = put(emptyVersionSet("lww"), "a", "n1", 5)
    const b = put(emptyVersionSet("lww"), "b", "n2", 7)
    expect(liveValues(syncVersions(lww, a, b))).toEqual(["b"])
    expect(liveValues(syncVersions(lww, b, a))).toEqual(["b"])
    expect(syncVersions(lww, a, a)).toEqual(a)
  })

  test("equal timestamps are broken by the actor name, then the value", () => {
    const a = put(emptyVersionSet("lww"), "a", "n1", 3)
    const b = put(emptyVersionSet("lww"), "b", "n2", 3)
    expect(liveValues(syncVersions(lww, a, b))).toEqual(["b"])
    expect(liveValues(syncVersions(lww, b, a))).toEqual(["b"])
  })

  test("the context is ignored and always empty: a concurrent acknowledged write is silently dropped", () => {
    // Two clients write concurrently; neither saw the other. DVV would keep both as siblings.
    const first = put(emptyVersionSet("lww"), "cart+book", "n1", 1)
    const second = put(emptyVersionSet("lww"), "cart+pen", "n2", 2)
    expect(contextOf(first)).toEqual([])
    const merged = syncVersions(lww, first, second)
    expect(liveValues(merged)).toEqual(["cart+pen"])
    expect(covers(merged, first)).toBe(true) // the merge "covers" the lost write: nothing flags it
  })

  test("a later delete wins over an earlier put; an earlier one loses", () => {
    const written = put(emptyVersionSet("lww"), "a", "n1", 1)
    const deleted = coordinatePut(lww, written, contextOf(written), tombstone("d"), "n1", 2)
    expect(deleted._tag === "Ok" && liveValues(deleted.set)).toEqual([])
    const late = put(emptyVersionSet("lww"), "b", "n2", 3)
    expect(deleted._tag === "Ok" && liveValues(syncVersions(lww, deleted.set, late))).toEqual(["b"])
  })

  test("the schema takes an lww set and refuses one with two versions", () => {
    const set = put(emptyVersionSet("lww"), "a", "n1", 1)
    expect(Result.isSuccess(Schema.decodeUnknownResult(VersionSetSchema)(JSON.parse(JSON.stringify(set))))).toBe(true)
    const two = { mode: "lww", versions: [{ time: 1, actor: "n1", value: putValue("a") }, { time: 2, actor: "n2", value: putValue("b") }] }
    expect(Result.isSuccess(Schema.decodeUnknownResult(VersionSetSchema)(two))).toBe(false)
  })
})
