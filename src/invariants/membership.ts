// RING-2 and MEMBERSHIP-1 (spec/README.md; the paper's sections 4.2 and 4.8): what a ring change
// may move and what gossip must reach, judged on facts an interpreter reads off its nodes (what a
// hand-over carried and whether its receiver gains each key; each running node's view).
import type { Finding } from "./oracle.ts"

/** A hand-over message as sent: its keys, each with whether the receiver gains it in the ring change under way. */
export interface HandoffSent {
  readonly from: string
  readonly to: string
  readonly keys: ReadonlyArray<{ readonly key: string; readonly gains: boolean }>
}

/**
 * RING-2 end to end: a hand-over to a node carries only keys that node gains in the pending ring
 * change (only the moved ranges travel). Catches a hand-over of whole stores, or of ranges the
 * receiver already replicates.
 */
export const ring2HandoffMovesOnlyGains = (sent: HandoffSent): Finding | undefined => {
  const stray = sent.keys.find((entry) => !entry.gains)
  return stray === undefined ? undefined : { invariant: "RING-2", message: `${sent.from} handed ${stray.key} to ${sent.to}, which does not gain it in the pending ring change` }
}

/** One running node's membership view: a canonical digest of it, and whether a join or leave is pending in it. */
export interface ViewHeld {
  readonly node: string
  readonly digest: string
  readonly pending: boolean
}

/**
 * MEMBERSHIP-1, judged once gossip had its time: every running node holds the same view, with no
 * join or leave still pending. Undefined when it holds; the finding says how the views differ.
 * Catches a merge that is not a semilattice (views that never meet) and a gossip round that stops
 * short of a peer.
 */
export const membership1ViewsAgree = (views: ReadonlyArray<ViewHeld>, waitedMs: number): Finding | undefined => {
  const digests = [...new Set(views.map((view) => view.digest))]
  const pending = views.some((view) => view.pending)
  if (digests.length <= 1 && !pending) return undefined
  return {
    invariant: "MEMBERSHIP-1",
    message: `views have not converged ${waitedMs} ms after healing: ${digests.length} distinct views${pending ? ", a join or leave still pending" : ""}: ${digests.join(" | ")}`
  }
}
