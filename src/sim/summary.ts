// A run's summary as plain text: the same report prints the same bytes.
import type { SimReport } from "./report.ts"

export const formatSummary = (report: SimReport): string => {
  const { options } = report.scenario
  const s = report.stats
  const lines = [
    `seed ${report.scenario.seed}: ${options.nodes} nodes${options.spares ? ` (+${options.spares} spares)` : ""}, N=${options.n} R=${options.r} W=${options.w}, clock ${options.clock}` +
      `${options.truncateAt === undefined ? "" : ` (truncated at ${options.truncateAt})`}, ring ${options.ring.strategy}, ` +
      `${options.keys} keys, ${options.clients} clients, faults [${options.faults.join(",")}]`,
    `events ${s.events}, virtual time ${report.endTime} ms`,
    `messages: ${s.messagesSent} sent, ${s.messagesDelivered} delivered, ${s.messagesDropped} dropped, ${s.messagesDuplicated} duplicated`,
    `faults injected: ${s.faultsInjected} scheduled (${report.scenario.faults.map((f) => f._tag).join(" ") || "none"})`,
    `writes: ${s.putsAcknowledged} acknowledged, ${s.putsFailed} failed; client timeouts ${s.clientTimeouts}`,
    ...(s.heldUntilResume === 0 ? [] : [`paused nodes: ${s.heldUntilResume} inputs held until they resumed`]),
    `reads: ${s.getsAnswered} answered (${s.getsWithSiblings} with siblings), ${s.getsFailed} failed`,
    `hints: ${s.hintsStored} stored, ${s.hintsDelivered} delivered and deleted; read repairs ${s.readRepairs}`,
    `ring changes: ${s.handoffKeys} keys handed over; anti-entropy: ${s.antiEntropyKeys} keys repaired`,
    `invariant checks: ${s.invariantChecks}`
  ]
  if (report.violations.length === 0) {
    lines.push("invariants held: SIB-1 DUR-1 HINT-1 CONV-1 DEL-1 MEMBERSHIP-1 RING-2" + (report.scenario.faults.length === 0 && !options.faults.includes("drop") && !options.faults.includes("dup") ? " QUORUM-1" : ""))
  } else {
    for (const v of report.violations) lines.push(`VIOLATED ${v.invariant} at ${v.at} ms: ${v.message}`)
  }
  return lines.join("\n")
}
