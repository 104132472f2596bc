// EPOCH-1 (spec/README.md, "Incarnations"): a node's epoch grows at every start by the core's own
// rule, beyond the epoch on the disk it recovered from, whatever floor the interpreter passes (the
// floor only carries the count across a lost disk). Otherwise a node that crashed after sending a
// version but before persisting it reuses the dot for a different write.
import type { Finding } from "./oracle.ts"

/**
 * At each start: `persisted` is the epoch the Start made durable (undefined: none). Catches an
 * epoch not bumped at start (dots reused after a crash), or one that trusts the floor alone.
 */
export const epoch1Grows = (node: string, recoveredEpoch: number, epochFloor: number, persisted: number | undefined): Finding | undefined => {
  if (persisted === undefined) return { invariant: "EPOCH-1", message: `${node} started without persisting a new epoch` }
  if (persisted <= recoveredEpoch || persisted < epochFloor) {
    return { invariant: "EPOCH-1", message: `${node} started with epoch ${persisted} after recovering epoch ${recoveredEpoch} (floor ${epochFloor}): its dots may repeat a previous incarnation's` }
  }
  return undefined
}
