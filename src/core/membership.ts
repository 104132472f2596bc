// Gossip-based membership (paper 4.8): explicit join and leave commands, a per-node view whose
// entries carry versions, reconciled pairwise with a random peer (seeds known to all prevent a
// logically partitioned ring), and the ranges a node hands over when the ring changes (4.8, 4.9).
// An unreachable node is not a departed one: only join and leave change the view.
import { Schema } from "effect"
import { md5Hex } from "./hash.ts"
import {
  buildRing,
  CAPACITY_DEFAULT,
  CAPACITY_MAX,
  MEMBERS_MAX,
  ZONE_DEFAULT,
  zoneNameProblem,
  ownershipChanges,
  type KeyRange,
  type Member,
  type NodeId,
  type Ring,
  type RingConfig
} from "./ring.ts"

/**
 * A node's life in the cluster, in order: "joining" (announced, receiving its ranges, not on the
 * ring), "member" (on the ring), "leaving" (still on the ring, handing its ranges over), "left"
 * (off the ring; kept as a tombstone so an old entry cannot bring the node back).
 */
export type MemberStatus = "joining" | "member" | "leaving" | "left"

/** What the view says about one node. */
export interface MemberEntry {
  readonly id: NodeId
  readonly status: MemberStatus
  /** Ring weight (paper 4.2 heterogeneity): the tokens follow from id and capacity. */
  readonly capacity: number
  /** Bumped by every change to this entry; the higher version wins a reconcile. */
  readonly version: number
  /**
   * Where peers reach the node (`HOST:PORT`), when an interpreter has one: the network shell's
   * nodes announce it with their join, so addresses travel with the view (4.8: "tokens travel
   * with membership"). The simulator and the checker leave it out. Kept across status changes.
   */
  readonly address?: string
  /**
   * The node's data center (paper 4.6), fixed by its join; absent means ZONE_DEFAULT, so views
   * without zones (every simulator and checker view so far) keep their encoding and digests.
   */
  readonly zone?: string
}

/** Every node this node has heard of, sorted by id, each once. Plain canonical data. */
export type MembershipView = ReadonlyArray<MemberEntry>

/** An address is `HOST:PORT`, short enough for a header. */
export const MEMBER_ADDRESS_CHARS_MAX = 256
/** Versions stay exact doubles; a real cluster changes an entry a handful of times. */
export const MEMBER_VERSION_MAX = Number.MAX_SAFE_INTEGER
/** How often a node gossips with one peer (paper 4.8: "every second"). */
export const GOSSIP_INTERVAL_MS_DEFAULT = 1_000

const STATUS_ORDER: Readonly<Record<MemberStatus, number>> = { joining: 0, member: 1, leaving: 2, left: 3 }

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`membership: ${message}`)
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Whether a view is canonical: sorted by id without duplicates, every field in bounds. */
export function isCanonicalView(view: MembershipView): boolean {
  if (view.length > MEMBERS_MAX) return false
  return view.every((entry, i) =>
    entry.id.length > 0 && (i === 0 || compareIds(view[i - 1]!.id, entry.id) < 0) &&
    Number.isSafeInteger(entry.version) && entry.version >= 1 &&
    Number.isFinite(entry.capacity) && entry.capacity > 0 && entry.capacity <= CAPACITY_MAX &&
    Object.hasOwn(STATUS_ORDER, entry.status) &&
    (entry.address === undefined || (entry.address.length > 0 && entry.address.length <= MEMBER_ADDRESS_CHARS_MAX)) &&
    (entry.zone === undefined || (entry.zone !== ZONE_DEFAULT && zoneNameProblem(entry.zone) === undefined)))
}

function checkView(view: MembershipView): void {
  assert(isCanonicalView(view), "a view must be sorted by id, ids distinct, versions >= 1, capacities in bounds")
}

/** The view that knows nothing. */
export const emptyView: MembershipView = []

/** A cluster's first configuration: every listed node a member, at version 1 (nothing to move). */
export function initialView(members: ReadonlyArray<Member>): MembershipView {
  const view = members
    .map((member): MemberEntry => withZone({ id: member.id, status: "member", capacity: member.capacity ?? CAPACITY_DEFAULT, version: 1 }, member.zone))
    .sort((a, b) => compareIds(a.id, b.id))
  checkView(view)
  return view
}

/** An entry with its zone: none kept for ZONE_DEFAULT, so a zone-less view stays as it was. */
function withZone(entry: MemberEntry, zone: string | undefined): MemberEntry {
  return zone === undefined || zone === ZONE_DEFAULT ? entry : { ...entry, zone }
}

