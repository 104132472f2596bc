// Range hand-over on a join or leave (sections 4.8, 4.9): the node that loses a range offers its
// keys to the node that gains it, in bounded batches, until the receiver confirms it holds the
// whole range durably. Offers are re-sent on a timer; merging on arrival makes repeats harmless.
import { HANDOFF_KEYS_PER_MESSAGE_MAX } from "./config.ts"
import { sortedStore } from "./durable.ts"
import type { KeyedSet } from "./merkle.ts"
import { entryOf } from "./membership.ts"
import { completeMembershipChange, expectedOffers } from "./ownership.ts"
import { positionOfKey, rangeContains, type KeyRange, type NodeId } from "./ring.ts"
import { persist, storeVersions } from "./replica.ts"
import type { NodeState, Offer, Out } from "./state.ts"

/** The keys of `range` in the store, cut into batches (at least one, possibly empty). */
const batchesOf = (state: NodeState, range: KeyRange): ReadonlyArray<ReadonlyArray<KeyedSet>> => {
  const entries = sortedStore(state)
    .filter(([key]) => rangeContains(range, positionOfKey(key)))
    .map(([key, set]) => ({ key, set }))
  const batches: Array<ReadonlyArray<KeyedSet>> = []
  for (let i = 0; i < entries.length; i += HANDOFF_KEYS_PER_MESSAGE_MAX) batches.push(entries.slice(i, i + HANDOFF_KEYS_PER_MESSAGE_MAX))
  return batches.length === 0 ? [[]] : batches
}

const sendOffer = (state: NodeState, offer: Offer, out: Out): void => {
  const batches = batchesOf(state, offer.range)
  batches.forEach((entries, batch) => {
    out.push({ _tag: "Send", to: offer.to, message: { _tag: "Handoff", offer: offer.id, range: offer.range, entries, batch, batches: batches.length } })
  })
}

/**
 * The hand-over timer: offer every unconfirmed range again; a joining node asks the senders of
 * the offers it still lacks (its disk may have been lost after they were confirmed). Re-arm.
 */
export const handoffTick = (state: NodeState, out: Out): void => {
  for (const offer of state.offers) if (!offer.confirmed) sendOffer(state, offer, out)
  if (entryOf(state.membership, state.id)?.status === "joining") {
    const missing = expectedOffers(state).filter((id) => !state.received.includes(id))
    const bySender = new Map<NodeId, Array<string>>()
    for (const id of missing) {
      const sender = id.slice(0, id.indexOf(">"))
      bySender.set(sender, [...(bySender.get(sender) ?? []), id])
    }
    for (const [sender, offers] of [...bySender].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      out.push({ _tag: "Send", to: sender, message: { _tag: "HandoffPull", offers } })
    }
  }
  out.push({ _tag: "SetTimer", timer: { _tag: "Handoff" }, afterMs: state.config.handoffIntervalMs })
}

/** A joining node lacks some of this node's offers: send them again, unconfirmed until acked. */
export const handoffPulled = (state: NodeState, from: NodeId, wanted: ReadonlyArray<string>, out: Out): NodeState => {
  const offers = state.offers.map((o) => (o.to === from && wanted.includes(o.id) ? { ...o, confirmed: false } : o))
  for (const offer of offers) if (offer.to === from && wanted.includes(offer.id)) sendOffer(state, offer, out)
  return { ...state, offers }
}

/** A batch of an offered range: merge its keys into the store, and count it once durable. */
export const receiveHandoff = (
  state: NodeState,
  from: NodeId,
  message: { readonly offer: string; readonly entries: ReadonlyArray<KeyedSet>; readonly batch: number; readonly batches: number },
  out: Out
): NodeState => {
  if (state.received.includes(message.offer)) {
    out.push({ _tag: "Send", to: from, message: { _tag: "HandoffAck", offer: message.offer } })
    return state
  }
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
  if (state.received.includes(offer)) return state
  const seen = state.incoming.get(offer) ?? []
  const got = seen.includes(batch) ? seen : [...seen, batch]
  const incoming = new Map(state.incoming)
  if (got.length < batches) {
    incoming.set(offer, got)
    return { ...state, incoming }
  }
  incoming.delete(offer)
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
  return completeMembershipChange({ ...state, offers }, out)
}

/** Send every unconfirmed offer now (on a view change), rather than waiting for the timer. */
export const sendPendingOffers = (state: NodeState, out: Out): void => {
  for (const offer of state.offers) if (!offer.confirmed) sendOffer(state, offer, out)
}
