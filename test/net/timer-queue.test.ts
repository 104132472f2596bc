// The node's timer queue (src/net/timer-queue.ts) on Effect's live clock, with short delays.
import { Clock, Effect } from "effect"
import { describe, expect, test } from "vitest"
import { makeClockTimers } from "../../src/net/timer-queue.ts"
import { sleep } from "./harness.ts"

const liveTimers = (errors: Array<string> = []) =>
  Effect.runSync(Effect.gen(function*() {
    return makeClockTimers(yield* Effect.context<never>(), yield* Clock.Clock, (key, error) => errors.push(`${key}: ${(error as Error).message}`))
  }))

describe("the timer queue", () => {
  // Catches: a heap that pops out of deadline order, ties broken other than by set order, or a
  // wake that fires only the first due timer.
  test("timers fire in deadline order, equal deadlines in the order they were set", async () => {
    const timers = liveTimers()
    const fired: Array<[string, number]> = []
    const at = performance.now()
    for (const [key, ms] of [["a", 60], ["b", 20], ["c", 20], ["d", 40]] as const) timers.set(key, ms, () => fired.push([key, performance.now() - at]))
    expect(timers.size()).toBe(4)
    await sleep(120)
    expect(fired.map(([key]) => key)).toEqual(["b", "c", "d", "a"])
    expect(fired.find(([key]) => key === "a")![1]).toBeGreaterThanOrEqual(59)
    expect(timers.size()).toBe(0)
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

  // Catches: a throwing callback that stops the queue (the other timer due with it, and later
  // ones, never fire) or that goes unreported; a callback re-setting its own key not re-armed.
  test("a callback that throws is reported and every other timer still fires; a timer can re-set its own key", async () => {
    const errors: Array<string> = []
    const timers = liveTimers(errors)
    const fired: Array<string> = []
    let rounds = 0
    timers.set("broken", 20, () => {
      throw new Error("boom")
    })
    timers.set("sibling", 20, () => fired.push("sibling"))
    timers.set("later", 40, () => fired.push("later"))
    const again = () => {
      rounds += 1
      fired.push(`again ${rounds}`)
      if (rounds < 3) timers.set("again", 10, again)
    }
    timers.set("again", 10, again)
    await sleep(120)
    expect(errors).toEqual(["broken: boom"])
    expect(fired).toEqual(expect.arrayContaining(["sibling", "later", "again 1", "again 2", "again 3"]))
    expect(fired.length).toBe(5)
    expect(timers.size()).toBe(0)
  })

  // Catches: deadlines on the wall clock, which a clock step (NTP, a resumed VM) would move: here
  // the wall clock goes back 300 ms just after the timer is set.
  test("a step of the wall clock moves no timer", async () => {
    const [context, real] = Effect.runSync(Effect.gen(function*() {
      return [yield* Effect.context<never>(), yield* Clock.Clock] as const
    }))
    let offset = 0
    // The live clock with its wall time shifted by `offset`; its monotonic time and sleep unchanged.
    const stepped: Clock.Clock = Object.assign(Object.create(real) as Clock.Clock, { currentTimeMillisUnsafe: () => real.currentTimeMillisUnsafe() + offset })
    const timers = makeClockTimers(context, stepped, () => {})
    const at = performance.now()
    let firedAfter: number | undefined
    timers.set("request", 50, () => (firedAfter = performance.now() - at))
    await sleep(10)
    offset = -300
    await sleep(150)
    expect(firedAfter).toBeGreaterThanOrEqual(49)
    expect(firedAfter).toBeLessThan(150)
  })
})
