// A node's disk in SQLite (Node's built-in node:sqlite): own replicas and hints in separate
// tables, the node id, epoch and membership in a meta table. WAL mode, synchronous=FULL by
// default: a commit returns once the WAL is fsynced. A directory holding another node's database,
// or a file that is not a sound Dynamo database, is refused before anything is written to it.
//
// Group commit: the records emitted during a tick are written as one transaction, on this thread
// or (--writer worker) on a thread that owns the connection, so that the node keeps serving while
// the disk syncs and what it emits meanwhile forms the next transaction. --writer async commits on
// this thread without waiting for the disk and fsyncs the WAL on Node's I/O thread pool (see
// openInline for why that is as durable as synchronous=FULL).
import { DatabaseSync } from "node:sqlite"
import { closeSync, existsSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, mkdirSync, openSync, rmSync, statSync, writeSync } from "node:fs"
import { dirname, join } from "node:path"
import { Worker } from "node:worker_threads"
import { HashMap, Result, Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import { type DurableState, emptyDurableState, type Hint, hintId, type MembershipView, MembershipViewSchema, type NodeId, type PersistRecord, type VersionSet, VersionSetSchema } from "../core/index.ts"
import type { SyncMode, WriterMode } from "./options.ts"
import { setJson } from "./set-json.ts"
import { StorageError, type StorageShape } from "./storage.ts"
import { Buffer } from "node:buffer"
import { performance } from "node:perf_hooks"
import process from "node:process"

export const DATABASE_FILE = "dynamo.sqlite"
/** SQLite's page cache per node, in KiB (negative cache_size): the hot part of the store stays in memory. */
export const PAGE_CACHE_KIB = 64 * 1024
/**
 * Page size of a new database, in bytes. A row of a WITHOUT ROWID table longer than about an
 * quarter of a page spills into an overflow page, which every update rewrites, frees and reads
 * back: with 4 KiB pages that was any row holding a 1 KiB value, and it doubled the commit's
 * CPU. With 8 KiB pages rows up to about 2 KiB stay on their leaf. (An existing database keeps
 * the page size it was created with; the format is the same.)
 */
export const PAGE_BYTES = 8 * 1024
/**
 * WAL pages (of PAGE_BYTES) after which a commit checkpoints them into the database file
 * (SQLite's wal_autocheckpoint; its default is 1,000). The checkpoint runs inside that commit, on
 * the node's thread, and waits for two fsyncs and the database file's writes: with 1,000 pages
 * (8 MiB) a node under load checkpointed about once a second, and the checkpoints were most of
 * the time its commits held the thread (bench: 3,000 commits of 5 upserts of 1 KiB over 10,000
 * keys; 640-1,110 ms of 880-1,440 with 1,000 pages, 370-455 ms of 640-730 with 4,000). More
 * pages between checkpoints copy each hot page once for many commits. The cost: a WAL file of up
 * to 32 MiB, read back when the node starts.
 */
export const WAL_CHECKPOINT_PAGES = 4_000
/** Written into the meta table; a database with another format is refused, not migrated. */
export const STORAGE_FORMAT = "dynamo-node-1"

const SCHEMA_SQL = `
  CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE data (key TEXT PRIMARY KEY, versions TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE hints (intended TEXT NOT NULL, key TEXT NOT NULL, versions TEXT NOT NULL, PRIMARY KEY (intended, key)) WITHOUT ROWID;
`

const StoredVersionsSchema = Schema.fromJsonString(VersionSetSchema)
// Recovery decodes every stored set: generated decoders (Effect's Schema JIT compiler), the
// interpreter only to name what is wrong in a record they refuse.
SchemaJITCompiler.enable(StoredVersionsSchema.ast)
const decodeVersions = Schema.decodeUnknownResult(StoredVersionsSchema)
const decodeView = Schema.decodeUnknownResult(Schema.fromJsonString(MembershipViewSchema))
const encodeView = Schema.encodeSync(Schema.fromJsonString(MembershipViewSchema))
const decodeOffers = Schema.decodeUnknownResult(Schema.fromJsonString(Schema.Array(Schema.String)))

const fail = (message: string): never => {
  throw new StorageError({ message })
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Checks an existing database without writing to it: it must be an SQLite file that passes
 * quick_check, hold our three tables, our format, and this node's id.
 */
const verifyExisting = (path: string, nodeId: NodeId): void => {
  let db: DatabaseSync | undefined
  try {
    db = new DatabaseSync(path, { readOnly: true })
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name)
    )
    if (tables.size === 0) return // an empty SQLite file: nothing was ever committed to it
    for (const table of ["meta", "data", "hints"]) {
      if (!tables.has(table)) fail(`${path} is not a Dynamo node database (no "${table}" table); refusing to start`)
    }
    const check = db.prepare("PRAGMA quick_check").all() as Array<Record<string, string>>
    const verdict = check.map((row) => Object.values(row)[0]).join("; ")
    if (verdict !== "ok") fail(`${path} is corrupt (SQLite quick_check: ${verdict}); refusing to start`)
    const meta = new Map((db.prepare("SELECT name, value FROM meta").all() as Array<{ name: string; value: string }>).map((row) => [row.name, row.value]))
    if (meta.get("format") !== STORAGE_FORMAT) {
      fail(`${path} has storage format ${JSON.stringify(meta.get("format"))}, this build reads ${STORAGE_FORMAT}; refusing to start`)
    }
    const owner = meta.get("node_id")
    if (owner !== nodeId) {
      fail(`${path} belongs to node ${JSON.stringify(owner)}, not ${nodeId}: wrong --data directory? Refusing to start`)
    }
  } catch (error) {
    if (error instanceof StorageError) throw error
    fail(`${path} cannot be read as a Dynamo node database (${describe(error)}); refusing to start`)
  } finally {
    db?.close()
  }
}

