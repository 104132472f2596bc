// How the checker holds a node's disk and pending persists for the node host's rules
// (src/host/holding.ts): a disk as the checker's record of it (fingerprint, cached writes), a
// pending persist with its fingerprint; applying a record and recovering from a disk go through
// the transition cache, so one disk written with one record is one disk object.
import { applyRecord, type PersistRecord, recover } from "../core/index.ts"
import type { Holding } from "../host/index.ts"
import type { Compiled, TransitionCache } from "./compiled.ts"
import type { PendingPersist } from "./state.ts"
import { type DiskInfo, EMPTY_PENDING, type NodeStateInfo, diskInfoOf, nodeStateInfo, pendingEntry } from "./world-fp.ts"

/** Kinds of entries in the disk cache (memo.ts). */
const DISK_RECOVER = 1
const DISK_APPLY = 2

/** `applyRecord`, through the cache: one disk written with one record is one disk (one object). */
const applyOnce = (cache: Pick<TransitionCache, "disks">, disk: DiskInfo, record: PersistRecord): DiskInfo =>
  cache.disks.find<DiskInfo>(disk, DISK_APPLY, record, undefined, 0) ??
    cache.disks.store(disk, DISK_APPLY, record, undefined, 0, diskInfoOf(applyRecord(disk.disk, record)))

/** The checker's holding for one compiled model (its caches). */
export const checkHolding = (cache: Pick<TransitionCache, "disks" | "emptyDisk">): Holding<DiskInfo, PendingPersist> => ({
  emptyDisk: cache.emptyDisk,
  nonePending: EMPTY_PENDING,
  pendingOf: pendingEntry,
  tokenOf: (persist) => persist.token,
  recordOf: (persist) => persist.record,
  apply: (disk, persist) => applyOnce(cache, disk, persist.record)
})

/** `recover`, through the cache: a node restarted from one disk is one state (one object). */
export const recoverOnce = (c: Compiled, node: number, disk: DiskInfo): NodeStateInfo =>
  c.cache.disks.find<NodeStateInfo>(disk, DISK_RECOVER, node, undefined, 0) ??
    c.cache.disks.store(disk, DISK_RECOVER, node, undefined, 0, nodeStateInfo(c, recover(c.ids[node]!, c.model.protocol, c.ring, disk.disk), undefined))
