// JOIN-1 (spec/README.md, "Joins"; the paper's section 4.9): a joining node becomes a member, and so
// a replica coordinators route to, only once every node that loses a range to it has handed that
// range over and the joining node holds, in its own store on disk, one copy of each batch sent.
// The other end of LEAVE-1's hand-over, judged against the same records (leave.ts).
import type { Causality, Finding, LeaveRecords } from "./oracle.ts"
import { type PlannedMove, unheldHandOver } from "./leave.ts"

/** A range of the ring change's plan that the joining node gains, and the node that loses it. */
export interface IncomingMove extends PlannedMove {
  readonly from: string
}

/**
 * At the step a joining node becomes a member, over the moves of the plan that it gains. Catches a
 * join that completes before a range arrived (a member answering reads without the range's keys,
 * which then reach it only as hints or by anti-entropy), or one that counts a range received before
 * its disk holds a batch.
 */
export const join1Received = <E, P>(o: Causality<E, P>, records: LeaveRecords<E>, node: string, plan: ReadonlyArray<IncomingMove>): Finding | undefined => {
  for (const move of plan) {
    const why = unheldHandOver(o, records, move.from, move)
    if (why !== undefined) return { invariant: "JOIN-1", message: `${node} became a member while ${why}` }
  }
  return undefined
}
