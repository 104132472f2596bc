// The core's public entry (src/core/index.ts) as the interpreters use it: the Beliefs input the
// conformance driver sets the failure detector with, and the queries that replaced reading
// NodeState's fields (a key's local view, the op a coordinator runs a client request under).
import { describe, expect, test } from "vitest"
import {
  believedDown,
  buildRing,
  coordinatorOpOf,
  counts,
  defaultProtocolConfig,
  emptyDurableState,
  localView,
  openRequests,
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

  test("coordinatorOpOf names the op a get runs under; localView reads the replica, absent keys included", () => {
    const state = ready()
    // With N = 3 of 3 nodes every key's top N holds n1, so n1 coordinates the get itself.
    const got = step(state, { _tag: "Client", request: { _tag: "Get", id: "r1", key: "k1" } }, 3)
    const op = coordinatorOpOf(got.state, "r1")
    const open = openRequests(got.state)
    // Mutation caught: a query that predicts the op (state.nextOp) instead of finding it.
    expect(op).toBeDefined()
    expect(op).toBe(open.find((r) => r.client === "r1")?.op)
    expect(coordinatorOpOf(got.state, "no-such-request")).toBeUndefined()
    expect(localView(state, "k1")).toBeUndefined()
    expect(counts(state)).toEqual({ keys: 0, hints: 0 })
  })
})
