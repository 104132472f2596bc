// The forwarding handshake of src/core/forward.ts (sections 4.5, 4.6), step by step on the core:
// Forward, ForwardClaim, ForwardGrant, ForwardMinted, ForwardReply, the forward timer and the
// interpreter's PeerUnreachable (fed only by the network shell, so no simulated run reaches it).
// The promise under test: a put is coordinated exactly once, and a request a silent coordinator
// did not take is taken back at once.
import { HashMap } from "effect"
import { describe, expect, test } from "vitest"
import { defaultProtocolConfig } from "../src/core/config.ts"
import { emptyDurableState } from "../src/core/durable.ts"
import { CLAIMS_MAX } from "../src/core/forward.ts"
import type { ClientRequest, NodeEffect } from "../src/core/io.ts"
import type { PeerMessage } from "../src/core/messages.ts"
import { recover, step } from "../src/core/node.ts"
import { addRecent, emptyRecent, hasRecent } from "../src/core/recent.ts"
import { buildRing, preferenceList } from "../src/core/ring.ts"
import type { NodeState } from "../src/core/state.ts"

const RING = { strategy: "partitions" as const, partitions: 64 }
const NODES = ["a", "b", "c", "d", "e"]
const ring = buildRing(NODES.map((id) => ({ id })), RING)
const config = { ...defaultProtocolConfig, n: 3, r: 2, w: 2 }
/** A key whose top N leaves out node "e", so e forwards every request for it. */
const KEY = Array.from({ length: 100 }, (_, i) => `key${i}`).find((key) => !preferenceList(ring, key, 3).includes("e"))!
const TOP = preferenceList(ring, KEY, 3)
const [FIRST, SECOND] = [TOP[0]!, TOP[1]!]

/** A node started and ready (its epoch durable). */
const ready = (id: string): NodeState => {
  const started = step(recover(id, config, ring, emptyDurableState), { _tag: "Start", epochFloor: 1 }, 0)
  const token = started.effects.find((e) => e._tag === "Persist")!
  if (token._tag !== "Persist") throw new Error("no epoch persist")
  const done = step(started.state, { _tag: "PersistDone", token: token.token }, 0)
  expect(done.state.ready).toBe(true)
  return done.state
}

const put: ClientRequest = { _tag: "Put", id: "c0.1", key: KEY, value: "v1", context: [] }
const get: ClientRequest = { _tag: "Get", id: "c0.2", key: KEY }

const sent = (effects: ReadonlyArray<NodeEffect>, tag: PeerMessage["_tag"]) =>
  effects.flatMap((e) => (e._tag === "Send" && e.message._tag === tag ? [{ to: e.to, message: e.message }] : []))
const replies = (effects: ReadonlyArray<NodeEffect>) => effects.flatMap((e) => (e._tag === "Reply" ? [e] : []))
const forwardTimer = (op: number) => ({ _tag: "TimerFired" as const, timer: { _tag: "ForwardTimer" as const, op } })
const receive = (state: NodeState, from: string, message: PeerMessage) => step(state, { _tag: "Receive", from, message }, 10)

/** Node e received `request` from a client and forwarded it to FIRST: its state and the Forward's op. */
const forwardedBy = (request: ClientRequest) => {
  const result = step(ready("e"), { _tag: "Client", request }, 5)
  const [forward] = sent(result.effects, "Forward")
  expect(forward?.to).toBe(FIRST)
  if (forward?.message._tag !== "Forward") throw new Error("not forwarded")
  return { state: result.state, op: forward.message.op, epoch: forward.message.epoch }
}

