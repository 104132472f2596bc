// The core's public entry (src/core/index.ts) as the interpreters use it: the Beliefs input the
// conformance driver sets the failure detector with, and the queries that replaced reading
// NodeState's fields (a key's local view, the op a coordinator runs a client request under).
import { describe, expect, test } from "vitest"
import {
  believedDown,
  buildRing,
  counts,
  defaultProtocolConfig,
  emptyDurableState,
  localView,
  openRequests,
  preferenceList,
  recover,
  RING_CONFIG_DEFAULT,
  step,
  type NodeState
} from "../src/core/index.ts"

const ring = buildRing([{ id: "n1" }, { id: "n2" }, { id: "n3" }], RING_CONFIG_DEFAULT)

/** n1 started and ready (its epoch durable). */
const ready = (): NodeState => {
  const started = step(recover("n1", defaultProtocolConfig, ring, emptyDurableState), { _tag: "Start", epochFloor: 1 }, 0)
  const persist = started.effects.find((e) => e._tag === "Persist")!
  return step(started.state, { _tag: "PersistDone", token: persist._tag === "Persist" ? persist.token : -1 }, 0).state
}

describe("src/core/index.ts: Beliefs and the queries", () => {
  test("Beliefs sets the detector outright: sorted, without the node itself, and no effects", () => {
    const state = ready()
    const set = step(state, { _tag: "Beliefs", down: ["n3", "n1", "n2", "n3"] }, 1)
    // Mutations caught: keeping the node itself or duplicates, not sorting, emitting effects.
    expect(believedDown(set.state)).toEqual(["n2", "n3"])
    expect(set.effects).toEqual([])
    // Setting them again to none brings every peer back.
    expect(believedDown(step(set.state, { _tag: "Beliefs", down: [] }, 2).state)).toEqual([])
  })

  test("a get's op is named by the core's effects and open requests; localView reads the replica, absent keys included", () => {
    const state = ready()
    // With N = 3 of 3 nodes every key's top N holds n1, so n1 coordinates the get itself.
    const got = step(state, { _tag: "Client", request: { _tag: "Get", id: "r1", key: "k1" } }, 3)
    const timer = got.effects.find((e) => e._tag === "SetTimer" && e.timer._tag === "RequestTimer")
    const op = timer?._tag === "SetTimer" && timer.timer._tag === "RequestTimer" ? timer.timer.op : undefined
    const open = openRequests(got.state)
    // Mutation caught: a request timer naming another op than the request runs under (a driver
    // firing it, as the conformance driver's read repair does, would time out nothing).
    expect(op).toBeDefined()
    expect(op).toBe(open.find((r) => r.client === "r1")?.op)
    expect(localView(state, "k1")).toBeUndefined()
    expect(counts(state)).toEqual({ keys: 0, hints: 0 })
  })

  test("the reply to a forwarded request names the node that coordinated it; a local one leaves it implied", () => {
    // N = 1: a key whose one home is not n1 is forwarded there.
    const config = { ...defaultProtocolConfig, n: 1, r: 1, w: 1 }
    const started = step(recover("n1", config, ring, emptyDurableState), { _tag: "Start", epochFloor: 1 }, 0)
    const persist = started.effects.find((e) => e._tag === "Persist")!
    const state = step(started.state, { _tag: "PersistDone", token: persist._tag === "Persist" ? persist.token : -1 }, 0).state
    const key = Array.from({ length: 40 }, (_, i) => `k${i}`).find((k) => preferenceList(ring, k, 1)[0] !== "n1")!
    const home = preferenceList(ring, key, 1)[0]!
    const put = step(state, { _tag: "Client", request: { _tag: "Put", id: "p1", key, value: "v", context: [] } }, 1)
    const forward = put.effects.find((e) => e._tag === "Send" && e.message._tag === "Forward")
    expect(forward?._tag === "Send" && forward.to).toBe(home)
    if (forward?._tag !== "Send" || forward.message._tag !== "Forward") return
    const reply = { _tag: "PutOk", id: "p1", key, context: [] } as const
    const answered = step(put.state, { _tag: "Receive", from: home, message: { _tag: "ForwardReply", op: forward.message.op, epoch: forward.message.epoch, reply: reply as never } }, 2)
    // Mutation caught: the forwarder's Reply without the coordinator (the shell would name itself).
    expect(answered.effects.filter((e) => e._tag === "Reply")).toEqual([{ _tag: "Reply", reply, coordinator: home }])
    // A request coordinated here: no coordinator field, the replying node is the coordinator.
    const own = Array.from({ length: 40 }, (_, i) => `k${i}`).find((k) => preferenceList(ring, k, 1)[0] === "n1")!
    const localPut = step(state, { _tag: "Client", request: { _tag: "Put", id: "p2", key: own, value: "v", context: [] } }, 3)
    const stored = localPut.effects.find((e) => e._tag === "Persist")
    const done = step(localPut.state, { _tag: "PersistDone", token: stored?._tag === "Persist" ? stored.token : -1 }, 4)
    const replies = done.effects.filter((e) => e._tag === "Reply")
    expect(replies.length).toBe(1)
    expect(replies[0]).not.toHaveProperty("coordinator")
  })
})
