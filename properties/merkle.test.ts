// Anti-entropy with Merkle trees, src/core/merkle.ts (paper 4.7): the part of CONV-1 that says
// replicas converge once anti-entropy has run. Random replica pairs of one key range, written
// through coordinatePut (so the sets are real sibling sets), in both clock modes and in tree
// shapes from 8 leaves (many keys per bucket) to the default 4096.
import { fc, test } from "@fast-check/vitest"
import { HashMap, Result, Schema } from "effect"
import { describe, expect, test as unitTest } from "vitest"
import { AntiEntropyMessageSchema } from "../src/core/merkle-wire.ts"
import {
  bucketOf, buildTree, emptyTree, keyVersionHash, leafCount, MERKLE_SHAPE_DEFAULT, nodeHash, refreshTree, root, trackKey, treeKeys, updateKey, type MerkleShape,
  type MerkleTree
} from "../src/core/merkle.ts"
import { antiEntropyInSync } from "../src/core/antientropy.ts"
import { diff } from "../src/core/merkle-diff.ts"
import { onAntiEntropy, startExchange, type AntiEntropyMessage } from "../src/core/merkle-exchange.ts"
import { ANTI_ENTROPY_RANGES_PER_ROUND_MAX, defaultProtocolConfig } from "../src/core/config.ts"
import { emptyDurableState } from "../src/core/durable.ts"
import { keyPosition } from "../src/core/hash.ts"
import { recover, step } from "../src/core/node.ts"
import type { PeerMessage } from "../src/core/messages.ts"
import { buildRing, rangesHeldBy, RING_POSITIONS, rangeContains, type KeyRange } from "../src/core/ring.ts"
import {
  contextOf,
  coordinatePut,
  covers,
  defaultVersionsConfig,
  emptyVersionSet,
  putValue,
  sameVersions,
  syncVersions,
  tombstone,
  type VersionSet,
  type VersionsConfig
} from "../src/core/versions.ts"

const KEY_POOL_SIZE = 48
const OPERATIONS_MAX = 80
const runs = { numRuns: 200 }
/** More keys than one exchange may sync (MERKLE_SYNC_KEYS_MAX) or descend into (MERKLE_NODES_PER_REQUEST_MAX). */
const KEYS_LOST = 3000

const configs: ReadonlyArray<VersionsConfig> = [defaultVersionsConfig, { ...defaultVersionsConfig, mode: "vv" }]
const shapes: ReadonlyArray<MerkleShape> = [{ fanoutBits: 1, depth: 3 }, { fanoutBits: 2, depth: 2 }, MERKLE_SHAPE_DEFAULT]

/** The whole ring, or an arc of at least a quarter of it from a random start (wrapping or not). */
const rangeArb: fc.Arbitrary<KeyRange> = fc.oneof(
  fc.constant({ start: 0n, end: 0n }),
  fc.tuple(fc.bigInt({ min: 0n, max: RING_POSITIONS - 1n }), fc.integer({ min: 25, max: 99 })).map(([start, percent]) => ({
    start,
    end: (start + (RING_POSITIONS * BigInt(percent)) / 100n) % RING_POSITIONS
  }))
)

/** The pool's keys that fall in the range (most of them: the range is at least a quarter). */
function keysIn(range: KeyRange): string[] {
  return Array.from({ length: KEY_POOL_SIZE }, (_, i) => `key-${i}`).filter((key) => rangeContains(range, keyPosition(key)))
}

type Store = Map<string, VersionSet>

/** A put (or delete) through replica `actor` with the context of its current set, as a coordinator does. */
function write(cfg: VersionsConfig, store: Store, key: string, actor: string, time: number, remove: boolean): VersionSet {
  const stored = store.get(key) ?? emptyVersionSet(cfg.mode)
  const value = remove ? tombstone(`${actor}-${time}`) : putValue(`${actor}-${time}`)
  const result = coordinatePut(cfg, stored, contextOf(stored), value, actor, time)
  if (result._tag !== "Ok") throw new Error("sibling limit in a test history")
  return result.set
}