/** The entry for a node, if the view has heard of it. */
export function entryOf(view: MembershipView, id: NodeId): MemberEntry | undefined {
  let low = 0
  let high = view.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const entry = view[middle]!
    if (entry.id === id) return entry
    if (entry.id < id) low = middle + 1
    else high = middle
  }
  return undefined
}

/**
 * The winner of two entries about the same node: higher version; on a tie (two admins changed
 * the entry concurrently) the later status, then the larger capacity, then the address (a known
 * one over none, then the larger string). A total order, so the maximum is the same whichever
 * side computes it.
 */
function newer(a: MemberEntry, b: MemberEntry): MemberEntry {
  if (a.version !== b.version) return a.version > b.version ? a : b
  if (a.status !== b.status) return STATUS_ORDER[a.status] > STATUS_ORDER[b.status] ? a : b
  if (a.capacity !== b.capacity) return a.capacity > b.capacity ? a : b
  if (a.address !== b.address) {
    if (b.address === undefined) return a
    return a.address === undefined || b.address > a.address ? b : a
  }
  // A zone is fixed at the join, so two entries of one version differ in it only when two
  // admins joined the same id into different zones at once: the larger name wins, everywhere.
  if (a.zone === b.zone || b.zone === undefined) return a
  return a.zone === undefined || b.zone > a.zone ? b : a
}

/**
 * Entrywise merge of two views: each node's entry with the higher (version, status, capacity).
 * A join-semilattice: commutative, associative, idempotent, so gossip in any order converges.
 */
export function reconcile(a: MembershipView, b: MembershipView): MembershipView {
  checkView(a)
  checkView(b)
  const merged: MemberEntry[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    const x = a[i]
    const y = b[j]
    if (y === undefined || (x !== undefined && x.id < y.id)) {
      merged.push(x!)
      i += 1
    } else if (x === undefined || y.id < x.id) {
      merged.push(y)
      j += 1
    } else {
      merged.push(newer(x, y))
      i += 1
      j += 1
    }
  }
  assert(merged.length <= MEMBERS_MAX, `more than ${MEMBERS_MAX} nodes`)
  return merged
}

/** The view with one entry replaced (or added), its version one above the one it replaces. */
function withEntry(view: MembershipView, id: NodeId, status: MemberStatus, capacity: number, address: string | undefined, zone: string | undefined): MembershipView {
  const old = entryOf(view, id)
  const version = (old?.version ?? 0) + 1
  assert(version <= MEMBER_VERSION_MAX, "entry version overflow")
  return reconcile(view, [withZone(address === undefined ? { id, status, capacity, version } : { id, status, capacity, version, address }, zone)])
}

/**
 * Admin command: announce `nodeId` as joining with a ring weight (and, in a real cluster, the
 * address peers reach it at). It owns no range yet; it turns member (completeJoin) once it has
 * received its ranges. A no-op for a node already in the cluster, except that a new address
 * replaces the old one; a node that "left" may join again (its entry's version moves past the
 * tombstone's).
 */
export function join(view: MembershipView, nodeId: NodeId, capacity: number = CAPACITY_DEFAULT, address?: string, zone?: string): MembershipView {
  checkView(view)
  assert(nodeId.length > 0, "empty node id")
  assert(Number.isFinite(capacity) && capacity > 0 && capacity <= CAPACITY_MAX, `capacity ${capacity} outside (0, ${CAPACITY_MAX}]`)
  assert(address === undefined || (address.length > 0 && address.length <= MEMBER_ADDRESS_CHARS_MAX), "address empty or too long")
  const zoneProblem = zone === undefined ? undefined : zoneNameProblem(zone)
  assert(zoneProblem === undefined, zoneProblem ?? "")
  const old = entryOf(view, nodeId)
  if (old !== undefined && old.status !== "left") {
    // Already in the cluster: nothing changes but a new address (a node restarted elsewhere).
    if (address === undefined || address === old.address) return view
    // The zone stays: moving a node between zones is a leave and a join under another id.
    return withEntry(view, nodeId, old.status, old.capacity, address, old.zone)
  }
  return withEntry(view, nodeId, "joining", capacity, address ?? old?.address, zone)
}

/**
 * The first member of a new cluster (a network node that finds no running seed): a view holding
 * only `nodeId`, a member at version 1, with its address. Nothing to move: nobody held anything.
 */
export function foundingView(nodeId: NodeId, capacity: number = CAPACITY_DEFAULT, address?: string, zone?: string): MembershipView {
  const view: MembershipView = [withZone(address === undefined ? { id: nodeId, status: "member", capacity, version: 1 } : { id: nodeId, status: "member", capacity, version: 1, address }, zone)]
  checkView(view)
  return view
}

