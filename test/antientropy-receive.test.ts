// The receiving side of an anti-entropy round (section 4.7, src/core/antientropy.ts
// receiveAntiEntropy): what a replica answers to a peer's round, seen at the node's step. Issue 18:
// these mutants of the receiver survived every test of the mutation subset.
import { describe, expect, test } from "vitest"
import { ANTI_ENTROPY_RANGES_PER_ROUND_MAX, defaultProtocolConfig } from "../src/core/config.ts"
import { applyRecord, emptyDurableState } from "../src/core/durable.ts"
import type { NodeEffect } from "../src/core/io.ts"
import type { PeerMessage } from "../src/core/messages.ts"
import type { AntiEntropyMessage } from "../src/core/merkle-exchange.ts"
import { recover, step } from "../src/core/node.ts"
import { buildRing, rangesHeldBy } from "../src/core/ring.ts"
import { coordinatePut, emptyVersionSet, putValue } from "../src/core/versions.ts"

const ring = buildRing(["a", "b", "c"].map((id) => ({ id })), { strategy: "partitions", partitions: 256 })
const config = { ...defaultProtocolConfig, n: 3, r: 1, w: 1 }

const roundOf = (effects: ReadonlyArray<NodeEffect>, to: string): ReadonlyArray<AntiEntropyMessage> =>
  effects.flatMap((effect) => (effect._tag === "Send" && effect.to === to && effect.message._tag === "AntiEntropy" ? effect.message.exchanges : []))

const receive = (node: ReturnType<typeof recover>, from: string, message: PeerMessage) => step(node, { _tag: "Receive", from, message }, 1)

describe("anti-entropy: the receiver's answer", () => {
  // A round in which every range is in sync ends at the receiver: a MerkleInSync answer would
  // cost a message the initiator has nothing to do with. Catches the receiver's filter of
  // MerkleInSync answers dropped or its tag test forced (every in-sync range answered); the
  // second half (a receiver holding a key the initiator lacks answers) keeps it from passing
  // because the receiver never answers at all.
  test("a replica in sync with the round answers nothing; one that differs answers", () => {
    const a = recover("a", config, ring, emptyDurableState)
    const b = recover("b", config, ring, emptyDurableState)
    const round = roundOf(step(a, { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick: 0 }, 1).effects, "b")
    expect(round.length).toBeGreaterThan(0)
    expect(roundOf(receive(b, "a", { _tag: "AntiEntropy", exchanges: round }).effects, "a")).toEqual([])

    const made = coordinatePut(config.versions, emptyVersionSet(config.versions.mode), [], putValue("v"), "b", 1)
    if (made._tag !== "Ok") throw new Error("put refused")
    // Every node holds every range (n = 3 of 3), so the key lies in one of the round's ranges or
    // in the next round's; send b a round that covers every range.
    const withKey = recover("b", config, ring, applyRecord(emptyDurableState, { _tag: "StoreKey", key: "k", set: made.set }))
    const everyRange = rangesHeldBy(ring, "a", 3).map((range): AntiEntropyMessage => {
      const mine = round.find((m) => m.range.end === range.end)
      return mine ?? { _tag: "MerkleRoot", range, hash: round[0]!._tag === "MerkleRoot" ? round[0]!.hash : 0n }
    })
    const answered = everyRange.slice(0, ANTI_ENTROPY_RANGES_PER_ROUND_MAX)
    const other = everyRange.slice(ANTI_ENTROPY_RANGES_PER_ROUND_MAX)
    const replies = [...roundOf(receive(withKey, "a", { _tag: "AntiEntropy", exchanges: answered }).effects, "a"),
      ...roundOf(receive(withKey, "a", { _tag: "AntiEntropy", exchanges: other.slice(0, ANTI_ENTROPY_RANGES_PER_ROUND_MAX) }).effects, "a"),
      ...roundOf(receive(withKey, "a", { _tag: "AntiEntropy", exchanges: other.slice(ANTI_ENTROPY_RANGES_PER_ROUND_MAX) }).effects, "a")]
    expect(replies).toHaveLength(1)
    expect(replies[0]!._tag).not.toBe("MerkleInSync")
  })

  // A peer's message may hold more exchanges than a round sends (a bug or garbage): the receiver
  // takes the first ANTI_ENTROPY_RANGES_PER_ROUND_MAX and ignores the rest, so one message costs
  // it a bounded amount of work. Catches that bound removed (every exchange answered).
  test("a message with more exchanges than a round's bound is answered for the bound only", () => {
    const b = recover("b", config, ring, emptyDurableState)
    const ranges = rangesHeldBy(ring, "b", 3)
    expect(ranges.length).toBeGreaterThan(ANTI_ENTROPY_RANGES_PER_ROUND_MAX)
    // A root hash no tree has: every exchange differs, so each one processed is answered.
    const exchanges = ranges.map((range): AntiEntropyMessage => ({ _tag: "MerkleRoot", range, hash: 12345n }))
    const replies = roundOf(receive(b, "a", { _tag: "AntiEntropy", exchanges }).effects, "a")
    expect(replies).toHaveLength(ANTI_ENTROPY_RANGES_PER_ROUND_MAX)
    expect(replies.map((reply) => reply.range.end)).toEqual(ranges.slice(0, ANTI_ENTROPY_RANGES_PER_ROUND_MAX).map((range) => range.end))
  })
})