/**
 * Writes `key` in a store and its tree together, as the node's write path must: with the exact
 * update (updateKey) or with a node's upkeep (trackKey).
 */
function apply(store: Store, tree: MerkleTree, key: string, next: VersionSet | undefined, upkeep: typeof updateKey = updateKey): MerkleTree {
  const old = store.get(key)
  if (next === undefined) store.delete(key)
  else store.set(key, next)
  return upkeep(tree, key, old, next)
}

/** An independent oracle for a leaf: the XOR of its keys' hashes, from the store directly. */
function leafOracle(tree: MerkleTree, store: Store, bucket: number): bigint {
  let hash = 0n
  for (const [key, set] of store) if (bucketOf(tree, key) === bucket) hash ^= keyVersionHash(key, set)
  return hash
}

const sometimes = { multiKeyBuckets: 0, drops: 0, differing: 0, bothSidesChanged: 0, vv: 0, grewToNodes: 0, shrankToList: 0 }

type Operation =
  | { readonly _tag: "Write"; readonly key: number; readonly remove: boolean }
  | { readonly _tag: "Drop"; readonly key: number }
  | { readonly _tag: "Rewrite"; readonly key: number }

const operationArb: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ _tag: fc.constant("Write" as const), key: fc.nat(), remove: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Drop" as const), key: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("Rewrite" as const), key: fc.nat() }) }
)

/** A tree's history: a clock mode, a shape, a range, and the writes, drops and rewrites made in it. */
const historyArbs: [fc.Arbitrary<VersionsConfig>, fc.Arbitrary<MerkleShape>, fc.Arbitrary<KeyRange>, fc.Arbitrary<Array<Operation>>] =
  [fc.constantFrom(...configs), fc.constantFrom(...shapes), rangeArb, fc.array(operationArb, { maxLength: OPERATIONS_MAX, size: "max" })]

/**
 * A set of one DVV entry (node n1 at counter 3, so up to three values), built directly: the key
 * hash reads the set's fields, whatever made them, and only the values differ between two.
 */
const oneEntrySet = (values: ReadonlyArray<string>): VersionSet => ({
  mode: "dvv",
  entries: [{ node: "n1", counter: 3, time: 7, values: values.map((value) => putValue(value)) }]
})

/** Values over the characters the key hash's text is built of, and lone surrogates. */
const hashTextValueArb = fc.array(fc.constantFrom("x", ",", ":", "P", "J", "1", "4", "[", "]", "\"", "\ud800", "\udfff", "\ufffd", "é"), { maxLength: 6 })
  .map((chars) => chars.join(""))

describe("CONV-1 key hashes tell sets apart", () => {
  // Two replicas whose sets differ must hash differently, or anti-entropy leaves them apart for
  // good. The oracle is the values themselves, not the hash's text. Catches a value written
  // without its length (["x", "y"] and ["x,Py"] would read alike) and one written raw when it
  // holds a lone surrogate (the digest reads UTF-8, where each becomes U+FFFD).
  test.prop([fc.array(hashTextValueArb, { minLength: 1, maxLength: 3 }), fc.array(hashTextValueArb, { minLength: 1, maxLength: 3 })], runs)(
    "sets of different values hash differently; equal ones alike",
    (a, b) => {
      const same = JSON.stringify(a) === JSON.stringify(b) && a.length === b.length
      expect(keyVersionHash("k", oneEntrySet(a)) === keyVersionHash("k", oneEntrySet(b))).toBe(same)
    }
  )

  unitTest("the cases the property is for", () => {
    expect(keyVersionHash("k", oneEntrySet(["x", "y"]))).not.toBe(keyVersionHash("k", oneEntrySet(["x,Py"])))
    expect(keyVersionHash("k", oneEntrySet(["\ud800"]))).not.toBe(keyVersionHash("k", oneEntrySet(["\udfff"])))
    expect(keyVersionHash("k", oneEntrySet(["\ud800"]))).not.toBe(keyVersionHash("k", oneEntrySet(["\ufffd"])))
  })
})

