// LEAVE-1 (spec/README.md, "Leaves"; the paper's section 4.9): a leaving node becomes "left" only
// once it has handed every range of its part of the ring change's plan to the node that gains it,
// and that node durably holds, in its own store, one copy of each batch the hand-over sent.
// Writes that reached the leaver after a copy was sent travel as hints. Judged against what the
// Handoff messages carried and the gainer's disk (the oracle interface's LeaveRecords).
import type { Causality, Finding, LeaveRecords } from "./oracle.ts"

/** A range of the plan the leaver hands to one node: `(start, end]` on the ring. */
export interface PlannedMove {
  readonly to: string
  readonly start: bigint
  readonly end: bigint
}

/** The id under which a Handoff's range to one node is recorded. */
export const moveId = (to: string, start: bigint, end: bigint): string => `${to}|${start}|${end}`

/**
 * Why `to` does not yet hold, in its own store, what `from` handed it of one range: the range was
 * never handed over, or some batch of it is on none of the copies `to`'s disk holds. Undefined when
 * it holds every batch, or lost its disk since the first copy was sent. Shared by LEAVE-1 and JOIN-1
 * (join.ts): the two ends of one hand-over.
 */
export const unheldHandOver = <E, P>(o: Causality<E, P>, records: LeaveRecords<E>, from: string, move: PlannedMove): string | undefined => {
  const sent = records.handedOver(from, moveId(move.to, move.start, move.end))
  if (sent === undefined) return `${from} never handed range (${move.start}, ${move.end}] to ${move.to}`
  if (records.diskLostSince(move.to, sent.at)) return undefined
  // A resend carries what the sender holds then, writes that came after the first send
  // included; the receiver may have confirmed an earlier copy. Each batch must be held as at
  // least one of its copies carried it. (An acknowledgement names the range, not the copy: a
  // late copy of an earlier ring change of the same range confirms it as well.)
  const missingOf = (keys: ReadonlyArray<{ readonly key: string; readonly events: E }>): string | undefined => {
    for (const { key, events } of keys) {
      const missing = o.missing(events, o.past(key, records.diskHolds(move.to, key)))
      if (!o.isEmpty(missing)) return `${o.first(missing)} of ${key}`
    }
    return undefined
  }
  for (const batch of new Set(sent.messages.map((m) => m.batch))) {
    const copies = sent.messages.filter((m) => m.batch === batch).map((m) => missingOf(m.keys))
    if (copies.every((missing) => missing !== undefined)) return `${move.to} did not hold ${copies[0]} on disk, though ${from} had handed it over`
  }
  return undefined
}

/**
 * At the step a node becomes left, over the moves of the plan it hands over. Catches a leaver that
 * leaves before its hand-overs are confirmed, or a receiver that confirms before its disk holds a batch.
 */
export const leave1HandedOver = <E, P>(o: Causality<E, P>, records: LeaveRecords<E>, node: string, plan: ReadonlyArray<PlannedMove>): Finding | undefined => {
  for (const move of plan) {
    const why = unheldHandOver(o, records, node, move)
    if (why !== undefined) return { invariant: "LEAVE-1", message: `${node} left while ${why}` }
  }
  return undefined
}