describe("the forwarding node", () => {
  // Mutation caught: the choice of coordinator ignoring the detector (node.ts's `find` over the
  // top N forced to the first): a node that believes FIRST down forwards to SECOND, the next
  // top-N node believed up, rather than to a node it expects to stay silent.
  test("a request is forwarded to the first top-N node believed up", () => {
    const node = step(ready("e"), { _tag: "PeerUnreachable", node: FIRST }, 1).state
    expect(node.down).toContain(FIRST)
    const result = step(node, { _tag: "Client", request: put }, 5)
    expect(sent(result.effects, "Forward").map((s) => s.to)).toEqual([SECOND])
  })

  // Mutation caught: a node that believes every top-N node down forwarding anyway (to nobody)
  // instead of coordinating the request itself with fallbacks (section 4.6, "always writeable").
  test("a request whose top N are all believed down is coordinated here", () => {
    let node = ready("e")
    for (const down of TOP) node = step(node, { _tag: "PeerUnreachable", node: down }, 1).state
    const result = step(node, { _tag: "Client", request: put }, 5)
    expect(sent(result.effects, "Forward")).toEqual([])
    expect(sent(result.effects, "Replicate").length).toBeGreaterThan(0)
  })

  // Mutation caught: PeerUnreachable that believes the peer down but strands the request (the
  // stranded filter, its loop or the fallback emptied), or cancels nothing (the timer later
  // coordinates the request a second time).
  test("PeerUnreachable before any claim: the put is coordinated here at once, its timer cancelled", () => {
    const { state, op } = forwardedBy(put)
    const result = step(state, { _tag: "PeerUnreachable", node: FIRST }, 20)
    expect(result.state.down).toContain(FIRST)
    expect(result.effects).toContainEqual({ _tag: "CancelTimer", timer: { _tag: "ForwardTimer", op } })
    // Coordinated here: e mints the version and replicates it to the key's top N but the
    // unreachable one, and to a fallback holding a hint for it (section 4.6).
    const replicated = sent(result.effects, "Replicate")
    expect(replicated.filter((s) => s.message._tag === "Replicate" && s.message.hintFor === undefined).map((s) => s.to).sort())
      .toEqual(TOP.filter((node) => node !== FIRST).sort())
    expect(replicated.filter((s) => s.message._tag === "Replicate" && s.message.hintFor === FIRST)).toHaveLength(1)
    // Once only: the forward timer that may still fire finds nothing to do.
    expect(step(result.state, forwardTimer(op), 30).effects).toEqual([])
  })

  // Mutation caught: a claimed (granted) put taken back when its coordinator becomes unreachable
  // (`!f.accepted` dropped): two coordinators would mint two dots for one write (SIB-1, DEL-1).
  // Also: a peer other than the one forwarded to stranding nothing.
  test("PeerUnreachable after the claim, or of another peer: nothing is taken back", () => {
    const { state, op, epoch } = forwardedBy(put)
    const other = step(state, { _tag: "PeerUnreachable", node: SECOND }, 20)
    expect(sent(other.effects, "Replicate")).toEqual([])
    const claimed = receive(state, FIRST, { _tag: "ForwardClaim", op, epoch })
    expect(sent(claimed.effects, "ForwardGrant")).toEqual([{ to: FIRST, message: { _tag: "ForwardGrant", op, epoch } }])
    const result = step(claimed.state, { _tag: "PeerUnreachable", node: FIRST }, 20)
    expect(sent(result.effects, "Replicate")).toEqual([])
    expect(result.effects.filter((e) => e._tag === "CancelTimer")).toEqual([])
  })

  // Mutation caught: a claim accepted from a node the request was not forwarded to, or of an
  // earlier incarnation, or a second claim granted again (the put coordinated twice).
  test("a claim is granted once, and only from the node forwarded to, in this epoch", () => {
    const { state, op, epoch } = forwardedBy(put)
    expect(receive(state, SECOND, { _tag: "ForwardClaim", op, epoch }).effects).toEqual([])
    expect(receive(state, FIRST, { _tag: "ForwardClaim", op, epoch: epoch - 1 }).effects).toEqual([])
    expect(receive(state, FIRST, { _tag: "ForwardClaim", op: op + 1, epoch }).effects).toEqual([])
    const claimed = receive(state, FIRST, { _tag: "ForwardClaim", op, epoch })
    expect(claimed.effects).toContainEqual({ _tag: "SetTimer", timer: { _tag: "ForwardTimer", op }, afterMs: config.requestTimeoutMs + config.replicaTimeoutMs })
    expect(receive(claimed.state, FIRST, { _tag: "ForwardClaim", op, epoch }).effects).toEqual([])
  })

  // Mutation caught: a granted put with no minted set retried here (a second coordinator) instead
  // of failing with an unknown outcome; the silent coordinator not believed down.
  test("a granted put whose coordinator falls silent fails ForwardTimeout, and the coordinator is believed down", () => {
    const { state, op, epoch } = forwardedBy(put)
    const claimed = receive(state, FIRST, { _tag: "ForwardClaim", op, epoch })
    const result = step(claimed.state, forwardTimer(op), 100)
    expect(sent(result.effects, "Replicate")).toEqual([])
    expect(replies(result.effects)).toEqual([{ _tag: "Reply", reply: { _tag: "Failed", id: put.id, key: KEY, error: "ForwardTimeout", acks: 0, nodes: [] } }])
    expect(result.state.down).toContain(FIRST)
  })

  // Mutation caught: the minted set ignored (the timer then fails a put that could be placed), a
  // minted set accepted before the grant or from another node, or a later one replacing the first.
  test("a silent coordinator's minted set is placed here with the same dot", () => {
    const { state, op, epoch } = forwardedBy(put)
    const coordinator = receive(ready(FIRST), "e", { _tag: "Forward", op, epoch, request: put })
    const granted = receive(coordinator.state, "e", { _tag: "ForwardGrant", op, epoch })
    const [minted] = sent(granted.effects, "ForwardMinted")
    if (minted?.message._tag !== "ForwardMinted") throw new Error("no minted set")
    const set = minted.message.set
    // Before the claim, and from another node, a minted set is ignored.
    expect(receive(state, FIRST, minted.message).state).toBe(state)
    const claimed = receive(state, FIRST, { _tag: "ForwardClaim", op, epoch }).state
    expect(receive(claimed, SECOND, minted.message).state).toBe(claimed)
    const kept = receive(claimed, FIRST, minted.message).state
    const other = receive(ready(SECOND), "e", { _tag: "Forward", op, epoch, request: { ...put, value: "other" } })
    expect(other.effects.length).toBeGreaterThan(0)
    const result = step(kept, forwardTimer(op), 100)
    const replicated = sent(result.effects, "Replicate")
    expect(replicated.length).toBeGreaterThan(0)
    for (const { message } of replicated) expect(message._tag === "Replicate" && message.set).toEqual(set)
    expect(replies(result.effects)).toEqual([])
  })

  // Mutation caught: a minted set taken for an op this node does not know (a late or duplicated
  // message: the guard's first test dropped, it would crash) or from an earlier epoch.
  test("a minted set for an unknown op, or of another epoch, is ignored", () => {
    const { state, op, epoch } = forwardedBy(put)
    const claimed = receive(state, FIRST, { _tag: "ForwardClaim", op, epoch }).state
    const set = { mode: "dvv" as const, entries: [] }
    expect(receive(claimed, FIRST, { _tag: "ForwardMinted", op: op + 7, epoch, set }).state).toBe(claimed)
    expect(receive(claimed, FIRST, { _tag: "ForwardMinted", op, epoch: epoch + 1, set }).state).toBe(claimed)
  })

  // (A get is never forwarded: it is coordinated where it lands; test/read-anywhere.test.ts.)

  // Mutation caught: an answer passed on from a node or an epoch the request was not forwarded to
  // (a late answer to an earlier incarnation's op), or the timer left armed after the answer.
  test("only the coordinator's answer in this epoch reaches the client, with its name", () => {
    const { state, op, epoch } = forwardedBy(put)
    const reply = { _tag: "PutOk" as const, id: put.id, key: KEY, siblings: [], context: [], nodes: [FIRST, SECOND] }
    expect(receive(state, SECOND, { _tag: "ForwardReply", op, epoch, reply }).effects).toEqual([])
    expect(receive(state, FIRST, { _tag: "ForwardReply", op, epoch: epoch + 1, reply }).effects).toEqual([])
    const result = receive(state, FIRST, { _tag: "ForwardReply", op, epoch, reply })
    expect(result.effects).toEqual([
      { _tag: "CancelTimer", timer: { _tag: "ForwardTimer", op } },
      { _tag: "Reply", reply, coordinator: FIRST }
    ])
    expect(receive(result.state, FIRST, { _tag: "ForwardReply", op, epoch, reply }).effects).toEqual([])
  })
})