describe("CONV-1 Merkle tree maintenance", () => {
  // Mutation caught: a write that does not reach the tree (updateKey returning the tree as it
  // was, or not copying the path to its leaf); a leaf that keeps the key's old set; a drop
  // (range handed over) that leaves the key in its leaf.
  test.prop(historyArbs, runs)(
    "CONV-1 a tree updated on every write equals the tree built from scratch, leaf by leaf",
    (cfg, shape, range, operations) => {
      const keys = keysIn(range)
      fc.pre(keys.length > 0)
      const store: Store = new Map()
      let tree = emptyTree(range, shape)
      operations.forEach((operation, step) => {
        const key = keys[operation.key % keys.length]!
        const wasList = tree.flat !== undefined
        switch (operation._tag) {
          case "Write":
            tree = apply(store, tree, key, write(cfg, store, key, "n1", step + 1, operation.remove))
            break
          case "Drop":
            if (store.has(key)) sometimes.drops += 1
            tree = apply(store, tree, key, undefined)
            break
          case "Rewrite":
            // The same set again (a replica merge that changed nothing): the tree is unchanged.
            tree = apply(store, tree, key, store.get(key))
            break
        }
        // A tree of more than FLAT_KEYS_MAX keys is nodes, of fewer a list (merkle-flat.ts).
        if (wasList && tree.flat === undefined) sometimes.grewToNodes += 1
        if (!wasList && tree.flat !== undefined) sometimes.shrankToList += 1
      })
      const scratch = buildTree(range, store, shape)
      expect(tree).toEqual(scratch)
      expect(tree.keyCount).toBe(store.size)
      const leaves = leafCount(shape)
      const perBucket = new Map<number, number>()
      for (const key of store.keys()) perBucket.set(bucketOf(tree, key), (perBucket.get(bucketOf(tree, key)) ?? 0) + 1)
      if ([...perBucket.values()].some((count) => count > 1)) sometimes.multiKeyBuckets += 1
      for (let bucket = 0; bucket < leaves; bucket += Math.max(1, leaves >>> 6)) {
        expect(nodeHash(tree, shape.depth, bucket)).toBe(leafOracle(tree, store, bucket))
      }
      for (const bucket of perBucket.keys()) expect(nodeHash(tree, shape.depth, bucket)).toBe(leafOracle(tree, store, bucket))
      expect(root(tree) === 0n).toBe(store.size === 0)
    }
  )

  // A node keeps its trees with trackKey (only keys entering or leaving change a tree) and reads
  // every hash through refreshTree. Mutations caught: trackKey ignoring an insert (the refreshed
  // tree lacks the key) or a removal (refreshTree throws: the key is not in the store);
  // refreshTree keeping an older set in a list or in a leaf (the trees differ); refreshTree
  // copying a tree none of whose sets changed (the last check: the cached hashes would be lost).
  test.prop(historyArbs, runs)(
    "CONV-1 a tree kept by trackKey and read through refreshTree equals the tree built from scratch",
    (cfg, shape, range, operations) => {
      const keys = keysIn(range)
      fc.pre(keys.length > 0)
      const store: Store = new Map()
      let tree = emptyTree(range, shape)
      const get = (key: string) => store.get(key)
      operations.forEach((operation, step) => {
        const key = keys[operation.key % keys.length]!
        const next = operation._tag === "Write" ? write(cfg, store, key, "n1", step + 1, operation.remove) : operation._tag === "Drop" ? undefined : store.get(key)
        tree = apply(store, tree, key, next, trackKey)
        // The keys are exact at every step, whatever the sets.
        expect(new Set(treeKeys(tree))).toEqual(new Set(store.keys()))
        if (step % 7 === 6) tree = refreshTree(tree, get)
      })
      const fresh = refreshTree(tree, get)
      expect(fresh).toEqual(buildTree(range, store, shape))
      expect(root(fresh)).toBe(root(buildTree(range, store, shape)))
      expect(refreshTree(fresh, get)).toBe(fresh)
    }
  )

  // Mutation caught: trackKey that trusts its caller (no check), so a key that entered the store
  // without reaching the tree is never compared.
  unitTest("CONV-1 trackKey fails loudly when the tree missed a key", () => {
    const cfg = defaultVersionsConfig
    const store: Store = new Map()
    const first = write(cfg, store, "cart", "n1", 1, false)
    store.set("cart", first)
    expect(() => trackKey(emptyTree({ start: 0n, end: 0n }), "cart", first, undefined)).toThrow(/a write missed the tree/)
  })

  // Mutation caught: updateKey that trusts its caller's old set (no check), so a write that missed
  // the tree goes unnoticed until anti-entropy ships keys forever.
  unitTest("CONV-1 a write whose old set is not what the tree holds fails loudly", () => {
    const cfg = defaultVersionsConfig
    const range: KeyRange = { start: 0n, end: 0n }
    const store: Store = new Map()
    const tree = apply(store, emptyTree(range), "cart", write(cfg, store, "cart", "n1", 1, false))
    const missed = write(cfg, store, "cart", "n1", 2, false)
    expect(() => updateKey(tree, "cart", undefined, missed)).toThrow(/a write missed the tree/)
  })
})

