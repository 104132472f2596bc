// HINT-2, READ-2 and READ-3 (spec/README.md; the paper's sections 4.5, 4.6):
// what an answer to a read and a get's reply promise, judged against what the nodes held and the
// answers the coordinator received (the oracle interface's ReadRecords), never against the
// coordinator's own request state.
import type { Causality, Finding, ReadRecords } from "./oracle.ts"

/** A ReadReply a node sends: what it held for the key before the step (its own view and its hints), and what it answered. */
export interface ReadAnswer<E> {
  readonly node: string
  readonly to: string
  readonly key: string
  readonly held: E
  readonly answered: E
}

/**
 * HINT-2: a node's answer to a read holds everything it holds for the key, its hints for other
 * nodes included, so a sloppy read sees what the sloppy write left there (section 4.6). Catches a
 * replica that answers from its own store alone.
 */
export const hint2AnswerHoldsAll = <E, P>(o: Causality<E, P>, answer: ReadAnswer<E>): Finding | undefined => {
  const left = o.missing(answer.held, o.past(answer.key, answer.answered))
  if (o.isEmpty(left)) return undefined
  return { invariant: "HINT-2", message: `${answer.node} answered a read of ${answer.key} from ${answer.to} with ${o.names(answer.answered)}, leaving out ${o.first(left)}, which it holds` }
}

/** A GetOk as a client receives it. */
export interface GetReply<E> {
  readonly id: string
  readonly key: string
  /** The nodes it names as answerers. */
  readonly nodes: ReadonlyArray<string>
  readonly values: ReadonlyArray<string>
  /** The values of its live siblings (tombstones left out). */
  readonly liveValues: ReadonlyArray<string>
  /** The events of its siblings. */
  readonly events: E
}

/**
 * READ-2: a get's reply covers, for each node it names as an answerer, what that node's disk held
 * in its own store when the get was sent (an answer is read after that), unless the disk was lost
 * since. Hints are left out: a fallback deletes a hint once delivered, so it may rightly answer a
 * later read without it. Catches an answer to an earlier incarnation's get counted for this one.
 */
export const read2CoversAnswerers = <E, P>(o: Causality<E, P>, records: ReadRecords<E>, reply: GetReply<E>): Finding | undefined => {
  const past = o.past(reply.key, reply.events)
  for (const node of reply.nodes) {
    const held = records.heldWhenSent(reply.id, node)
    if (held === undefined) continue
    const missing = o.missing(held, past)
    if (!o.isEmpty(missing)) {
      return { invariant: "READ-2", message: `get ${reply.id} of ${reply.key} names ${node} as an answerer but misses ${o.first(missing)}, which ${node}'s disk held when the get was sent` }
    }
  }
  return undefined
}

/** A GetOk a coordinator sends (to its client, or to the forwarder that asked), and the ops of the gets it may answer. */
export interface CoordinatedReply {
  readonly coordinator: string
  readonly id: string
  readonly key: string
  readonly nodes: ReadonlyArray<string>
  /**
   * The ops of this coordinator's gets the reply answers: the one an answer or a request timer of
   * the step names; undefined when the step names none (a get started here, a replacement asked
   * on other news): then any get of the key.
   */
  readonly ops: ReadonlyArray<number> | undefined
}

/**
 * READ-3: a get's reply names as answerers only its coordinator and nodes whose answer to that
 * very get reached it, in the coordinator's current incarnation: a ReadReply of the same op and
 * key carrying the epoch its Reads carried. Op numbers restart with each incarnation, so an answer
 * to an earlier incarnation's get may name a reused op. Catches such an answer counted.
 */
export const read3AnswerersAnswered = (records: ReadRecords<unknown>, reply: CoordinatedReply): Finding | undefined => {
  const ops = reply.ops ?? records.gets(reply.coordinator).filter((get) => get.key === reply.key).map((get) => get.op)
  for (const named of reply.nodes) {
    if (named === reply.coordinator) continue
    if (ops.some((op) => records.answered(reply.coordinator, op, reply.key, named))) continue
    return {
      invariant: "READ-3",
      message: `${reply.coordinator} answered get ${reply.id} of ${reply.key} naming ${named}, whose answer to it (op ${ops.join("/") || "none"}) never reached this incarnation of ${reply.coordinator}`
    }
  }
  return undefined
}
