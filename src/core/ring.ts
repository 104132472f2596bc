// The consistent-hashing ring: tokens (virtual nodes) of physical nodes on the 128-bit MD5 space,
// the preference list of N distinct physical nodes for a key, and the key ranges a membership
// change moves. Paper 4.2 (partitioning, virtual nodes), 4.3 (replication), 4.6 (data centers:
// a preference list spans them), 6.2 (strategies 1, 3).
import { HASH_BITS, hash32, keyPosition } from "./hash.ts"
import { memoised, TablesByOwner } from "./memo.ts"

export type NodeId = string

/** A physical node as the ring sees it. */
export interface Member {
  readonly id: NodeId
  /** Relative weight (heterogeneity, paper 4.2): capacity 2 gets twice the tokens. Default 1. */
  readonly capacity?: number
  /**
   * The data center (zone) the node runs in (paper 4.6). Tokens do not depend on it; the
   * preference list does: its N nodes span as many zones as exist, up to N (RING-4).
   * Default ZONE_DEFAULT: a cluster without zones is one zone, and its lists are the plain walk.
   */
  readonly zone?: string
}

/**
 * "tokens" is the paper's strategy 1: T tokens per node at hashed positions, ranges defined by
 * the tokens. "partitions" is strategy 3: Q equal ranges, Q/S per node (weighted by capacity).
 */
export type RingStrategy = "tokens" | "partitions"

export interface RingConfig {
  readonly strategy: RingStrategy
  /** T for "tokens": tokens of a node of capacity 1. Default TOKENS_PER_NODE_DEFAULT. */
  readonly tokensPerNode?: number
  /** Q for "partitions": equal ranges of the ring, at least the number of members. */
  readonly partitions?: number
}

/** A token: the end of the key range it owns; the range starts after the previous token. */
export interface Token {
  readonly position: bigint
  readonly owner: NodeId
}

/** Every node derives the same Ring from the same membership: it is a function of the set. */
export interface Ring {
  readonly config: Required<RingConfig>
  /** Sorted by id, capacity filled in. */
  readonly members: readonly Required<Member>[]
  /** The member ids, sorted. */
  readonly nodes: readonly NodeId[]
  /** Sorted by position, all positions distinct. For "partitions", tokens[p] ends partition p. */
  readonly tokens: readonly Token[]
}

/**
 * Ring positions (start, end]: start exclusive, end inclusive. When start >= end the range wraps
 * through 0; start === end is the whole ring (a ring with a single token).
 */
export interface KeyRange {
  readonly start: bigint
  readonly end: bigint
}

/** A key range whose top-n replica set differs between two rings, and who must move it. */
export interface RangeTransfer extends KeyRange {
  /** Top-n preference list before and after the change. */
  readonly before: readonly NodeId[]
  readonly after: readonly NodeId[]
  /** Nodes in `before` but not `after`: they may drop the range once it is handed over. */
  readonly losing: readonly NodeId[]
  /** Nodes in `after` but not `before`: they must fetch the range from a node in `before`. */
  readonly gaining: readonly NodeId[]
}

export const RING_BITS = HASH_BITS
/** Number of distinct positions on the ring (2^128). */
export const RING_POSITIONS = 1n << BigInt(RING_BITS)
export const RING_POSITION_MAX = RING_POSITIONS - 1n
export const CAPACITY_DEFAULT = 1
/** The zone of a node that names none: a cluster without zones is one zone of this name. */
export const ZONE_DEFAULT = "default"
/** A zone name is a short label, used in flags, headers and file names. */
export const ZONE_NAME_CHARS_MAX = 64
const ZONE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
export const CAPACITY_MAX = 64
export const MEMBERS_MAX = 1024
export const TOKENS_PER_NODE_DEFAULT = 128
export const TOKENS_PER_NODE_MAX = 4096
export const TOKENS_PER_RING_MAX = 1 << 20
export const PARTITIONS_DEFAULT = 1024
export const PARTITIONS_MAX = 1 << 16
/** (partition, node) candidate pairs sorted when assigning partitions: bounds memory and time. */
export const PARTITION_ASSIGNMENT_PAIRS_MAX = 1 << 24

