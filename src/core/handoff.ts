// Range hand-over on a join or leave (sections 4.8, 4.9): the node that loses a range offers its
// keys to the node that gains it, in bounded batches, until the receiver confirms it holds the
// whole range durably. Offers are re-sent on a timer; merging on arrival makes repeats harmless.
import { HashMap, Option } from "effect"
import { HANDOFF_KEYS_PER_MESSAGE_MAX } from "./config.ts"
import { treeKeys, type KeyedSet } from "./merkle.ts"
import { entryOf } from "./membership.ts"
import { completeMembershipChange, expectedOffers } from "./ownership.ts"
import { positionOfKey, rangeContains, RING_POSITIONS, type KeyRange, type NodeId } from "./ring.ts"
import { persist, rangeKey, storeVersions } from "./replica.ts"
import type { NodeState, Offer, Out } from "./state.ts"

/** Whether two ring arcs (start, end] share a position. */
const overlaps = (a: KeyRange, b: KeyRange): boolean => rangeContains(a, b.end) || rangeContains(b, a.end)

/** Whether arc `inner` lies inside arc `outer` (a partition inside a range of merged partitions). */
const inside = (inner: KeyRange, outer: KeyRange): boolean => {
  if (outer.start === outer.end) return true // the whole ring
  const clockwise = (from: bigint, to: bigint): bigint => (to - from + RING_POSITIONS) % RING_POSITIONS
  const startAt = clockwise(outer.start, inner.start)
  const endAt = clockwise(outer.start, inner.end)
  return endAt > 0n && endAt <= clockwise(outer.start, outer.end) && startAt < endAt
}

/**
 * The keys of `range` this node holds, sorted. A sender replicates every range it offers, so the
 * Merkle trees of the serving ranges it overlaps list them: no pass over the whole store per
 * offer (a real node holds ~10^5 keys and offers hundreds of ranges in a join). A range no tree
 * overlaps is read from the store.
 */
const entriesOf = (state: NodeState, range: KeyRange): ReadonlyArray<KeyedSet> => {
  const keys: Array<string> = []
  let covered = false
  for (const tree of HashMap.values(state.trees)) {
    if (!overlaps(tree.range, range)) continue
    covered = true
    const whole = inside(tree.range, range)
    for (const key of treeKeys(tree)) if (whole || rangeContains(range, positionOfKey(key))) keys.push(key)
  }
  if (!covered) {
    for (const key of HashMap.keys(state.store)) if (rangeContains(range, positionOfKey(key))) keys.push(key)
  }
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const entries: Array<KeyedSet> = []
  for (const key of keys) {
    const set = Option.getOrUndefined(HashMap.get(state.store, key))
    if (set !== undefined && (entries.length === 0 || entries[entries.length - 1]!.key !== key)) entries.push({ key, set })
  }
  return entries
}

/** The keys of `range`, cut into batches (at least one, possibly empty). */
const batchesOf = (state: NodeState, range: KeyRange): ReadonlyArray<ReadonlyArray<KeyedSet>> => {
  const entries = entriesOf(state, range)
  const batches: Array<ReadonlyArray<KeyedSet>> = []
  for (let i = 0; i < entries.length; i += HANDOFF_KEYS_PER_MESSAGE_MAX) batches.push(entries.slice(i, i + HANDOFF_KEYS_PER_MESSAGE_MAX))
  return batches.length === 0 ? [[]] : batches
}

/** How many keys of `range` this node holds (for plans and status: trees count without a walk). */
export const keysInRange = (state: NodeState, range: KeyRange): number => {
  let count = 0
  let covered = false
  for (const tree of HashMap.values(state.trees)) {
    if (!overlaps(tree.range, range)) continue
    covered = true
    if (inside(tree.range, range)) count += tree.keyCount
    else for (const key of treeKeys(tree)) if (rangeContains(range, positionOfKey(key))) count += 1
  }
  return covered ? count : entriesOf(state, range).length
}

const sendOffer = (state: NodeState, offer: Offer, out: Out): Offer => {
  const batches = batchesOf(state, offer.range)
  let keys = 0
  batches.forEach((entries, batch) => {
    keys += entries.length
    out.push({ _tag: "Send", to: offer.to, message: { _tag: "Handoff", offer: offer.id, range: offer.range, entries, batch, batches: batches.length } })
  })
  return { ...offer, sent: true, idleTicks: 0, keys }
}

/**
 * Walks the offers in plan order keeping the window: offers sent and unconfirmed count against
 * handoffOffersInFlightMax and, by the keys they carried, handoffKeysInFlightMax; an unsent one
 * enters while both allow (so empty ranges go at once, large ones a few at a time). `visit`
 * decides what becomes of each unconfirmed offer in the window, sent or entering.
 */
