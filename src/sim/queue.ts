// A binary min-heap of events ordered by (time, sequence number): ties break by insertion
// order, so the simulator is deterministic without relying on any unordered collection.
export interface Scheduled<E> {
  readonly at: number
  readonly seq: number
  readonly event: E
}

export class EventQueue<E> {
  private readonly heap: Array<Scheduled<E>> = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  push(at: number, event: E): number {
    const seq = this.seq++
    this.heap.push({ at, seq, event })
    this.up(this.heap.length - 1)
    return seq
  }

  peekTime(): number | undefined {
    return this.heap[0]?.at
  }

  pop(): Scheduled<E> | undefined {
    const top = this.heap[0]
    const last = this.heap.pop()
    if (top === undefined || last === undefined) return undefined
    if (this.heap.length > 0) {
      this.heap[0] = last
      this.down(0)
    }
    return top
  }

  private less(i: number, j: number): boolean {
    const a = this.heap[i]!
    const b = this.heap[j]!
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i]!
    this.heap[i] = this.heap[j]!
    this.heap[j] = t
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(i, parent)) return
      this.swap(i, parent)
      i = parent
    }
  }

  private down(i: number): void {
    const n = this.heap.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.less(l, m)) m = l
      if (r < n && this.less(r, m)) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }
}
