// The transition cache. The core's `step` is a pure function of (node state, input, now) over
// immutable values, and the search meets the same node state with the same input again and again:
// one replica delivering one message while the other nodes interleave their own steps in every
// order. So each result is computed once and found again by the state's identity and the input's
// parts (compared by identity too: messages, timers and records are the very objects an earlier
// step emitted). A hit returns the same objects a fresh step would have built equal to, so the
// worlds and their fingerprints are the same; only the time differs. Disk writes and recoveries
// are cached the same way, on the disk.
//
// The entries live on the checker's own record of each state or disk (an `owner`, which a world's
// node slot points to), so finding them costs no lookup by the owner: a short list, scanned, or
// past `MEMO_LIST_MAX` entries a map by the input's main part (a popular disk is written by
// thousands of different records). Memory is bounded by generations: when
// `generationEntriesMax` entries have been stored since the last turn, the entries of the owners
// of the generation before are dropped. A world on the search path holds its own states, so
// dropping entries never loses anything but time.

/**
 * Entries kept (two generations at most), 1 to 2 KiB each (states share structure). As many hits
 * on `small` and `handoff` as four times more: most come from the recent past of the search.
 */
export const MEMO_ENTRIES_MAX = 50_000

/** An owner's entries kept in a list, scanned; more go into a map by `a`. */
export const MEMO_LIST_MAX = 8

/** Flat entries: kind, a, b, now, value, kind, a, ... */
type Entries = Array<unknown>

/** Something cached results hang on: the checker's record of one node state or one disk. */
export interface MemoOwner {
  /** Its entries (a list, or lists by `a`); undefined until the first is stored. */
  memo: Entries | Map<unknown, Entries> | undefined
}

/** Fields of one entry. */
const ENTRY_WIDTH = 5

/**
 * A cache of results keyed by an owner and a small key: a kind, two parts compared with `===`,
 * and a number (the logical time). Single-threaded; one per compiled model and kind of owner.
 */
export class TransitionMemo {
  private young: Array<MemoOwner> = []
  private old: Array<MemoOwner> = []
  private youngEntries = 0
  hits = 0
  misses = 0

  constructor(private readonly generationEntriesMax: number) {}

  /** The value stored for (owner, kind, a, b, now), or undefined. */
  find<T>(owner: MemoOwner, kind: number, a: unknown, b: unknown, now: number): T | undefined {
    const memo = owner.memo
    const entries = memo === undefined || Array.isArray(memo) ? memo : memo.get(a)
    if (entries !== undefined) {
      for (let i = 0; i < entries.length; i += ENTRY_WIDTH) {
        if (entries[i] === kind && entries[i + 1] === a && entries[i + 2] === b && entries[i + 3] === now) {
          this.hits += 1
          return entries[i + 4] as T
        }
      }
    }
    this.misses += 1
    return undefined
  }

  /** Store a value computed after `find` missed; returns it. */
  store<T>(owner: MemoOwner, kind: number, a: unknown, b: unknown, now: number, value: T): T {
    let memo = owner.memo
    if (memo === undefined) {
      memo = []
      owner.memo = memo
      this.young.push(owner)
    } else if (Array.isArray(memo) && memo.length >= MEMO_LIST_MAX * ENTRY_WIDTH) {
      const byA = new Map<unknown, Entries>()
      for (let i = 0; i < memo.length; i += ENTRY_WIDTH) push(byA, memo[i + 1], memo.slice(i, i + ENTRY_WIDTH))
      memo = byA
      owner.memo = memo
    }
    if (Array.isArray(memo)) memo.push(kind, a, b, now, value)
    else push(memo, a, [kind, a, b, now, value])
    this.youngEntries += 1
    if (this.youngEntries >= this.generationEntriesMax) this.turn()
    return value
  }

  /** Drop the entries of the older generation's owners; the young one becomes old. */
  private turn(): void {
    for (const owner of this.old) owner.memo = undefined
    this.old = this.young
    this.young = []
    this.youngEntries = 0
  }
}

/** Append one entry to the list of its `a`. */
const push = (byA: Map<unknown, Entries>, a: unknown, entry: Entries): void => {
  const entries = byA.get(a)
  if (entries === undefined) byA.set(a, entry)
  else for (const field of entry) entries.push(field)
}
