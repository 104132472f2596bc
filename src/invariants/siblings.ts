// SIB-1 (spec/README.md; the paper's section 4.4): concurrent writes are never silently lost. At
// each persist of a key a replica keeps every version it held or received, or one that has seen
// it, and never keeps a version beside one that has seen it; a reply never lists such a pair.
import type { Causality, Finding } from "./oracle.ts"

/** One persisted store record: what the replica held and received for the key, and what it holds now. */
export interface StoreWrite<E> {
  readonly node: string
  readonly key: string
  /** What the replica held for the key before the step, and what the step's input brought. */
  readonly needed: E
  /** The events of the set it persisted. */
  readonly held: E
}

/**
 * SIB-1 at the replica: no version is dropped but by one that has seen it. Catches a merge that
 * replaces a concurrent sibling (the paper's vector clocks with two puts of one coordinator).
 */
export const sib1NoneDropped = <E, P>(o: Causality<E, P>, write: StoreWrite<E>): Finding | undefined => {
  const dropped = o.missing(write.needed, o.past(write.key, write.held))
  if (o.isEmpty(dropped)) return undefined
  return { invariant: "SIB-1", message: `${write.node} dropped ${o.names(dropped)} from ${write.key}: it now holds ${o.names(write.held)}, none of which has seen it` }
}

/** SIB-1 at the replica: the stored siblings are an antichain. Catches a merge that keeps an overwritten version. */
export const sib1StoredConcurrent = <E, P>(o: Causality<E, P>, write: StoreWrite<E>): Finding | undefined => {
  const pair = o.firstOrdered(write.held)
  if (pair === undefined) return undefined
  return { invariant: "SIB-1", message: `${write.node} keeps ${o.names(pair.older)} beside ${pair.newer} in ${write.key}, though ${pair.newer} has seen it` }
}

/** A successful reply, as the core gives it. */
export interface ListedReply {
  readonly _tag: "GetOk" | "PutOk"
  readonly id: string
  readonly key: string
}

/**
 * SIB-1 at the client: a reply never lists a version beside one that has seen it. With clock
 * truncation (vv) that can happen by design (TRUNC-1: false siblings), and the finding says so.
 */
export const sib1ListedConcurrent = <E, P>(o: Causality<E, P>, reply: ListedReply, events: E, truncateAt: number | undefined): Finding | undefined => {
  const pair = o.firstOrdered(events)
  if (pair === undefined) return undefined
  const truncation = truncateAt === undefined
    ? ""
    : ` (false siblings: truncation to ${truncateAt} clock ${truncateAt === 1 ? "entry" : "entries"} made them look concurrent; TRUNC-1 allows this, it never loses a write)`
  return { invariant: "SIB-1", message: `${reply._tag} ${reply.id} of ${reply.key} listed ${o.names(pair.older)} beside ${pair.newer}, though ${pair.newer} has seen it${truncation}` }
}