const walkWindow = (state: NodeState, visit: (offer: Offer) => Offer): ReadonlyArray<Offer> => {
  let count = 0
  let keys = 0
  let changed = false
  const offers = state.offers.map((offer) => {
    if (offer.confirmed) return offer
    if (!offer.sent && (count >= state.config.handoffOffersInFlightMax || keys >= state.config.handoffKeysInFlightMax)) return offer
    const next = visit(offer)
    count += 1
    keys += next.keys
    if (next !== offer) changed = true
    return next
  })
  return changed ? offers : state.offers
}

/** Send the offers entering the window (on a view change, a restart, a confirmation). */
export const sendPendingOffers = (state: NodeState, out: Out): NodeState => {
  const offers = walkWindow(state, (offer) => (offer.sent ? offer : sendOffer(state, offer, out)))
  return offers === state.offers ? state : { ...state, offers }
}

/**
 * The hand-over timer: offer again the ranges in flight that waited long enough, send those
 * entering the window; a joining node asks the senders of the offers it still lacks (its disk may
 * have been lost after they were confirmed). Re-arm.
 */
export const handoffTick = (state: NodeState, out: Out): NodeState => {
  const offers = walkWindow(state, (offer) =>
    !offer.sent || offer.idleTicks + 1 >= state.config.handoffResendTicks ? sendOffer(state, offer, out) : { ...offer, idleTicks: offer.idleTicks + 1 })
  if (entryOf(state.membership, state.id)?.status === "joining") {
    const missing = expectedOffers(state).filter((id) => !state.received.includes(id))
    const bySender = new Map<NodeId, Array<string>>()
    for (const id of missing) {
      const sender = id.slice(0, id.indexOf(">"))
      bySender.set(sender, [...(bySender.get(sender) ?? []), id])
    }
    for (const [sender, wanted] of [...bySender].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      out.push({ _tag: "Send", to: sender, message: { _tag: "HandoffPull", offers: wanted } })
    }
  }
  out.push({ _tag: "SetTimer", timer: { _tag: "Handoff" }, afterMs: state.config.handoffIntervalMs })
  return offers === state.offers ? state : { ...state, offers }
}

/**
 * A joining node lacks some of this node's offers: they are unconfirmed again and go out as the
 * window allows. One still in flight is sent again only if it has waited its resend period
 * (the joiner asks at every firing; with a period of one firing, every ask resends it).
 */
export const handoffPulled = (state: NodeState, from: NodeId, wanted: ReadonlyArray<string>, out: Out): NodeState => {
  const offers = state.offers.map((o) => {
    if (o.to !== from || !wanted.includes(o.id)) return o
    if (!o.confirmed && o.sent && o.idleTicks + 1 < state.config.handoffResendTicks) return o
    return { ...o, confirmed: false, sent: false, idleTicks: 0, keys: 0 }
  })
  return sendPendingOffers({ ...state, offers }, out)
}

/** A batch of an offered range: merge its keys into the store, and count it once durable. */
export const receiveHandoff = (
  state: NodeState,
  from: NodeId,
  message: { readonly offer: string; readonly entries: ReadonlyArray<KeyedSet>; readonly batch: number; readonly batches: number },
  out: Out
): NodeState => {
  // An offer already received is stored again, not confirmed at once: an offer id names (sender,
  // receiver, range), and the same triple recurs across ring changes (a range handed over empty
  // for a join, later with keys for the sender's leave). Confirming it unread let a leaving node
  // leave before its keys arrived (LEAVE-1; traces/regressions/leave1-offer-id-reused.json).
  if (!Number.isInteger(message.batch) || !Number.isInteger(message.batches) || message.batch < 0 || message.batch >= message.batches) return state
  const then = { _tag: "HandoffBatchDurable", from, offer: message.offer, batch: message.batch, batches: message.batches } as const
  if (message.entries.length === 0) return handoffBatchDurable(state, from, message.offer, message.batch, message.batches, out)
  let next = state
  // The batch counts once its last key is durable: persists complete in order.
  message.entries.forEach(({ key, set }, i) => {
    next = storeVersions(next, key, set, undefined, i === message.entries.length - 1 ? then : undefined, out, "own")
  })
  return next
}

