// The node host's contract (src/host/index.ts), one obligation per test: persists reach the disk
// in order, and only on their PersistDone; a crash loses what is not durable; the epoch floor
// grows across restarts even when the disk is lost; a firing disarms its timer; only Gossip and
// AntiEntropy take a pick. Each test names the mutation of src/host/node.ts it catches.
import { fc, test as fcTest } from "@fast-check/vitest"
import { describe, expect, test } from "vitest"
import { buildRing, defaultProtocolConfig, epochOf, isReady, RING_CONFIG_DEFAULT, compareTimerKey, timerKey, type Timer } from "../src/core/index.ts"
import { armed, armTimer, completePersist, disarmTimer, isArmed, crash, feed, fireTimer, firingOf, hostedNode, loseDisk, persistUpTo, PLAIN_HOLDING, recover, recoverNode, startOf, type Holding, type HostedNode } from "../src/host/index.ts"

const ring = buildRing([{ id: "n1" }, { id: "n2" }, { id: "n3" }], RING_CONFIG_DEFAULT)
const config = defaultProtocolConfig

/** n1 recovered from its disk and fed its Start: one Epoch record pending. */
const started = (node: HostedNode = hostedNode("n1")): HostedNode => {
  const recovered = recover(node, config, ring)
  return feed(recovered, startOf(recovered), 0).node
}

describe("src/host: the node host", () => {
  test("a Persist stays pending until its PersistDone, which applies it to the disk before the core acts", () => {
    const node = started()
    // Mutation caught: feed applying a Persist to the disk at once (disk epoch 1 here).
    expect(node.pending.map((p) => p.record._tag)).toEqual(["Epoch"])
    expect(node.disk.epoch).toBe(0)
    expect(isReady(node.state!)).toBe(false)
    const done = completePersist(node, node.pending[0]!.token, 1)
    // Mutations caught: PersistDone not applying the pending records (disk epoch 0), or applying
    // them without reporting them as made durable.
    expect(done.node.disk.epoch).toBe(1)
    expect(done.durable.map((r) => r._tag)).toEqual(["Epoch"])
    expect(done.node.pending).toEqual([])
    expect(isReady(done.node.state!)).toBe(true)
  })

  test("a PersistDone applies the records up to its token only, in order", () => {
    const node = started()
    const token = node.pending[0]!.token
    // Mutation caught: applying every pending record whatever the token (the earlier one is
    // not acknowledged by a PersistDone for a lower token).
    const early = completePersist(node, token - 1, 1)
    expect(early.durable).toEqual([])
    expect(early.node.disk.epoch).toBe(0)
    expect(early.node.pending.length).toBe(1)
  })

  test("a crash loses the volatile state, the armed timers and every pending persist, not the disk", () => {
    const node = completePersist(started(), started().pending[0]!.token, 1).node
    const again = feed(recover(node, config, ring), startOf(recover(node, config, ring)), 2).node
    expect(again.pending.length).toBe(1)
    const down = crash(again)
    // Mutations caught: a crash keeping pending persists or armed timers, or touching the disk.
    expect(down.node.state).toBeUndefined()
    expect(down.node.pending).toEqual([])
    expect(down.node.timers).toEqual([])
    expect(down.lost.map((r) => r._tag)).toEqual(["Epoch"])
    expect(down.node.disk.epoch).toBe(1)
  })

  test("the epoch floor grows across restarts, a disk loss included", () => {
    const first = completePersist(started(), started().pending[0]!.token, 1).node
    expect(epochOf(first.state!)).toBe(1)
    const wiped = loseDisk(first).node
    expect(wiped.disk.epoch).toBe(0)
    const second = started(wiped)
    // Mutation caught: recover not counting starts (the floor would be 1 again and the node
    // would reuse epoch 1, writing clock entries its first incarnation may already have used).
    expect(startOf(recover(wiped, config, ring))).toEqual({ _tag: "Start", epochFloor: 2 })
    expect(epochOf(second.state!)).toBe(2)
  })

  test("a firing disarms its timer; a periodic one re-arms itself through the core", () => {
    const node = completePersist(started(), started().pending[0]!.token, 1).node
    const probe = node.timers.find((t) => t._tag === "Probe")!
    expect(armed(node, probe)).toBe(true)
    expect(armed(fireTimer(node, probe, undefined, 2).node, probe)).toBe(true)
    // A one-shot timer for a request this node does not have: the core does nothing with it.
    const stale: Timer = { _tag: "RequestTimer", op: 999, round: 0 }
    const withStale = { ...node, timers: armTimer(node.timers, stale) }
    expect(armed(withStale, stale)).toBe(true)
    // Mutation caught: feed not disarming a fired timer (it would stay armed forever).
    expect(armed(fireTimer(withStale, stale, undefined, 2).node, stale)).toBe(false)
    // The table stays sorted by key, so equal tables are equal arrays (the checker's fingerprints).
    const keys = withStale.timers.map(timerKey)
    expect(keys).toEqual([...keys].sort())
  })

  test("only Gossip and AntiEntropy take a pick", () => {
    // Mutation caught: needsPick true for every timer (a Probe firing would carry a pick that
    // traces then record, changing their bytes).
    expect(firingOf({ _tag: "Probe" }, 7)).toEqual({ _tag: "TimerFired", timer: { _tag: "Probe" } })
    expect(firingOf({ _tag: "Gossip" }, 7)).toEqual({ _tag: "TimerFired", timer: { _tag: "Gossip" }, pick: 7 })
    expect(firingOf({ _tag: "AntiEntropy" }, 3)).toEqual({ _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick: 3 })
  })
})

