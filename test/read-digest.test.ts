// A Read names the versions its coordinator holds (versions.ts `versionsDigest`: the dots of a DVV
// set), and a replica holding exactly those answers without sending them back; the coordinator
// counts that answer as its own versions when it took the get (node.ts's Read, coordinator.ts's
// readAnswered). READ-2 and HINT-2 judge such answers in the simulator and the checker
// (src/sim/step-checks.ts, src/check/judge.ts); these are the rules at the core's edge.
import fc from "fast-check"
import { describe, expect, test } from "vitest"
import { defaultProtocolConfig, type ProtocolConfig } from "../src/core/config.ts"
import { emptyDurableState } from "../src/core/durable.ts"
import { dotsDigest, type DvvSet } from "../src/core/dvv.ts"
import type { ClientRequest, NodeEffect } from "../src/core/io.ts"
import type { PeerMessage } from "../src/core/messages.ts"
import { recover, step } from "../src/core/node.ts"
import { buildRing, preferenceList } from "../src/core/ring.ts"
import type { NodeState } from "../src/core/state.ts"
import { coordinatePut, emptyVersionSet, sameVersions, type Value, type VersionSet, versionsDigest } from "../src/core/versions.ts"

const RING = { strategy: "partitions" as const, partitions: 64 }
const NODES = ["a", "b", "c", "d"]
const ring = buildRing(NODES.map((id) => ({ id })), RING)
const dvvConfig: ProtocolConfig = { ...defaultProtocolConfig, n: 3, r: 2, w: 2 }
const vvConfig: ProtocolConfig = { ...dvvConfig, versions: { ...dvvConfig.versions, mode: "vv" } }
const KEY = "k1"
const TOP = preferenceList(ring, KEY, 3)
const OUTSIDE = NODES.find((node) => !TOP.includes(node))!

const ready = (id: string, config: ProtocolConfig = dvvConfig): NodeState => {
  const started = step(recover(id, config, ring, emptyDurableState), { _tag: "Start", epochFloor: 1 }, 0)
  const token = started.effects.find((e) => e._tag === "Persist")
  if (token?._tag !== "Persist") throw new Error("no epoch persist")
  return step(started.state, { _tag: "PersistDone", token: token.token }, 0).state
}

const receive = (state: NodeState, from: string, message: PeerMessage, now = 10) => step(state, { _tag: "Receive", from, message }, now)
/** The state after every persist the effects asked for is done. */
const persisted = (result: { state: NodeState; effects: ReadonlyArray<NodeEffect> }): NodeState =>
  result.effects.reduce((state, e) => (e._tag === "Persist" ? step(state, { _tag: "PersistDone", token: e.token }, 10).state : state), result.state)
const sends = (effects: ReadonlyArray<NodeEffect>) => effects.flatMap((e) => (e._tag === "Send" ? [{ to: e.to, message: e.message }] : []))
const replies = (effects: ReadonlyArray<NodeEffect>) => effects.flatMap((e) => (e._tag === "Reply" ? [e.reply] : []))

const written = (config: ProtocolConfig, value: string, actor: string, on: VersionSet = emptyVersionSet(config.versions.mode)): VersionSet => {
  const made = coordinatePut(config.versions, on, [], { _tag: "Put", value }, actor, 1)
  if (made._tag !== "Ok") throw new Error("not made")
  return made.set
}

/** `id` holding `set` for KEY as a home replica (a Replicate received and made durable). */
const holding = (id: string, set: VersionSet, config: ProtocolConfig = dvvConfig): NodeState =>
  persisted(receive(ready(id, config), TOP[0]!, { _tag: "Replicate", op: 0, epoch: 1, key: KEY, set }))

const get: ClientRequest = { _tag: "Get", id: "g1", key: KEY }