/** Two replicas of one range: a common history, then each side's own writes, drops and misses. */
interface ReplicaPair {
  readonly cfg: VersionsConfig
  readonly shape: MerkleShape
  readonly range: KeyRange
  readonly storeA: Store
  readonly storeB: Store
  readonly treeA: MerkleTree
  readonly treeB: MerkleTree
}

type PairOperation = { readonly key: number; readonly side: "both" | "A" | "B"; readonly remove: boolean }

const pairArb = fc.record({
  cfg: fc.constantFrom(...configs),
  shape: fc.constantFrom(...shapes),
  range: rangeArb,
  operations: fc.array(
    fc.record({ key: fc.nat(), side: fc.constantFrom("both" as const, "both" as const, "A" as const, "B" as const), remove: fc.boolean() }),
    { maxLength: OPERATIONS_MAX, size: "max" }
  )
})

function replicaPair(cfg: VersionsConfig, shape: MerkleShape, range: KeyRange, operations: ReadonlyArray<PairOperation>): ReplicaPair | undefined {
  const keys = keysIn(range)
  if (keys.length === 0) return undefined
  const storeA: Store = new Map()
  const storeB: Store = new Map()
  let treeA = emptyTree(range, shape)
  let treeB = emptyTree(range, shape)
  operations.forEach((operation, step) => {
    const key = keys[operation.key % keys.length]!
    const time = step + 1
    if (operation.side === "both") {
      // A write both replicas took (replicated): the same set on each, merged in.
      const set = write(cfg, storeA, key, "n1", time, operation.remove)
      treeA = apply(storeA, treeA, key, set)
      treeB = apply(storeB, treeB, key, syncVersions(cfg, storeB.get(key) ?? emptyVersionSet(cfg.mode), set))
    } else if (operation.side === "A") {
      treeA = apply(storeA, treeA, key, write(cfg, storeA, key, "n2", time, operation.remove))
    } else {
      treeB = apply(storeB, treeB, key, write(cfg, storeB, key, "n3", time, operation.remove))
    }
  })
  return { cfg, shape, range, storeA, storeB, treeA, treeB }
}

/** The oracle: keys whose sets differ between the stores (a missing key differs from any set). */
function differingKeys(a: Store, b: Store): string[] {
  const keys = new Set([...a.keys(), ...b.keys()])
  return [...keys].filter((key) => {
    const x = a.get(key)
    const y = b.get(key)
    return x === undefined || y === undefined || !sameVersions(x, y)
  }).sort()
}

