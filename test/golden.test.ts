// Golden scenarios for data versioning (section 4.4): the paper's Figure 3 in both clock modes,
// the DVVSet example of Preguiça et al., and the lost update of the paper's scheme that dotted
// version vectors fix (two puts through one coordinator from one context).

import { describe, expect, test } from "vitest"
import * as Dvv from "../src/core/dvv.ts"
import * as VClock from "../src/core/vclock.ts"
import {
  contextOf,
  coordinatePut,
  decodeContext,
  defaultVersionsConfig,
  emptyVersionSet,
  encodeContext,
  liveValues,
  putValue,
  syncVersions,
  type VersionsConfig,
  type VersionSet
} from "../src/core/versions.ts"

const vv: VersionsConfig = { ...defaultVersionsConfig, mode: "vv" }
const dvv: VersionsConfig = defaultVersionsConfig

/** A put that must succeed: the coordinator `actor` writes `value` at virtual time `time`. */
function put(cfg: VersionsConfig, stored: VersionSet, context: VClock.VClock, value: string, actor: string, time: number): VersionSet {
  const result = coordinatePut(cfg, stored, context, putValue(value), actor, time)
  if (result._tag !== "Ok") throw new Error(`put ${value} refused: ${result._tag}`)
  return result.set
}

/** The (node, counter) pairs of a clock, as the paper writes them: [(Sx,2),(Sy,1)]. */
const pairs = (clock: VClock.VClock): string => `[${clock.map((entry) => `(${entry.node},${entry.counter})`).join(",")}]`

/** Every version of a vv set with its clock, as the paper writes them. */
function versions(set: VersionSet): Array<string> {
  if (set.mode !== "vv") throw new Error("not a vv set")
  return set.siblings.map((sibling) => `${sibling.value._tag === "Put" ? sibling.value.value : "tombstone"} ${pairs(sibling.clock)}`)
}

/** Figure 3, the same story in either mode; returns the sets and contexts along the way. */
function figure3(cfg: VersionsConfig) {
  const empty = emptyVersionSet(cfg.mode)
  // A client writes a new object; Sx handles it: D1.
  const d1 = put(cfg, empty, VClock.empty, "D1", "Sx", 1)
  // The client updates it (its context is D1's); Sx handles it again: D2 descends from D1.
  const d2 = put(cfg, d1, contextOf(d1), "D2", "Sx", 2)
  // D2 is replicated to Sy and Sz; two clients update it through them concurrently.
  const atSy = syncVersions(cfg, empty, d2)
  const atSz = syncVersions(cfg, empty, d2)
  const d3 = put(cfg, atSy, contextOf(d2), "D3", "Sy", 3)
  const d4 = put(cfg, atSz, contextOf(d2), "D4", "Sz", 4)
  // A node that has received both holds D3 and D4 as siblings; a client reads both.
  const both = syncVersions(cfg, syncVersions(cfg, d2, d3), d4)
  const readContext = contextOf(both)
  // The client reconciles and writes through Sx, which has received the siblings too: D5.
  const atSx = syncVersions(cfg, d2, both)
  const d5 = put(cfg, atSx, readContext, "D5", "Sx", 5)
  // Replication of D5 replaces both siblings everywhere.
  const final = syncVersions(cfg, both, d5)
  return { d1, d2, d3, d4, both, readContext, d5, final }
}