describe("a Read's digest", () => {
  // Catches: a Read without the digest (every answer carries its set again), or the digest of the
  // coordinator's own store alone, leaving out its hints (the answer it stands for is its whole
  // local view, hints included, the same view a replica compares against: HINT-2).
  test("names the coordinator's local view, its hints included", () => {
    const v1 = written(dvvConfig, "v1", TOP[0]!)
    const withHint = persisted(receive(holding(TOP[0]!, v1), TOP[1]!, { _tag: "Replicate", op: 1, epoch: 1, key: KEY, set: written(dvvConfig, "h1", TOP[1]!), hintFor: OUTSIDE }))
    const asked = step(withHint, { _tag: "Client", request: get }, 20)
    const reads = sends(asked.effects).filter((s) => s.message._tag === "Read")
    expect(reads.map((r) => r.to).sort()).toEqual(TOP.filter((n) => n !== TOP[0]).sort())
    for (const read of reads) {
      if (read.message._tag !== "Read") throw new Error("not a read")
      // v1 minted by TOP[0] and the hint's h1 by TOP[1], each its node's first dot at time 1.
      expect(read.message.digest).toBe([TOP[0]!, TOP[1]!].sort().map((node) => `${node.length}:${node},1,1,1;`).join(""))
    }
  })

  // Catches: a replica answering without its set when its view differs from the digest (an extra
  // version, or a hint for another node it compares without: HINT-2), or never answering without
  // it (the saving gone).
  test("lets a replica holding exactly those versions answer without them, and no other", () => {
    const v1 = written(dvvConfig, "v1", TOP[0]!)
    const read = { _tag: "Read", op: 4, epoch: 1, key: KEY, digest: versionsDigest(v1)! } as const
    const answer = (state: NodeState) => sends(receive(state, TOP[0]!, read).effects).find((s) => s.message._tag === "ReadReply")!.message
    expect(answer(holding(TOP[1]!, v1))).toEqual({ _tag: "ReadReply", op: 4, epoch: 1, key: KEY })
    const newer = written(dvvConfig, "v2", TOP[0]!, v1)
    expect(answer(holding(TOP[1]!, newer))).toEqual({ _tag: "ReadReply", op: 4, epoch: 1, key: KEY, set: newer })
    // The same own store, and a hint for another node beside it: the view differs, so the set goes.
    const hinted = persisted(receive(holding(TOP[1]!, v1), TOP[2]!, { _tag: "Replicate", op: 2, epoch: 1, key: KEY, set: written(dvvConfig, "h1", TOP[2]!), hintFor: OUTSIDE }))
    const reply = answer(hinted)
    expect(reply._tag === "ReadReply" && reply.set !== undefined && reply.set.mode === "dvv" ? reply.set.entries.flatMap((e) => e.values.map((v) => (v as Value & { value: string }).value)).sort() : []).toEqual(["h1", "v1"])
    // No digest (another clock mode, or a foreign coordinator): the set always goes.
    const { digest: _, ...plain } = read
    expect(sends(receive(holding(TOP[1]!, v1), TOP[0]!, plain).effects)[0]!.message).toEqual({ _tag: "ReadReply", op: 4, epoch: 1, key: KEY, set: v1 })
  })

  // Catches: the digest without a node's length prefix (two different sets whose entries
  // concatenate to the same text would read as the same), or without the number of values.
  test("is unambiguous for any node ids", () => {
    const put = (value: string): Value => ({ _tag: "Put", value })
    const one: DvvSet<Value> = [{ node: "a,1,1,1;1:b", counter: 1, time: 1, values: [put("x")] }]
    const two: DvvSet<Value> = [{ node: "a", counter: 1, time: 1, values: [put("x")] }, { node: "b", counter: 1, time: 1, values: [put("y")] }]
    expect(dotsDigest(one)).not.toBe(dotsDigest(two))
    expect(dotsDigest([{ node: "a", counter: 2, time: 1, values: [put("x"), put("w")] }])).not.toBe(dotsDigest([{ node: "a", counter: 2, time: 1, values: [put("x")] }]))
  })

  // Two DVV sets in which a dot always names the same value (dots are minted once: the rule sync
  // goes by) have the same digest exactly when they hold the same versions. The oracle is the
  // sets' full comparison, values included. Catches a digest that leaves out an entry, a counter
  // or the number of values (each makes two different sets read as the same), or that depends on
  // anything else (two equal sets read as different: the saving lost).
  test("is the same exactly when the versions are", () => {
    const entry = fc.record({ counter: fc.integer({ min: 1, max: 4 }), alive: fc.integer({ min: 0, max: 4 }) })
    const set = fc.record({ a: fc.option(entry), b: fc.option(entry), c: fc.option(entry) }).map((byNode): VersionSet => ({
      mode: "dvv",
      entries: (["a", "b", "c"] as const).flatMap((node) => {
        const e = byNode[node]
        if (e === null) return []
        const alive = Math.min(e.alive, e.counter)
        // The value of dot (node, k) is a function of the dot, and so is the entry's time.
        return [{ node, counter: e.counter, time: e.counter * 10, values: Array.from({ length: alive }, (_, j): Value => ({ _tag: "Put", value: `${node}${e.counter - j}` })) }]
      })
    }))
    fc.assert(fc.property(set, set, (x, y) => (versionsDigest(x) === versionsDigest(y)) === sameVersions(x, y)), { numRuns: 2000 })
  })
})

