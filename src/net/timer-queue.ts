// The core's timers on the Effect clock, as one queue: a min-heap of deadlines and a single fiber
// sleeping on `Clock.sleep` until the earliest one. Setting or cancelling a timer is a map and
// heap operation; a fiber is forked only when the earliest deadline moves earlier. A fiber per
// timer cost every client request a fork and an interruption (its request timer, set and then
// cancelled by the reply).
// Timers due at the same moment fire in the order they were set. Cancelled and replaced timers
// stay in the heap until their deadline comes up and are skipped then. Deadlines are on the
// clock's monotonic time, so a step of the wall clock (NTP, a resumed VM) moves no timer. A
// callback that throws is reported and the others still fire.
import { Clock, Duration, Effect, type Context, type Fiber } from "effect"
import type { Timers } from "./driver.ts"

interface Entry {
  readonly deadline: number
  /** Set order: breaks ties between equal deadlines, and tells a live entry from a replaced one. */
  readonly seq: number
  readonly key: string
}

const before = (a: Entry, b: Entry): boolean => a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq)

/** A binary min-heap of entries ordered by (deadline, seq). */
class Heap {
  private readonly items: Array<Entry> = []

  get size(): number {
    return this.items.length
  }

  peek(): Entry | undefined {
    return this.items[0]
  }

  push(entry: Entry): void {
    const items = this.items
    items.push(entry)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(items[i]!, items[parent]!)) break
      ;[items[i], items[parent]] = [items[parent]!, items[i]!]
      i = parent
    }
  }

  pop(): Entry | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) return top
    items[0] = last
    let i = 0
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < items.length && before(items[left]!, items[smallest]!)) smallest = left
      if (right < items.length && before(items[right]!, items[smallest]!)) smallest = right
      if (smallest === i) break
      ;[items[i], items[smallest]] = [items[smallest]!, items[i]!]
      i = smallest
    }
    return top
  }

  clear(): void {
    this.items.length = 0
  }
}

/** Timers keyed by name on `clock`; fibers are forked with `context`; `onError` hears a callback that threw. */
export const makeClockTimers = (context: Context.Context<never>, clock: Clock.Clock, onError: (key: string, error: unknown) => void): Timers => {
  const now = () => Number(clock.monotonicTimeNanosUnsafe()) / 1e6
  // An entry's `fire` is dropped when it leaves the table (see forget): a rehashed table in the
  // old generation would otherwise keep the callback, and what it holds, alive until a full GC.
  const live = new Map<string, { readonly seq: number; fire: (() => void) | undefined }>()
  const forget = (key: string): (() => void) | undefined => {
    const entry = live.get(key)
    if (entry === undefined) return undefined
    live.delete(key)
    const fire = entry.fire
    entry.fire = undefined
    return fire
  }
  const heap = new Heap()
  let seq = 0
  let sleeper: { readonly deadline: number; readonly fiber: Fiber.Fiber<void> } | undefined
  /** Inside `wake`: timers set by the callbacks it fires are armed once, when it is done. */
  let waking = false
  const run = Effect.runForkWith(context)

  /** Fires every live timer that is due, then sleeps until the next deadline. */
  const wake = (): void => {
    sleeper = undefined
    waking = true
    try {
      const at = now()
      for (let next = heap.peek(); next !== undefined && next.deadline <= at; next = heap.peek()) {
        heap.pop()
        const timer = live.get(next.key)
        if (timer === undefined || timer.seq !== next.seq) continue // cancelled or replaced
        const fire = forget(next.key)
        try {
          fire?.()
        } catch (error) {
          onError(next.key, error)
        }
      }
    } finally {
      waking = false
      arm()
    }
  }

  /** Makes sure a fiber sleeps until the earliest deadline in the heap. */
  const arm = (): void => {
    if (waking) return
    // Skip stale entries at the top so an idle node does not wake for cancelled timers.
    for (let next = heap.peek(); next !== undefined && live.get(next.key)?.seq !== next.seq; next = heap.peek()) heap.pop()
    const earliest = heap.peek()
    if (earliest === undefined || (sleeper !== undefined && sleeper.deadline <= earliest.deadline)) return
    sleeper?.fiber.interruptUnsafe()
    const delay = Math.max(0, earliest.deadline - now())
    const fiber = run(clock.sleep(Duration.millis(delay)).pipe(Effect.andThen(Effect.sync(wake))))
    // A zero delay may complete the fiber, and run `wake`, before `run` returns.
    if (fiber.pollUnsafe() === undefined) sleeper = { deadline: earliest.deadline, fiber }
  }

  return {
    set: (key, afterMs, fire) => {
      seq += 1
      const replaced = live.get(key)
      if (replaced !== undefined) replaced.fire = undefined
      live.set(key, { seq, fire })
      heap.push({ deadline: now() + Math.max(0, afterMs), seq, key })
      arm()
    },
    cancel: (key) => {
      forget(key)
    },
    size: () => live.size,
    clear: () => {
      sleeper?.fiber.interruptUnsafe()
      sleeper = undefined
      for (const key of [...live.keys()]) forget(key)
      heap.clear()
    }
  }
}
