// Anti-entropy (paper 4.7) and membership gossip (4.8), measured. Part 1: the cost of a Merkle
// exchange between two replicas of one range that differ in k keys, against a naive exchange of
// every key's hash; it grows with k times the depth, not with the keys held. Part 2: gossip
// rounds until every node holds the same view. Run directly with `npx tsx bench/anti-entropy.ts`.
import { pathToFileURL } from "node:url"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { gossipRound, picks } from "../src/sim/gossip-rounds.ts"
import { diff, type AntiEntropyCost } from "../src/core/merkle-diff.ts"
import { emptyTree, leafCount, MERKLE_SHAPE_DEFAULT, root, updateKey, type MerkleTree } from "../src/core/merkle.ts"
import {
  completeJoin,
  emptyView,
  initialView,
  join,
  leave,
  type MembershipView,
  viewDigest
} from "../src/core/membership.ts"
import type { KeyRange, NodeId } from "../src/core/ring.ts"
import { contextOf, coordinatePut, defaultVersionsConfig, emptyVersionSet, putValue, type VersionSet } from "../src/core/versions.ts"

const KEYS_COUNT = 10_000
const DIFFERING_COUNTS = [0, 1, 10, 100] as const
/** The scaling rows: the same 10 differing keys among more and more keys. */
const SCALING_KEY_COUNTS = [1_000, 10_000, 100_000] as const
const SCALING_DIFFERING = 10
const NODE_COUNTS = [5, 20, 100] as const
const SEEDS_COUNT = 2
const GOSSIP_RUNS = 15
const GOSSIP_ROUNDS_MAX = 1_000
/** One range covering the whole ring: the bench's keys all fall in it. */
const WHOLE_RING: KeyRange = { start: 0n, end: 0n }

type Store = Map<string, VersionSet>

function put(store: Store, key: string, actor: string, time: number): VersionSet {
  const stored = store.get(key) ?? emptyVersionSet(defaultVersionsConfig.mode)
  const result = coordinatePut(defaultVersionsConfig, stored, contextOf(stored), putValue(`${actor}-${time}`), actor, time)
  if (result._tag !== "Ok") throw new Error("bench: sibling limit")
  return result.set
}

interface Replica {
  readonly store: Store
  tree: MerkleTree
}

/** A replica with `keyCount` keys written one by one, its tree updated on every write. */
function filledReplica(keyCount: number): { replica: Replica; updateUs: number } {
  const store: Store = new Map()
  let tree = emptyTree(WHOLE_RING)
  let updateMs = 0
  for (let i = 0; i < keyCount; i++) {
    const key = `key-${i}`
    const set = put(store, key, "n1", i + 1)
    const started = performance.now()
    tree = updateKey(tree, key, store.get(key), set)
    updateMs += performance.now() - started
    store.set(key, set)
  }
  return { replica: { store, tree }, updateUs: (updateMs * 1000) / keyCount }
}

/** A copy of `base` that took `differing` more writes (a replica that missed them, seen from the other side). */
function divergedCopy(base: Replica, differing: number, keyCount: number): Replica {
  const store = new Map(base.store)
  let tree = base.tree
  // Spread over the key space: every (keyCount / differing)-th key.
  for (let j = 0; j < differing; j++) {
    const key = `key-${Math.floor((j * keyCount) / differing)}`
    const set = put(store, key, "n2", keyCount + j + 1)
    tree = updateKey(tree, key, store.get(key), set)
    store.set(key, set)
  }
  return { store, tree }
}

interface CostRow {
  readonly keys: number
  readonly differing: number
  readonly cost: AntiEntropyCost
  readonly found: number
  readonly ms: number
}

function measureExchange(a: Replica, b: Replica, keyCount: number, differing: number): CostRow {
  const started = performance.now()
  const result = diff(defaultVersionsConfig, { tree: a.tree, get: (key) => a.store.get(key) }, { tree: b.tree, get: (key) => b.store.get(key) })
  const ms = performance.now() - started
  if (!result.converged || result.keys.length !== differing) throw new Error(`bench: exchange found ${result.keys.length} of ${differing}`)
  return { keys: keyCount, differing, cost: result.cost, found: result.keys.length, ms }
}

