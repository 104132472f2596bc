// The node's timer queue (src/net/timer-queue.ts) on Effect's live clock, with short delays.
import { Clock, Effect } from "effect"
import { describe, expect, test } from "vitest"
import { makeClockTimers } from "../../src/net/timer-queue.ts"
import { sleep } from "./harness.ts"

const liveTimers = () =>
  Effect.runSync(Effect.gen(function*() {
    return makeClockTimers(yield* Effect.context<never>(), yield* Clock.Clock)
  }))

describe("the timer queue", () => {
  // Catches: a heap that pops out of deadline order, ties broken other than by set order, or a
  // wake that fires only the first due timer.
  test("timers fire in deadline order, equal deadlines in the order they were set", async () => {
    const timers = liveTimers()
    const fired: Array<string> = []
    const at = performance.now()
    for (const [key, ms] of [["a", 60], ["b", 20], ["c", 20], ["d", 40]] as const) timers.set(key, ms, () => fired.push(key))
    expect(timers.size()).toBe(4)
    await sleep(120)
    expect(fired).toEqual(["b", "c", "d", "a"])
    expect(timers.size()).toBe(0)
    expect(performance.now() - at).toBeGreaterThanOrEqual(60)
  })

  // Catches: a cancelled timer that still fires, a replaced timer firing at its old deadline (or
  // twice), a stale heap entry taken for the live one.
  test("a cancelled timer does not fire; setting a key again replaces its timer", async () => {
    const timers = liveTimers()
    const fired: Array<[string, number]> = []
    const at = performance.now()
    const record = (key: string) => () => fired.push([key, performance.now() - at])
    timers.set("gone", 10, record("gone"))
    timers.set("moved", 10, record("moved"))
    timers.set("moved", 50, record("moved again"))
    timers.cancel("gone")
    expect(timers.size()).toBe(1)
    await sleep(100)
    expect(fired.map(([key]) => key)).toEqual(["moved again"])
    expect(fired[0]![1]).toBeGreaterThanOrEqual(49)
  })

  // Catches: a queue that keeps sleeping until its earlier deadline when a sooner timer is set.
  test("a timer set sooner than the one the queue sleeps for fires on time", async () => {
    const timers = liveTimers()
    const fired: Array<[string, number]> = []
    const at = performance.now()
    timers.set("late", 400, () => fired.push(["late", performance.now() - at]))
    timers.set("soon", 10, () => fired.push(["soon", performance.now() - at]))
    await sleep(100)
    expect(fired.map(([key]) => key)).toEqual(["soon"])
    expect(fired[0]![1]).toBeLessThan(100)
    timers.clear()
  })

  // Catches: timers set by a firing callback (the core re-arming its periodic timers) never armed.
  test("a timer set while timers fire is armed, and clear stops everything", async () => {
    const timers = liveTimers()
    const fired: Array<string> = []
    timers.set("tick", 10, () => {
      fired.push("tick")
      timers.set("tock", 10, () => fired.push("tock"))
    })
    await sleep(80)
    expect(fired).toEqual(["tick", "tock"])
    timers.set("never", 20, () => fired.push("never"))
    timers.clear()
    expect(timers.size()).toBe(0)
    await sleep(50)
    expect(fired).toEqual(["tick", "tock"])
  })
})