describe("CONV-1 Merkle exchange", () => {
  // Mutations caught: a descent that skips a subtree (comparing children slots 0..fanout-2, or
  // only the root's first differing child: the second then needs another exchange, and one
  // exchange is what this asserts); a leaf comparison that ignores keys only the peer holds; an
  // inner hash that skips children (differences below them never reach the root).
  test.prop([pairArb], runs)(
    "CONV-1 one exchange finds exactly the keys whose sets differ",
    ({ cfg, shape, range, operations }) => {
      const pair = replicaPair(cfg, shape, range, operations)
      fc.pre(pair !== undefined)
      const expected = differingKeys(pair.storeA, pair.storeB)
      const result = diff(cfg, { tree: pair.treeA, get: (key) => pair.storeA.get(key) }, { tree: pair.treeB, get: (key) => pair.storeB.get(key) })
      expect(result.keys).toEqual(expected)
      expect(result.converged).toBe(true)
      expect(result.cost.exchanges).toBe(1)
      // Equal replicas cost a root and an InSync, whatever they hold.
      const replicaA = { tree: pair.treeA, get: (key: string) => pair.storeA.get(key) }
      expect(diff(cfg, replicaA, replicaA).cost).toEqual({ exchanges: 1, messages: 2, hashes: 1, keys: 0 })
      if (expected.length === 0) {
        expect(result.cost).toEqual({ exchanges: 1, messages: 2, hashes: 1, keys: 0 })
      } else {
        sometimes.differing += 1
        // The walk is bounded by the depth, and ships each differing key at most once each way.
        expect(result.cost.messages).toBeLessThanOrEqual(2 * shape.depth + 4)
        expect(result.cost.keys).toBeLessThanOrEqual(2 * expected.length)
      }
      if (cfg.mode === "vv") sometimes.vv += 1
    }
  )

  // Mutations caught: a sync that stores the peer's set instead of merging it (the replicas swap
  // their differences and stay apart, and a concurrent sibling is lost); a responder that answers
  // MerkleSync without its own sets (the initiator never learns what only the peer has).
  test.prop([pairArb], runs)(
    "CONV-1 merging the found keys makes both roots and both stores equal, and loses no version",
    ({ cfg, shape, range, operations }) => {
      const pair = replicaPair(cfg, shape, range, operations)
      fc.pre(pair !== undefined)
      const result = diff(cfg, { tree: pair.treeA, get: (key) => pair.storeA.get(key) }, { tree: pair.treeB, get: (key) => pair.storeB.get(key) })
      const storeA = new Map(pair.storeA)
      const storeB = new Map(pair.storeB)
      for (const { key, set } of result.syncedA) storeA.set(key, set)
      for (const { key, set } of result.syncedB) storeB.set(key, set)
      expect(differingKeys(storeA, storeB)).toEqual([])
      expect(root(buildTree(range, storeA, shape))).toBe(root(buildTree(range, storeB, shape)))
      expect(result.treeA).toEqual(buildTree(range, storeA, shape))
      expect(result.treeB).toEqual(buildTree(range, storeB, shape))
      // Never overwritten: what each side ends with has seen what both sides had (SIB-1).
      for (const key of result.keys) {
        const merged = storeA.get(key)!
        const before = [pair.storeA.get(key), pair.storeB.get(key)]
        for (const set of before) if (set !== undefined) expect(covers(merged, set)).toBe(true)
        if (before.every((set) => set !== undefined)) sometimes.bothSidesChanged += 1
      }
    }
  )

  // Mutation caught: a schema that drops or misreads a field (a bigint hash or position sent as a
  // number loses bits above 2^53, and the exchange would never agree).
  test.prop([pairArb], { numRuns: 30 })(
    "CONV-1 every message of an exchange survives the wire schema unchanged",
    ({ cfg, shape, range, operations }) => {
      const pair = replicaPair(cfg, shape, range, operations)
      fc.pre(pair !== undefined)
      const replicas = [{ tree: pair.treeA, get: (key: string) => pair.storeA.get(key) }, { tree: pair.treeB, get: (key: string) => pair.storeB.get(key) }]
      let message: AntiEntropyMessage | undefined = startExchange(pair.treeA)
      for (let hop = 0; message !== undefined; hop++) {
        const encoded = JSON.parse(JSON.stringify(Schema.encodeSync(AntiEntropyMessageSchema)(message)))
        const decoded = Schema.decodeUnknownResult(AntiEntropyMessageSchema)(encoded)
        expect(Result.isSuccess(decoded)).toBe(true)
        if (Result.isSuccess(decoded)) expect(decoded.success).toEqual(message)
        message = onAntiEntropy(replicas[(hop + 1) % 2]!, message).reply
      }
    }
  )

  // Mutation caught: a replica that merges keys outside the range it was asked about.
  unitTest("CONV-1 a message for another range is ignored", () => {
    const tree = emptyTree({ start: 0n, end: 0n })
    const step = onAntiEntropy({ tree, get: () => undefined }, { _tag: "MerkleRoot", range: { start: 1n, end: 2n }, hash: 5n })
    expect(step).toEqual({ incoming: [] })
  })

  // Mutation caught: a driver (or a node) that stops after one exchange when the per-message
  // limits cut the descent short: a replica that lost its disk would stay half empty.
  unitTest("CONV-1 a replica that lost its disk is refilled over several bounded exchanges", () => {
    const cfg = defaultVersionsConfig
    const range: KeyRange = { start: 0n, end: 0n }
    const store: Store = new Map()
    let tree = emptyTree(range)
    for (let i = 0; i < KEYS_LOST; i++) tree = apply(store, tree, `lost-${i}`, write(cfg, store, `lost-${i}`, "n1", i + 1, false))
    const result = diff(cfg, { tree: emptyTree(range), get: () => undefined }, { tree, get: (key) => store.get(key) })
    expect(result.converged).toBe(true)
    expect(result.keys).toHaveLength(KEYS_LOST)
    expect(result.syncedA).toHaveLength(KEYS_LOST)
    expect(result.cost.exchanges).toBeGreaterThan(1)
    expect(result.cost.keys).toBe(KEYS_LOST)
  })

  // Sometimes: the properties above met the cases they are about.
  unitTest("CONV-1 sometimes: multi-key buckets, drops, differing pairs, both sides changed, both modes, both forms of a tree", () => {
    expect(sometimes.multiKeyBuckets).toBeGreaterThan(0)
    expect(sometimes.grewToNodes).toBeGreaterThan(0)
    expect(sometimes.shrankToList).toBeGreaterThan(0)
    expect(sometimes.drops).toBeGreaterThan(0)
    expect(sometimes.differing).toBeGreaterThan(0)
    expect(sometimes.bothSidesChanged).toBeGreaterThan(0)
    expect(sometimes.vv).toBeGreaterThan(0)
  })
})

