// V8's garbage collections in a node process, read from the lines `node --trace-gc-nvp` prints (one
// per collection, `name=value` pairs). The benchmarks' `--gc` flag starts the dynamo nodes with it
// and reports what a run cost in collections: the scavenges' pauses, which every request at that
// node waits through, and the bytes promoted per operation, which each scavenge copies (issue 19,
// docs/performance.md, eighth round: a write's long-lived allocations are what the helper threads
// spend their time on).

/** Collections summed over some lines. */
export interface Collections {
  /** Young-generation collections (scavenges, or V8's minor mark-sweeps). */
  readonly scavenges: number
  /** Milliseconds of scavenge pauses, summed, and the longest. */
  readonly scavengeMs: number
  readonly scavengeMsMax: number
  /** Bytes promoted to the old generation by scavenges, and bytes allocated, as V8 counts them. */
  readonly promoted: number
  readonly allocated: number
  /** Mark-compacts (major collections) and their pauses. */
  readonly majors: number
  readonly majorMs: number
}

export const NO_COLLECTIONS: Collections = { scavenges: 0, scavengeMs: 0, scavengeMsMax: 0, promoted: 0, allocated: 0, majors: 0, majorMs: 0 }

/** How V8 starts a --trace-gc-nvp line: `[pid:isolate(:thread)]  elapsed ms: pause=`. */
const NVP_LINE = /^\[\d+:0x[0-9a-f]+(?::\d+)?\]\s+[\d.]+ ms: pause=/

/**
 * The collector of a line's `gc=`: "s" the scavenger, "ms" the young generation's mark-sweep
 * (V8's other minor collector), "mc" a full mark-compact.
 */
const YOUNG = new Set(["s", "ms"])
const FULL = new Set(["mc"])

/** The `name=value` fields of one --trace-gc-nvp line, or undefined for any other line. */
const fieldsOf = (line: string): ReadonlyMap<string, string> | undefined => {
  if (!NVP_LINE.test(line)) return undefined
  const fields = new Map<string, string>()
  for (const match of line.matchAll(/(\S+?)=(\S+)/g)) fields.set(match[1]!, match[2]!)
  return fields
}

/** The one collection a line reports, or undefined for any other line. */
const collectionOf = (line: string): Collections | undefined => {
  const fields = fieldsOf(line)
  const gc = fields?.get("gc")
  if (fields === undefined || gc === undefined || !(YOUNG.has(gc) || FULL.has(gc))) return undefined
  const pause = Number(fields.get("pause") ?? 0)
  const allocated = Number(fields.get("allocated") ?? 0)
  return YOUNG.has(gc)
    ? { ...NO_COLLECTIONS, scavenges: 1, scavengeMs: pause, scavengeMsMax: pause, promoted: Number(fields.get("promoted") ?? 0), allocated }
    : { ...NO_COLLECTIONS, majors: 1, majorMs: pause, allocated }
}

/** `total` with the collection of `line` added (unchanged for a line that is not one). */
export const addCollection = (total: Collections, line: string): Collections => {
  const collection = collectionOf(line)
  return collection === undefined ? total : addCollections(total, collection)
}

/**
 * Reads the collections of processes whose output lines accumulate in arrays (LocalCluster's
 * `stdout`), a stretch at a time.
 */
export class CollectionReader {
  private readonly seen: Array<number>

  constructor(private readonly outputs: () => ReadonlyArray<ReadonlyArray<string>>) {
    this.seen = outputs().map(() => 0)
  }

  /** The collections every process printed since the last call (since the start, the first time). */
  readSince(): Collections {
    let total = NO_COLLECTIONS
    this.outputs().forEach((lines, i) => {
      for (let at = this.seen[i] ?? 0; at < lines.length; at++) total = addCollection(total, lines[at]!)
      this.seen[i] = lines.length
    })
    return total
  }
}

/** Collections summed (the longest pause the longer of the two). */
export const addCollections = (a: Collections, b: Collections): Collections => ({
  scavenges: a.scavenges + b.scavenges,
  scavengeMs: a.scavengeMs + b.scavengeMs,
  scavengeMsMax: Math.max(a.scavengeMsMax, b.scavengeMsMax),
  promoted: a.promoted + b.promoted,
  allocated: a.allocated + b.allocated,
  majors: a.majors + b.majors,
  majorMs: a.majorMs + b.majorMs
})

/** One line for a run's (or runs') collections, per operation where that is the unit. */
export const describeCollections = (name: string, c: Collections, ops: number): string =>
  `${name}: ${c.scavenges} scavenges (${c.scavengeMs.toFixed(0)} ms of pauses, the longest ${c.scavengeMsMax.toFixed(1)} ms), ` +
  `${(c.promoted / Math.max(1, ops) / 1024).toFixed(2)} KiB promoted and ${(c.allocated / Math.max(1, ops) / 1024).toFixed(1)} KiB allocated per op; ` +
  `${c.majors} mark-compacts (${c.majorMs.toFixed(0)} ms)`
