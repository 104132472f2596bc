// A deterministic driver of the Merkle exchange for tests and benchmarks: two replicas, messages
// delivered at once, until they agree (or DIFF_EXCHANGES_MAX exchanges).
import { emptyVersionSet, sameVersions, syncVersions, type VersionSet, type VersionsConfig } from "./versions.ts"
import { type AntiEntropyMessage, type MerkleReplica, onAntiEntropy, startExchange } from "./merkle-exchange.ts"
import { DIFF_EXCHANGES_MAX, type KeyedSet, type MerkleTree, assert, root, sameRange, updateKey } from "./merkle.ts"

// ---------------------------------------------------------------------------------------------
// A deterministic driver for tests and benchmarks: two replicas, messages delivered at once.

/** What anti-entropy cost, counted over every message of every exchange. */
export interface AntiEntropyCost {
  readonly exchanges: number
  readonly messages: number
  /** Hash values carried: roots, children hashes, leaf (key, hash) pairs. */
  readonly hashes: number
  /** Version sets carried, both directions. */
  readonly keys: number
}

export interface DiffResult {
  /** Keys whose sets differed and were synced, sorted. */
  readonly keys: ReadonlyArray<string>
  /** The sets each side must store afterwards (merged, only those that changed), by key. */
  readonly syncedA: ReadonlyArray<KeyedSet>
  readonly syncedB: ReadonlyArray<KeyedSet>
  /** Both trees after the merges. */
  readonly treeA: MerkleTree
  readonly treeB: MerkleTree
  readonly cost: AntiEntropyCost
  /** False when DIFF_EXCHANGES_MAX ran out before the roots agreed. */
  readonly converged: boolean
}

function messageCost(message: AntiEntropyMessage): { hashes: number; keys: number } {
  switch (message._tag) {
    case "MerkleRoot": return { hashes: 1, keys: 0 }
    case "MerkleChildren": return { hashes: message.nodes.reduce((sum, node) => sum + node.hashes.length, 0), keys: 0 }
    case "MerkleLeafHashes": return { hashes: message.entries.length, keys: 0 }
    case "MerkleSync":
    case "MerkleSyncReply": return { hashes: 0, keys: message.entries.length }
    case "MerkleInSync":
    case "MerkleChildrenRequest":
    case "MerkleLeafRequest": return { hashes: 0, keys: 0 }
  }
}

/** One side of the driver: its tree, its store, and the sets merged into it so far. */
class DriverSide {
  tree: MerkleTree
  readonly merged = new Map<string, VersionSet>()
  private readonly base: (key: string) => VersionSet | undefined
  constructor(private readonly config: VersionsConfig, start: MerkleReplica) {
    this.tree = start.tree
    this.base = start.get
  }
  readonly get = (key: string): VersionSet | undefined => this.merged.get(key) ?? this.base(key)
  replica(): MerkleReplica {
    return { tree: this.tree, get: this.get }
  }
  /** The replica path: merge, never overwrite, and update the tree with the write. */
  merge(entries: ReadonlyArray<KeyedSet>): void {
    for (const { key, set } of entries) {
      const old = this.get(key)
      const next = syncVersions(this.config, old ?? emptyVersionSet(this.config.mode), set)
      if (old !== undefined && sameVersions(old, next)) continue
      this.tree = updateKey(this.tree, key, old, next)
      this.merged.set(key, next)
    }
  }
}

/**
 * Runs anti-entropy between replicas A (initiator) and B of one range until their roots agree:
 * the descent, the key swap and the merges, with every message counted. Pure and deterministic.
 * For k differing keys among n, fan-out F, depth D, L = F^D leaves: at most 2D + 4 messages per
 * exchange, 1 + F * D * k hashes for the descent plus about k * n / L (key, hash) pairs for the
 * leaves, and 2k sets: k * log n with the depth sized to the keys a range holds, never n.
 */
export function diff(config: VersionsConfig, a: MerkleReplica, b: MerkleReplica): DiffResult {
  assert(sameRange(a.tree.range, b.tree.range), "both trees cover the same range")
  assert(a.tree.shape.fanoutBits === b.tree.shape.fanoutBits && a.tree.shape.depth === b.tree.shape.depth, "same shape")
  const sides = { A: new DriverSide(config, a), B: new DriverSide(config, b) }
  const keys = new Set<string>()
  let exchanges = 0
  let messages = 0
  let hashes = 0
  let keysSent = 0
  // Bounded: each exchange has at most 2 * depth + 4 messages.
  const messagesPerExchangeMax = 2 * a.tree.shape.depth + 4
  // At least one exchange, as a node would run: equal replicas cost a root and an InSync.
  do {
    exchanges += 1
    let message: AntiEntropyMessage | undefined = startExchange(sides.A.tree)
    let receiver: "A" | "B" = "B"
    let progress = false
    for (let hop = 0; message !== undefined; hop++) {
      assert(hop < messagesPerExchangeMax, "an exchange ends within its message bound")
      const cost = messageCost(message)
      messages += 1
      hashes += cost.hashes
      keysSent += cost.keys
      if (message._tag === "MerkleSync") {
        for (const entry of message.entries) keys.add(entry.key)
        for (const key of message.wanted) keys.add(key)
        progress = true
      }
      const side = sides[receiver]
      const step = onAntiEntropy(side.replica(), message)
      side.merge(step.incoming)
      message = step.reply
      receiver = receiver === "A" ? "B" : "A"
    }
    if (!progress) break
  } while (root(sides.A.tree) !== root(sides.B.tree) && exchanges < DIFF_EXCHANGES_MAX)
  const synced = (side: DriverSide): KeyedSet[] =>
    [...side.merged.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([key, set]) => ({ key, set }))
  return {
    keys: [...keys].sort(),
    syncedA: synced(sides.A),
    syncedB: synced(sides.B),
    treeA: sides.A.tree,
    treeB: sides.B.tree,
    cost: { exchanges, messages, hashes, keys: keysSent },
    converged: root(sides.A.tree) === root(sides.B.tree)
  }
}
