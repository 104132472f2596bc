// QUORUM-1 (spec/README.md; the paper's section 4.5): with R + W > N and no fault, a get that
// starts after a put was acknowledged sees that put, or a version that has seen it.
import type { Finding, InvariantOracle } from "./oracle.ts"

/** A get's reply and the writes acknowledged before it was sent, under the interpreter's premise. */
export interface QuorumRead<E> {
  readonly id: string
  readonly key: string
  readonly events: E
  readonly acknowledgedBefore: E
  /** The premise the interpreter judged this get under, as the finding states it. */
  readonly premise: string
  /** R, W and N, and what a miss means under the premise. */
  readonly quorum: string
}

/** Catches a coordinator that answers before R replies, or a put acknowledged before W durable copies. */
export const quorum1ReadSeesAcknowledged = <E, P>(o: InvariantOracle<E, P>, read: QuorumRead<E>): Finding | undefined => {
  const missed = o.missing(read.acknowledgedBefore, o.past(read.key, read.events))
  if (o.isEmpty(missed)) return undefined
  const write = o.first(missed)
  return { invariant: "QUORUM-1", message: `get ${read.id} of ${read.key}${read.premise}, missed ${write}, acknowledged before the get was sent by [${o.acknowledgement(write).nodes.join(", ")}] (${read.quorum})` }
}
