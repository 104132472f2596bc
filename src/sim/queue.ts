// The simulator's event queue, ordered by (time, insertion order): ties break by insertion
// order, so the simulator is deterministic without relying on any unordered collection.
//
// A calendar of buckets, one per distinct time, each a FIFO; a binary min-heap holds only the
// distinct times. Virtual times are whole milliseconds drawn from small ranges, so thousands of
// pending events (timers, timeouts, messages) share a few hundred times: a push is an append
// and a pop a read, with the heap touched once per time rather than once per event.

interface Bucket<E> {
  readonly items: Array<E | undefined>
  head: number
}

export interface Scheduled<E> {
  readonly at: number
  readonly event: E
}

export class EventQueue<E> {
  private readonly buckets = new Map<number, Bucket<E>>()
  /** Min-heap of the times that have a bucket. */
  private readonly times: number[] = []
  private count = 0

  get size(): number {
    return this.count
  }

  push(at: number, event: E): void {
    const bucket = this.buckets.get(at)
    if (bucket !== undefined) bucket.items.push(event)
    else {
      this.buckets.set(at, { items: [event], head: 0 })
      this.heapPush(at)
    }
    this.count += 1
  }

  peekTime(): number | undefined {
    return this.times[0]
  }

  pop(): Scheduled<E> | undefined {
    const at = this.times[0]
    if (at === undefined) return undefined
    const bucket = this.buckets.get(at)!
    const event = bucket.items[bucket.head]!
    // Let the event be collected once handled, even while its bucket lives on.
    bucket.items[bucket.head] = undefined
    bucket.head += 1
    if (bucket.head === bucket.items.length) {
      // A later push at this same time opens a new bucket behind every event popped so far.
      this.buckets.delete(at)
      this.heapPop()
    }
    this.count -= 1
    return { at, event }
  }

  private heapPush(time: number): void {
    const heap = this.times
    let i = heap.length
    heap.push(time)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (heap[parent]! <= time) break
      heap[i] = heap[parent]!
      i = parent
    }
    heap[i] = time
  }

  private heapPop(): void {
    const heap = this.times
    const last = heap.pop()!
    const n = heap.length
    if (n === 0) return
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const m = r < n && heap[r]! < heap[l]! ? r : l
      if (heap[m]! >= last) break
      heap[i] = heap[m]!
      i = m
    }
    heap[i] = last
  }
}