/** Strategy 3 by default: the paper found it the best balanced (6.2). */
export const RING_CONFIG_DEFAULT: Required<RingConfig> = {
  strategy: "partitions",
  tokensPerNode: TOKENS_PER_NODE_DEFAULT,
  partitions: PARTITIONS_DEFAULT
}

/** The message is a thunk where building it costs (bigints, JSON): hot paths must not pay for it. */
function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new Error(`ring: ${typeof message === "string" ? message : message()}`)
}

/** Code-unit order: the same on every platform, unlike localeCompare. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The position of token `tokenIndex` of a node (strategy 1): MD5 of `${nodeId}#${tokenIndex}`. */
export function tokenPosition(nodeId: NodeId, tokenIndex: number): bigint {
  return keyPosition(`${nodeId}#${tokenIndex}`)
}

/** Tokens of a node under strategy 1: round(T * capacity), at least one so it is on the ring. */
export function tokenCount(capacity: number, tokensPerNode: number): number {
  return Math.max(1, Math.round(tokensPerNode * capacity))
}

/** The last position of partition p of Q (strategy 3): partition p is (end(p-1), end(p)]. */
export function partitionEnd(partition: number, partitions: number): bigint {
  return ((BigInt(partition) + 1n) * RING_POSITIONS) / BigInt(partitions) - 1n
}

const keyPositionMemo = new Map<string, bigint>()

/** keyPosition, memoised (bounded) because the simulator asks for the same keys over and over. */
export function positionOfKey(key: string): bigint {
  return memoised(keyPositionMemo, key, keyPosition)
}

function resolveConfig(config: RingConfig): Required<RingConfig> {
  const resolved = {
    strategy: config.strategy,
    tokensPerNode: config.tokensPerNode ?? TOKENS_PER_NODE_DEFAULT,
    partitions: config.partitions ?? PARTITIONS_DEFAULT
  }
  const { tokensPerNode, partitions } = resolved
  assert(Number.isInteger(tokensPerNode) && tokensPerNode >= 1 && tokensPerNode <= TOKENS_PER_NODE_MAX,
    `tokensPerNode ${tokensPerNode} outside 1..${TOKENS_PER_NODE_MAX}`)
  assert(Number.isInteger(partitions) && partitions >= 1 && partitions <= PARTITIONS_MAX,
    `partitions ${partitions} outside 1..${PARTITIONS_MAX}`)
  return resolved
}

/** Why a zone name is refused, or undefined when it is a valid one. */
export function zoneNameProblem(zone: string): string | undefined {
  if (zone.length === 0 || zone.length > ZONE_NAME_CHARS_MAX) return `a zone name has 1..${ZONE_NAME_CHARS_MAX} characters, got ${zone.length}`
  if (!ZONE_NAME.test(zone)) return `zone ${JSON.stringify(zone)}: letters, digits, '.', '_' and '-' only, starting with a letter or digit`
  return undefined
}

function canonicalMembers(members: readonly Member[]): Required<Member>[] {
  assert(members.length <= MEMBERS_MAX, () => `${members.length} members, more than ${MEMBERS_MAX}`)
  const sorted = members
    .map((member) => ({ id: member.id, capacity: member.capacity ?? CAPACITY_DEFAULT, zone: member.zone ?? ZONE_DEFAULT }))
    .sort((a, b) => compareIds(a.id, b.id))
  sorted.forEach((member, i) => {
    assert(member.id.length > 0, "empty node id")
    assert(Number.isFinite(member.capacity) && member.capacity > 0 && member.capacity <= CAPACITY_MAX,
      `capacity ${member.capacity} of ${member.id} outside (0, ${CAPACITY_MAX}]`)
    assert(i === 0 || sorted[i - 1]?.id !== member.id, () => `duplicate member ${member.id}`)
    const zoneProblem = zoneNameProblem(member.zone)
    assert(zoneProblem === undefined, () => `${member.id}: ${zoneProblem}`)
  })
  return sorted
}

