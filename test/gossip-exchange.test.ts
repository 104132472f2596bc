// One gossip exchange (section 4.8, src/core/membership.ts onGossip): "three messages when the
// views differ, one when not". The membership properties check that views converge; these pin the
// message economy and the refusal of a peer's malformed view. Issue 18: Stryker survivors.
import { describe, expect, test } from "vitest"
import { defaultProtocolConfig } from "../src/core/config.ts"
import { emptyDurableState } from "../src/core/durable.ts"
import type { NodeEffect } from "../src/core/io.ts"
import { entryOf, initialView, join, onGossip, viewDigest, type MembershipView } from "../src/core/membership.ts"
import { recover, step } from "../src/core/node.ts"
import { buildRing } from "../src/core/ring.ts"

const base = initialView([{ id: "a" }, { id: "b" }, { id: "c" }])
const withD = join(base, "d")

describe("a gossip exchange", () => {
  // Catches the reply rule's tests mutated (`||` made `&&`, the in-sync test forced false) and
  // the reply's replyWanted made true: a view answered although the sender asked for no answer,
  // or already agreed, and a reply that asks for another (the exchange would not end).
  test("a view is answered only when the sender asked and lacks something; the answer asks for none", () => {
    // The receiver knows more than the sender: it answers with the merged view, asking nothing back.
    const answered = onGossip(withD, { _tag: "GossipView", view: base, replyWanted: true })
    expect(viewDigest(answered.view)).toBe(viewDigest(withD))
    expect(answered.reply).toEqual({ _tag: "GossipView", view: withD, replyWanted: false })
    // The sender asked for no answer: it gets none, though the receiver knows more.
    const unasked = onGossip(withD, { _tag: "GossipView", view: base, replyWanted: false })
    expect(unasked.reply).toBeUndefined()
    expect(viewDigest(unasked.view)).toBe(viewDigest(withD))
    // The receiver learns from the sender and then agrees with it: nothing to send back.
    const learned = onGossip(base, { _tag: "GossipView", view: withD, replyWanted: true })
    expect(viewDigest(learned.view)).toBe(viewDigest(withD))
    expect(learned.reply).toBeUndefined()
  })

  // Peer input: a view out of canonical form (members unsorted) is dropped, not merged. Catches
  // the canonical-form test forced false (the view merged anyway) or its result blanked.
  test("a peer's non-canonical view is dropped: the receiver's view is unchanged, nothing answered", () => {
    const unsorted: MembershipView = [...withD].reverse()
    const step = onGossip(base, { _tag: "GossipView", view: unsorted, replyWanted: true })
    expect(step.view).toBe(base)
    expect(step.reply).toBeUndefined()
  })
})

describe("an administrator's command", () => {
  // The node that takes a Join or a Leave applies it and tells every gossip peer at once (a digest
  // each) rather than waiting for its next gossip round. Catches the command's tag test mutated (a
  // Join applied as a Leave of a node not in the view: nothing happens) and the announcement
  // removed or emptied, which the forwarding property cannot see (periodic gossip spreads the
  // change a little later).
  test("a Join or a Leave changes the view here and is announced to every peer", () => {
    const ring = buildRing(["a", "b", "c"].map((id) => ({ id })), { strategy: "partitions", partitions: 16 })
    const a = recover("a", { ...defaultProtocolConfig, n: 2, r: 1, w: 1 }, ring, emptyDurableState)
    const digestsTo = (effects: ReadonlyArray<NodeEffect>) =>
      effects.flatMap((e) => (e._tag === "Send" && e.message._tag === "Gossip" ? [e.to] : [])).sort()
    const joined = step(a, { _tag: "Admin", command: { _tag: "Join", node: "d" } }, 1)
    expect(entryOf(joined.state.membership, "d")?.status).toBe("joining")
    expect(digestsTo(joined.effects)).toEqual(["b", "c", "d"])
    const left = step(a, { _tag: "Admin", command: { _tag: "Leave", node: "c" } }, 1)
    expect(entryOf(left.state.membership, "c")?.status).toBe("leaving")
    expect(digestsTo(left.effects)).toEqual(["b", "c"])
  })
})
