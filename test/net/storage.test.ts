// The disk behind a node, in isolation: SQLite holds exactly what applyRecord says a disk holds,
// across a reopen; it refuses another node's directory; and the driver's group commit reports
// PersistDone only for records the storage has committed, in order.
import { mkdirSync, readdirSync, renameSync } from "node:fs"
import { DatabaseSync } from "node:sqlite"
import { HashMap } from "effect"
import { afterAll, describe, expect, test } from "vitest"
import { defaultProtocolConfig } from "../../src/core/config.ts"
import { applyRecord, emptyDurableState, type DurableState } from "../../src/core/durable.ts"
import type { PersistRecord } from "../../src/core/io.ts"
import { initialView } from "../../src/core/membership.ts"
import { buildRing, RING_CONFIG_DEFAULT } from "../../src/core/ring.ts"
import { GROUP_COMMIT_RECORDS, GROUP_COMMIT_TICKS, makeTimeoutTimers, NodeDriver, REPLY_WAIT_TIMEOUTS_MAX, type Timers } from "../../src/net/driver.ts"
import { Timings } from "../../src/net/timings.ts"
import { AUTO_INLINE_SYNC_MS_MAX, chooseWriter, DATABASE_FILE, openSqliteStorage, PAGE_BYTES, probeSyncMs, STORAGE_FORMAT } from "../../src/net/sqlite.ts"
import { makeMemoryStorage, StorageError, type StorageShape } from "../../src/net/storage.ts"
import { removeDir, sleep, tempDir } from "./harness.ts"

const set = (value: string) => ({ mode: "dvv", entries: [{ node: "n1", counter: 1, time: 1, values: [{ _tag: "Put", value }] }] }) as const

const records: ReadonlyArray<PersistRecord> = [
  { _tag: "Epoch", epoch: 1_700_000_000_001 },
  { _tag: "StoreKey", key: "a", set: set("1") },
  { _tag: "StoreKey", key: "b/ü", set: set("2") },
  { _tag: "StoreKey", key: "a", set: set("3") },
  { _tag: "StoreHint", intended: "n2", key: "a", set: set("4") },
  { _tag: "StoreHint", intended: "n3", key: "c", set: set("5") },
  { _tag: "DeleteHint", intended: "n2", key: "a" },
  { _tag: "Membership", view: initialView([{ id: "n1" }, { id: "n2" }, { id: "n3" }]) },
  { _tag: "HandoffReceived", offer: "offer-2" },
  { _tag: "HandoffReceived", offer: "offer-1" }
]

const plain = (durable: DurableState) => ({
  epoch: durable.epoch,
  store: [...durable.store].sort(),
  hints: [...durable.hints].sort(),
  membership: durable.membership,
  received: durable.received
})