/** Picks are drawn in 0..PICK_SPACE-1 by the interpreters (src/net/driver.ts PICK_MAX). */
const PICK_SPACE = 1 << 20

describe("CONV-1 anti-entropy rounds reach every range", () => {
  // A round compares at most ANTI_ENTROPY_RANGES_PER_ROUND_MAX ranges. A node replicating more
  // (the shell's 1,024 partitions on five nodes give each about 600) must take them in turn, or
  // the ranges past the first budget are never compared and replicas there never converge by
  // anti-entropy. Catches: every round starting from the first range (the ranges past the budget
  // never appear), a cursor that skips ranges, a round that compares more than its budget, and a
  // node with few ranges not comparing all of them every round.
  test.prop(
    [
      fc.integer({ min: 3, max: 8 }),
      fc.constantFrom(64, 256, 1024, 2048),
      fc.integer({ min: 0, max: PICK_SPACE - 1 })
    ],
    { numRuns: 24 }
  )("within ceil(ranges / budget) rounds every range a node replicates is compared", (nodes, partitions, pick) => {
    const members = Array.from({ length: nodes }, (_, i) => ({ id: `n${i + 1}` }))
    const ring = buildRing(members, { strategy: "partitions", partitions })
    const config = { ...defaultProtocolConfig, n: 3, seeds: members.map((member) => member.id) }
    let state = recover("n1", config, ring, emptyDurableState)
    const held = new Set(rangesHeldBy(ring, "n1", 3).map((range) => `${range.start}:${range.end}`))
    const rounds = Math.ceil(held.size / ANTI_ENTROPY_RANGES_PER_ROUND_MAX)
    const compared = new Set<string>()
    for (let round = 0; round < rounds; round++) {
      const result = step(state, { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick: pick + round }, 1_000 * (round + 1))
      state = result.state
      let thisRound = 0
      for (const effect of result.effects) {
        if (effect._tag !== "Send" || effect.message._tag !== "AntiEntropy") continue
        for (const exchange of effect.message.exchanges) {
          compared.add(`${exchange.range.start}:${exchange.range.end}`)
          thisRound += 1
        }
      }
      expect(thisRound).toBe(Math.min(held.size, ANTI_ENTROPY_RANGES_PER_ROUND_MAX))
    }
    expect([...held].filter((range) => !compared.has(range))).toEqual([])
    expect(compared.size).toBe(held.size)
  })
})

