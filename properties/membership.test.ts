// Gossip-based membership, src/core/membership.ts (paper 4.8, 4.9).
// MEMBERSHIP-1: after gossip quiesces every node has the same view (reconcile is a semilattice
//   join, and gossip with seeds reaches everyone).
// MEMBERSHIP-2: an outage is not a departure: only join and leave change a node's entry.
// RING-2: a join or leave moves only the ranges whose replicas change, each to each new owner once.
import { fc, test } from "@fast-check/vitest"
import { Result, Schema } from "effect"
import { describe, expect, test as unitTest } from "vitest"
import { gossipOnce, gossipRound, picks } from "../src/sim/gossip-rounds.ts"
import {
  completeJoin,
  completeLeave,
  emptyView,
  entryOf,
  type GossipMessage,
  GossipMessageSchema,
  gossipPeers,
  gossipTarget,
  initialView,
  join,
  leave,
  type MemberEntry,
  type MembershipView,
  type MemberStatus,
  reconcile,
  ringOf,
  startGossip,
  targetRingOf,
  transferPlan,
  viewDigest
} from "../src/core/membership.ts"
import { keyPosition } from "../src/core/hash.ts"
import { ownershipChanges, preferenceListForPosition, rangeContains, type NodeId, type RingConfig } from "../src/core/ring.ts"

const statuses: ReadonlyArray<MemberStatus> = ["joining", "member", "leaving", "left"]
const idPool = ["a", "b", "c", "d", "e", "f"]

/** Small versions and few capacities, so equal versions with different contents are common. */
const entryArb: fc.Arbitrary<MemberEntry> = fc.record({
  id: fc.constantFrom(...idPool),
  status: fc.constantFrom(...statuses),
  capacity: fc.constantFrom(1, 2),
  version: fc.integer({ min: 1, max: 3 })
}).chain((entry) =>
  // Network nodes carry an address; equal versions with different addresses must merge the same
  // way whichever side merges (mutation caught: the address left out of the tie-break).
  fc.constantFrom(undefined, "h:1", "h:2").map((address): MemberEntry => (address === undefined ? entry : { ...entry, address })))
const viewArb: fc.Arbitrary<MembershipView> = fc
  .uniqueArray(entryArb, { maxLength: idPool.length, selector: (entry) => entry.id })
  .map((entries) => [...entries].sort((x, y) => (x.id < y.id ? -1 : 1)))

let tiesSeen = 0

describe("MEMBERSHIP-1 reconcile", () => {
  // Mutation caught: a tie on version resolved by argument order (keep the left entry) instead of
  // by status and capacity: reconcile(a, b) and reconcile(b, a) then differ, and two nodes that
  // gossiped with each other keep different views.
  test.prop([viewArb, viewArb, viewArb], { numRuns: 500 })(
    "MEMBERSHIP-1 reconcile is commutative, associative and idempotent, and keeps every node",
    (a, b, c) => {
      expect(reconcile(a, b)).toEqual(reconcile(b, a))
      expect(reconcile(reconcile(a, b), c)).toEqual(reconcile(a, reconcile(b, c)))
      expect(reconcile(a, a)).toEqual(a)
      const merged = reconcile(a, b)
      expect(viewDigest(merged)).toBe(viewDigest(reconcile(b, a)))
      for (const entry of [...a, ...b]) {
        const kept = entryOf(merged, entry.id)!
        expect(kept.version).toBeGreaterThanOrEqual(entry.version)
        const other = entryOf(entry === entryOf(a, entry.id) ? b : a, entry.id)
        if (other !== undefined && other.version === entry.version && (other.status !== entry.status || other.capacity !== entry.capacity)) {
          tiesSeen += 1
        }
      }
      expect(merged.map((entry) => entry.id)).toEqual([...new Set([...a, ...b].map((entry) => entry.id))].sort())
    }
  )

  // Mutation caught: a view schema without the canonical check (an unsorted view from a peer
  // would make reconcile's merge walk skip entries).
  test.prop([viewArb], { numRuns: 100 })("MEMBERSHIP-1 views and gossip messages survive the wire schema", (view) => {
    const messages: GossipMessage[] = [startGossip(view), { _tag: "GossipView", view, replyWanted: true }]
    for (const message of messages) {
      const decoded = Schema.decodeUnknownResult(GossipMessageSchema)(JSON.parse(JSON.stringify(message)))
      expect(Result.isSuccess(decoded) && decoded.success).toEqual(message)
    }
    if (view.length >= 2) {
      const unsorted = { _tag: "GossipView", view: [...view].reverse(), replyWanted: false }
      expect(Result.isFailure(Schema.decodeUnknownResult(GossipMessageSchema)(unsorted))).toBe(true)
    }
  })

  // Each tie-break of two entries of one version, stated both ways round. The property above
  // meets a tie decided by the address only several times in its 500 runs (with the address
  // left out of the tie-break it first failed after 14, 40 and 103 runs on three seeds; with
  // "known over none" kept but the string order dropped, after 46, 70 and 108), and never a tie
  // decided by the zone (its views carry none). Catches each rule of the tie-break dropped or
  // made to depend on argument order.
  unitTest("MEMBERSHIP-1 a tie on version is decided by status, capacity, address, zone, whichever side merges", () => {
    const base: MemberEntry = { id: "a", status: "member", capacity: 1, version: 2 }
    const cases: ReadonlyArray<readonly [MemberEntry, MemberEntry]> = [
      [{ ...base, status: "joining" }, base],
      [base, { ...base, capacity: 2 }],
      [base, { ...base, address: "h:1" }],
      [{ ...base, address: "h:1" }, { ...base, address: "h:2" }],
      [base, { ...base, zone: "z1" }],
      [{ ...base, zone: "z1" }, { ...base, zone: "z2" }]
    ]
    for (const [loser, winner] of cases) {
      expect(reconcile([loser], [winner]), JSON.stringify(winner)).toEqual([winner])
      expect(reconcile([winner], [loser]), JSON.stringify(winner)).toEqual([winner])
    }
  })

  unitTest("MEMBERSHIP-1 sometimes: equal versions with different contents met", () => {
    expect(tiesSeen).toBeGreaterThan(0)
  })
})