/** Strategy 1: every node places round(T * capacity) tokens at hashed positions. */
function placeTokens(members: readonly Required<Member>[], tokensPerNode: number): Token[] {
  const tokens: Token[] = []
  for (const member of members) {
    const count = tokenCount(member.capacity, tokensPerNode)
    assert(tokens.length + count <= TOKENS_PER_RING_MAX, () => `more than ${TOKENS_PER_RING_MAX} tokens`)
    for (let i = 0; i < count; i++) tokens.push({ position: tokenPosition(member.id, i), owner: member.id })
  }
  tokens.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : compareIds(a.owner, b.owner)))
  // Distinct positions keep every token's range non-empty; an MD5 collision here is 2^-128 unlikely.
  tokens.forEach((token, i) => assert(i === 0 || tokens[i - 1]?.position !== token.position, "token collision"))
  return tokens
}

/**
 * Partitions per node, proportional to capacity, at least one each: the Huntington-Hill divisor
 * method. Seats go one at a time to the node furthest below its share, so a joining node's
 * partitions come out of the quotas of the most-loaded nodes and a leaver's go to the least-loaded;
 * and a divisor method never gives an existing node more on a join (no "new state paradox"). Ties
 * go to the lower id, so every node computes the same quotas.
 */
function partitionQuotas(members: readonly Required<Member>[], partitions: number): number[] {
  const quotas = members.map(() => 1)
  for (let seat = members.length; seat < partitions; seat++) {
    let best = 0
    let bestPriority = -1
    members.forEach((member, i) => {
      const held = quotas[i]!
      const priority = member.capacity / Math.sqrt(held * (held + 1))
      if (priority > bestPriority) {
        best = i
        bestPriority = priority
      }
    })
    quotas[best]! += 1
  }
  return quotas
}