const pragmas = (sync: SyncMode | "own-fsync"): string =>
  // One process per data directory: the exclusive lock is taken at the first write and held
  // until close, so a second node pointed at the same directory fails to start.
  // FULL: every commit fsyncs the WAL, so PersistDone means durable against power loss. NORMAL
  // (opt-in, --sync normal): the WAL is fsynced only at checkpoints; durable against a process
  // crash (kill -9), not against losing power. own-fsync (--writer async with FULL): NORMAL for
  // SQLite, the interpreter fsyncing the WAL after every commit itself (openInline).
  // cache_size: every put rewrites its key's page; past SQLite's default 2 MiB cache, pages are
  // read back from the file before each update.
  // page_size first: it takes effect only on an empty database, before WAL mode is set.
  `PRAGMA page_size = ${PAGE_BYTES}; PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = ${sync === "full" ? "FULL" : "NORMAL"}; ` +
  `PRAGMA cache_size = -${PAGE_CACHE_KIB}; PRAGMA wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES};`

/** Creates the tables and meta rows in a new database; returns whether it did. */
const initialise = (path: string, nodeId: NodeId, sync: SyncMode): boolean => {
  let db: DatabaseSync | undefined
  try {
    db = new DatabaseSync(path)
    db.exec(pragmas(sync))
    db.exec("BEGIN IMMEDIATE")
    const hasMeta = db.prepare("SELECT 1 AS one FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get() !== undefined
    if (!hasMeta) {
      db.exec(SCHEMA_SQL)
      const insert = db.prepare("INSERT INTO meta (name, value) VALUES (?, ?)")
      insert.run("format", STORAGE_FORMAT)
      insert.run("node_id", nodeId)
      insert.run("epoch", "0")
      insert.run("created_at", new Date().toISOString())
    }
    db.exec("COMMIT")
    return !hasMeta
  } catch (error) {
    const locked = /locked|busy/i.test(describe(error))
    return fail(locked
      ? `${path} is in use by another process (${describe(error)}); refusing to start`
      : `cannot open ${path}: ${describe(error)}`)
  } finally {
    db?.close()
  }
}

// ---- the writer thread ------------------------------------------------------------------

/** A record as the writer applies it: [kind, ...text arguments]. */
type Operation =
  | readonly [0, string, string] // data: key, versions
  | readonly [1, string, string, string] // hint: intended, key, versions
  | readonly [2, string, string] // delete hint: intended, key
  | readonly [3, string] // epoch
  | readonly [4, string] // membership view
  | readonly [5, string] // received hand-over

const operationOf = (record: PersistRecord): Operation => {
  switch (record._tag) {
    case "StoreKey":
      return [0, record.key, setJson(record.set)]
    case "StoreHint":
      return [1, record.intended, record.key, setJson(record.set)]
    case "DeleteHint":
      return [2, record.intended, record.key]
    case "Epoch":
      return [3, String(record.epoch)]
    case "Membership":
      return [4, encodeView(record.view)]
    case "HandoffReceived":
      return [5, record.offer]
  }
}

/**
 * The writer, run with `eval` (plain JavaScript, so it needs no TypeScript loader). It opens the
 * database, takes the exclusive lock, and applies each batch of operations in one transaction.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads")
const { DatabaseSync } = require("node:sqlite")
let db
let st
try {
  db = new DatabaseSync(workerData.path)
  db.exec(workerData.pragmas)
  db.exec("BEGIN IMMEDIATE")
  db.exec("COMMIT")
  st = {
    data: db.prepare("INSERT INTO data (key, versions) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET versions = excluded.versions"),
    hint: db.prepare("INSERT INTO hints (intended, key, versions) VALUES (?, ?, ?) ON CONFLICT (intended, key) DO UPDATE SET versions = excluded.versions"),
    unhint: db.prepare("DELETE FROM hints WHERE intended = ? AND key = ?"),
    setMeta: db.prepare("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
    getMeta: db.prepare("SELECT value FROM meta WHERE name = ?")
  }
  parentPort.postMessage({ type: "opened" })
} catch (error) {
  parentPort.postMessage({ type: "failed", id: -1, message: String(error && error.message || error) })
}
parentPort.on("message", (message) => {
  if (message.type === "close") {
    try { db && db.isOpen && db.close() } catch {}
    parentPort.postMessage({ type: "closed" })
    return
  }
  try {
    db.exec("BEGIN")
    for (const op of message.ops) {
      switch (op[0]) {
        case 0: st.data.run(op[1], op[2]); break
        case 1: st.hint.run(op[1], op[2], op[3]); break
        case 2: st.unhint.run(op[1], op[2]); break
        case 3: st.setMeta.run("epoch", op[1]); break
        case 4: st.setMeta.run("membership", op[1]); break
        case 5: {
          const row = st.getMeta.get("received")
          const offers = row === undefined ? [] : JSON.parse(row.value)
          if (!offers.includes(op[1])) st.setMeta.run("received", JSON.stringify([...offers, op[1]].sort()))
          break
        }
      }
    }
    db.exec("COMMIT")
    parentPort.postMessage({ type: "done", id: message.id })
  } catch (error) {
    try { if (db.isTransaction) db.exec("ROLLBACK") } catch {}
    parentPort.postMessage({ type: "failed", id: message.id, message: String(error && error.message || error) })
  }
})
`

type WriterReply =
  | { readonly type: "opened" }
  | { readonly type: "closed" }
  | { readonly type: "done"; readonly id: number }
  | { readonly type: "failed"; readonly id: number; readonly message: string }

/**
 * The fsync time, in ms (probeSyncMs), at or under which `--writer auto` commits inline. Whether the node's
 * thread should wait for the disk depends on how long the disk makes it wait (issue 19, measured in
 * alternating runs on two 2-core VMs): where a 4 KiB write and fdatasync took 2-3 ms, async did
 * 1.12x inline's operations with three nodes and 1.53x with five; where they take 0.1-0.3 ms,
 * inline did 1.04x async's with three nodes and 1.16x with five, at 9-17% less CPU per operation
 * and a lone put 0.1-0.15 ms sooner (docs/performance.md, seventh round). A sync that short
 * costs less than handing it to another thread and back.
 */
export const AUTO_INLINE_SYNC_MS_MAX = 1
/** Timed 4 KiB appends and fdatasyncs when the node opens its disk with `--writer auto`. */
const SYNC_PROBES = 7
const PROBE_FILE = "sync-probe"

/**
 * The fastest of SYNC_PROBES timed 4 KiB appends and fdatasyncs in `directory` (a WAL commit's
 * pattern), in ms; the probe file is removed after. The fastest, not the median: a probe's time
 * only grows when the node's thread waits for a core, and a node starts beside others (a local
 * cluster starts five at once on two cores). Medians on one 0.15-0.3 ms disk then read over 1 ms
 * now and then, and a cluster ran a mix of writers, async ones at 1.06x the CPU per operation
 * (docs/performance.md, nineteenth round).
 */
export const probeSyncMs = (directory: string, now: () => number = () => performance.now()): number => {
  const path = join(directory, PROBE_FILE)
  const page = Buffer.alloc(4096, 0x5a)
  const times: Array<number> = []
  const fd = openSync(path, "w")
  try {
    for (let i = 0; i < SYNC_PROBES; i++) {
      const started = now()
      writeSync(fd, page, 0, page.length, i * page.length)
      fdatasyncSync(fd)
      times.push(now() - started)
    }
  } finally {
    closeSync(fd)
    rmSync(path, { force: true })
  }
  return Math.min(...times)
}

/** The writer a node runs with, and why (its log says so). */
export interface WriterChoice {
  readonly writer: Exclude<WriterMode, "auto">
  readonly reason: string
}

/**
 * `auto`: inline when the disk syncs in AUTO_INLINE_SYNC_MS_MAX or less, async otherwise; with
 * `--sync normal` nothing waits for an fsync per commit, so inline. Any other mode is kept.
 */
export const chooseWriter = (directory: string, sync: SyncMode, writer: WriterMode, probe: (directory: string) => number = probeSyncMs): WriterChoice => {
  if (writer !== "auto") return { writer, reason: `--writer ${writer}` }
  if (sync === "normal") return { writer: "inline", reason: "auto: --sync normal syncs only at checkpoints" }
  const ms = probe(directory)
  const measured = `auto: the disk's fsync took ${ms.toFixed(2)} ms (fastest of ${SYNC_PROBES})`
  return ms <= AUTO_INLINE_SYNC_MS_MAX
    ? { writer: "inline", reason: `${measured}, at most ${AUTO_INLINE_SYNC_MS_MAX} ms` }
    : { writer: "async", reason: `${measured}, over ${AUTO_INLINE_SYNC_MS_MAX} ms` }
}

/**
 * Opens (or creates) the node's database in `directory`: verifies and loads it, then commits
 * with the writer `mode` names (`auto`: chooseWriter times the disk and takes inline or async):
 * on this thread (`inline`: each batch the driver gathers in one transaction, the node waiting while the
 * disk syncs), on this thread with the WAL's fsync on the I/O pool (`async`), or on a writer
 * thread (`worker`); with async and worker the node keeps serving while the disk syncs and what
 * it emits meanwhile forms the next transaction. Rejects with StorageError naming the problem
 * when the directory belongs to another node, the file is not a sound database, or the disk
 * cannot be timed.
 */
export const openSqliteStorage = async (directory: string, nodeId: NodeId, sync: SyncMode, mode: WriterMode = "inline"): Promise<StorageShape> => {
  try {
    mkdirSync(directory, { recursive: true })
  } catch (error) {
    fail(`cannot create data directory ${directory}: ${describe(error)}`)
  }
  const path = join(directory, DATABASE_FILE)
  if (existsSync(path) && statSync(path).size > 0) verifyExisting(path, nodeId)
  const created = initialise(path, nodeId, sync)
  const durable = loadDurable(path)
  let choice: WriterChoice
  try {
    choice = chooseWriter(directory, sync, mode)
  } catch (error) {
    return fail(`cannot time an fsync in ${directory}: ${describe(error)}`)
  }
  const writer = choice.writer
  const writerText = `${writer} (${choice.reason})`

  if (writer === "inline") return { ...openInline(path, sync, created, durable, false), writer: writerText }
  if (writer === "async") return { ...openInline(path, sync, created, durable, sync === "full"), writer: writerText }
  const worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { path, pragmas: pragmas(sync) } })
  const waiting = new Map<number, { readonly onDurable: () => void; readonly onFailed: (message: string) => void }>()
  let nextId = 0
  let onClosed: (() => void) | undefined
  let broken: string | undefined
  await new Promise<void>((opened, refused) => {
    worker.on("message", (reply: WriterReply) => {
      switch (reply.type) {
        case "opened":
          opened()
          return
        case "closed":
          onClosed?.()
          return
        case "done": {
          const batch = waiting.get(reply.id)
          waiting.delete(reply.id)
          batch?.onDurable()
          return
        }
        case "failed": {
          if (reply.id === -1) {
            const locked = /locked|busy/i.test(reply.message)
            refused(new StorageError({ message: locked ? `${path} is in use by another process (${reply.message}); refusing to start` : `cannot open ${path}: ${reply.message}` }))
            return
          }
          const batch = waiting.get(reply.id)
          waiting.delete(reply.id)
          batch?.onFailed(`commit to ${path} failed: ${reply.message}`)
          return
        }
      }
    })
    worker.on("error", (error) => {
      broken = `the SQLite writer thread failed: ${describe(error)}`
      refused(new StorageError({ message: broken }))
      for (const batch of waiting.values()) batch.onFailed(broken)
      waiting.clear()
    })
  }).catch(async (error) => {
    await worker.terminate()
    throw error
  })

  return {
    location: path,
    writer: writerText,
    created,
    load: () => durable,
    write: (records, onDurable, onFailed) => {
      if (broken !== undefined) {
        onFailed(broken)
        return
      }
      const id = nextId++
      waiting.set(id, { onDurable, onFailed })
      worker.postMessage({ type: "commit", id, ops: records.map(operationOf) })
    },
    close: async () => {
      if (broken === undefined) {
        // Messages are handled in order: the close comes after every batch posted before it.
        await new Promise<void>((closed) => {
          onClosed = closed
          worker.postMessage({ type: "close" })
        })
      }
      await worker.terminate()
    }
  }
}