describe("an answer without a set", () => {
  // Catches: an answer without a set counted as empty (the reply would miss v1, which the
  // answering replica held: READ-2), or as the coordinator's view now rather than when it asked
  // (a put it coordinated since would be claimed for a replica that never held it).
  test("counts as the versions the coordinator held when it asked", () => {
    const v1 = written(dvvConfig, "v1", TOP[0]!)
    const asked = step(holding(TOP[0]!, v1), { _tag: "Client", request: get }, 20)
    const read = sends(asked.effects).find((s) => s.message._tag === "Read")!.message
    if (read._tag !== "Read") throw new Error("not a read")
    // A put through the coordinator before the answer arrives changes its view, not the answer.
    const put = persisted(step(asked.state, { _tag: "Client", request: { _tag: "Put", id: "p1", key: KEY, value: "v2", context: [] } }, 21))
    const answered = receive(put, TOP[1]!, { _tag: "ReadReply", op: read.op, epoch: read.epoch, key: KEY }, 22)
    expect(replies(answered.effects)).toEqual([expect.objectContaining({ _tag: "GetOk", id: "g1", values: ["v1"], nodes: [TOP[0], TOP[1]] })])
    // Read repair after the last answer: a stale replica gets the merged set, the one that
    // answered without a set nothing (it holds it).
    const last = receive(answered.state, TOP[2]!, { _tag: "ReadReply", op: read.op, epoch: read.epoch, key: KEY, set: emptyVersionSet("dvv") }, 23)
    expect(sends(last.effects).filter((s) => s.message._tag === "Repair")).toEqual([{ to: TOP[2], message: { _tag: "Repair", key: KEY, set: v1 } }])
  })

  // Catches: a coordinator that takes its own view for an answer without a set to a get whose
  // Reads carried no digest (under vv two replicas may hold different versions under equal
  // clocks, so nothing was named): a peer's garbage, dropped.
  test("to a Read that carried no digest is dropped", () => {
    const v1 = written(vvConfig, "v1", TOP[0]!)
    const asked = step(holding(TOP[0]!, v1, vvConfig), { _tag: "Client", request: get }, 20)
    const read = sends(asked.effects).find((s) => s.message._tag === "Read")!.message
    expect(read).not.toHaveProperty("digest")
    if (read._tag !== "Read") throw new Error("not a read")
    const answered = receive(asked.state, TOP[1]!, { _tag: "ReadReply", op: read.op, epoch: read.epoch, key: KEY }, 22)
    expect(replies(answered.effects)).toEqual([])
    const real = receive(answered.state, TOP[1]!, { _tag: "ReadReply", op: read.op, epoch: read.epoch, key: KEY, set: v1 }, 23)
    expect(replies(real.effects)).toEqual([expect.objectContaining({ _tag: "GetOk", values: ["v1"] })])
  })
})
