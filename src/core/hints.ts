// Hinted handoff (section 4.6): a fallback that holds a replica for an unreachable node offers
// it back periodically and deletes its copy only once the intended node has it durably (HINT-1).
import { HashMap, Option } from "effect"
import { HINTS_PER_SCAN_MAX } from "./config.ts"
import { hintId, sortedHints } from "./durable.ts"
import { isDown } from "./detector.ts"
import type { NodeId } from "./ring.ts"
import { persist, replicates, storeVersions } from "./replica.ts"
import type { NodeState, Out } from "./state.ts"
import { covers, type VersionSet } from "./versions.ts"

/** Offer hints to intended nodes not believed down; bounded per scan, in a deterministic order. */
export const scanHints = (state: NodeState, out: Out): void => {
  let offered = 0
  for (const hint of sortedHints(state)) {
    if (offered >= HINTS_PER_SCAN_MAX) break
    if (isDown(state, hint.intended)) continue
    out.push({ _tag: "Send", to: hint.intended, message: { _tag: "HintDeliver", key: hint.key, set: hint.set } })
    offered += 1
  }
  out.push({ _tag: "SetTimer", timer: { _tag: "HintScan" }, afterMs: state.config.hintScanIntervalMs })
}

/**
 * The intended node keeps the hinted versions in its own store and acks once they are durable
 * there, so the ack means what HINT-1 needs. A node that does not replicate the key in its view
 * also passes them on, as hints, to the replicas it sees; it keeps its copy all the same: its
 * view may be the stale one (a leave it has not heard of yet), and two nodes whose views
 * disagree would otherwise hint the key back and forth, each deleting its hint on the other's
 * ack, until the node that does replicate it holds nothing.
 */
export const receiveHint = (state: NodeState, from: NodeId, key: string, set: VersionSet, out: Out): NodeState => {
  const passedOn = replicates(state, key) ? state : storeVersions(state, key, set, undefined, undefined, out)
  return storeVersions(passedOn, key, set, undefined, { _tag: "AckHint", to: from, key, set }, out, "own")
}

/**
 * The intended node holds `set` durably. Drop the hint only if `set` covers it: a write that
 * reached the hint after the offer was sent must be offered again, not dropped (HINT-1).
 */
export const hintAcknowledged = (state: NodeState, from: NodeId, key: string, set: VersionSet, out: Out): NodeState => {
  const id = hintId(from, key)
  const hint = Option.getOrUndefined(HashMap.get(state.hints, id))
  if (hint === undefined || !covers(set, hint.set)) return state
  const next = { ...state, hints: HashMap.remove(state.hints, id) }
  return persist(next, { _tag: "DeleteHint", intended: from, key }, undefined, out)
}
