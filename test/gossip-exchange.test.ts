// One gossip exchange (section 4.8, src/core/membership.ts onGossip): "three messages when the
// views differ, one when not". The membership properties check that views converge; these pin the
// message economy and the refusal of a peer's malformed view. Issue 18: Stryker survivors.
import { describe, expect, test } from "vitest"
import { initialView, join, onGossip, viewDigest, type MembershipView } from "../src/core/membership.ts"

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