/** One round: every live node, in id order, gossips with a peer its PRNG picks; down peers do not answer. */
const gossipRoundOf = (views: Map<NodeId, MembershipView>, up: ReadonlySet<NodeId>, seeds: ReadonlyArray<NodeId>, random: () => number): void => {
  gossipRound(views, [...up].sort(), (peer) => up.has(peer), seeds, random)
}

const allSame = (views: ReadonlyArray<MembershipView>): boolean => new Set(views.map(viewDigest)).size === 1

/** Rounds after which a push-pull gossip among at most 12 nodes has converged, with a huge margin. */
const GOSSIP_ROUNDS_MAX = 200

const sometimesGossip = { downNodes: 0, leaves: 0, selfJoins: 0, warmupZero: 0 }

type AdminCommand = { readonly at: number; readonly kind: "join" | "leave" | "completeJoin" | "completeLeave"; readonly node: number }

describe("MEMBERSHIP-1 gossip", () => {
  // Mutations caught: gossipPeers without the seeds (a node that joined by itself knows no one and
  // nobody learns of it); a one-way exchange (the responder never gets the initiator's view
  // back, so an entry only its own node holds never spreads).
  test.prop([
    fc.integer({ min: 2, max: 12 }),
    fc.integer({ min: 1, max: 2 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    fc.integer({ min: 0, max: 4 }),
    fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom("join" as const, "leave" as const, "completeJoin" as const, "completeLeave" as const), node: fc.nat() }), { maxLength: 10 }),
    fc.array(fc.boolean(), { minLength: 12, maxLength: 12 })
  ], { numRuns: 200 })(
    "MEMBERSHIP-1 after gossip quiesces every live node holds the same view: the join of all it was told (MEMBERSHIP-2: down nodes stay)",
    (nodeCount, seedCount, seed, warmupRounds, commands: AdminCommand[], downFlags) => {
      const random = picks(seed)
      const nodes = Array.from({ length: nodeCount }, (_, i) => `n${String(i).padStart(2, "0")}`)
      const seeds = nodes.slice(0, seedCount)
      // The seeds start as the cluster; every other node announces itself (join at its own start).
      const views = new Map<NodeId, MembershipView>()
      for (const node of nodes) {
        views.set(node, seeds.includes(node) ? initialView(seeds.map((id) => ({ id }))) : join(emptyView, node))
      }
      if (nodeCount > seedCount) sometimesGossip.selfJoins += 1
      const up = new Set(nodes)
      for (let round = 0; round < warmupRounds; round++) gossipRoundOf(views, up, seeds, random)
      if (warmupRounds === 0) sometimesGossip.warmupZero += 1
      // Some non-seed nodes go down for good: nobody may remove them from the view.
      const down = nodes.filter((node, i) => !seeds.includes(node) && downFlags[i] === true && i % 3 === 0)
      for (const node of down) up.delete(node)
      if (down.length > 0) sometimesGossip.downNodes += 1
      const knownAtCrash = reconcile([], [...up].map((node) => views.get(node)!).reduce(reconcile, emptyView))
      // Admin commands at live nodes, interleaved with gossip rounds; told = the join of all inputs.
      let told = knownAtCrash
      const ordered = [...commands].sort((x, y) => x.at - y.at)
      const liveNodes = [...up].sort()
      for (const command of ordered) {
        const at = liveNodes[command.at % liveNodes.length]!
        const subject = nodes[command.node % nodeCount]!
        const view = views.get(at)!
        const next = command.kind === "join" ? join(view, subject)
          : command.kind === "leave" ? leave(view, subject)
            : command.kind === "completeJoin" ? completeJoin(view, subject)
              : completeLeave(view, subject)
        if (command.kind === "leave" && next !== view) sometimesGossip.leaves += 1
        views.set(at, next)
        told = reconcile(told, next)
        gossipRoundOf(views, up, seeds, random)
      }
      let rounds = 0
      while (!allSame(liveNodes.map((node) => views.get(node)!)) && rounds < GOSSIP_ROUNDS_MAX) {
        gossipRoundOf(views, up, seeds, random)
        rounds += 1
      }
      const finalViews = liveNodes.map((node) => views.get(node)!)
      expect(allSame(finalViews)).toBe(true)
      expect(finalViews[0]).toEqual(told)
      // MEMBERSHIP-2: every down node the live nodes knew of is still there, as it was or newer.
      for (const node of down) {
        const before = entryOf(knownAtCrash, node)
        if (before !== undefined) expect(entryOf(finalViews[0]!, node)!.version).toBeGreaterThanOrEqual(before.version)
      }
      // Quiescence: once equal, a gossip exchange sends one message (the digest) and changes nothing.
      if (liveNodes.length >= 2) expect(gossipOnce(views, liveNodes[0]!, liveNodes[1]!)).toBe(1)
    }
  )

  // Mutation caught: a failure detector wired into membership (a node marked down removed, or
  // set "left"): the view would change without an admin command.
  // Mutation caught: a failure detector wired into membership (a node marked down removed, or set
  // "left"), or a reconcile that forwards only the entries both sides hold: either way b would
  // never learn of c, which is down, from a.
  unitTest("MEMBERSHIP-2 an unreachable node keeps its entry, and spreads, through any amount of gossip", () => {
    const full = initialView([{ id: "a" }, { id: "b" }, { id: "c" }])
    const views = new Map<NodeId, MembershipView>([["a", full], ["b", initialView([{ id: "a" }, { id: "b" }])], ["c", full]])
    const random = picks(7)
    for (let round = 0; round < 20; round++) gossipRoundOf(views, new Set(["a", "b"]), ["a"], random)
    expect(views.get("a")).toEqual(full)
    expect(views.get("b")).toEqual(full)
  })

  unitTest("MEMBERSHIP-1 gossip peers: the view's nodes that have not left, plus the seeds, without self", () => {
    let view = initialView([{ id: "b" }, { id: "c" }, { id: "d" }])
    view = completeLeave(leave(view, "d"), "d")
    view = join(view, "e", 2)
    expect(gossipPeers(view, "b", ["a", "b"])).toEqual(["a", "c", "e"])
    expect(gossipTarget(["a", "c", "e"], 4)).toBe("c")
    expect(gossipTarget([], 4)).toBeUndefined()
  })

  unitTest("MEMBERSHIP-1 sometimes: self-joined nodes, down nodes, leaves, no warm-up", () => {
    expect(sometimesGossip.selfJoins).toBeGreaterThan(0)
    expect(sometimesGossip.downNodes).toBeGreaterThan(0)
    expect(sometimesGossip.leaves).toBeGreaterThan(0)
    expect(sometimesGossip.warmupZero).toBeGreaterThan(0)
  })
})

