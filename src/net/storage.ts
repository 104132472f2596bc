// The disk a node writes through: a small interface with two implementations, in memory (tests)
// and SQLite (src/net/sqlite.ts). The interpreter applies Persist records in the order emitted,
// the records of two ticks in one transaction (group commit, src/net/driver.ts), and reports them
// durable only after.
import { Context, Effect, Layer, Schema } from "effect"
import { applyRecord, type DurableState, emptyDurableState, type NodeId, type PersistRecord } from "../core/index.ts"

/** Opening, reading or writing the disk failed; `message` names the file and the problem. */
export class StorageError extends Schema.TaggedError<StorageError>()("StorageError", {
  message: Schema.String
}) {}

export interface StorageShape {
  /** Where the data lives, for logs and errors. */
  readonly location: string
  /** How it commits, and why that way (SQLite's writer: src/net/sqlite.ts, chooseWriter); for logs. */
  readonly writer?: string
  /** True when this open created the store: there was no disk before (first boot, or disk lost). */
  readonly created: boolean
  /** Everything the disk held when it was opened: epoch, own replicas, hints, membership. */
  readonly load: () => DurableState
  /**
   * Makes `records` durable as one atomic write, applied in order after every batch written
   * before, and calls `onDurable` once they are (or `onFailed`, naming the problem). Batches are
   * reported durable in the order they were written. The caller keeps a few batches in flight
   * and gathers what is emitted meanwhile into the next one: group commit, without stopping the
   * node while the disk syncs.
   */
  readonly write: (records: ReadonlyArray<PersistRecord>, onDurable: () => void, onFailed: (message: string) => void) => void
  /** Waits for the batch in flight, then closes. */
  readonly close: () => Promise<void>
}

export class Storage extends Context.Service<Storage, StorageShape>()("dynamo/net/Storage") {}

/** A disk kept in memory: `applyRecord` on a DurableState. Lost with the process. */
export const makeMemoryStorage = (nodeId: NodeId, initial: DurableState = emptyDurableState): StorageShape & { readonly current: () => DurableState } => {
  let durable = initial
  return {
    location: `memory (${nodeId})`,
    created: initial === emptyDurableState,
    load: () => initial,
    current: () => durable,
    write: (records, onDurable) => {
      for (const record of records) durable = applyRecord(durable, record)
      queueMicrotask(onDurable)
    },
    close: () => Promise.resolve()
  }
}

export const layerMemory = (nodeId: NodeId): Layer.Layer<Storage> =>
  Layer.succeed(Storage, Storage.of(makeMemoryStorage(nodeId)))

/** Wraps a storage opener (which rejects with StorageError) into a scoped layer that closes it. */
export const layerOf = (open: () => Promise<StorageShape>): Layer.Layer<Storage, StorageError> =>
  Layer.effect(
    Storage,
    Effect.acquireRelease(
      Effect.tryPromise({
        try: open,
        catch: (error) => (error instanceof StorageError ? error : new StorageError({ message: String(error) }))
      }),
      (storage) => Effect.promise(() => storage.close())
    )
  )
