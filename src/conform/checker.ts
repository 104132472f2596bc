// The black-box checker of `dynamo conform`: from a recorded history alone (src/conform/history.ts)
// it finds the anomalies of spec/README.md section 4 that a client can see, each named by its
// invariant id with the operations that show it. Causality comes from event ids and the contexts
// the workload passed back (src/conform/causality.ts), never from the store's clocks.
import { Bits, Causality } from "./causality.ts"
import type { FaultLine, History, OpLine } from "./history.ts"
import { faultTimeline, statsOf, type Stats } from "./stats.ts"

/**
 * After a fault heals, reads may miss writes for a while (hints and anti-entropy repair the
 * sloppy quorum): QUORUM-1 holds only for a read and a write that both fall in a quiet period,
 * which starts this long after the last node came back.
 */
export const QUORUM_GRACE_MS = 5_000
/** Anomalies listed per class in full; the rest are counted. */
export const ANOMALIES_LISTED_PER_CLASS_MAX = 50

export type Invariant = "SIB-1" | "DUR-1" | "DEL-1" | "QUORUM-1" | "CONV-1" | "READ-1"
export type AnomalyKind = "lost" | "false-siblings" | "phantom" | "resurrected" | "stale-read" | "diverged"

export interface Anomaly {
  readonly invariant: Invariant
  readonly kind: AnomalyKind
  readonly key: string
  readonly message: string
  /** The operations that show it, the minimal excerpt of the history, in time order. */
  readonly ops: ReadonlyArray<number>
  /** Lost writes only: the survivor and the lost write carried contexts of reads that returned the same versions. */
  readonly sameContext?: boolean
}

export interface CheckResult {
  readonly anomalies: ReadonlyArray<Anomaly>
  /** Per kind: how many were found (the list keeps at most ANOMALIES_LISTED_PER_CLASS_MAX). */
  readonly counts: Readonly<Record<AnomalyKind, number>>
  readonly lost: LostBreakdown
  readonly stats: Stats
  /** What could not be judged and why (no final reads, no read promise, ...). */
  readonly notes: ReadonlyArray<string>
}

const byTime = (a: OpLine, b: OpLine) => a.start - b.start || a.id - b.id

/** One key's view of the history. */
interface KeyOps {
  readonly writes: Array<OpLine>
  readonly reads: Array<OpLine>
  readonly finals: Array<OpLine>
}

/** How the lost writes divide: replaced by a concurrent write (and of those, from the same context), or vanished. */
export interface LostBreakdown {
  readonly replaced: number
  readonly sameContext: number
  readonly vanished: number
}

class Findings {
  readonly anomalies: Array<Anomaly> = []
  readonly counts: Record<AnomalyKind, number> = { lost: 0, "false-siblings": 0, phantom: 0, resurrected: 0, "stale-read": 0, diverged: 0 }
  readonly lost = { replaced: 0, sameContext: 0, vanished: 0 }
  add(anomaly: Anomaly): void {
    if (anomaly.kind === "lost") {
      if (anomaly.invariant === "DUR-1") this.lost.vanished += 1
      else this.lost.replaced += 1
      if (anomaly.sameContext === true) this.lost.sameContext += 1
    }
    this.counts[anomaly.kind] += 1
    if (this.counts[anomaly.kind] <= ANOMALIES_LISTED_PER_CLASS_MAX) this.anomalies.push(anomaly)
  }
}

