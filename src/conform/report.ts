// The JSON report of a conform run and its text summary: what was run, the anomalies by
// invariant with the history lines that show each, and the figures (lost share, siblings,
// availability by nodes down, latency, convergence).
import type { CheckResult } from "./checker.ts"
import type { History, MetaLine, OpLine } from "./history.ts"

export const REPORT_FORMAT = "dynamo-conform-report"
export const REPORT_VERSION = 1

export interface Report {
  readonly format: typeof REPORT_FORMAT
  readonly version: typeof REPORT_VERSION
  readonly run: MetaLine
  readonly verdict: "pass" | "fail"
  readonly counts: CheckResult["counts"]
  readonly lost: CheckResult["lost"]
  readonly anomalies: ReadonlyArray<CheckResult["anomalies"][number] & { readonly excerpt: ReadonlyArray<OpLine> }>
  readonly stats: CheckResult["stats"]
  readonly notes: ReadonlyArray<string>
}

export const reportOf = (history: History, result: CheckResult): Report => {
  const byId = new Map(history.ops.map((op) => [op.id, op]))
  return {
    format: REPORT_FORMAT,
    version: REPORT_VERSION,
    run: history.meta,
    verdict: result.anomalies.length === 0 ? "pass" : "fail",
    counts: result.counts,
    lost: result.lost,
    anomalies: result.anomalies.map((anomaly) => ({ ...anomaly, excerpt: anomaly.ops.map((id) => byId.get(id)!).filter((op) => op !== undefined) })),
    stats: result.stats,
    notes: result.notes
  }
}

const percent = (part: number, whole: number) => (whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)}%`)

/** One history line as a person reads it: `#12 c3 write k1 via n2 [10.0-14.2 ms] ok event c3.4 after #9`. */
export const describeOp = (op: OpLine): string => {
  const who = op.client < 0 ? "final" : `c${op.client}`
  const what = op.f === "read"
    ? op.status === "ok" ? `-> [${[...(op.values ?? []), ...(op.foreign ?? []).map((value) => `?${value.slice(0, 40)}`)].join(", ")}]` : ""
    : `${op.event}${op.after === undefined ? " (blind)" : ` after #${op.after}`}`
  return `#${op.id} ${who} ${op.f} ${op.key} via ${op.node} [${op.start.toFixed(1)}-${op.end.toFixed(1)} ms] ${op.status}${op.error === undefined ? "" : ` (${op.error})`} ${what}`.trimEnd()
}

/** The text summary `dynamo conform` prints. */
export const summaryOf = (report: Report): string => {
  const lines: Array<string> = []
  const stats = report.stats
  const run = report.run
  lines.push(`${run.adapter}: ${run.store ?? ""}`)
  lines.push(`workload ${run.workload}, ${run.clients} clients, ${run.keys.length} keys, nemesis ${run.nemesis.length === 0 ? "none" : run.nemesis.join(",")}, ${(stats.durationMs / 1000).toFixed(1)} s`)
  const ops = stats.ops
  lines.push(`operations: reads ${ops.read.ok} ok / ${ops.read.failed} failed / ${ops.read.indeterminate} indeterminate; writes ${ops.write.ok} / ${ops.write.failed} / ${ops.write.indeterminate}; deletes ${ops.delete.ok} / ${ops.delete.failed} / ${ops.delete.indeterminate}`)
  lines.push(`acknowledged writes lost: ${stats.lost} of ${stats.writesAcknowledged} (${percent(stats.lost, stats.writesAcknowledged)})` +
    (stats.lost === 0 ? "" : `: ${report.lost.replaced} replaced by a concurrent write (${report.lost.sameContext} of them from the same context), ${report.lost.vanished} vanished`))
  lines.push(`siblings per read: ${stats.siblings.map((entry) => `${entry.values}: ${entry.reads}`).join(", ") || "-"}`)
  lines.push(`availability by nodes down (writes acknowledged of those not lost to a conflict; reads answered):`)
  for (const entry of stats.availability) {
    lines.push(`  ${entry.down} down${entry.partitioned ? ", partitioned" : ""}: writes ${percent(entry.ok, entry.writes - entry.conflicts)} of ${entry.writes - entry.conflicts} (${entry.failed} refused, ${entry.indeterminate} indeterminate${entry.conflicts > 0 ? `; ${entry.conflicts} conflicts` : ""}); reads ${percent(entry.readsOk, entry.reads)} of ${entry.reads}`)
  }
  const latency = stats.latencyMs
  lines.push(`latency ms p50/p99: read ${latency.read.p50}/${latency.read.p99}, write ${latency.write.p50}/${latency.write.p99}${latency.delete.count > 0 ? `, delete ${latency.delete.p50}/${latency.delete.p99}` : ""}`)
  lines.push(`converged: ${report.counts.diverged === 0 ? "yes" : "no"}${stats.convergenceMs === undefined ? "" : ` (final reads agreed ${(stats.convergenceMs / 1000).toFixed(1)} s after the heal and settle)`}`)
  for (const note of report.notes) lines.push(`note: ${note}`)
  const total = Object.values(report.counts).reduce((sum, count) => sum + count, 0)
  lines.push(total === 0 ? "PASS: no anomaly found" : `FAIL: ${total} anomalies: ${Object.entries(report.counts).filter(([, count]) => count > 0).map(([kind, count]) => `${kind} ${count}`).join(", ")}`)
  const shown = new Set<string>()
  for (const anomaly of report.anomalies) {
    // The first of each invariant and kind in full; the JSON report and the page have them all.
    const label = `${anomaly.invariant} ${anomaly.kind}`
    if (shown.has(label)) continue
    shown.add(label)
    lines.push(``, `${label} on ${anomaly.key}: ${anomaly.message}`)
    for (const op of anomaly.excerpt) lines.push(`  ${describeOp(op)}`)
  }
  return lines.join("\n")
}