/** The joining node itself, once every range of its transfer plan is confirmed: it takes its ranges. */
export function completeJoin(view: MembershipView, nodeId: NodeId): MembershipView {
  checkView(view)
  const old = entryOf(view, nodeId)
  if (old?.status !== "joining") return view
  return withEntry(view, nodeId, "member", old.capacity, old.address, old.zone)
}

/**
 * Admin command: `nodeId` leaves. It keeps serving its ranges while it hands them over, then
 * completeLeave takes it off the ring. A no-op unless it is joining or a member. An outage is
 * never a leave: nothing in this module reacts to unreachability.
 */
export function leave(view: MembershipView, nodeId: NodeId): MembershipView {
  checkView(view)
  const old = entryOf(view, nodeId)
  if (old === undefined || (old.status !== "joining" && old.status !== "member")) return view
  return withEntry(view, nodeId, "leaving", old.capacity, old.address, old.zone)
}

/**
 * The leaving node itself once its hand-over is confirmed, or an admin for a node that is gone
 * for good (the new owners then catch up by anti-entropy from the other replicas, 4.7).
 */
export function completeLeave(view: MembershipView, nodeId: NodeId): MembershipView {
  checkView(view)
  const old = entryOf(view, nodeId)
  if (old?.status !== "leaving") return view
  return withEntry(view, nodeId, "left", old.capacity, old.address, old.zone)
}

const ownsRanges = (status: MemberStatus): boolean => status === "member" || status === "leaving"
const willOwnRanges = (status: MemberStatus): boolean => status === "member" || status === "joining"

const membersWhere = (view: MembershipView, keep: (status: MemberStatus) => boolean): Member[] =>
  view.filter((entry) => keep(entry.status)).map((entry): Member =>
    entry.zone === undefined ? { id: entry.id, capacity: entry.capacity } : { id: entry.id, capacity: entry.capacity, zone: entry.zone })

/**
 * The ring that serves requests now: members and leaving nodes. A joining node owns no range
 * until its entry says "member" (after its data arrived); a leaving node serves until "left".
 */
export function ringOf(view: MembershipView, config: RingConfig): Ring {
  checkView(view)
  return buildRing(membersWhere(view, ownsRanges), config)
}

/** The ring once every pending change completes: members and joining nodes. */
export function targetRingOf(view: MembershipView, config: RingConfig): Ring {
  checkView(view)
  return buildRing(membersWhere(view, willOwnRanges), config)
}

/**
 * The peers a node may gossip with: every node of the view that has not left, and every seed
 * (known to all, so two halves announced through different nodes meet), without `self`, sorted.
 * The interpreter picks one (gossipTarget) with its own randomness, so a checker can enumerate.
 */
export function gossipPeers(view: MembershipView, self: NodeId, seeds: ReadonlyArray<NodeId>): NodeId[] {
  checkView(view)
  const peers = new Set<NodeId>(seeds)
  for (const entry of view) if (entry.status !== "left") peers.add(entry.id)
  peers.delete(self)
  return [...peers].sort(compareIds)
}

/** The peer chosen by `pick` (any non-negative integer: taken modulo the candidates). */
export function gossipTarget(peers: ReadonlyArray<NodeId>, pick: number): NodeId | undefined {
  assert(Number.isSafeInteger(pick) && pick >= 0, `pick ${pick} is not a natural number`)
  return peers.length === 0 ? undefined : peers[pick % peers.length]
}

/** A short fingerprint of a view: equal views, equal digests (MD5 of the canonical entries). */
export function viewDigest(view: MembershipView): string {
  const memo = digestMemo.get(view)
  if (memo !== undefined) return memo
  checkView(view)
  // An address is digested only where there is one: views without addresses (the simulator's,
  // the checker's) keep the digests they always had.
  // Likewise a zone (after the address, null when there is none).
  const digest = md5Hex(JSON.stringify(view.map((entry) => {
    const fields: Array<string | number | null> = [entry.id, entry.status, entry.capacity, entry.version]
    if (entry.address !== undefined || entry.zone !== undefined) fields.push(entry.address ?? null)
    if (entry.zone !== undefined) fields.push(entry.zone)
    return fields
  })))
  digestMemo.set(view, digest)
  return digest
}

/** Views are immutable values: each is digested once (gossip asks for it every round). */
const digestMemo = new WeakMap<MembershipView, string>()

// ---------------------------------------------------------------------------------------------
// The gossip exchange: A->B digest; B->A its view if the digests differ; A merges and sends the
// merged view back when B lacks something. Three messages when the views differ, one when not.

export type GossipMessage =
  | { readonly _tag: "GossipDigest"; readonly digest: string }
  | { readonly _tag: "GossipView"; readonly view: MembershipView; readonly replyWanted: boolean }

export interface GossipStep {
  readonly view: MembershipView
  readonly reply?: GossipMessage
}

