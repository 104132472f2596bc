// AVAIL-1 and AVAIL-2 (spec/README.md; the paper's "always writeable", sections 4.6 and 6.4):
// a request the store owed an answer is answered with success in time. Whether it was owed (the
// premise: which nodes stayed up and reachable, and that no crash of its top N, cut, loss or ring
// change happened meanwhile) is the interpreter's fact, from its own record of what it did to the
// nodes, never from a node's failure detector: the simulator keeps a timeline of faults; the
// checker, whose states keep no history, owes a bounded case (no loss or cut in the whole
// execution, W or R nodes that never crashed).
import type { Finding } from "./oracle.ts"

/** A request whose premise held: what it was, and why it was owed an answer. */
export interface OwedRequest {
  readonly kind: "get" | "put" | "delete"
  readonly id: string
  readonly key: string
  /** The node that received it. */
  readonly node: string
  /** When it arrived, where the interpreter keeps time (the simulator does; the checker's states do not). */
  readonly at?: number
  /** The nodes up and reachable from `node` throughout, itself included: at least R or W of them. */
  readonly up: ReadonlyArray<string>
  /** "R=2" or "W=2". */
  readonly quorum: string
  /** What else the premise required, as the interpreter judged it ("no crash among [...], no cut, loss or ring change"). */
  readonly premise: string
}

/** What became of an owed request by the end of its window. */
export type OwedOutcome =
  | { readonly _tag: "Succeeded" }
  | { readonly _tag: "Late"; readonly at: number }
  | { readonly _tag: "Failed"; readonly error: string; readonly at?: number }
  | { readonly _tag: "Unanswered"; readonly by: number }

/**
 * AVAIL-1 (a put or delete) and AVAIL-2 (a get): an owed request succeeded in time. Catches a
 * coordinator that gives up on a silent replica instead of trying a fallback, a forward that
 * waits on a dead coordinator, and a node that refuses while enough nodes are up.
 */
export const availOwedAnswered = (request: OwedRequest, outcome: OwedOutcome): Finding | undefined => {
  if (outcome._tag === "Succeeded") return undefined
  const what = outcome._tag === "Unanswered" ? `no answer by ${outcome.by} ms`
    : outcome._tag === "Late" ? `answered only at ${outcome.at} ms`
    : `failed${outcome.at === undefined ? "" : ` at ${outcome.at} ms`} (${outcome.error})`
  return {
    invariant: request.kind === "get" ? "AVAIL-2" : "AVAIL-1",
    message: `${request.kind} ${request.id} of ${request.key} received by ${request.node}${request.at === undefined ? "" : ` at ${request.at} ms`}: ${what}, though ${request.up.length} nodes [${request.up.join(", ")}] (${request.quorum}) were up and reachable from it throughout, with ${request.premise}`
  }
}