/** Continuation: a batch is durable. When all are, record the offer as received and confirm it. */
export const handoffBatchDurable = (state: NodeState, from: NodeId, offer: string, batch: number, batches: number, out: Out): NodeState => {
  const seen = state.incoming.get(offer) ?? []
  const got = seen.includes(batch) ? seen : [...seen, batch]
  const incoming = new Map(state.incoming)
  if (got.length < batches) {
    incoming.set(offer, got)
    return { ...state, incoming }
  }
  incoming.delete(offer)
  // Received before (a resend, or the same id in a later ring change): confirm, nothing to record.
  if (state.received.includes(offer)) return handoffRecorded({ ...state, incoming }, from, offer, out)
  const next = { ...state, incoming, received: [...state.received, offer].sort() }
  return persist(next, { _tag: "HandoffReceived", offer }, { _tag: "AckHandoff", to: from, offer }, out)
}

/** Continuation: the received offer is on disk; confirm it and see whether the join is complete. */
export const handoffRecorded = (state: NodeState, to: NodeId, offer: string, out: Out): NodeState => {
  out.push({ _tag: "Send", to, message: { _tag: "HandoffAck", offer } })
  return completeMembershipChange(state, out)
}

/** The receiver holds the range: the offer is confirmed; a leaving node may now be done. */
export const handoffAcknowledged = (state: NodeState, from: NodeId, offer: string, out: Out): NodeState => {
  if (!state.offers.some((o) => o.id === offer && o.to === from && !o.confirmed)) return state
  const offers = state.offers.map((o) => (o.id === offer ? { ...o, confirmed: true } : o))
  // A slot of the window is free: the next range goes now, not at the next timer firing.
  return completeMembershipChange(sendPendingOffers({ ...state, offers }, out), out)
}

/** One destination of this node's hand-overs: ranges and keys confirmed and still to go. */
export interface HandoverProgress {
  readonly to: NodeId
  readonly ranges: number
  readonly rangesConfirmed: number
  readonly keysSent: number
  readonly keysLeft: number
}

/**
 * Keys this node holds in each of `ranges` (disjoint arcs), by rangeKey: one pass over the Merkle
 * trees, each matched to its range by binary search (a tree inside a range counts whole).
 */
const keyCounts = (state: NodeState, ranges: ReadonlyArray<KeyRange>): Map<string, number> => {
  const sorted = [...ranges].sort((a, b) => (a.end < b.end ? -1 : a.end > b.end ? 1 : 0))
  const counts = new Map<string, number>(sorted.map((range) => [rangeKey(range), 0]))
  const containing = (position: bigint): KeyRange | undefined => {
    let low = 0
    let high = sorted.length
    while (low < high) {
      const middle = (low + high) >>> 1
      if (sorted[middle]!.end < position) low = middle + 1
      else high = middle
    }
    const candidate = sorted[low === sorted.length ? 0 : low]
    return candidate !== undefined && rangeContains(candidate, position) ? candidate : undefined
  }
  const add = (range: KeyRange | undefined, count: number) => {
    if (range !== undefined) counts.set(rangeKey(range), counts.get(rangeKey(range))! + count)
  }
  for (const tree of HashMap.values(state.trees)) {
    const range = containing(tree.range.end)
    if (range !== undefined && inside(tree.range, range)) add(range, tree.keyCount)
    else for (const key of treeKeys(tree)) add(containing(positionOfKey(key)), 1)
  }
  return counts
}

/** What this node still owes in the pending ring change, per receiving node, sorted by node. */
export const outgoingProgress = (state: NodeState): ReadonlyArray<HandoverProgress> => {
  const distinct = new Map(state.offers.map((offer) => [rangeKey(offer.range), offer.range]))
  const counts = keyCounts(state, [...distinct.values()])
  const byNode = new Map<NodeId, { ranges: number; rangesConfirmed: number; keysSent: number; keysLeft: number }>()
  for (const offer of state.offers) {
    const entry = byNode.get(offer.to) ?? { ranges: 0, rangesConfirmed: 0, keysSent: 0, keysLeft: 0 }
    const keys = counts.get(rangeKey(offer.range)) ?? 0
    entry.ranges += 1
    if (offer.confirmed) {
      entry.rangesConfirmed += 1
      entry.keysSent += keys
    } else {
      entry.keysLeft += keys
    }
    byNode.set(offer.to, entry)
  }
  return [...byNode].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([to, entry]) => ({ to, ...entry }))
}

/** A joining node: how many of the ranges it waits for it holds whole. Undefined otherwise. */
export const incomingProgress = (state: NodeState): { readonly expected: number; readonly received: number } | undefined => {
  if (entryOf(state.membership, state.id)?.status !== "joining") return undefined
  const expected = expectedOffers(state)
  return { expected: expected.length, received: expected.filter((id) => state.received.includes(id)).length }
}

/** Offers of the pending ring change this node has not seen confirmed (0: it owes nothing). */
export const offersUnconfirmed = (state: NodeState): number => state.offers.filter((offer) => !offer.confirmed).length