describe("Figure 3: version evolution of an object over time", () => {
  test("vv mode: the paper's vector clocks, D1 through D5", () => {
    const story = figure3(vv)
    expect(versions(story.d1)).toEqual(["D1 [(Sx,1)]"])
    expect(versions(story.d2)).toEqual(["D2 [(Sx,2)]"])
    expect(versions(story.d3)).toEqual(["D3 [(Sx,2),(Sy,1)]"])
    expect(versions(story.d4)).toEqual(["D4 [(Sx,2),(Sz,1)]"])
    expect(versions(story.both)).toEqual(["D3 [(Sx,2),(Sy,1)]", "D4 [(Sx,2),(Sz,1)]"])
    expect(pairs(story.readContext)).toBe("[(Sx,2),(Sy,1),(Sz,1)]")
    expect(versions(story.d5)).toEqual(["D5 [(Sx,3),(Sy,1),(Sz,1)]"])
    expect(versions(story.final)).toEqual(["D5 [(Sx,3),(Sy,1),(Sz,1)]"])
    // Each entry keeps the virtual time of its last increment (read by truncation only).
    expect(JSON.stringify(story.final)).toBe(
      '{"mode":"vv","siblings":[{"clock":[{"node":"Sx","counter":3,"time":5},{"node":"Sy","counter":1,"time":3},' +
        '{"node":"Sz","counter":1,"time":4}],"value":{"_tag":"Put","value":"D5"}}]}'
    )
  })

  test("dvv mode: the same story, one causal context per key, the same final clock", () => {
    const story = figure3(dvv)
    expect(liveValues(story.d2)).toEqual(["D2"])
    expect(liveValues(story.both)).toEqual(["D3", "D4"])
    expect(pairs(story.readContext)).toBe("[(Sx,2),(Sy,1),(Sz,1)]")
    expect(liveValues(story.final)).toEqual(["D5"])
    expect(pairs(contextOf(story.final))).toBe("[(Sx,3),(Sy,1),(Sz,1)]")
    expect(JSON.stringify(story.final)).toBe(
      '{"mode":"dvv","entries":[{"node":"Sx","counter":3,"time":5,"values":[{"_tag":"Put","value":"D5"}]},' +
        '{"node":"Sy","counter":1,"time":3,"values":[]},{"node":"Sz","counter":1,"time":4,"values":[]}]}'
    )
  })

  test("the context handed to the client is an opaque string that decodes to the same clock", () => {
    const { readContext } = figure3(dvv)
    expect(decodeContext(encodeContext(readContext))).toEqual({ _tag: "Ok", context: readContext })
  })
})

describe("the DVVSet example (Preguiça et al.; Riak 2.0)", () => {
  test("v1, v2 without context, then v3 with context {a:1}, all by a", () => {
    const show = (set: Dvv.DvvSet<string>) =>
      set.map((entry) => `{${entry.node}:${entry.counter},[${entry.values.join(",")}]}`).join("")
    const s1 = Dvv.update(Dvv.empty, VClock.empty, "v1", "a", 1)
    expect(show(s1)).toBe("{a:1,[v1]}")
    const s2 = Dvv.update(s1, VClock.empty, "v2", "a", 2)
    expect(show(s2)).toBe("{a:2,[v2,v1]}")
    const s3 = Dvv.update(s2, VClock.fromEntries([{ node: "a", counter: 1, time: 1 }]), "v3", "a", 3)
    expect(show(s3)).toBe("{a:3,[v3,v2]}")
    expect(Dvv.values(s3)).toEqual(["v3", "v2"])
    expect(pairs(Dvv.join(s3))).toBe("[(a,3)]")
  })
})

describe("two puts through one coordinator from one context", () => {
  /** Two clients read the cart [(Sx,1)], each adds an item, and Sx coordinates both puts. */
  function concurrentCarts(cfg: VersionsConfig) {
    const cart = put(cfg, emptyVersionSet(cfg.mode), VClock.empty, "cart", "Sx", 1)
    const context = contextOf(cart)
    const withBook = put(cfg, cart, context, "cart+book", "Sx", 2)
    const withPen = put(cfg, withBook, context, "cart+pen", "Sx", 3)
    return { context, withPen }
  }

  test("VV-1 vv mode loses an update: both puts get the clock [(Sx,2)], the second replaces the first", () => {
    const { withPen } = concurrentCarts(vv)
    expect(versions(withPen)).toEqual(["cart+pen [(Sx,2)]"])
    expect(liveValues(withPen)).not.toContain("cart+book")
  })

  test("dvv mode keeps both as siblings, and a put with the merged context reconciles them", () => {
    const { withPen } = concurrentCarts(dvv)
    expect(liveValues(withPen)).toEqual(["cart+pen", "cart+book"])
    expect(pairs(contextOf(withPen))).toBe("[(Sx,3)]")
    const merged = put(dvv, withPen, contextOf(withPen), "cart+book+pen", "Sx", 4)
    expect(liveValues(merged)).toEqual(["cart+book+pen"])
  })
})