function table(header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)))
  const line = (cells: ReadonlyArray<string>) => `| ${cells.map((cell, column) => cell.padStart(widths[column]!)).join(" | ")} |`
  return [line(header), `|${widths.map((width) => "-".repeat(width + 1) + ":").join("|")}|`, ...rows.map(line)]
}

const costCells = (row: CostRow): string[] => [
  String(row.keys),
  String(row.differing),
  String(row.cost.exchanges),
  String(row.cost.messages),
  String(row.cost.hashes),
  String(row.cost.keys),
  row.ms.toFixed(1),
  // A naive exchange ships every key's hash one way, then the differing keys' sets both ways.
  String(row.keys)
]

async function antiEntropyTables(): Promise<string[]> {
  const shape = MERKLE_SHAPE_DEFAULT
  const header = ["keys", "differing", "exchanges", "messages", "hashes", "sets sent", "ms", "naive hashes"]
  const { replica: base, updateUs } = filledReplica(KEYS_COUNT)
  const rows = DIFFERING_COUNTS.map((differing) => measureExchange(base, divergedCopy(base, differing, KEYS_COUNT), KEYS_COUNT, differing))
  await new Promise((resolve) => setTimeout(resolve, 0))
  const scaling: CostRow[] = []
  for (const keyCount of SCALING_KEY_COUNTS) {
    const filled = keyCount === KEYS_COUNT ? base : filledReplica(keyCount).replica
    scaling.push(measureExchange(filled, divergedCopy(filled, SCALING_DIFFERING, keyCount), keyCount, SCALING_DIFFERING))
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
  return [
    `Anti-entropy, one range, tree fan-out ${1 << shape.fanoutBits}, depth ${shape.depth} (${leafCount(shape)} leaf buckets);`,
    `tree kept up to date on every write: ${updateUs.toFixed(1)} µs per write (no hashing: the key's leaf and the nodes on its path are replaced, their hashes computed when an exchange first asks for them).`,
    "hashes = root + children hashes + (key, hash) pairs of differing buckets; sets sent = version sets, both directions.",
    `Expected: messages <= 2D + 4 = ${2 * shape.depth + 4} per exchange; hashes <= 1 + F*D*k + k*n/L; sets = 2k. A naive exchange ships n hashes.`,
    ...table(header, rows.map(costCells)),
    "",
    `Scaling: ${SCALING_DIFFERING} differing keys among more keys (fixed shape: the leaf term grows with keys per bucket).`,
    ...table(header, scaling.map(costCells))
  ]
}


/** Rounds (every node gossips once with a random peer) until all views are equal, and messages sent. */
function roundsToConverge(views: Map<NodeId, MembershipView>, nodes: ReadonlyArray<NodeId>, seeds: ReadonlyArray<NodeId>, random: () => number): { rounds: number; messages: number } {
  let rounds = 0
  let messages = 0
  while (new Set(nodes.map((node) => viewDigest(views.get(node)!))).size > 1) {
    if (rounds >= GOSSIP_ROUNDS_MAX) throw new Error("bench: gossip did not converge")
    messages += gossipRound(views, nodes, () => true, seeds, random)
    rounds += 1
  }
  return { rounds, messages }
}

const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >>> 1
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function membershipTable(): string[] {
  const rows: string[][] = []
  for (const nodeCount of NODE_COUNTS) {
    const nodes = Array.from({ length: nodeCount }, (_, i) => `n${i}`)
    const seeds = nodes.slice(0, SEEDS_COUNT)
    const bootstrap: number[] = []
    const bootstrapMessages: number[] = []
    const oneChange: number[] = []
    for (let run = 0; run < GOSSIP_RUNS; run++) {
      const random = picks(run + 1)
      // Bootstrap: the seeds are the cluster; every other node announces itself and gossips.
      const views = new Map<NodeId, MembershipView>()
      for (const node of nodes) {
        views.set(node, seeds.includes(node) ? initialView(seeds.map((id) => ({ id }))) : completeJoin(join(emptyView, node), node))
      }
      const first = roundsToConverge(views, nodes, seeds, random)
      bootstrap.push(first.rounds)
      bootstrapMessages.push(first.messages)
      // One change in a converged cluster: an admin's leave at one node spreads to all.
      const at = nodes[nodeCount - 1]!
      views.set(at, leave(views.get(at)!, nodes[Math.floor(nodeCount / 2)]!))
      oneChange.push(roundsToConverge(views, nodes, seeds, random).rounds)
    }
    rows.push([
      String(nodeCount),
      String(median(bootstrap)),
      `${Math.min(...bootstrap)}..${Math.max(...bootstrap)}`,
      String(Math.round(median(bootstrapMessages))),
      String(median(oneChange)),
      `${Math.min(...oneChange)}..${Math.max(...oneChange)}`
    ])
  }
  return [
    `Membership gossip: rounds until every node holds the same view (median of ${GOSSIP_RUNS} seeds; a round = each node`,
    `gossips once with a random candidate from gossipPeers; ${SEEDS_COUNT} seeds; the paper gossips every second, so rounds ~ seconds).`,
    ...table(["nodes", "bootstrap rounds", "min..max", "messages", "one change rounds", "min..max"], rows)
  ]
}

/**
 * A flat copy of a string, as a value decoded from JSON is: padEnd builds a rope, which the
 * first hash would flatten, and the flattened copies would count as kept by the hashing.
 */
const flat = (text: string): string => Buffer.from(text, "latin1").toString("latin1")

/** Values of the memory figure: what hashing a tree keeps alive, per key of this size. */
const HEAP_KEYS = 10_000
const HEAP_VALUE_BYTES = 1024

/**
 * The heap a tree's hashing keeps: one tree of HEAP_KEYS keys with 1 KiB values, the heap
 * measured after a full collection before and after its root is computed (every key hashed, as
 * an exchange does). What stays is the hashes cached on the tree's nodes (no memo per set);
 * a copy of each value kept with its hashed text would show here as about a value per key.
 */
function hashingHeap(): string[] {
  setFlagsFromString("--expose-gc")
  const gc = runInNewContext("gc") as () => void
  const heapMb = () => {
    gc()
    gc()
    return process.memoryUsage().heapUsed / 1e6
  }
  let tree = emptyTree(WHOLE_RING)
  for (let i = 0; i < HEAP_KEYS; i++) {
    const result = coordinatePut(defaultVersionsConfig, emptyVersionSet(defaultVersionsConfig.mode), [], putValue(flat(`${i}:`.padEnd(HEAP_VALUE_BYTES, "v"))), "a", i)
    if (result._tag !== "Ok") throw new Error("bench: sibling limit")
    tree = updateKey(tree, `key:${i}`, undefined, result.set)
  }
  const before = heapMb()
  root(tree)
  const after = heapMb()
  return [
    `Memory: ${HEAP_KEYS} keys of ${HEAP_VALUE_BYTES} bytes in one tree; the heap hashing every key keeps alive (after a full collection):`,
    `${(after - before).toFixed(1)} MB (${(((after - before) * 1e6) / HEAP_KEYS).toFixed(0)} bytes per key; the values themselves are ${((HEAP_KEYS * HEAP_VALUE_BYTES) / 1e6).toFixed(1)} MB).`
  ]
}

/** Runs the measurements and returns the tables (markdown); the caller prints them. */
export async function antiEntropyBench(): Promise<string> {
  const lines = await antiEntropyTables()
  lines.push("", ...hashingHeap())
  lines.push("", ...membershipTable())
  return lines.join("\n")
}

const entry = process.argv[1]
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  console.log(await antiEntropyBench())
}
