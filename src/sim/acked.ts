// The acknowledged writes of one key, in acknowledgement order and as a bitset over the oracle's
// bits for that key. DUR-1 and QUORUM-1 ask "which acknowledged writes are missing from this
// union of causal pasts?": a word-wise AND-NOT answers it in time proportional to the key's
// history in words, where walking every acknowledged write made the checks quadratic.
import type { Oracle } from "../trace/oracle.ts"

export class AckedWrites<W extends { readonly event: string }> {
  /** In acknowledgement order. */
  readonly writes: Array<W> = []
  private bits = new Uint32Array(1)
  /** Oracle bit -> index in `writes` of the first acknowledgement of that event. */
  private readonly byBit = new Map<number, number>()
  /** Indices of writes the oracle never recorded: no union can hold them. */
  private readonly unrecorded: number[] = []
  /** The events of `writes`, in order, kept until the next `add` (see `events`). */
  private eventList: ReadonlyArray<string> | undefined

  /** The acknowledged events in acknowledgement order: the same array until the next `add`. */
  get events(): ReadonlyArray<string> {
    return (this.eventList ??= this.writes.map((write) => write.event))
  }

  add(oracle: Oracle, write: W): void {
    this.writes.push(write)
    this.eventList = undefined
    const bit = oracle.bitOf(write.event)
    if (bit === undefined) {
      this.unrecorded.push(this.writes.length - 1)
      return
    }
    if (this.byBit.has(bit)) return
    this.byBit.set(bit, this.writes.length - 1)
    const word = bit >>> 5
    if (word >= this.bits.length) {
      const grown = new Uint32Array(Math.max(word + 1, this.bits.length * 2))
      grown.set(this.bits)
      this.bits = grown
    }
    this.bits[word]! |= 1 << (bit & 31)
  }

  /**
   * The first write, in acknowledgement order, that `union` does not hold and `counts` accepts;
   * undefined when there is none. A write the oracle never recorded is in no union: missing.
   */
  firstMissing(union: Uint32Array, counts: (write: W) => boolean): W | undefined {
    const missing: number[] = [...this.unrecorded]
    for (let word = 0; word < this.bits.length; word++) {
      let diff = (this.bits[word]! & ~(union[word] ?? 0)) >>> 0
      while (diff !== 0) {
        const low = 31 - Math.clz32(diff & -diff)
        missing.push(this.byBit.get(word * 32 + low)!)
        diff = (diff & (diff - 1)) >>> 0
      }
    }
    missing.sort((a, b) => a - b)
    for (const index of missing) if (counts(this.writes[index]!)) return this.writes[index]
    return undefined
  }
}