/** Checks a history; deterministic (same history, same result). */
export const check = (history: History): CheckResult => {
  const notes: Array<string> = []
  const findings = new Findings()
  const byId = new Map<number, OpLine>()
  const writeOf = new Map<string, OpLine>()
  const keys = new Map<string, KeyOps>()
  const keyOps = (key: string) => {
    let entry = keys.get(key)
    if (entry === undefined) keys.set(key, entry = { writes: [], reads: [], finals: [] })
    return entry
  }
  for (const op of history.ops) {
    byId.set(op.id, op)
    const entry = keyOps(op.key)
    if (op.f !== "read") {
      writeOf.set(op.event!, op)
      entry.writes.push(op)
    } else if (op.status === "ok") {
      ;(op.phase === "final" ? entry.finals : entry.reads).push(op)
    }
  }

  // READ-1: every value a read returns was written by a put of this key that was invoked before
  // the read ended and not refused. What survives the filter is what the read's context covers.
  const legit = new Map<number, ReadonlyArray<string>>()
  for (const op of history.ops) {
    if (op.f !== "read" || op.status !== "ok") continue
    const kept: Array<string> = []
    for (const event of op.values ?? []) {
      const write = writeOf.get(event)
      const problem = write === undefined ? "no operation of this history wrote it"
        : write.key !== op.key ? `it was written to key ${JSON.stringify(write.key)}`
        : write.f === "delete" ? "it is a delete's event, which has no value"
        : write.status === "failed" ? `its write was refused as not written (${write.error ?? "failed"})`
        : write.start > op.end ? "its write was invoked after the read completed"
        : undefined
      if (problem === undefined) {
        kept.push(event)
        continue
      }
      findings.add({
        invariant: "READ-1", kind: "phantom", key: op.key,
        message: `read ${op.id} returned event ${event}, but ${problem}`,
        ops: write === undefined ? [op.id] : [write.id, op.id].sort((a, b) => a - b)
      })
    }
    for (const value of op.foreign ?? []) {
      findings.add({
        invariant: "READ-1", kind: "phantom", key: op.key,
        message: `read ${op.id} returned a value no client of this run wrote: ${JSON.stringify(value.slice(0, 120))}`,
        ops: [op.id]
      })
    }
    legit.set(op.id, kept)
  }

  // Histories: each write in invocation order, covering what its context's read returned.
  const causality = new Causality()
  const coveredBy = (write: OpLine): ReadonlyArray<string> => {
    if (write.after === undefined) return []
    const read = byId.get(write.after)
    return read === undefined || read.key !== write.key ? [] : legit.get(read.id) ?? []
  }
  for (const write of [...writeOf.values()].sort(byTime)) causality.record(write.event!, write.key, coveredBy(write))

  const lost = new Set<string>()
  for (const [key, ops] of [...keys.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    falseSiblings(key, ops, legit, causality, writeOf, findings)
    const finalState = finalOf(key, ops, legit, findings, notes)
    if (finalState !== undefined) {
      for (const event of lostWrites(key, ops, finalState, legit, causality, writeOf, byId, findings)) lost.add(event)
      resurrected(key, ops, finalState, causality, writeOf, findings)
    }
  }
  staleReads(history, keys, legit, causality, lost, findings, notes)
  findings.anomalies.sort((a, b) => (a.ops[0] ?? 0) - (b.ops[0] ?? 0) || a.invariant.localeCompare(b.invariant))
  return { anomalies: findings.anomalies, counts: findings.counts, lost: findings.lost, stats: statsOf(history, findings.counts.lost), notes }
}

/** SIB-1: no read returns a value together with one whose history contains it. */
const falseSiblings = (key: string, ops: KeyOps, legit: Map<number, ReadonlyArray<string>>, causality: Causality, writeOf: Map<string, OpLine>, findings: Findings) => {
  for (const read of [...ops.reads, ...ops.finals]) {
    const values = legit.get(read.id) ?? []
    if (values.length < 2) continue
    for (const later of values) {
      const earlier = values.find((other) => other !== later && causality.inPast(later, other))
      if (earlier === undefined) continue
      const chain = causality.chain(later, earlier)
      const via = chain.flatMap((event) => {
        const write = writeOf.get(event)!
        return write.after === undefined ? [write.id] : [write.id, write.after]
      })
      findings.add({
        invariant: "SIB-1", kind: "false-siblings", key,
        message: `read ${read.id} returned ${earlier} beside ${later}, whose writer had seen it (${chain.join(" <- ")}): a false sibling`,
        ops: [...new Set([...via, read.id])].sort((a, b) => a - b)
      })
      break
    }
  }
}

interface FinalState {
  /** Every event the last final reads returned, through any node. */
  readonly visible: ReadonlyArray<string>
  readonly reads: ReadonlyArray<OpLine>
}

/** The key's final state (its last attempt of final reads), and CONV-1 over it. */
const finalOf = (key: string, ops: KeyOps, legit: Map<number, ReadonlyArray<string>>, findings: Findings, notes: Array<string>): FinalState | undefined => {
  if (ops.finals.length === 0) {
    if (ops.writes.length > 0) notes.push(`${key}: no final read succeeded, so lost writes, resurrections and convergence were not judged`)
    return undefined
  }
  const last = Math.max(...ops.finals.map((read) => read.attempt ?? 0))
  const reads = ops.finals.filter((read) => (read.attempt ?? 0) === last).sort((a, b) => a.id - b.id)
  const sets = reads.map((read) => [...(legit.get(read.id) ?? []), ...(read.foreign ?? [])].sort())
  const shown = sets.map((set) => JSON.stringify(set))
  if (new Set(shown).size > 1) {
    findings.add({
      invariant: "CONV-1", kind: "diverged", key,
      message: `after every fault healed, the nodes still disagreed at the last attempt: ${reads.map((read, i) => `${read.node} ${shown[i]}`).join("; ")}`,
      ops: reads.map((read) => read.id)
    })
  }
  return { visible: [...new Set(sets.flat())].sort(), reads }
}

/**
 * SIB-1 and DUR-1: an acknowledged put is visible at the end, or in the history of a visible
 * write, or of a delete (whose own survival a client cannot see: a lost delete shows as DEL-1).
 * A lost write is SIB-1 when a write concurrent with it survived (it replaced the lost one
 * without having seen it), DUR-1 when nothing concurrent did (it simply vanished). Returns the
 * lost events.
 */
const lostWrites = (key: string, ops: KeyOps, final: FinalState, legit: Map<number, ReadonlyArray<string>>, causality: Causality, writeOf: Map<string, OpLine>, byId: Map<number, OpLine>, findings: Findings): ReadonlySet<string> => {
  const deletes = ops.writes.filter((op) => op.f === "delete" && op.status !== "failed").map((op) => op.event!)
  const accounted = causality.closure(key, [...final.visible, ...deletes])
  const survivors = accounted.minus(new Bits()).map((bit) => causality.eventOf(key, bit)!).filter((event) => writeOf.get(event)?.f === "write")
  const contextOf = (write: OpLine) => JSON.stringify(write.after === undefined ? null : [...(legit.get(write.after) ?? [])].sort())
  const lost = new Set<string>()
  for (const write of ops.writes) {
    if (write.f !== "write" || write.status !== "ok" || accounted.has(causality.bitOf(write.event!)!)) continue
    const event = write.event!
    lost.add(event)
    const concurrent = (other: string) => !causality.inPast(other, event) && !causality.inPast(event, other)
    // The rival that replaced it: one that carried the same context if any (the VV-1 shape),
    // else the surviving concurrent write invoked closest to it.
    const context = contextOf(write)
    let rival: string | undefined
    let sameContext = false
    for (const other of survivors) {
      if (!concurrent(other)) continue
      const otherWrite = writeOf.get(other)!
      if (contextOf(otherWrite) === context) {
        rival = other
        sameContext = true
        break
      }
      if (rival === undefined || Math.abs(otherWrite.start - write.start) < Math.abs(writeOf.get(rival)!.start - write.start)) rival = other
    }
    const excerpt = new Set<number>([write.id, final.reads[0]!.id])
    if (write.after !== undefined) excerpt.add(write.after)
    if (rival !== undefined) {
      const rivalWrite = writeOf.get(rival)!
      excerpt.add(rivalWrite.id)
      if (rivalWrite.after !== undefined && byId.has(rivalWrite.after)) excerpt.add(rivalWrite.after)
    }
    findings.add({
      invariant: rival === undefined ? "DUR-1" : "SIB-1",
      kind: "lost", key,
      message: rival === undefined
        ? `acknowledged write ${event} (operation ${write.id}) is gone: no final read returns it or a write that saw it, and no delete covered it`
        : `acknowledged write ${event} (operation ${write.id}) was silently replaced by the concurrent write ${rival}, whose writer never saw it` +
          (final.visible.includes(rival) ? "" : " (what the final reads return descends from it)") +
          (sameContext ? "; both carried the context of reads that returned the same versions (the VV-1 shape, when both went through one coordinator under per-server vector clocks)" : ""),
      ops: [...excerpt].sort((a, b) => a - b),
      ...(sameContext ? { sameContext: true } : {})
    })
  }
  return lost
}

/** DEL-1: no value an acknowledged delete covered is live at the end. */
const resurrected = (key: string, ops: KeyOps, final: FinalState, causality: Causality, writeOf: Map<string, OpLine>, findings: Findings) => {
  for (const del of ops.writes) {
    if (del.f !== "delete" || del.status !== "ok") continue
    for (const event of final.visible) {
      if (event === del.event || !causality.inPast(del.event!, event)) continue
      const write = writeOf.get(event)!
      const shown = final.reads.find((read) => read.values?.includes(event)) ?? final.reads[0]!
      findings.add({
        invariant: "DEL-1", kind: "resurrected", key,
        message: `${event} (operation ${write.id}) was deleted by the acknowledged delete ${del.event} (operation ${del.id}), whose context covered it, yet the final read ${shown.id} returns it`,
        ops: [...new Set([write.id, ...(del.after === undefined ? [] : [del.after]), del.id, shown.id])].sort((a, b) => a - b)
      })
    }
  }
}

/** Periods with every node up and connected, each starting QUORUM_GRACE_MS after the last fault healed. */
export const quietPeriods = (faults: ReadonlyArray<FaultLine>): ReadonlyArray<readonly [number, number]> => {
  const periods: Array<[number, number]> = []
  let quietFrom = 0
  let wasQuiet = true
  for (const change of faultTimeline(faults)) {
    // A partition is one fault, whichever nodes it cut off.
    const quiet = change.down === 0 && !change.partitioned
    if (wasQuiet && !quiet) {
      if (change.at > quietFrom) periods.push([quietFrom, change.at])
    } else if (!wasQuiet && quiet) {
      quietFrom = change.at + QUORUM_GRACE_MS
    }
    wasQuiet = quiet
  }
  if (wasQuiet) periods.push([quietFrom, Number.POSITIVE_INFINITY])
  return periods
}

/**
 * QUORUM-1: where the store promises it (R + W > N, or linearizability), a read that starts after
 * a put was acknowledged returns that put or a write that saw it, unless a delete that covered
 * it had been invoked by then. For quorum stores, only within quiet periods. A write found lost
 * is reported as such, not again by every later read that misses it.
 */
const staleReads = (history: History, keys: Map<string, KeyOps>, legit: Map<number, ReadonlyArray<string>>, causality: Causality, lost: ReadonlySet<string>, findings: Findings, notes: Array<string>) => {
  const promise = history.meta.reads
  if (promise.kind === "none") {
    notes.push("the adapter promises nothing about reads: QUORUM-1 not checked")
    return
  }
  if (promise.kind === "quorum" && promise.r + promise.w <= promise.n) {
    notes.push(`R + W = ${promise.r + promise.w} is not above N = ${promise.n}: QUORUM-1 not checked`)
    return
  }
  const periods = promise.kind === "linearizable" ? [[0, Number.POSITIVE_INFINITY] as const] : quietPeriods(history.faults)
  for (const [key, ops] of keys) {
    const acked = ops.writes.filter((op) => op.f === "write" && op.status === "ok").sort((a, b) => a.end - b.end || a.id - b.id)
    const deletes = ops.writes.filter((op) => op.f === "delete" && op.status !== "failed")
    for (const [from, to] of periods) {
      const reads = [...ops.reads, ...ops.finals].filter((read) => read.start >= from && read.end <= to).sort(byTime)
      const seen = new Bits()
      let next = 0
      for (const read of reads) {
        for (; next < acked.length && acked[next]!.end < read.start; next++) {
          if (acked[next]!.start >= from) seen.add(causality.bitOf(acked[next]!.event!)!)
        }
        const missing = seen.minus(causality.closure(key, legit.get(read.id) ?? []))
          .map((bit) => causality.eventOf(key, bit)!)
          .filter((event) => !lost.has(event) && !deletes.some((del) => del.start < read.end && causality.inPast(del.event!, event)))
        if (missing.length === 0) continue
        const write = ops.writes.find((op) => op.event === missing[0])!
        findings.add({
          invariant: "QUORUM-1", kind: "stale-read", key,
          message: `read ${read.id} (through ${read.node}) started after write ${missing[0]} (operation ${write.id}) was acknowledged, ` +
            `yet returned ${JSON.stringify(legit.get(read.id) ?? [])}, none of which saw it` +
            (missing.length > 1 ? ` (${missing.length - 1} more writes missed)` : "") +
            (promise.kind === "quorum" ? ` (R=${promise.r} W=${promise.w} N=${promise.n}, no fault since ${Math.round(from)} ms)` : " (the store claims linearizable reads)"),
          ops: [write.id, read.id]
        })
      }
    }
  }
}