/** A 32-bit rendezvous score of a node (by its id's hash) for a partition: murmur3's finaliser. */
function rendezvousScore(nodeSeed: number, partition: number): number {
  let x = (nodeSeed ^ Math.imul(partition + 1, 0x9e3779b1)) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/**
 * Strategy 3: Q equal partitions, node i owns exactly quotas[i] of them. Which ones: every
 * (partition, node) pair gets a rendezvous score; pairs are taken from the highest score down,
 * a pair winning when its partition is free and its node below quota. The result depends on the
 * member set only (no history to gossip), and a node keeps the partitions it scores highest, so a
 * join mostly moves partitions to the new node. Not only: the newcomer wins partitions by score,
 * not from exactly the nodes whose quota dropped, and a node that lost more than its drop takes
 * some back from others. Measured: partitions moved between old nodes are about 0.2 of those the
 * newcomer takes for S <= 12, 0.6 to 1.4 at S = 50 and 1.5 to 2.4 at S = 100 (the lower figure
 * with Q = 4096, the higher with Q = 1024: more partitions per node, less reshuffle).
 * A leave is the same pair of rings read backwards. RING-2 in properties/ring.test.ts bounds it.
 */
function placePartitions(members: readonly Required<Member>[], partitions: number): Token[] {
  const nodeCount = members.length
  if (nodeCount === 0) return []
  assert(partitions >= nodeCount, () => `${partitions} partitions for ${nodeCount} members: need Q >= S`)
  const pairCount = partitions * nodeCount
  assert(pairCount <= PARTITION_ASSIGNMENT_PAIRS_MAX, () => `Q * S = ${pairCount} > ${PARTITION_ASSIGNMENT_PAIRS_MAX}`)
  const quotas = partitionQuotas(members, partitions)
  const seeds = members.map((member) => hash32(member.id))
  const scores = new Uint32Array(pairCount)
  const order = new Uint32Array(pairCount)
  for (let pair = 0; pair < pairCount; pair++) {
    const partition = Math.floor(pair / nodeCount)
    scores[pair] = rendezvousScore(seeds[pair - partition * nodeCount]!, partition)
    order[pair] = pair
  }
  // Ties by pair number: lower partition first, then lower id.
  order.sort((a, b) => scores[b]! - scores[a]! || a - b)
  const ownerSlots = new Int32Array(partitions).fill(-1)
  const held = new Uint32Array(nodeCount)
  let assigned = 0
  for (let k = 0; k < pairCount && assigned < partitions; k++) {
    const pair = order[k]!
    const partition = Math.floor(pair / nodeCount)
    const slot = pair - partition * nodeCount
    if (ownerSlots[partition] !== -1 || held[slot]! >= quotas[slot]!) continue
    ownerSlots[partition] = slot
    held[slot]! += 1
    assigned += 1
  }
  assert(assigned === partitions, "every partition has an owner")
  return Array.from(ownerSlots, (slot, partition) => ({
    position: partitionEnd(partition, partitions),
    owner: members[slot]!.id
  }))
}

/**
 * The ring for a membership: the same members in any order give the same ring.
 * @example preferenceList(buildRing([{ id: "a" }, { id: "b" }], { strategy: "tokens" }), "cart:42", 2)
 */
export function buildRing(members: readonly Member[], config: RingConfig = RING_CONFIG_DEFAULT): Ring {
  const resolved = resolveConfig(config)
  const sorted = canonicalMembers(members)
  let tokens: Token[]
  switch (resolved.strategy) {
    case "tokens":
      tokens = placeTokens(sorted, resolved.tokensPerNode)
      break
    case "partitions":
      tokens = placePartitions(sorted, resolved.partitions)
      break
  }
  return { config: resolved, members: sorted, nodes: sorted.map((member) => member.id), tokens }
}

/**
 * A preference walk from one token, extended only as far as callers have asked: a walk to the
 * last distinct node can cover most of the ring, and most callers want three nodes.
 */
interface Walk {
  readonly nodes: NodeId[]
  /** slots[i] is the index of nodes[i] in ring.nodes. */
  readonly slots: number[]
  nextToken: number
  steps: number
}

/** Lookup structures derived from a Ring and cached beside it: a memo, invisible to callers. */
interface RingIndex {
  readonly positions: readonly bigint[]
  readonly ownerSlots: Uint32Array
  readonly walks: (Walk | undefined)[]
  /** Scratch marks for extending one walk at a time: seen[slot] = 1 while slot is in the walk. */
  readonly seen: Uint8Array
  /** zoneSlots[slot] numbers the zone of ring.nodes[slot] (zones in name order). */
  readonly zoneSlots: Uint32Array
  readonly zoneCount: number
}

const ringIndexes = new WeakMap<Ring, RingIndex>()

function indexOf(ring: Ring): RingIndex {
  let index = ringIndexes.get(ring)
  if (index === undefined) {
    const slots = new Map(ring.nodes.map((node, slot) => [node, slot]))
    const zoneNumbers = new Map(zonesOf(ring).map((zone, i) => [zone, i]))
    index = {
      positions: ring.tokens.map((token) => token.position),
      ownerSlots: Uint32Array.from(ring.tokens, (token) => {
        const slot = slots.get(token.owner)
        assert(slot !== undefined, () => `token owner ${token.owner} is not a member`)
        return slot
      }),
      walks: new Array<Walk | undefined>(ring.tokens.length),
      seen: new Uint8Array(ring.nodes.length),
      zoneSlots: Uint32Array.from(ring.members, (member) => zoneNumbers.get(member.zone)!),
      zoneCount: zoneNumbers.size
    }
    ringIndexes.set(ring, index)
  }
  return index
}

/** Index of the first token clockwise from `position`: the first at or after it, else wrap to 0. */
function tokenIndexAt(positions: readonly bigint[], position: bigint): number {
  let low = 0
  let high = positions.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (positions[middle]! < position) low = middle + 1
    else high = middle
  }
  return low === positions.length ? 0 : low
}

