// EPOCH-1 (spec/README.md, "Incarnations"): a node's epoch grows at every start by the core's own
// rule, beyond the epoch on the disk it recovered from, whatever floor the interpreter passes (the
// floor only carries the count across a lost disk). Otherwise a node that crashed after sending a
// version but before persisting it reuses the dot for a different write.
import type { EpochRecords, Finding } from "./oracle.ts"

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

/** A version a step lets out of a node (to its disk, a peer or a client): what carries it, and the actors its clock names. */
export interface VersionOut {
  readonly what: string
  readonly actors: ReadonlyArray<string>
}

/**
 * EPOCH-2 at each step: a node mints versions in a new epoch only once the record of that epoch
 * is durable. Until then a crash loses the record, the next start recovers the epoch before it,
 * and (without an interpreter's floor) picks the same epoch again: its dots would repeat those of
 * writes the lost incarnation already sent out. Catches a node ready before its epoch is durable.
 */
export const epoch2MintsAfterDurable = (records: EpochRecords, node: string, out: ReadonlyArray<VersionOut>): Finding | undefined => {
  if (out.length === 0) return undefined
  const pending = records.epochInFlight(node)
  if (pending === undefined) return undefined
  const version = out.find((v) => v.actors.includes(pending.actor))
  if (version === undefined) return undefined
  return { invariant: "EPOCH-2", message: `${node} let out a version minted as ${pending.actor} (${version.what}) before its epoch ${pending.epoch} record (persist ${pending.token}) was durable` }
}
