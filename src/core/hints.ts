// Hinted handoff (section 4.6): a fallback that holds a replica for an unreachable node offers
// it back periodically and deletes its copy only once the intended node has it durably (HINT-1).
import { HashMap, Option } from "effect"
import { HINTS_PER_SCAN_MAX } from "./config.ts"
import { hintId, sortedHints } from "./durable.ts"
import { isDown } from "./detector.ts"
import type { NodeId } from "./ring.ts"
import { persist, storeVersions } from "./replica.ts"
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

/** The intended node takes the hinted versions into its own replica and acks once durable. */
export const receiveHint = (state: NodeState, from: NodeId, key: string, set: VersionSet, out: Out): NodeState =>
  storeVersions(state, key, set, undefined, { _tag: "AckHint", to: from, key, set }, out)

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
