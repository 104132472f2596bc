// The client requests a coordinator refuses before writing anything (src/core/coordinator.ts,
// spec section 2): R or W outside 1..N (BadQuorum), a node whose new epoch is not yet durable
// (NotReady), a put that would exceed the sibling limit (TooManySiblings). Each is answered at
// once with nothing sent to a replica, so the client knows the write did not happen. The network
// shell's tests see these at the HTTP layer; these see them on the core's step, which the
// mutation subset runs (issue 18: every refusal branch survived or had no covering test).
import { describe, expect, test } from "vitest"
import { defaultProtocolConfig, type ProtocolConfig } from "../src/core/config.ts"
import { emptyDurableState } from "../src/core/durable.ts"
import type { ClientRequest, NodeEffect } from "../src/core/io.ts"
import { recover, step } from "../src/core/node.ts"
import { buildRing, preferenceList } from "../src/core/ring.ts"
import type { NodeState } from "../src/core/state.ts"

const ring = buildRing(["a", "b", "c"].map((id) => ({ id })), { strategy: "partitions", partitions: 16 })
const KEY = "k1"
/** The key's first replica, so it coordinates the requests itself (no forwarding). */
const HOME = preferenceList(ring, KEY, 3)[0]!

const started = (config: ProtocolConfig = defaultProtocolConfig) =>
  step(recover(HOME, { ...config, n: 3, r: 2, w: 2 }, ring, emptyDurableState), { _tag: "Start", epochFloor: 1 }, 0)

const ready = (config?: ProtocolConfig): NodeState => {
  const start = started(config)
  const epoch = start.effects.find((e) => e._tag === "Persist")
  if (epoch?._tag !== "Persist") throw new Error("no epoch persist")
  return step(start.state, { _tag: "PersistDone", token: epoch.token }, 0).state
}

const request = (state: NodeState, req: ClientRequest) => step(state, { _tag: "Client", request: req }, 5)
const refusal = (effects: ReadonlyArray<NodeEffect>) => effects.flatMap((e) => (e._tag === "Reply" && e.reply._tag === "Failed" ? [e.reply.error] : []))
const sends = (effects: ReadonlyArray<NodeEffect>) => effects.filter((e) => e._tag === "Send")

const put = (w?: number): ClientRequest => (w === undefined ? { _tag: "Put", id: "p", key: KEY, value: "v", context: [] } : { _tag: "Put", id: "p", key: KEY, value: "v", context: [], w })
const get = (r?: number): ClientRequest => (r === undefined ? { _tag: "Get", id: "g", key: KEY } : { _tag: "Get", id: "g", key: KEY, r })

describe("requests refused before anything is written", () => {
  // Mutation caught: a bound of quorumInRange off by one or dropped (0, N + 1 or 1.5 accepted),
  // the refusal's reply emptied or its error renamed, or the request sent on regardless.
  test("R or W outside 1..N, or not an integer: BadQuorum, nothing sent", () => {
    const node = ready()
    for (const w of [0, 4, 1.5, -1]) {
      const result = request(node, put(w))
      expect(result.effects.filter((e) => e._tag === "Reply")).toEqual([{ _tag: "Reply", reply: { _tag: "Failed", id: "p", key: KEY, error: "BadQuorum", acks: 0, nodes: [] } }])
      expect(sends(result.effects)).toEqual([])
    }
    for (const r of [0, 4, 2.5]) {
      const result = request(node, get(r))
      expect(result.effects.filter((e) => e._tag === "Reply")).toEqual([{ _tag: "Reply", reply: { _tag: "Failed", id: "g", key: KEY, error: "BadQuorum", acks: 0, nodes: [] } }])
      expect(sends(result.effects)).toEqual([])
    }
    // The bounds themselves are accepted: W = 1 and W = N, R = 1 and R = N.
    for (const w of [1, 3]) expect(refusal(request(node, put(w)).effects)).toEqual([])
    for (const r of [1, 3]) expect(refusal(request(node, get(r)).effects)).toEqual([])
  })

  // Mutation caught: a node that coordinates a put before its new epoch is durable (it could mint
  // a dot an earlier incarnation used: EPOCH-2), or that refuses once it is ready.
  test("a put before the node's epoch is durable: NotReady, nothing sent; once durable it is coordinated", () => {
    const fresh = started().state
    const early = request(fresh, put())
    expect(early.effects.filter((e) => e._tag === "Reply")).toEqual([{ _tag: "Reply", reply: { _tag: "Failed", id: "p", key: KEY, error: "NotReady", acks: 0, nodes: [] } }])
    expect(sends(early.effects)).toEqual([])
    const later = request(ready(), put())
    expect(refusal(later.effects)).toEqual([])
    expect(sends(later.effects).length).toBe(2)
  })

  // Mutation caught: the sibling limit not applied by the coordinator, or the refusal still
  // writing the version.
  test("a put beyond the sibling limit: TooManySiblings, nothing stored or sent", () => {
    let node = ready({ ...defaultProtocolConfig, versions: { ...defaultProtocolConfig.versions, siblingsWarn: 1, siblingsMax: 2 } })
    // Two blind puts (empty context): two concurrent siblings, stored locally.
    for (const id of ["p1", "p2"]) node = request(node, { _tag: "Put", id, key: KEY, value: id, context: [] }).state
    const third = request(node, { _tag: "Put", id: "p3", key: KEY, value: "p3", context: [] })
    expect(third.effects.filter((e) => e._tag === "Reply")).toEqual([{ _tag: "Reply", reply: { _tag: "Failed", id: "p3", key: KEY, error: "TooManySiblings", acks: 0, nodes: [] } }])
    expect(sends(third.effects)).toEqual([])
    expect(third.effects.filter((e) => e._tag === "Persist")).toEqual([])
  })

  // Mutation caught: a delete written as a put (its tombstone's id lost) or a put as a tombstone.
  test("a delete writes a tombstone named by the request id; a put its value", () => {
    const node = ready()
    const stored = (effects: ReadonlyArray<NodeEffect>) =>
      effects.flatMap((e) => (e._tag === "Persist" && e.record._tag === "StoreKey" && e.record.set.mode === "dvv" ? e.record.set.entries.flatMap((x) => x.values) : []))
    expect(stored(request(node, { _tag: "Delete", id: "d1", key: KEY, context: [] }).effects)).toEqual([{ _tag: "Tombstone", id: "d1" }])
    expect(stored(request(node, put()).effects)).toEqual([{ _tag: "Put", value: "v" }])
  })
})