describe("the coordinator a request is forwarded to", () => {
  // Mutation caught: a put coordinated before the grant (the forwarder may coordinate it too), a
  // duplicated Forward claimed again, a grant honoured twice.
  test("a put is claimed, coordinated only on the grant, once, and its minted set sent back", () => {
    const node = ready(FIRST)
    const forward: PeerMessage = { _tag: "Forward", op: 7, epoch: 3, request: put }
    const claimed = receive(node, "e", forward)
    expect(claimed.effects).toEqual([{ _tag: "Send", to: "e", message: { _tag: "ForwardClaim", op: 7, epoch: 3 } }])
    expect(receive(claimed.state, "e", forward).effects).toEqual([])
    expect(receive(claimed.state, "e", { _tag: "ForwardGrant", op: 7, epoch: 2 }).effects).toEqual([])
    const granted = receive(claimed.state, "e", { _tag: "ForwardGrant", op: 7, epoch: 3 })
    expect(sent(granted.effects, "Replicate").length).toBe(2)
    expect(sent(granted.effects, "ForwardMinted").map((s) => s.to)).toEqual(["e"])
    expect(receive(granted.state, "e", { _tag: "ForwardGrant", op: 7, epoch: 3 }).effects).toEqual([])
  })

  // Mutation caught: claims kept without bound (the sweep dropped), swept too early (a recent
  // claim forgotten, its grant then ignored: the put is lost) or keeping the oldest.
  test("pending claims: the last CLAIMS_MAX are kept, at most 2 x CLAIMS_MAX", () => {
    let node = ready(FIRST)
    const total = 2 * CLAIMS_MAX + 1
    for (let op = 0; op < total; op++) node = receive(node, "e", { _tag: "Forward", op, epoch: 3, request: { ...put, id: `c.${op}` } }).state
    expect(HashMap.size(node.claims.pending)).toBeLessThanOrEqual(2 * CLAIMS_MAX)
    expect(HashMap.size(node.claims.pending)).toBeGreaterThanOrEqual(CLAIMS_MAX)
    // The newest claims are granted and coordinated; the oldest was swept (its forwarder, hearing
    // no answer, gives up: ForwardTimeout).
    const newest = receive(node, "e", { _tag: "ForwardGrant", op: total - 1, epoch: 3 })
    expect(sent(newest.effects, "ForwardMinted")).toHaveLength(1)
    const lastKept = receive(node, "e", { _tag: "ForwardGrant", op: total - CLAIMS_MAX, epoch: 3 })
    expect(sent(lastKept.effects, "ForwardMinted")).toHaveLength(1)
    expect(receive(node, "e", { _tag: "ForwardGrant", op: 0, epoch: 3 }).effects).toEqual([])
  })

  // Mutation caught: a recovering node that claims a put (it would refuse it NotReady after the
  // grant, and the forwarder, granted, could only fail it), or that refuses a get it could serve.
  test("a node not yet ready claims no put, but claims and coordinates a get", () => {
    const started = step(recover(FIRST, config, ring, emptyDurableState), { _tag: "Start", epochFloor: 1 }, 0).state
    expect(started.ready).toBe(false)
    expect(receive(started, "e", { _tag: "Forward", op: 1, epoch: 1, request: put }).effects).toEqual([])
    const answered = receive(started, "e", { _tag: "Forward", op: 2, epoch: 1, request: get })
    expect(sent(answered.effects, "ForwardClaim")).toEqual([{ to: "e", message: { _tag: "ForwardClaim", op: 2, epoch: 1 } }])
    expect(sent(answered.effects, "Read").length).toBeGreaterThan(0)
  })
})

describe("the ids a coordinator remembers (src/core/recent.ts)", () => {
  // A duplicated Forward must find its id; memory stays bounded. Catches the sweep dropped (the
  // memory grows without bound), run too early or too late (fewer than the last `max` ids kept,
  // or more than 2 x max), or keeping the oldest instead of the newest.
  test("at least the last max ids are remembered, never more than 2 x max", () => {
    const max = 4
    let recent = emptyRecent
    for (let i = 0; i < 50; i++) {
      recent = addRecent(recent, `id${i}`, max)
      const remembered = Array.from({ length: i + 1 }, (_, j) => `id${j}`).filter((id) => hasRecent(recent, id))
      expect(remembered.length).toBeLessThanOrEqual(2 * max)
      // The newest max ids, always.
      for (let j = Math.max(0, i - max + 1); j <= i; j++) expect(hasRecent(recent, `id${j}`), `id${j} after ${i}`).toBe(true)
      // Nothing older than the last 2 x max.
      if (i >= 2 * max) expect(hasRecent(recent, `id${i - 2 * max}`)).toBe(false)
    }
    expect(recent.next).toBe(50)
  })
})