/**
 * Whether a view agrees with the digest a gossip round opens with: then the round ends at once,
 * changing nothing (onGossip's first test, and the question an interpreter that prunes idle
 * rounds asks through gossipInSync).
 */
export function inSyncWithDigest(view: MembershipView, digest: string): boolean {
  return digest === viewDigest(view)
}

/** The first message of a gossip round with the chosen peer. */
export function startGossip(view: MembershipView): GossipMessage {
  return { _tag: "GossipDigest", digest: viewDigest(view) }
}

/** One side's answer to a gossip message: its view after merging, and what to send back. */
export function onGossip(view: MembershipView, message: GossipMessage): GossipStep {
  switch (message._tag) {
    case "GossipDigest":
      if (inSyncWithDigest(view, message.digest)) return { view }
      return { view, reply: { _tag: "GossipView", view, replyWanted: true } }
    case "GossipView": {
      // Peer input: a non-canonical view is dropped, not merged.
      if (!isCanonicalView(message.view)) return { view }
      const merged = reconcile(view, message.view)
      if (!message.replyWanted || viewDigest(merged) === viewDigest(message.view)) return { view: merged }
      return { view: merged, reply: { _tag: "GossipView", view: merged, replyWanted: false } }
    }
  }
}

/**
 * A whole gossip exchange between two nodes' views, every message delivered at once: a driver for
 * tests and benchmarks, as merkle's `diff` is for anti-entropy. Returns both views afterwards and
 * the number of messages the exchange took.
 */
export function gossipExchange(
  from: MembershipView,
  to: MembershipView
): { readonly from: MembershipView; readonly to: MembershipView; readonly messages: number } {
  const views = [from, to]
  let message: GossipMessage | undefined = startGossip(from)
  let receiver = 1
  let messages = 0
  while (message !== undefined) {
    messages += 1
    const step = onGossip(views[receiver]!, message)
    views[receiver] = step.view
    message = step.reply
    receiver = 1 - receiver
  }
  return { from: views[0]!, to: views[1]!, messages }
}

// ---------------------------------------------------------------------------------------------
// Hand-over on a ring change (4.8, 4.9: nodes that lose a range offer it to its new owners and
// stop serving it once they confirm).

/** A key range this node must offer, and the nodes that gain it. */
export interface RangeOffer {
  readonly range: KeyRange
  readonly to: ReadonlyArray<NodeId>
}

/**
 * The ranges `self` must send, and to whom, when the ring goes from `before` to `after`: from
 * ownershipChanges, each (range, gaining node) pair gets exactly one sender from `before`: the
 * i-th gaining node's is the i-th losing node (the last one when fewer lose; the paper's "nodes
 * that no longer own some ranges offer them"); when nobody loses (fewer than n nodes before), a
 * current holder, round robin. Ranges whose replicas do not change never travel (RING-2).
 */
export function transferPlan(before: Ring, after: Ring, n: number, self: NodeId): RangeOffer[] {
  const offers: RangeOffer[] = []
  for (const change of ownershipChanges(before, after, n)) {
    const { losing, before: holders } = change
    // An empty `before` is a ring bootstrapped from nothing: there is nothing to send.
    if (holders.length === 0) continue
    const senderOf = (i: number): NodeId =>
      losing.length > 0 ? losing[Math.min(i, losing.length - 1)]! : holders[i % holders.length]!
    const to = change.gaining.filter((_, i) => senderOf(i) === self)
    if (to.length > 0) offers.push({ range: { start: change.start, end: change.end }, to })
  }
  return offers
}

// ---------------------------------------------------------------------------------------------
// Schemas for the wire and the disk (the view is durable: paper 4.8, "persisted").

const MemberEntrySchema = Schema.Struct({
  id: Schema.String,
  status: Schema.Literals(["joining", "member", "leaving", "left"]),
  capacity: Schema.Finite,
  version: Schema.Int,
  address: Schema.optionalKey(Schema.String),
  zone: Schema.optionalKey(Schema.String)
})

/** A canonical view. */
export const MembershipViewSchema = Schema.Array(MemberEntrySchema).check(
  Schema.makeFilter((view: MembershipView) =>
    isCanonicalView(view) ? undefined : "a view must be sorted by id, ids distinct, versions >= 1, capacities in bounds")
)

export const GossipMessageSchema = Schema.Union([
  Schema.TaggedStruct("GossipDigest", { digest: Schema.String }),
  Schema.TaggedStruct("GossipView", { view: MembershipViewSchema, replyWanted: Schema.Boolean })
])

type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false
const schemaTypesMatch: [Equals<typeof MembershipViewSchema.Type, MembershipView>, Equals<typeof GossipMessageSchema.Type, GossipMessage>] = [true, true]
void schemaTypesMatch
