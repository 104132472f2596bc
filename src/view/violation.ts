// The violation a trace records, read for the viewer: the step where it was detected, the key, the
// write it is about (the one lost, missed or kept wrongly) and the replicas it names. The writers'
// messages (src/sim/world.ts, src/check/) name these in prose; the tokens of a message are matched
// against the keys, writes and nodes the trace itself contains, so nothing is guessed from wording
// alone, and the few phrasings that say which of two writes is the wronged one are read exactly.

export interface RecordedViolation {
  readonly invariant: string
  readonly at: number
  readonly message: string
}

export interface ViolationFocus {
  readonly invariant: string
  readonly message: string
  /** The step after which the writer found the invariant broken. */
  readonly step: number
  readonly key: string | undefined
  /** The write the violation is about, when it names one. */
  readonly write: string | undefined
  /** Every write the message names, in the order it names them. */
  readonly writes: ReadonlyArray<string>
  /** The nodes the message names (for CONV-1, the replicas that differ). */
  readonly nodes: ReadonlyArray<string>
}

export interface Known {
  readonly keys: ReadonlySet<string>
  readonly writes: ReadonlySet<string>
  readonly nodes: ReadonlySet<string>
}

/** Phrasings that name the wronged write first in a capture group (world.ts, check/). */
const WRONGED_WRITE: ReadonlyArray<RegExp> = [
  /dropped \[?([^\s\],]+)/, // SIB-1: "n1 dropped [c0.1] from k1"
  /missed ([^\s,]+)/, // QUORUM-1: "get c1.1 of k1 ... missed c0.1"
  /listed \[([^\s\],]+)/, // SIB-1 in a reply: "PutOk c0.2 of k1 listed [c0.1] beside c0.2"
  /(?:keeps|returned) ([^\s,]+) beside/, // SIB-1: "keeps b beside a", "returned b beside a"
  /does not hold ([^\s,]+)/, // HINT-1
  /^([^\s,]+) on [^\s]+ (?:was acknowledged|is live)/ // DUR-1, DEL-1
]

const tokens = (message: string): ReadonlyArray<string> => message.split(/[\s,[\]()/:"{}]+/).filter((t) => t.length > 0)

/** The last step whose time is at most the violation's, or the last step. */
export const detectionStep = (times: ReadonlyArray<number>, at: number): number => {
  for (let i = times.length - 1; i >= 0; i--) if (times[i]! <= at) return i
  return times.length - 1
}

export const focusOf = (violation: RecordedViolation, times: ReadonlyArray<number>, known: Known): ViolationFocus => {
  const words = tokens(violation.message)
  const writes = [...new Set(words.filter((w) => known.writes.has(w)))]
  let write: string | undefined
  for (const pattern of WRONGED_WRITE) {
    const match = pattern.exec(violation.message)?.[1]
    if (match !== undefined && known.writes.has(match)) {
      write = match
      break
    }
  }
  return {
    invariant: violation.invariant,
    message: violation.message,
    step: detectionStep(times, violation.at),
    key: words.find((w) => known.keys.has(w)),
    write: write ?? writes[0],
    writes,
    nodes: [...new Set(words.filter((w) => known.nodes.has(w)))]
  }
}
