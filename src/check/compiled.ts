// The checker's model compiled to indices: node, key, client and write numbers, each key's
// replicas, the ring, and the caches (transition memo, disks) every world of one search shares.
import { buildRing, emptyDurableState, preferenceList, type Ring } from "../core/index.ts"
import { MEMO_ENTRIES_MAX, TransitionMemo } from "./memo.ts"
import type { CheckModel } from "./model.ts"
import type { Holding } from "../host/index.ts"
import { ActionCache } from "./actions.ts"
import { checkHolding } from "./holding.ts"
import type { PendingPersist } from "./state.ts"
import { type DiskInfo, diskInfoOf } from "./world-fp.ts"
import { modelMembers, zoneFaultsOf } from "./zones.ts"

export interface WriteInfo {
  readonly id: string
  readonly key: number
  readonly client: number
  readonly deletion: boolean
}

export interface Compiled {
  readonly model: CheckModel
  readonly ring: Ring
  readonly ids: ReadonlyArray<string>
  readonly nodeIndex: ReadonlyMap<string, number>
  readonly keys: ReadonlyArray<string>
  readonly keyIndex: ReadonlyMap<string, number>
  /** Per key: the node indices of its preference list (the N home replicas). */
  readonly top: ReadonlyArray<ReadonlyArray<number>>
  readonly writes: ReadonlyArray<WriteInfo>
  readonly writeIndex: ReadonlyMap<string, number>
  /** Per client, per operation: the request id (`c0.1`, as the simulator names them). */
  readonly requestIds: ReadonlyArray<ReadonlyArray<string>>
  /** Per client, per operation: the write's index in the oracle, or -1 for a get. */
  readonly writeOf: ReadonlyArray<ReadonlyArray<number>>
  readonly requestClient: ReadonlyMap<string, number>
  /** Partitions: each a mask of the nodes cut off from the others (one per cut, up to sides). */
  readonly cuts: ReadonlyArray<number>
  /** With zones: per node, the nodes of its zone (itself included), crashed together. */
  readonly zoneMates?: ReadonlyArray<ReadonlyArray<number>>
  /** What the core computed so far, to find it again (memo.ts); one per compiled model. */
  readonly cache: TransitionCache
}

/** The transition cache of one model (memo.ts): node steps, disk writes and recoveries. */
export interface TransitionCache {
  /** Owners: node states' infos; key: the input (see `stepOnce`) and `now`. */
  readonly steps: TransitionMemo
  /** Owners: disks' infos; key: a record applied to the disk, or a node recovered from it. */
  readonly disks: TransitionMemo
  /** The empty disk: where every node starts, and what a disk loss leaves. */
  readonly emptyDisk: DiskInfo
  readonly actions: ActionCache
  /** How the node host's rules hold this model's disks and pending persists (holding.ts). */
  readonly holding: Holding<DiskInfo, PendingPersist>
}

const newTransitionCache = (): TransitionCache => {
  const cache = {
    steps: new TransitionMemo(MEMO_ENTRIES_MAX / 2),
    disks: new TransitionMemo(MEMO_ENTRIES_MAX / 2),
    emptyDisk: diskInfoOf(emptyDurableState),
    actions: new ActionCache()
  }
  return { ...cache, holding: checkHolding(cache) }
}

export const compile = (model: CheckModel): Compiled => {
  const ids = model.nodes
  const ring = buildRing(modelMembers(ids, model.zones), model.ring)
  const nodeIndex = new Map(ids.map((id, i) => [id, i]))
  const keyIndex = new Map(model.keys.map((key, i) => [key, i]))
  const writes: Array<WriteInfo> = []
  const writeIndex = new Map<string, number>()
  const requestClient = new Map<string, number>()
  const requestIds: Array<Array<string>> = []
  const writeOf: Array<Array<number>> = []
  model.clients.forEach((script, client) => {
    requestIds.push(script.map((_, op) => `c${client}.${op + 1}`))
    writeOf.push(script.map((op, j) => {
      const id = `c${client}.${j + 1}`
      requestClient.set(id, client)
      if (op.kind === "get") return -1
      const key = keyIndex.get(op.key)
      if (key === undefined) throw new Error(`check: script key ${op.key} is not one of the model's keys`)
      writeIndex.set(id, writes.length)
      writes.push({ id, key, client, deletion: op.kind === "delete" })
      return writes.length - 1
    }))
    for (const op of script) if (!nodeIndex.has(op.node)) throw new Error(`check: script node ${op.node} is not in the cluster`)
  })
  if (writes.length > 30) throw new Error("check: at most 30 writes")
  // The world's fingerprint packs fault counts in 4 bits and node masks in 8 (see `worldFp`).
  if (ids.length > 8) throw new Error("check: at most 8 nodes")
  for (const [name, bound] of Object.entries(model.bounds)) if (bound > 15) throw new Error(`check: at most 15 ${name}`)
  const cuts: Array<number> = []
  // Isolating a set is isolating its complement: enumerate the sides without node 0.
  for (let mask = 1; mask < 1 << (ids.length - 1); mask++) cuts.push(mask << 1)
  const zones = zoneFaultsOf(ids, model.zones)
  return {
    ...(zones === undefined ? { cuts } : zones),
    model, ring, ids, nodeIndex, keys: model.keys, keyIndex,
    top: model.keys.map((key) => preferenceList(ring, key, model.protocol.n).map((id) => nodeIndex.get(id)!)),
    writes, writeIndex, requestIds, writeOf, requestClient, cache: newTransitionCache()
  }
}