describe("CONV-1 an anti-entropy exchange repairs both replicas", () => {
  // Mutation caught: a responder that ignores the sets the initiator sends (one-way repair,
  // ../shared/mutants/30-antientropy.patch). The simulator cannot see it: both replicas start
  // rounds of their own, so they converge anyway a round later, and its convergence check waits
  // for that. Here only n1 starts an exchange, so n2 holds n1's key only if it merged what n1 sent.
  unitTest("after one round started by n1 alone, n1 and n2 each hold the key only the other had", () => {
    const members = [{ id: "n1" }, { id: "n2" }]
    const ring = buildRing(members, { strategy: "partitions", partitions: 8 })
    const config = { ...defaultProtocolConfig, n: 2, w: 1, r: 1, seeds: ["n1", "n2"] }
    const boot = (id: string) => {
      let state = recover(id, config, ring, emptyDurableState)
      const started = step(state, { _tag: "Start", epochFloor: 1 }, 0)
      state = started.state
      for (const effect of started.effects) if (effect._tag === "Persist") state = step(state, { _tag: "PersistDone", token: effect.token }, 0).state
      return state
    }
    const put = (state: ReturnType<typeof boot>, key: string) =>
      step(state, { _tag: "Client", request: { _tag: "Put", id: `put-${key}`, key, value: key, context: [] } }, 1).state
    const nodes = new Map([["n1", put(boot("n1"), "only-n1")], ["n2", put(boot("n2"), "only-n2")]])
    // n1's round: with two nodes every pick names n2. Then deliver anti-entropy messages until none is left.
    let pending: Array<{ readonly from: string; readonly to: string; readonly message: Extract<PeerMessage, { _tag: "AntiEntropy" }> }> = []
    const run = (id: string, input: Parameters<typeof step>[1]) => {
      const result = step(nodes.get(id)!, input, 2)
      nodes.set(id, result.state)
      for (const effect of result.effects) {
        if (effect._tag === "Send" && effect.message._tag === "AntiEntropy") pending.push({ from: id, to: effect.to, message: effect.message })
      }
    }
    run("n1", { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick: 0 })
    expect(pending.length).toBeGreaterThan(0)
    for (let hops = 0; pending.length > 0; hops++) {
      expect(hops).toBeLessThan(64)
      const batch = pending
      pending = []
      for (const { from, to, message } of batch) run(to, { _tag: "Receive", from, message })
    }
    const holds = (id: string, key: string) => HashMap.has(nodes.get(id)!.store, key)
    expect([holds("n1", "only-n1"), holds("n1", "only-n2"), holds("n2", "only-n1"), holds("n2", "only-n2")]).toEqual([true, true, true, true])
  })
})