describe("MEMBERSHIP-1 lifecycle", () => {
  // Mutation caught: ringOf counting joining nodes (a node would serve ranges it has no data for)
  // or dropping leaving ones (a node would stop serving before its hand-over).
  unitTest("MEMBERSHIP-1 a joining node owns nothing until member; a leaving node serves until left", () => {
    const config: RingConfig = { strategy: "tokens", tokensPerNode: 8 }
    const start = initialView([{ id: "a" }, { id: "b" }, { id: "c" }])
    const joining = join(start, "d")
    expect(entryOf(joining, "d")).toEqual({ id: "d", status: "joining", capacity: 1, version: 1 })
    expect(ringOf(joining, config).nodes).toEqual(["a", "b", "c"])
    expect(targetRingOf(joining, config).nodes).toEqual(["a", "b", "c", "d"])
    const joined = completeJoin(joining, "d")
    expect(ringOf(joined, config)).toEqual(targetRingOf(joining, config))
    const leaving = leave(joined, "a")
    expect(ringOf(leaving, config).nodes).toEqual(["a", "b", "c", "d"])
    expect(targetRingOf(leaving, config).nodes).toEqual(["b", "c", "d"])
    const left = completeLeave(leaving, "a")
    expect(ringOf(left, config).nodes).toEqual(["b", "c", "d"])
    expect(entryOf(left, "a")).toEqual({ id: "a", status: "left", capacity: 1, version: 3 })
    // Commands that do not apply change nothing (an admin may retry).
    expect(join(joined, "d")).toBe(joined)
    expect(leave(left, "a")).toBe(left)
    expect(completeJoin(joined, "d")).toBe(joined)
    // A node that left may come back: its new entry outranks the tombstone everywhere.
    const back = join(left, "a")
    expect(entryOf(reconcile(left, back), "a")).toEqual({ id: "a", status: "joining", capacity: 1, version: 4 })
  })
})

