// LEAVE-1 (spec/README.md, "Leaves"; section 4.9 of the paper): a leaving node becomes "left"
// only once it has handed every range of its transfer plan (membership.ts) to each node that
// gains it, and each of those nodes durably holds, in its own store, what the hand-over carried.
// Writes it accepted after a range was sent travel as hints (ownership.ts), not by this promise.
import { HashMap } from "effect"
import type { DurableState } from "../../core/durable.ts"
import type { NodeEffect } from "../../core/io.ts"
import { transferPlan } from "../../core/membership.ts"
import type { NodeState } from "../../core/state.ts"
import type { Oracle } from "../oracle.ts"
import { eventsOf, type Finding } from "./events.ts"

const statusOf = (state: NodeState, node: string) => state.membership.find((e) => e.id === node)?.status

/** A hand-over as the sender sent it: to whom, which range, when first, and every version carried. */
interface Sent {
  readonly at: number
  readonly keys: Map<string, Array<string>>
}

export class LeaveChecks {
  /** Per sender, by `to|start|end`: what its Handoff messages carried. */
  private readonly sent = new Map<string, Map<string, Sent>>()

  constructor(private readonly oracle: Oracle) {}

  step(
    node: string,
    before: NodeState,
    after: NodeState,
    effects: ReadonlyArray<NodeEffect>,
    now: number,
    diskOf: (id: string) => { readonly disk: DurableState; readonly lostAt: number }
  ): Finding | undefined {
    for (const effect of effects) {
      if (effect._tag !== "Send" || effect.message._tag !== "Handoff") continue
      const m = effect.message
      let byOffer = this.sent.get(node)
      if (byOffer === undefined) this.sent.set(node, (byOffer = new Map()))
      const id = `${effect.to}|${m.range.start}|${m.range.end}`
      let sent = byOffer.get(id)
      if (sent === undefined) byOffer.set(id, (sent = { at: now, keys: new Map() }))
      for (const entry of m.entries) sent.keys.set(entry.key, [...(sent.keys.get(entry.key) ?? []), ...eventsOf(entry.set)])
    }
    if (statusOf(before, node) !== "leaving" || statusOf(after, node) !== "left") return undefined
    const byOffer = this.sent.get(node)
    for (const offer of transferPlan(before.ring, before.targetRing, before.config.n, node)) {
      for (const gainer of offer.to) {
        const sent = byOffer?.get(`${gainer}|${offer.range.start}|${offer.range.end}`)
        if (sent === undefined) {
          return { invariant: "LEAVE-1", message: `${node} left without handing range (${offer.range.start}, ${offer.range.end}] to ${gainer}` }
        }
        const { disk, lostAt } = diskOf(gainer)
        if (lostAt >= sent.at) continue
        for (const [key, events] of [...sent.keys].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
          const own = HashMap.get(disk.store, key)
          const holds = own._tag === "Some" ? eventsOf(own.value) : []
          const missing = events.find((e) => this.oracle.has(e) && !this.oracle.coveredBy(e, holds))
          if (missing !== undefined) {
            return { invariant: "LEAVE-1", message: `${node} left while ${gainer} did not hold ${missing} of ${key} on disk, though ${node} had handed it over` }
          }
        }
      }
    }
    return undefined
  }
}
