// The async writer's choice of thread for a sync (src/net/idle-sync.ts): inline only after an idle
// gap of at least IDLE_GAP_MS_MIN and IDLE_GAP_SYNCS recent syncs; on the I/O pool under load.
import { afterAll, describe, expect, test } from "vitest"
import { IDLE_GAP_MS_MIN, IDLE_GAP_SYNCS, IdleSync } from "../../src/net/idle-sync.ts"
import { openSqliteStorage } from "../../src/net/sqlite.ts"
import type { StorageShape } from "../../src/net/storage.ts"
import { removeDir, tempDir } from "./harness.ts"

describe("IdleSync", () => {
  // Mutation caught: a writer that never syncs inline (the lone put keeps paying the pool's
  // wake-ups), or one that starts from a finite "last durable" time.
  test("a writer that never synced is idle", () => {
    expect(new IdleSync().inline(0)).toBe(true)
  })

  // Mutation caught: the gap compared the wrong way, the minimum gap ignored, or back-to-back
  // batches (a loaded node: the next write follows the last durable at once) synced inline.
  test("back-to-back batches go to the pool; a batch after the minimum gap is inline", () => {
    const idle = new IdleSync()
    idle.durable(100, 100)
    expect(idle.inline(100)).toBe(false)
    expect(idle.inline(100 + IDLE_GAP_MS_MIN / 2)).toBe(false)
    expect(idle.inline(100 + IDLE_GAP_MS_MIN)).toBe(true)
  })

  // Mutation caught: the gap not scaled by what syncs take (a slow disk would stop the node for
  // syncs that outlast the gaps between batches), or the estimate never updated.
  test("slow syncs lengthen the gap needed, and fast ones shorten it again", () => {
    const idle = new IdleSync()
    let now = 0
    for (let i = 0; i < 40; i++) {
      idle.durable(now, now + 5)
      now += 5
    }
    expect(idle.recentSyncMs).toBeCloseTo(5, 1)
    expect(idle.inline(now + IDLE_GAP_MS_MIN)).toBe(false)
    expect(idle.inline(now + IDLE_GAP_SYNCS * 5 - 0.1)).toBe(false)
    expect(idle.inline(now + IDLE_GAP_SYNCS * 5 + 0.1)).toBe(true)
    for (let i = 0; i < 40; i++) {
      idle.durable(now, now + 0.1)
      now += 0.1
    }
    expect(idle.inline(now + IDLE_GAP_MS_MIN)).toBe(true)
  })

  // Mutation caught: a sync that finished earlier than another (two on the pool) moving the last
  // durable time back, so a busy writer looks idle.
  test("the last durable time never goes back", () => {
    const idle = new IdleSync()
    idle.durable(0, 50)
    idle.durable(0, 10)
    expect(idle.inline(50 + IDLE_GAP_MS_MIN / 2)).toBe(false)
  })
})

/** A sync on this disk takes less than this (ms), even loaded; the waits above scale with it. */
const SYNC_MS_ASSUMED_MAX = 50

describe("the async SQLite writer's two sync paths", () => {
  const dir = tempDir("idle-sync")
  afterAll(() => removeDir(dir))
  const set = (value: string) => ({ mode: "dvv", entries: [{ node: "n1", counter: 1, time: 1, values: [{ _tag: "Put", value }] }] }) as const

  /** Writes one key; resolves with whether it was durable before any I/O callback could run. */
  const writeKey = async (storage: StorageShape, key: string, quiet: boolean | undefined): Promise<boolean> => {
    let durable = false
    const done = new Promise<void>((resolve, reject) => storage.write([{ _tag: "StoreKey", key, set: set(key) }], () => {
      durable = true
      resolve()
    }, (message) => reject(new Error(message)), quiet))
    // Microtasks only: an fdatasync handed to the I/O pool cannot have completed yet.
    await Promise.resolve()
    await Promise.resolve()
    const inline = durable
    await done
    return inline
  }

  // Mutation caught: the quiet hint ignored (a loaded node would stop for its syncs, or a quiet one
  // never syncs inline), or an inline sync whose batch is lost (onDurable before the commit, or a
  // commit on another connection): every key must be there after a reopen.
  test("a quiet, idle writer syncs inline; with a sync in flight, or without the hint, on the pool; all durable", async () => {
    const storage = await openSqliteStorage(`${dir}/a`, "n1", "full", "async")
    expect(await writeKey(storage, "first", true)).toBe(true)
    // A sync on the pool in flight: a quiet write joins the pool, it does not stop the thread.
    const busy = writeKey(storage, "second", false)
    const during = writeKey(storage, "third", true)
    expect(await busy).toBe(false)
    expect(await during).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 20 + IDLE_GAP_SYNCS * SYNC_MS_ASSUMED_MAX))
    expect(await writeKey(storage, "fourth", undefined)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 20 + IDLE_GAP_SYNCS * SYNC_MS_ASSUMED_MAX))
    expect(await writeKey(storage, "fifth", true)).toBe(true)
    await storage.close()
    const again = await openSqliteStorage(`${dir}/a`, "n1", "full", "async")
    expect([...again.load().store].map(([key]) => key).sort()).toEqual(["fifth", "first", "fourth", "second", "third"])
    await again.close()
  })
})