const configArb: fc.Arbitrary<RingConfig> = fc.oneof(
  fc.record({ strategy: fc.constant("tokens" as const), tokensPerNode: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ strategy: fc.constant("partitions" as const), partitions: fc.integer({ min: 16, max: 64 }) })
)
const membersArb = fc.uniqueArray(fc.record({ id: fc.stringMatching(/^[a-z][a-z0-9]{0,4}$/), capacity: fc.constantFrom(0.5, 1, 2) }), {
  minLength: 1, maxLength: 8, selector: (member) => member.id
})
const sometimesRing = { joins: 0, leaves: 0, severalGaining: 0, nobodyLosing: 0 }

describe("RING-2 transfer plan", () => {
  // Mutation caught: every holder of a changed range offering it (not exactly one sender per new
  // owner), or a plan offering ranges whose replicas did not change.
  test.prop([membersArb, configArb, fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.nat(), fc.array(fc.string(), { minLength: 1, maxLength: 20 })], { numRuns: 200 })(
    "RING-2 join and leave: each moved (range, new owner) is offered once, by a holder; unchanged ranges never travel",
    (members, config, n, joining, pick, keys) => {
      fc.pre(joining || members.length >= 2)
      const start = initialView(members)
      const newcomer = "zz-new"
      const view = joining ? join(start, newcomer, 1) : leave(start, members[pick % members.length]!.id)
      if (joining) sometimesRing.joins += 1
      else sometimesRing.leaves += 1
      // The serving ring does not change until the change completes.
      const before = ringOf(view, config)
      expect(before).toEqual(ringOf(start, config))
      const after = targetRingOf(view, config)
      const changes = ownershipChanges(before, after, n)
      const expected = changes.flatMap((change) => change.gaining.map((node) => `${change.start}:${change.end}->${node}`)).sort()
      const offered: string[] = []
      for (const self of before.nodes) {
        for (const offer of transferPlan(before, after, n, self)) {
          const change = changes.find((c) => c.start === offer.range.start && c.end === offer.range.end)
          expect(change).toBeDefined()
          expect(change!.before).toContain(self)
          for (const node of offer.to) {
            expect(change!.gaining).toContain(node)
            offered.push(`${offer.range.start}:${offer.range.end}->${node}`)
          }
        }
      }
      expect(offered.sort()).toEqual(expected)
      for (const change of changes) {
        if (change.gaining.length > 1) sometimesRing.severalGaining += 1
        if (change.losing.length === 0 && change.gaining.length > 0) sometimesRing.nobodyLosing += 1
      }
      // Key by key: a key travels to exactly the nodes that newly replicate it.
      const plans = before.nodes.flatMap((self) => transferPlan(before, after, n, self))
      for (const key of keys) {
        const position = keyPosition(key)
        const listBefore = preferenceListForPosition(before, position, n)
        const listAfter = preferenceListForPosition(after, position, n)
        const receivers = plans.filter((offer) => rangeContains(offer.range, position)).flatMap((offer) => offer.to).sort()
        expect(receivers).toEqual(listAfter.filter((node) => !listBefore.includes(node)).sort())
        if (joining && config.strategy === "tokens") for (const node of receivers) expect(node).toBe(newcomer)
      }
    }
  )

  unitTest("RING-2 sometimes: joins, leaves, several new owners of a range, growth with nobody losing", () => {
    expect(sometimesRing.joins).toBeGreaterThan(0)
    expect(sometimesRing.leaves).toBeGreaterThan(0)
    expect(sometimesRing.severalGaining).toBeGreaterThan(0)
    expect(sometimesRing.nobodyLosing).toBeGreaterThan(0)
  })
})
