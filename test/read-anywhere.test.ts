// Any node coordinates a get (paper section 6.4; src/core/node.ts's clientRequest): a node outside
// the key's top N asks the N highest-ranked reachable nodes itself, answers after R of them, and
// read-repairs the stale ones, where it used to forward the get (two more messages and a round
// trip). Puts and deletes are still forwarded: only a top-N node mints (test/forward.test.ts).
import { describe, expect, test } from "vitest"
import { defaultProtocolConfig } from "../src/core/config.ts"
import { emptyDurableState } from "../src/core/durable.ts"
import type { ClientRequest, NodeEffect } from "../src/core/io.ts"
import type { PeerMessage } from "../src/core/messages.ts"
import { recover, step } from "../src/core/node.ts"
import { buildRing, extendedPreferenceList, preferenceList } from "../src/core/ring.ts"
import type { NodeState } from "../src/core/state.ts"
import { coordinatePut, emptyVersionSet } from "../src/core/versions.ts"

const RING = { strategy: "partitions" as const, partitions: 64 }
const NODES = ["a", "b", "c", "d", "e"]
const ring = buildRing(NODES.map((id) => ({ id })), RING)
const config = { ...defaultProtocolConfig, n: 3, r: 2, w: 2 }
/** A key whose top N leaves out node "e", and whose first fallback is not e either. */
const KEY = Array.from({ length: 200 }, (_, i) => `key${i}`).find((key) => {
  const extended = extendedPreferenceList(ring, key, 3)
  return !extended.slice(0, 3).includes("e") && extended[3] !== "e"
})!
const TOP = preferenceList(ring, KEY, 3)
const FALLBACK = extendedPreferenceList(ring, KEY, 3)[3]!

/** A node started and ready (its epoch durable). */
const ready = (id: string): NodeState => {
  const started = step(recover(id, config, ring, emptyDurableState), { _tag: "Start", epochFloor: 1 }, 0)
  const token = started.effects.find((e) => e._tag === "Persist")
  if (token?._tag !== "Persist") throw new Error("no epoch persist")
  return step(started.state, { _tag: "PersistDone", token: token.token }, 0).state
}

const get: ClientRequest = { _tag: "Get", id: "c0.1", key: KEY }
const reads = (effects: ReadonlyArray<NodeEffect>) =>
  effects.flatMap((e) => (e._tag === "Send" && e.message._tag === "Read" ? [{ to: e.to, message: e.message }] : []))
const sentTags = (effects: ReadonlyArray<NodeEffect>) => effects.flatMap((e) => (e._tag === "Send" ? [e.message._tag] : []))
const replies = (effects: ReadonlyArray<NodeEffect>) => effects.flatMap((e) => (e._tag === "Reply" ? [e] : []))
const receive = (state: NodeState, from: string, message: PeerMessage, now = 10) => step(state, { _tag: "Receive", from, message }, now)

/** A version set holding one put of `value`, minted by `actor`. */
const written = (value: string, actor: string) => {
  const made = coordinatePut(config.versions, emptyVersionSet(config.versions.mode), [], { _tag: "Put", value }, actor, 1)
  if (made._tag !== "Ok") throw new Error("not made")
  return made.set
}

describe("a get at a node outside the key's top N", () => {
  // Mutation caught: a get forwarded again (a Forward sent), a get coordinated from the local
  // (non-replica) view alone or counting it as an answer (the reply would come before R replicas
  // spoke), or asking fewer than the N home replicas.
  test("is coordinated where it lands: a Read to each of the top N, the reply after R of them", () => {
    expect(TOP).not.toContain("e")
    const asked = step(ready("e"), { _tag: "Client", request: get }, 5)
    expect(sentTags(asked.effects)).not.toContain("Forward")
    expect(reads(asked.effects).map((r) => r.to).sort()).toEqual([...TOP].sort())
    expect(reads(asked.effects).every((r) => r.message._tag === "Read" && r.message.key === KEY)).toBe(true)
    expect(replies(asked.effects)).toEqual([])
    const read = reads(asked.effects)[0]!.message
    if (read._tag !== "Read") throw new Error("not a read")
    const set = written("v1", TOP[0]!)
    const first = receive(asked.state, TOP[0]!, { _tag: "ReadReply", op: read.op, epoch: read.epoch, key: KEY, set })
    expect(replies(first.effects)).toEqual([])
    const second = receive(first.state, TOP[1]!, { _tag: "ReadReply", op: read.op, epoch: read.epoch, key: KEY, set: emptyVersionSet(config.versions.mode) })
    const [reply] = replies(second.effects)
    // Answered here: no coordinator name (the node that replies coordinated it), the value of the
    // one replica that had it, and the two answering nodes.
    expect(reply).toMatchObject({ _tag: "Reply", reply: { _tag: "GetOk", id: get.id, values: ["v1"], nodes: [TOP[0], TOP[1]] } })
    expect(reply?.coordinator).toBeUndefined()
    // Read repair once the third answered: the stale one gets the merged set, the current one nothing.
    const third = receive(second.state, TOP[2]!, { _tag: "ReadReply", op: read.op, epoch: read.epoch, key: KEY, set })
    const repaired = third.effects.flatMap((e) => (e._tag === "Send" && e.message._tag === "Repair" ? [e.to] : []))
    expect(repaired).toEqual([TOP[1]])
    expect(replies(third.effects)).toEqual([])
  })

  // Mutation caught: a non-replica coordinator that asks a top-N node it believes down instead of
  // its fallback (the N highest-ranked reachable nodes, section 4.6), or that forwards a get when
  // the first top-N node is down.
  test("asks the N highest-ranked reachable nodes: a fallback stands for a top-N node believed down", () => {
    const believing = step(ready("e"), { _tag: "Beliefs", down: [TOP[0]!] }, 1).state
    const asked = step(believing, { _tag: "Client", request: get }, 5)
    expect(sentTags(asked.effects)).not.toContain("Forward")
    expect(reads(asked.effects).map((r) => r.to).sort()).toEqual([TOP[1]!, TOP[2]!, FALLBACK].sort())
  })

  // The other side of the rule, so the test above cannot pass by coordinating everything locally.
  // Mutation caught: a put at a non-replica coordinated (minted) here instead of forwarded.
  test("a put there is still forwarded to the first top-N node", () => {
    const put: ClientRequest = { _tag: "Put", id: "c0.2", key: KEY, value: "v", context: [] }
    const result = step(ready("e"), { _tag: "Client", request: put }, 5)
    expect(sentTags(result.effects)).toEqual(["Forward"])
  })
})