describe.each(["inline", "worker", "async", "auto"] as const)("SQLite storage, %s writer", (writer) => {
  const dir = tempDir(`storage-${writer}`)
  afterAll(() => removeDir(dir))

  const write = (storage: StorageShape, batch: ReadonlyArray<PersistRecord>) =>
    new Promise<void>((done, failed) => storage.write(batch, done, (message) => failed(new Error(message))))

  test("holds what applyRecord says, across a reopen", async () => {
    const expected = records.reduce(applyRecord, emptyDurableState)
    const first = await openSqliteStorage(`${dir}/a`, "n1", "full", writer)
    expect(first.created).toBe(true)
    // Two batches in flight at once are applied in order.
    await Promise.all([write(first, records.slice(0, 4)), write(first, records.slice(4))])
    await first.close()
    const again = await openSqliteStorage(`${dir}/a`, "n1", "normal", writer)
    expect(again.created).toBe(false)
    expect(plain(again.load())).toEqual(plain(expected))
    expect(HashMap.size(again.load().store)).toBe(2)
    await again.close()
  })

  test("a database created before the page size grew (4 KiB pages) still opens and commits", async () => {
    const path = `${dir}/old/${DATABASE_FILE}`
    const created = await openSqliteStorage(`${dir}/new`, "n1", "full", writer)
    await created.close()
    const pageSize = (file: string) => {
      const db = new DatabaseSync(file, { readOnly: true })
      try {
        return (db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size
      } finally {
        db.close()
      }
    }
    expect(pageSize(`${dir}/new/${DATABASE_FILE}`)).toBe(PAGE_BYTES)
    // The same tables, as an earlier build wrote them with SQLite's default page size.
    mkdirSync(`${dir}/old`, { recursive: true })
    const db = new DatabaseSync(path)
    db.exec("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;")
    db.exec(`CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE data (key TEXT PRIMARY KEY, versions TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE hints (intended TEXT NOT NULL, key TEXT NOT NULL, versions TEXT NOT NULL, PRIMARY KEY (intended, key)) WITHOUT ROWID;
      INSERT INTO meta (name, value) VALUES ('format', '${STORAGE_FORMAT}'), ('node_id', 'n1'), ('epoch', '0');`)
    db.close()
    const old = await openSqliteStorage(`${dir}/old`, "n1", "full", writer)
    await write(old, records)
    await old.close()
    const again = await openSqliteStorage(`${dir}/old`, "n1", "full", writer)
    expect(plain(again.load())).toEqual(plain(records.reduce(applyRecord, emptyDurableState)))
    await again.close()
    expect(pageSize(path)).toBe(4096)
  })

  test("refuses another node's directory and a second process on the same one", async () => {
    const owner = await openSqliteStorage(`${dir}/b`, "n1", "full", writer)
    await write(owner, [{ _tag: "Epoch", epoch: 3 }])
    await expect(openSqliteStorage(`${dir}/b`, "n1", "full", writer)).rejects.toThrow(/in use|refusing/)
    await owner.close()
    await expect(openSqliteStorage(`${dir}/b`, "n2", "full", writer)).rejects.toThrow(StorageError)
    await expect(openSqliteStorage(`${dir}/b`, "n2", "full", writer)).rejects.toThrow(/belongs to node "n1", not n2/)
    const reopened = await openSqliteStorage(`${dir}/b`, "n1", "full", writer)
    expect(reopened.load().epoch).toBe(3)
    await reopened.close()
  })
})

describe("the writer --writer auto picks (issue 19)", () => {
  const dir = tempDir("storage-auto")
  afterAll(() => removeDir(dir))
  const probeOf = (ms: number) => {
    const calls: Array<string> = []
    return { calls, probe: (directory: string) => (calls.push(directory), ms) }
  }

  // Catches: the threshold compared the wrong way (a slow disk's node waiting inline for each
  // fsync, a fast disk's paying the hand-off to the I/O pool), or a bound other than
  // AUTO_INLINE_SYNC_MS_MAX.
  test("inline on a disk that syncs within the bound, async on a slower one", () => {
    const fast = probeOf(AUTO_INLINE_SYNC_MS_MAX)
    expect(chooseWriter(dir, "full", "auto", fast.probe)).toMatchObject({ writer: "inline", reason: expect.stringMatching(/fsync took 1\.00 ms/) })
    expect(fast.calls).toEqual([dir])
    expect(chooseWriter(dir, "full", "auto", probeOf(AUTO_INLINE_SYNC_MS_MAX + 0.01).probe)).toMatchObject({ writer: "async", reason: expect.stringMatching(/over 1 ms/) })
    expect(chooseWriter(dir, "full", "auto", probeOf(0.1).probe).writer).toBe("inline")
    expect(chooseWriter(dir, "full", "auto", probeOf(3).probe).writer).toBe("async")
  })

  // Catches: an operator's explicit --writer overridden by the probe, or --sync normal (no fsync
  // per commit to wait for) sent to the async writer or made to pay for a probe.
  test("an explicit writer is kept, and --sync normal is inline, neither timing the disk", () => {
    const slow = probeOf(50)
    for (const writer of ["inline", "worker", "async"] as const) expect(chooseWriter(dir, "full", writer, slow.probe)).toEqual({ writer, reason: `--writer ${writer}` })
    expect(chooseWriter(dir, "normal", "auto", slow.probe).writer).toBe("inline")
    expect(slow.calls).toEqual([])
  })

  // Catches: a probe that does not sync (a time of ~0 on any disk) or leaves its file behind.
  test("the probe times real syncs and leaves nothing in the data directory", () => {
    mkdirSync(`${dir}/probe`, { recursive: true })
    const ms = probeSyncMs(`${dir}/probe`)
    expect(ms).toBeGreaterThan(0)
    expect(Number.isFinite(ms)).toBe(true)
    expect(readdirSync(`${dir}/probe`)).toEqual([])
  })

  // Catches: the median (or the mean) again, which a node starting beside others reads as a slow
  // disk whenever its thread waited for a core during a probe.
  test("the probe takes its fastest sync: waiting for a core only ever adds", () => {
    mkdirSync(`${dir}/fastest`, { recursive: true })
    // Each probe reads the clock twice; the middle one waited 5 ms for a core, most waited 2.
    const durations = [2, 2, 0.25, 2, 2, 5, 2]
    let clock = 0
    let reads = 0
    const now = () => (reads++ % 2 === 0 ? clock : (clock += durations[(reads - 2) / 2]!))
    expect(probeSyncMs(`${dir}/fastest`, now)).toBe(0.25)
    expect(reads).toBe(2 * durations.length)
  })

  test("an opened store says which writer it runs and why", async () => {
    const storage = await openSqliteStorage(`${dir}/named`, "n1", "full", "auto")
    expect(storage.writer).toMatch(/^(inline|async) \(auto: the disk's fsync took [0-9.]+ ms/)
    await storage.close()
    const normal = await openSqliteStorage(`${dir}/normal`, "n1", "normal", "auto")
    expect(normal.writer).toMatch(/^inline \(auto: --sync normal/)
    await normal.close()
  })
})

describe("SQLite storage, async writer", () => {
  const dir = tempDir("storage-async-wal")
  afterAll(() => removeDir(dir))

  // Catches: syncing a descriptor that is no longer the database's WAL (the inode check removed),
  // which would report writes durable that no fsync covered.
  test("a commit fails, naming the WAL, once the WAL is not the file it opened", async () => {
    const storage = await openSqliteStorage(`${dir}/a`, "n1", "full", "async")
    await new Promise<void>((done, failed) => storage.write([{ _tag: "Epoch", epoch: 1 }], done, (message) => failed(new Error(message))))
    renameSync(`${dir}/a/${DATABASE_FILE}-wal`, `${dir}/a/moved-wal`)
    const outcome = await new Promise<string>((done) => storage.write([{ _tag: "Epoch", epoch: 2 }], () => done("durable"), done))
    expect(outcome).toMatch(/dynamo\.sqlite-wal/)
    await storage.close()
  })
})

/** Node n1 of a ring of `members` nodes, in memory unless `storage` is given, whose peers never answer (nothing is sent). */
const lonePeerlessDriver = (config: typeof defaultProtocolConfig, members: number, timers: Timers, timings?: Timings, storage: StorageShape = makeMemoryStorage("n1")): NodeDriver =>
  new NodeDriver("n1", config, buildRing(Array.from({ length: members }, (_, i) => ({ id: `n${i + 1}` })), RING_CONFIG_DEFAULT), {
    storage,
    links: { send: () => {}, flush: () => {} },
    journal: undefined,
    now: Date.now,
    timers,
    log: () => {},
    onFatal: (message) => { throw new Error(message) },
    ...(timings === undefined ? {} : { timings })
  }, 1_000)

describe("the driver's group commit", () => {
  test("PersistDone follows the commit of every record up to its token, in emission order", async () => {
    const committed: Array<ReadonlyArray<PersistRecord>> = []
    const memory = makeMemoryStorage("n1")
    const storage: StorageShape = { ...memory, write: (batch, onDurable, onFailed) => { committed.push(batch); memory.write(batch, onDurable, onFailed) } }
    const config = { ...defaultProtocolConfig, n: 1, r: 1, w: 1, seeds: ["n1"] }
    const driver = lonePeerlessDriver(config, 1, makeTimeoutTimers(), undefined, storage)
    expect(driver.status().ready).toBe(false)
    await sleep(5)
    expect(driver.status().ready).toBe(true)
    expect(committed[0]?.[0]?._tag).toBe("Epoch")

    const replies = await Promise.all(["x", "y", "z"].map((value, i) =>
      new Promise<string>((done) => driver.submit({ _tag: "Put", id: `c${i}`, key: `k${i}`, value, context: [] }, (outcome) => done(outcome?.reply._tag ?? "expired")))))
    expect(replies).toEqual(["PutOk", "PutOk", "PutOk"])
    // One tick, one transaction, holding the three writes.
    expect(committed.filter((batch) => batch.some((record) => record._tag === "StoreKey")).length).toBe(1)
    expect(plain(memory.current()).store.length).toBe(3)
    const disk = plain(memory.current())
    const state = plain(driver.durable())
    expect([disk.epoch, disk.store, disk.hints]).toEqual([state.epoch, state.store, state.hints])
    await driver.stop()
  })

  // Catches, each by one of its checks: a driver that commits every tick's records at its end
  // (GROUP_COMMIT_TICKS ignored: two transactions in the first case), one whose gathering waits
  // for further input to end (the second case's puts are never committed, so no reply comes),
  // one that holds back a batch of GROUP_COMMIT_RECORDS (nothing committed at the end of its
  // tick), and one that makes a lone put wait a turn too (committed a turn late).
  test("records of consecutive ticks form one transaction; a full batch, a lone put and a last tick are not held back", async () => {
    expect(GROUP_COMMIT_TICKS).toBe(2)
    const committed: Array<{ readonly turn: number; readonly keys: ReadonlyArray<string> }> = []
    let turn = 0
    const memory = makeMemoryStorage("n1")
    const storage: StorageShape = {
      ...memory,
      write: (batch, onDurable, onFailed) => {
        const keys = batch.flatMap((record) => (record._tag === "StoreKey" ? [record.key] : []))
        if (keys.length > 0) committed.push({ turn, keys })
        memory.write(batch, onDurable, onFailed)
      }
    }
    const config = { ...defaultProtocolConfig, n: 1, r: 1, w: 1, seeds: ["n1"] }
    const driver = lonePeerlessDriver(config, 1, makeTimeoutTimers(), undefined, storage)
    await driver.whenReady()
    /** Resolves at the end of the current turn of the event loop (after the driver's own tick end). */
    const endOfTurn = () => new Promise<void>((done) => setImmediate(() => {
      turn += 1
      done()
    }))
    const put = (key: string) => new Promise<string>((done) => driver.submit({ _tag: "Put", id: key, key, value: "v", context: [] }, (outcome) => done(outcome?.reply._tag ?? "expired")))

    // Two puts in one turn and one in the next: one transaction, at the end of the second.
    const first = [put("a"), put("b")]
    const firstAt = turn
    await endOfTurn()
    const second = put("c")
    expect(await Promise.all([...first, second])).toEqual(["PutOk", "PutOk", "PutOk"])
    expect(committed).toEqual([{ turn: firstAt + 1, keys: ["a", "b", "c"] }])

    // Two puts with nothing after them: committed all the same, a turn later.
    committed.length = 0
    const last = [put("d"), put("e")]
    const lastAt = turn
    await endOfTurn()
    await endOfTurn()
    expect(committed).toEqual([{ turn: lastAt + 1, keys: ["d", "e"] }])
    expect(await Promise.all(last)).toEqual(["PutOk", "PutOk"])

    // A full batch is committed at the end of the turn that emitted it.
    committed.length = 0
    const keys = Array.from({ length: GROUP_COMMIT_RECORDS }, (_, i) => `full${i}`)
    const full = Promise.all(keys.map(put))
    const fullAt = turn
    await endOfTurn()
    expect(committed).toEqual([{ turn: fullAt, keys }])
    expect(new Set(await full)).toEqual(new Set(["PutOk"]))

    // A lone put (an idle node) is committed at the end of its own turn.
    committed.length = 0
    const lone = put("lone")
    const loneAt = turn
    await endOfTurn()
    expect(committed).toEqual([{ turn: loneAt, keys: ["lone"] }])
    expect(await lone).toBe("PutOk")
    await driver.stop()
  })

  // Catches: a real timer that fires into the node although the host disarmed it (contract rule
  // 5; the guard in perform's SetTimer). The timers here ignore cancel, as a callback racing its
  // cancel would: a put's request timer, cancelled when W acks arrived, still runs its callback,
  // and without the guard the core is fed a TimerFired for it (counted by the step timings).
  test("a timer the core cancelled never fires into it, even when its callback runs", async () => {
    const real = makeTimeoutTimers()
    const fired: Array<string> = []
    const timers: Timers = { ...real, set: (key, afterMs, fire) => real.set(key, afterMs, () => { fired.push(key); fire() }), cancel: () => {} }
    const timings = new Timings()
    const config = { ...defaultProtocolConfig, n: 1, r: 1, w: 1, seeds: ["n1"], replicaTimeoutMs: 10, requestTimeoutMs: 40 }
    const driver = lonePeerlessDriver(config, 1, timers, timings)
    await driver.whenReady()
    const reply = await new Promise<string>((done) =>
      driver.submit({ _tag: "Put", id: "c1", key: "k", value: "v", context: [] }, (outcome) => done(outcome?.reply._tag ?? "expired")))
    expect(reply).toBe("PutOk")
    await sleep(config.requestTimeoutMs * 3)
    // The callback of the cancelled request timer did run (the test's premise) ...
    expect(fired.some((key) => key.startsWith("request:"))).toBe(true)
    // ... and the core never saw it fire.
    expect(timings.snapshot().filter((entry) => entry.stage === "core TimerFired RequestTimer")).toEqual([])
    await driver.stop()
  })

  // Catches: no bound on the wait (the request hangs and the test times out), a timer that is not
  // re-armed for the requests still waiting (the second never expires), or expiring before the
  // bound.
  test("a request the core never answers is expired after REPLY_WAIT_TIMEOUTS_MAX request timeouts", async () => {
    // The core's own timers are lost (never fire) and no peer answers, so the core never replies:
    // only the driver's deadline can end the wait.
    const real = makeTimeoutTimers()
    const timers: Timers = { ...real, set: (key, afterMs, fire) => (key.startsWith("shell/") ? real.set(key, afterMs, fire) : undefined) }
    const config = { ...defaultProtocolConfig, n: 3, r: 2, w: 2, seeds: ["n1"], replicaTimeoutMs: 10, requestTimeoutMs: 40 }
    const driver = lonePeerlessDriver(config, 3, timers)
    await driver.whenReady()
    const bound = config.requestTimeoutMs * REPLY_WAIT_TIMEOUTS_MAX
    const expire = (id: string) => {
      const submitted = Date.now()
      return new Promise<{ outcome: string; waited: number }>((done) =>
        driver.submit({ _tag: "Put", id, key: id, value: "v", context: [] }, (outcome) => done({ outcome: outcome?.reply._tag ?? "expired", waited: Date.now() - submitted })))
    }
    const first = expire("first")
    await sleep(50)
    const second = expire("second")
    for (const { outcome, waited } of await Promise.all([first, second])) {
      expect(outcome).toBe("expired")
      expect(waited).toBeGreaterThanOrEqual(bound - 1)
      expect(waited).toBeLessThan(bound + 500)
    }
    expect(driver.requestsInFlight).toBe(0)
    await driver.stop()
  })
})