describe("src/host: the rules over any holding", () => {
  test("a restart must raise the epoch floor", () => {
    const node = started()
    // Mutation caught: recoverNode accepting a floor that does not grow (a shell passing a
    // wall clock that went backwards would reuse an epoch).
    expect(() => recoverNode(PLAIN_HOLDING, node, () => node.state!, node.starts)).toThrow(/epoch floor/)
    expect(recoverNode(PLAIN_HOLDING, node, () => node.state!, 1_000).starts).toBe(1_000)
  })

  test("persistUpTo applies in emission order, through the holding's apply, and keeps the rest", () => {
    // A holding whose disk is the list of tokens applied: the order shows.
    const log: Holding<ReadonlyArray<number>, number> = {
      emptyDisk: [], nonePending: [], pendingOf: (token) => token, tokenOf: (t) => t,
      recordOf: () => ({ _tag: "Epoch", epoch: 0 }) as never, apply: (disk, t) => [...disk, t]
    }
    const made = persistUpTo(log, [], [3, 4, 7], 4)
    // Mutations caught: applying past the token, out of order, or dropping the later ones.
    expect(made.disk).toEqual([3, 4])
    expect(made.done).toBe(2)
    expect(made.pending).toEqual([7])
    expect(persistUpTo(log, [], [3], 2).done).toBe(0)
  })
})

describe("src/host/timers.ts: the armed-timer table", () => {
  // Catches an off-by-one in the table's copies (a neighbour dropped or repeated, a replaced timer
  // kept beside its successor), a search that misses the last slot, and a disarm of an absent key
  // that drops another: after every step the table is the model's timers, one per key, sorted.
  fcTest.prop([fc.array(fc.tuple(fc.boolean(), fc.oneof(
    fc.record({ _tag: fc.constant("RequestTimer" as const), op: fc.integer({ min: 0, max: 12 }), round: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ _tag: fc.constant("ForwardTimer" as const), op: fc.integer({ min: 0, max: 12 }) }),
    fc.constantFrom<Timer>({ _tag: "HintScan" }, { _tag: "Probe" }, { _tag: "Gossip" }, { _tag: "AntiEntropy" }, { _tag: "Handoff" })
  )), { maxLength: 60 })])("arms and disarms as a map from timer key to timer would", (steps) => {
    let table: ReadonlyArray<Timer> = []
    const model = new Map<string, Timer>()
    for (const [arm, timer] of steps) {
      const before = table
      table = arm ? armTimer(table, timer) : disarmTimer(table, timer)
      if (arm) model.set(timerKey(timer), timer)
      else if (!model.delete(timerKey(timer))) expect(table).toBe(before)
      const expected = [...model.keys()].sort().map((key) => model.get(key))
      expect(table).toEqual(expected)
      expect(isArmed(table, timer)).toBe(arm)
    }
  })

  // The search compares a timer with a key without building the timer's key (compareTimerKey).
  // Catches a comparator that orders numbers instead of their digits ("request:12:0" before
  // "request:2:0"), that treats a key ending inside the timer's key as equal or as after it, or
  // that ignores the round: its sign must be that of comparing timerKey(timer) as a string.
  const timerArb = fc.oneof(
    fc.record({ _tag: fc.constant("RequestTimer" as const), op: fc.nat(), round: fc.nat({ max: 12 }) }),
    fc.record({ _tag: fc.constant("ForwardTimer" as const), op: fc.nat() }),
    fc.constantFrom<Timer>({ _tag: "HintScan" }, { _tag: "Probe" }, { _tag: "Gossip" }, { _tag: "AntiEntropy" }, { _tag: "Handoff" })
  )
  const keyArb = fc.oneof(
    timerArb.map(timerKey),
    timerArb.chain((timer) => fc.nat({ max: timerKey(timer).length }).map((cut) => timerKey(timer).slice(0, cut))),
    timerArb.map((timer) => `${timerKey(timer)}0`),
    fc.string()
  )
  fcTest.prop([timerArb, keyArb])("compares a timer with a key as their keys compare", (timer, key) => {
    const own = timerKey(timer)
    expect(Math.sign(compareTimerKey(timer, key))).toBe(own === key ? 0 : own < key ? -1 : 1)
  })
})
