// The async writer's choice of thread for a sync (src/net/idle-sync.ts): inline only after an idle
// gap of at least IDLE_GAP_MS_MIN and IDLE_GAP_SYNCS recent syncs; on the I/O pool under load.
import { describe, expect, test } from "vitest"
import { IDLE_GAP_MS_MIN, IDLE_GAP_SYNCS, IdleSync } from "../../src/net/idle-sync.ts"

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