/**
 * Applies one batch in one transaction on a connection of this thread (the writer's logic).
 *
 * `ownFsync` (--writer async, with --sync full): SQLite runs with synchronous=NORMAL, so COMMIT
 * writes the transaction's WAL frames, commit frame included, into the page cache and returns
 * without syncing; the batch is then reported durable only once an fdatasync of the WAL file,
 * started after that COMMIT returned and run on Node's I/O thread pool, has succeeded. The node
 * keeps stepping meanwhile; what it emits forms the next batch (the driver keeps one in flight).
 * Why an acknowledgement still means the write survives a power loss, as with FULL: every
 * acknowledgement waits for PersistDone, which waits for that fdatasync, which makes the frames
 * and the file's length durable; the WAL's directory entry was fsynced when the file was opened
 * here; recovery replays the WAL up to its last valid commit frame (frames are checksummed, so a
 * torn tail is dropped, and only unacknowledged batches can be in it). Under NORMAL, SQLite still
 * syncs the WAL before each checkpoint and the database file after it, so a checkpoint never
 * leaves an acknowledged transaction only in memory. The WAL stays the same file while the
 * connection is open (exclusive locking mode); each sync checks that it still is, and a change
 * fails the commit rather than syncing the wrong file.
 */
const openInline = (path: string, sync: SyncMode, created: boolean, durable: DurableState, ownFsync: boolean): StorageShape => {
  let db: DatabaseSync
  let wal: { readonly fd: number; readonly ino: number } | undefined
  try {
    db = new DatabaseSync(path)
    db.exec(pragmas(ownFsync ? "own-fsync" : sync))
    db.exec("BEGIN IMMEDIATE")
    db.exec("COMMIT")
    if (ownFsync) wal = openWal(path)
  } catch (error) {
    const locked = /locked|busy/i.test(describe(error))
    return fail(locked ? `${path} is in use by another process (${describe(error)}); refusing to start` : `cannot open ${path}: ${describe(error)}`)
  }
  const data = db.prepare("INSERT INTO data (key, versions) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET versions = excluded.versions")
  const hint = db.prepare("INSERT INTO hints (intended, key, versions) VALUES (?, ?, ?) ON CONFLICT (intended, key) DO UPDATE SET versions = excluded.versions")
  const unhint = db.prepare("DELETE FROM hints WHERE intended = ? AND key = ?")
  const setMeta = db.prepare("INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
  const getMeta = db.prepare("SELECT value FROM meta WHERE name = ?")
  const apply = (op: Operation): void => {
    switch (op[0]) {
      case 0:
        data.run(op[1], op[2])
        return
      case 1:
        hint.run(op[1], op[2], op[3])
        return
      case 2:
        unhint.run(op[1], op[2])
        return
      case 3:
        setMeta.run("epoch", op[1])
        return
      case 4:
        setMeta.run("membership", op[1])
        return
      case 5: {
        // A handful of offers over a node's life: a sorted JSON list in the meta table.
        const row = getMeta.get("received") as { value: string } | undefined
        const offers: Array<string> = row === undefined ? [] : JSON.parse(row.value)
        if (!offers.includes(op[1])) setMeta.run("received", JSON.stringify([...offers, op[1]].sort()))
        return
      }
    }
  }
  /** The fdatasyncs in flight (ownFsync): close waits for them before closing the WAL's descriptor. */
  const syncing = new Set<Promise<void>>()
  /**
   * Committed batches whose sync has not been reported, in commit order (ownFsync). Syncs run
   * on the pool side by side and may end in any order; one that ends makes its batch and every
   * earlier one durable (it began after they were committed), so batches are reported in order.
   */
  const unreported: Array<{ readonly seq: number; readonly onDurable: () => void }> = []
  let committed = 0
  let broken: string | undefined
  return {
    location: path,
    created,
    load: () => durable,
    write: (records, onDurable, onFailed) => {
      if (broken !== undefined) {
        onFailed(broken)
        return
      }
      try {
        db.exec("BEGIN")
        for (const record of records) apply(operationOf(record))
        db.exec("COMMIT")
      } catch (error) {
        try {
          if (db.isTransaction) db.exec("ROLLBACK")
        } catch {
          // the original error is the one to report
        }
        onFailed(`commit to ${path} failed: ${describe(error)}`)
        return
      }
      if (wal === undefined) {
        queueMicrotask(onDurable)
        return
      }
      const file = wal
      const walPath = `${path}-wal`
      let moved: string | undefined
      try {
        if (statSync(walPath).ino !== file.ino) moved = `${walPath} is no longer the file opened at start`
      } catch (error) {
        moved = `${walPath} cannot be checked: ${describe(error)}`
      }
      if (moved !== undefined) {
        onFailed(`commit to ${path} failed: ${moved}`)
        return
      }
      const seq = committed++
      unreported.push({ seq, onDurable })
      const done = new Promise<void>((settled) => {
        fdatasync(file.fd, (error) => {
          syncing.delete(done)
          settled()
          if (broken !== undefined) return
          if (error !== null) {
            // Nothing after a failed sync is reported durable: the node stops on this failure.
            broken = `fsync of ${walPath} failed: ${error.message}`
            unreported.length = 0
            onFailed(broken)
            return
          }
          while (unreported.length > 0 && unreported[0]!.seq <= seq) unreported.shift()!.onDurable()
        })
      })
      syncing.add(done)
    },
    close: async () => {
      await Promise.all(syncing)
      if (db.isOpen) db.close()
      if (wal !== undefined) closeSync(wal.fd)
    }
  }
}

/**
 * Opens the WAL file for fdatasync and makes its directory entry durable (the file may have just
 * been created). The WAL exists once a connection in WAL mode has written, as the open did.
 */
const openWal = (path: string): { readonly fd: number; readonly ino: number } => {
  const directory = openSync(dirname(path), "r")
  try {
    fsyncSync(directory)
  } finally {
    closeSync(directory)
  }
  const fd = openSync(`${path}-wal`, "r+")
  return { fd, ino: fstatSync(fd).ino }
}

const decodeRow = (path: string, where: string, text: string): VersionSet => {
  const decoded = decodeVersions(text)
  if (Result.isFailure(decoded)) return fail(`${path}: ${where} does not decode (${decoded.failure.message}); refusing to start`)
  return decoded.success
}

const loadDurable = (path: string): DurableState => {
  const db = new DatabaseSync(path, { readOnly: true })
  try {
    const meta = (name: string) => (db.prepare("SELECT value FROM meta WHERE name = ?").get(name) as { value: string } | undefined)?.value
    const epochText = meta("epoch")
    const epoch = Number(epochText)
    if (!Number.isSafeInteger(epoch) || epoch < 0) fail(`${path}: meta epoch ${JSON.stringify(epochText)} is not an integer; refusing to start`)
    let store = HashMap.empty<string, VersionSet>()
    for (const row of db.prepare("SELECT key, versions FROM data").iterate() as Iterable<{ key: string; versions: string }>) {
      store = HashMap.set(store, row.key, decodeRow(path, `the data row for key ${JSON.stringify(row.key)}`, row.versions))
    }
    let hints = HashMap.empty<string, Hint>()
    for (const row of db.prepare("SELECT intended, key, versions FROM hints").iterate() as Iterable<{ intended: string; key: string; versions: string }>) {
      const set = decodeRow(path, `the hint row for ${JSON.stringify(row.intended)}/${JSON.stringify(row.key)}`, row.versions)
      hints = HashMap.set(hints, hintId(row.intended, row.key), { intended: row.intended, key: row.key, set })
    }
    let membership: MembershipView = emptyDurableState.membership
    const viewText = meta("membership")
    if (viewText !== undefined) {
      const decoded = decodeView(viewText)
      if (Result.isFailure(decoded)) fail(`${path}: the membership view does not decode (${decoded.failure.message}); refusing to start`)
      else membership = decoded.success
    }
    let received: ReadonlyArray<string> = emptyDurableState.received
    const offersText = meta("received")
    if (offersText !== undefined) {
      const decoded = decodeOffers(offersText)
      if (Result.isFailure(decoded)) fail(`${path}: the received hand-overs do not decode (${decoded.failure.message}); refusing to start`)
      else received = decoded.success
    }
    return { epoch, store, hints, membership, received }
  } catch (error) {
    if (error instanceof StorageError) throw error
    return fail(`${path} cannot be loaded (${describe(error)}); refusing to start`)
  } finally {
    db.close()
  }
}