/** The first `count` distinct nodes clockwise from token `tokenIndex` (fewer if the ring has fewer). */
function walkFrom(ring: Ring, index: RingIndex, tokenIndex: number, count: number): readonly NodeId[] {
  let walk = index.walks[tokenIndex]
  if (walk === undefined) {
    walk = { nodes: [], slots: [], nextToken: tokenIndex, steps: 0 }
    index.walks[tokenIndex] = walk
  }
  const tokenTotal = ring.tokens.length
  if (walk.nodes.length >= count || walk.steps >= tokenTotal) return walk.nodes
  const seen = index.seen
  for (const slot of walk.slots) seen[slot] = 1
  while (walk.nodes.length < count && walk.steps < tokenTotal) {
    const slot = index.ownerSlots[walk.nextToken]!
    // RING-1: skip tokens of a node already chosen, so the list holds distinct physical nodes.
    if (seen[slot] === 0) {
      seen[slot] = 1
      walk.slots.push(slot)
      walk.nodes.push(ring.nodes[slot]!)
    }
    walk.nextToken = walk.nextToken + 1 === tokenTotal ? 0 : walk.nextToken + 1
    walk.steps += 1
  }
  for (const slot of walk.slots) seen[slot] = 0
  return walk.nodes
}

function assertPosition(position: bigint): void {
  assert(position >= 0n && position <= RING_POSITION_MAX, () => `position ${position} off the ring`)
}

/** The zones of a ring's members, each once, in name order. */
export function zonesOf(ring: Ring): string[] {
  return [...new Set(ring.members.map((member) => member.zone))].sort(compareIds)
}

/** The zone of a member (ZONE_DEFAULT for an id the ring does not hold). */
export function zoneOf(ring: Ring, node: NodeId): string {
  const slot = binarySearchId(ring.nodes, node)
  return slot === undefined ? ZONE_DEFAULT : ring.members[slot]!.zone
}

function binarySearchId(ids: readonly NodeId[], id: NodeId): number | undefined {
  let low = 0
  let high = ids.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const at = ids[middle]!
    if (at === id) return middle
    if (at < id) low = middle + 1
    else high = middle
  }
  return undefined
}

/**
 * RING-4: the first `count` nodes of a distinct-node walk that span min(count, zones) zones, taken
 * greedily in walk order: a node is taken when its zone is new to the list, or when the slots
 * left after it still cover the zones missing. A node of a zone already in the list that would
 * crowd out a missing zone is passed over (it stays in the extended list, after the top N).
 * The earliest such choice: of all sets of `count` walk nodes that span the zones, the one whose
 * walk positions are lexicographically first. With one zone it is the walk's first `count`.
 */
function spanZones(walk: readonly NodeId[], slots: readonly number[], zoneSlots: Uint32Array, zoneCount: number, count: number): NodeId[] {
  const wanted = Math.min(count, zoneCount)
  const covered = new Uint8Array(zoneCount)
  let coveredCount = 0
  const chosen: NodeId[] = []
  for (let i = 0; i < walk.length && chosen.length < count; i++) {
    const zone = zoneSlots[slots[i]!]!
    const fresh = covered[zone] === 0
    if (!fresh && count - chosen.length - 1 < wanted - coveredCount) continue
    if (fresh) {
      covered[zone] = 1
      coveredCount += 1
    }
    chosen.push(walk[i]!)
  }
  return chosen
}

/**
 * RING-4's choice on a given distinct-node walk, zones named per node: the rule of `spanZones`
 * (the same code the lists use), for the Quint model's traces (spec/ring.qnt, checked by
 * test/ring-quint.test.ts) and any implementation that wants to compare its own choice.
 */
export function zoneSpanningChoice(walk: readonly NodeId[], zoneOf: (node: NodeId) => string, count: number): NodeId[] {
  assert(new Set(walk).size === walk.length, "a walk names each node once")
  const zoneNumbers = new Map<string, number>()
  for (const node of walk) if (!zoneNumbers.has(zoneOf(node))) zoneNumbers.set(zoneOf(node), zoneNumbers.size)
  const slots = walk.map((_, i) => i)
  const zoneSlots = Uint32Array.from(walk, (node) => zoneNumbers.get(zoneOf(node))!)
  return spanZones(walk, slots, zoneSlots, zoneNumbers.size, Math.min(count, walk.length))
}