describe("CONV-1 anti-entropy compares the store's sets, not the older ones its trees kept", () => {
  // A node's trees do not follow overwrites (merkle.ts trackKey): a key both replicas hold, then
  // overwritten on n1 alone, leaves both trees as they were. An exchange must read the sets
  // through refreshTree on both sides, or the roots agree and the new version never travels.
  // Mutations caught: the initiator's trees not refreshed (computePlan), the responder's not
  // (receiveAntiEntropy), and the checker's in-sync test on unrefreshed trees (antiEntropyInSync).
  const members = [{ id: "n1" }, { id: "n2" }]
  const ring = buildRing(members, { strategy: "partitions", partitions: 8 })
  const config = { ...defaultProtocolConfig, n: 2, w: 1, r: 1, seeds: ["n1", "n2"] }
  type State = ReturnType<typeof recover>
  const boot = (id: string): State => {
    let state = recover(id, config, ring, emptyDurableState)
    const started = step(state, { _tag: "Start", epochFloor: 1 }, 0)
    state = started.state
    for (const effect of started.effects) if (effect._tag === "Persist") state = step(state, { _tag: "PersistDone", token: effect.token }, 0).state
    return state
  }
  const put = (state: State, value: string, context: ReturnType<typeof contextOf>) =>
    step(state, { _tag: "Client", request: { _tag: "Put", id: `put-${value}`, key: "k", value, context } }, 1)
  /** Runs `starter`'s anti-entropy round and delivers its messages until none is left. */
  const round = (nodes: Map<string, State>, starter: string) => {
    let pending: Array<{ readonly from: string; readonly to: string; readonly message: PeerMessage }> = []
    const run = (id: string, input: Parameters<typeof step>[1]) => {
      const result = step(nodes.get(id)!, input, 2)
      nodes.set(id, result.state)
      for (const effect of result.effects) if (effect._tag === "Send" && effect.message._tag === "AntiEntropy") pending.push({ from: id, to: effect.to, message: effect.message })
    }
    run(starter, { _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick: 0 })
    for (let hops = 0; pending.length > 0; hops++) {
      expect(hops).toBeLessThan(64)
      const batch = pending
      pending = []
      for (const { from, to, message } of batch) run(to, { _tag: "Receive", from, message })
    }
  }
  const values = (state: State) => {
    const set = HashMap.get(state.store, "k")
    return set._tag === "None" || set.value.mode !== "dvv" ? [] : set.value.entries.flatMap((entry) => entry.values.map((value) => (value._tag === "Put" ? value.value : "")))
  }
  for (const starter of ["n1", "n2"]) {
    unitTest(`an overwrite on n1 reaches n2 in a round started by ${starter}`, () => {
      const first = put(boot("n1"), "first", [])
      const nodes = new Map([["n1", first.state], ["n2", boot("n2")]])
      round(nodes, "n1")
      expect(values(nodes.get("n2")!)).toEqual(["first"])
      const held = HashMap.get(nodes.get("n1")!.store, "k")
      if (held._tag === "None") throw new Error("n1 holds its own put")
      nodes.set("n1", put(nodes.get("n1")!, "second", contextOf(held.value)).state)
      expect(values(nodes.get("n1")!)).toEqual(["second"])
      expect(antiEntropyInSync(nodes.get(starter)!, 0, (id) => nodes.get(id))).toBe(false)
      round(nodes, starter)
      expect(values(nodes.get("n2")!)).toEqual(["second"])
      expect(antiEntropyInSync(nodes.get(starter)!, 0, (id) => nodes.get(id))).toBe(true)
    })
  }
})
