// The figures of a conform run, from its history: operations by outcome, siblings per read,
// availability by how many nodes were down when a write was invoked, latency percentiles, and
// how long the store took to converge once every fault healed.
import type { FaultLine, History, OpLine } from "./history.ts"

export interface Availability {
  /** Nodes down (killed or stopped) when the operation was invoked. */
  readonly down: number
  /** Whether the network was partitioned then. */
  readonly partitioned: boolean
  /** Puts and deletes, by outcome; `failed` excludes conflicts (a lost compare-and-swap race). */
  readonly writes: number
  readonly ok: number
  readonly failed: number
  readonly indeterminate: number
  readonly conflicts: number
  /** Reads, and how many succeeded (a workload that reads first writes nothing when reads fail). */
  readonly reads: number
  readonly readsOk: number
}

export interface Latency {
  readonly count: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

export interface Stats {
  readonly ops: Readonly<Record<"read" | "write" | "delete", Readonly<Record<"ok" | "failed" | "indeterminate", number>>>>
  /** Acknowledged puts, and the share of them lost (SIB-1 or DUR-1). */
  readonly writesAcknowledged: number
  readonly lost: number
  readonly lostShare: number
  /** Successful reads of the run phase by how many values (siblings) they returned. */
  readonly siblings: ReadonlyArray<{ readonly values: number; readonly reads: number }>
  readonly availability: ReadonlyArray<Availability>
  /** Milliseconds, successful operations of the run phase. */
  readonly latencyMs: Readonly<Record<"read" | "write" | "delete", Latency>>
  /** Milliseconds from the start of the final phase to the start of its last attempt. */
  readonly convergenceMs: number | undefined
  readonly durationMs: number
}

const percentile = (sorted: ReadonlyArray<number>, fraction: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!

const latencyOf = (ops: ReadonlyArray<OpLine>): Latency => {
  const sorted = ops.map((op) => op.end - op.start).sort((a, b) => a - b)
  const round = (ms: number) => Math.round(ms * 10) / 10
  return { count: sorted.length, p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), max: round(sorted.at(-1) ?? 0) }
}

/**
 * The cluster's fault state after each applied fault line, in time order: how many nodes were
 * down (killed or stopped, until started or continued) and whether a partition was in force.
 */
export const faultTimeline = (faults: ReadonlyArray<FaultLine>): ReadonlyArray<{ readonly at: number; readonly down: number; readonly partitioned: boolean }> => {
  const changes: Array<{ at: number; down: number; partitioned: boolean }> = []
  const down = new Set<string>()
  let partitioned = false
  for (const fault of [...faults].sort((a, b) => a.at - b.at)) {
    if (!fault.ok) continue
    switch (fault.action) {
      case "kill":
      case "stop":
        down.add(fault.node)
        break
      case "start":
      case "cont":
        down.delete(fault.node)
        break
      case "partition":
        partitioned = true
        break
      case "heal":
        partitioned = false
        break
    }
    changes.push({ at: fault.at, down: down.size, partitioned })
  }
  return changes
}

/** How many nodes were down at `at`, and whether the network was partitioned, from the fault lines. */
export const faultsAt = (faults: ReadonlyArray<FaultLine>) => {
  const changes = faultTimeline(faults)
  return (at: number): { readonly down: number; readonly partitioned: boolean } => {
    let state = { down: 0, partitioned: false }
    for (const change of changes) {
      if (change.at > at) break
      state = change
    }
    return state
  }
}

/** How many nodes were down at `at`. */
export const downAt = (faults: ReadonlyArray<FaultLine>) => {
  const of = faultsAt(faults)
  return (at: number): number => of(at).down
}

export const statsOf = (history: History, lost: number): Stats => {
  const ops = {
    read: { ok: 0, failed: 0, indeterminate: 0 },
    write: { ok: 0, failed: 0, indeterminate: 0 },
    delete: { ok: 0, failed: 0, indeterminate: 0 }
  }
  const run = history.ops.filter((op) => op.phase === "run")
  for (const op of run) ops[op.f][op.status] += 1
  const siblingCounts = new Map<number, number>()
  for (const op of run) {
    if (op.f !== "read" || op.status !== "ok") continue
    const values = (op.values?.length ?? 0) + (op.foreign?.length ?? 0)
    siblingCounts.set(values, (siblingCounts.get(values) ?? 0) + 1)
  }
  const faultsOf = faultsAt(history.faults)
  const availability = new Map<string, { down: number; partitioned: boolean; ok: number; failed: number; indeterminate: number; conflicts: number; reads: number; readsOk: number }>()
  for (const op of run) {
    const { down, partitioned } = faultsOf(op.start)
    // Sorted by nodes down, then unpartitioned before partitioned.
    const group = `${String(down).padStart(4, "0")}${partitioned ? "p" : ""}`
    const entry = availability.get(group) ?? { down, partitioned, ok: 0, failed: 0, indeterminate: 0, conflicts: 0, reads: 0, readsOk: 0 }
    if (op.f === "read") {
      entry.reads += 1
      if (op.status === "ok") entry.readsOk += 1
    } else if (op.conflict === true) entry.conflicts += 1
    else entry[op.status] += 1
    availability.set(group, entry)
  }
  const okOf = (f: OpLine["f"]) => run.filter((op) => op.f === f && op.status === "ok")
  const finalPhase = history.phases.find((phase) => phase.name === "final")
  const finals = history.ops.filter((op) => op.phase === "final")
  const lastAttempt = Math.max(0, ...finals.map((op) => op.attempt ?? 0))
  const lastStart = Math.min(...finals.filter((op) => (op.attempt ?? 0) === lastAttempt).map((op) => op.start))
  const end = Math.max(0, ...history.ops.map((op) => op.end), ...history.phases.map((phase) => phase.at))
  const acknowledged = history.ops.filter((op) => op.f === "write" && op.status === "ok").length
  return {
    ops,
    writesAcknowledged: acknowledged,
    lost,
    lostShare: acknowledged === 0 ? 0 : lost / acknowledged,
    siblings: [...siblingCounts.entries()].sort(([a], [b]) => a - b).map(([values, reads]) => ({ values, reads })),
    availability: [...availability.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, counts]) => ({
      ...counts, writes: counts.ok + counts.failed + counts.indeterminate + counts.conflicts
    })),
    latencyMs: { read: latencyOf(okOf("read")), write: latencyOf(okOf("write")), delete: latencyOf(okOf("delete")) },
    convergenceMs: finalPhase === undefined || finals.length === 0 ? undefined : Math.round(lastStart - finalPhase.at),
    durationMs: Math.round(end)
  }
}