/**
 * The preference list from a ring position: the first n distinct nodes clockwise (all nodes if
 * n exceeds them), spanning as many zones as the ring has, up to n (RING-4; section 4.6).
 */
export function preferenceListForPosition(ring: Ring, position: bigint, n: number): NodeId[] {
  assertPosition(position)
  assert(Number.isInteger(n) && n >= 0, () => `preference list length ${n}`)
  if (ring.tokens.length === 0 || n === 0) return []
  const index = indexOf(ring)
  const count = Math.min(n, ring.nodes.length)
  const tokenIndex = tokenIndexAt(index.positions, position)
  if (index.zoneCount === 1) {
    const nodes = walkFrom(ring, index, tokenIndex, count)
    assert(nodes.length >= count, "every member owns a token")
    return nodes.slice(0, count)
  }
  // Walk further until the zone rule has its `count` nodes: usually count plus a few of a
  // crowded zone; at worst the whole ring.
  for (let length = count; ; length = Math.min(ring.nodes.length, length * 2)) {
    const nodes = walkFrom(ring, index, tokenIndex, length)
    const walk = index.walks[tokenIndex]!
    const chosen = spanZones(nodes, walk.slots, index.zoneSlots, index.zoneCount, count)
    if (chosen.length === count) return chosen
    assert(length < ring.nodes.length, "every member owns a token")
  }
}

/**
 * The key's preference list (4.3, 4.6): the first n distinct physical nodes walking clockwise
 * from the key's MD5 position, skipping further tokens of nodes already chosen and, when the ring
 * has several zones, nodes of a zone already chosen that would keep the list from spanning them.
 */
export const preferenceList = (ring: Ring, key: string, n: number): NodeId[] => preferenceListView(ring, key, n).slice()

/**
 * preferenceList, memoised per ring, n and key (every request asks several times), as the memo's
 * own array: the hot paths read it without a copy, and must not change it.
 */
export function preferenceListView(ring: Ring, key: string, n: number): ReadonlyArray<NodeId> {
  const byN = listMemo.of(ring)
  let byKey = byN.get(n)
  if (byKey === undefined) byN.set(n, (byKey = new Map()))
  return memoised(byKey, key, () => preferenceListForPosition(ring, positionOfKey(key), n))
}

const listMemo = new TablesByOwner<Ring, number, Map<string, ReadonlyArray<NodeId>>>()

/**
 * The list a coordinator passes over failed nodes with (sloppy quorum, 4.6): the top n, then
 * every other member in walk order (ring order, distinct nodes). Its first n entries are
 * preferenceList(ring, key, n).
 */
export function extendedPreferenceList(ring: Ring, key: string, n: number): NodeId[] {
  const walk = preferenceListView(ring, key, ring.nodes.length)
  if (indexOf(ring).zoneCount === 1) return walk.slice()
  const top = preferenceListView(ring, key, n)
  return [...top, ...walk.filter((node) => !top.includes(node))]
}

/**
 * The fallbacks for a top-n node of a key, in the order a coordinator tries them (4.6): the
 * nodes past n of the extended list, those in the zone of the node they stand in for first, then
 * the others, each group in list order. Same-zone first is hint locality: the hint lives, and is
 * handed back, over the cheap link inside the zone, and the key's copies keep spanning the zones
 * (a fallback in another zone would put two copies in one zone, and losing that zone would take
 * both). When the zone has no healthy node left (the zone is down or cut off) the next zones'
 * nodes stand in: availability first. With one zone this is the extended list past n.
 */
