// HINT-1 (spec/README.md; the paper's section 4.6): a hinted replica reaches its intended node and
// is then deleted. A hint is deleted only once the intended node's own store covers it on disk,
// and no hint remains after quiescence.
import type { Causality, Finding, InvariantOracle } from "./oracle.ts"

/** A persisted DeleteHint: the hint as it was, and what the intended node's own store holds on disk. */
export interface HintDeletion<E> {
  readonly node: string
  readonly intended: string
  readonly key: string
  readonly hint: E
  readonly intendedHolds: E
}

/**
 * At each hint deletion. Catches a fallback that deletes on any acknowledgement, or counts the
 * intended node's hints for others (two nodes with different views then ping-pong a hint away).
 */
export const hint1DeletedOnlyWhenHeld = <E, P>(o: Causality<E, P>, deletion: HintDeletion<E>): Finding | undefined => {
  const missing = o.missing(deletion.hint, o.past(deletion.key, deletion.intendedHolds))
  if (o.isEmpty(missing)) return undefined
  return { invariant: "HINT-1", message: `${deletion.node} deleted its hint for ${deletion.intended}/${deletion.key} but ${deletion.intended}'s disk does not hold ${o.names(missing)}` }
}

/** At quiescence: no node holds a hint. Catches a hint scan that stops offering, or a lost acknowledgement never retried. */
export const hint1NoneLeft = <E, P>(o: InvariantOracle<E, P>): Finding | undefined => {
  for (const node of o.nodes) {
    const hints = o.hintsHeld(node)
    if (hints.length > 0) {
      return { invariant: "HINT-1", message: `${node} still holds ${hints.length} hint(s) after quiescence (first: ${hints[0]!.intended}/${hints[0]!.key})` }
    }
  }
  return undefined
}