export function fallbacksFor(ring: Ring, key: string, n: number, standsFor: NodeId): NodeId[] {
  const past = extendedPreferenceList(ring, key, n).slice(n)
  if (indexOf(ring).zoneCount === 1) return past
  const zone = zoneOf(ring, standsFor)
  return [...past.filter((node) => zoneOf(ring, node) === zone), ...past.filter((node) => zoneOf(ring, node) !== zone)]
}

/** Whether a ring position lies in (start, end], wrapping through 0 when start >= end. */
export function rangeContains(range: KeyRange, position: bigint): boolean {
  if (range.start < range.end) return range.start < position && position <= range.end
  return position > range.start || position <= range.end
}

/** The range owned by each token, index for index with ring.tokens (a virtual node's range, 4.7). */
export function tokenRanges(ring: Ring): KeyRange[] {
  const tokens = ring.tokens
  return tokens.map((token, i) => ({
    start: (i === 0 ? tokens[tokens.length - 1]! : tokens[i - 1]!).position,
    end: token.position
  }))
}

/** The token range holding a position. */
export function rangeOf(ring: Ring, position: bigint): KeyRange {
  assertPosition(position)
  assert(ring.tokens.length > 0, "empty ring has no ranges")
  const positions = indexOf(ring).positions
  const i = tokenIndexAt(positions, position)
  return { start: positions[i === 0 ? positions.length - 1 : i - 1]!, end: positions[i]! }
}

/** The token range holding a key. */
export function keyRange(ring: Ring, key: string): KeyRange {
  return rangeOf(ring, positionOfKey(key))
}

/** The token ranges whose top-n preference list includes `node`: what it replicates. */
export function rangesHeldBy(ring: Ring, node: NodeId, n: number): KeyRange[] {
  return tokenRanges(ring).filter((range) => preferenceListForPosition(ring, range.end, n).includes(node))
}

function sameNodes(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  return a.length === b.length && a.every((node, i) => node === b[i])
}

/** Both rings' token positions, sorted, each once: between two of them neither list changes. */
function boundariesOf(before: Ring, after: Ring): bigint[] {
  const a = indexOf(before).positions
  const b = indexOf(after).positions
  const merged: bigint[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!
    if (merged.length === 0 || merged[merged.length - 1] !== next) merged.push(next)
  }
  return merged
}

/**
 * The key ranges whose top-n replica set differs between two rings (a join or a leave), with the
 * nodes that lose and gain each: the data a membership change must move (4.8, 4.9). Adjacent
 * ranges with the same lists are merged; ranges are ordered by end, a wrapping one first.
 */
export function ownershipChanges(before: Ring, after: Ring, n: number): RangeTransfer[] {
  assert(Number.isInteger(n) && n >= 1, () => `preference list length ${n}`)
  const boundaries = boundariesOf(before, after)
  const transfers: RangeTransfer[] = []
  boundaries.forEach((end, k) => {
    const start = boundaries[k === 0 ? boundaries.length - 1 : k - 1]!
    // No token of either ring lies inside (start, end), so the lists at `end` hold for all of it.
    const listBefore = preferenceListForPosition(before, end, n)
    const listAfter = preferenceListForPosition(after, end, n)
    const losing = listBefore.filter((node) => !listAfter.includes(node))
    const gaining = listAfter.filter((node) => !listBefore.includes(node))
    if (losing.length === 0 && gaining.length === 0) return
    const previous = transfers[transfers.length - 1]
    if (previous !== undefined && previous.end === start && sameNodes(previous.before, listBefore)
      && sameNodes(previous.after, listAfter)) {
      transfers[transfers.length - 1] = { ...previous, end }
    } else {
      transfers.push({ start, end, before: listBefore, after: listAfter, losing, gaining })
    }
  })
  const first = transfers[0]
  const last = transfers[transfers.length - 1]
  if (first !== undefined && last !== undefined && first !== last && last.end === first.start
    && sameNodes(first.before, last.before) && sameNodes(first.after, last.after)) {
    // The last range runs into the first across position 0: one range that wraps.
    transfers[0] = { ...first, start: last.start }
    transfers.pop()
  }
  return transfers
}
