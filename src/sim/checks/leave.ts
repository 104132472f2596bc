// LEAVE-1 (spec/README.md, "Leaves"; section 4.9 of the paper): a leaving node becomes "left"
// only once it has handed every range of its part of the ring change's plan (changePlan) to each node that
// gains it, and each of those nodes durably holds, in its own store, one copy of each batch the
// hand-over sent. Writes that reached it after a copy was sent travel as hints (ownership.ts).
import { HashMap } from "effect"
import type { DurableState } from "../../core/index.ts"
import type { NodeEffect } from "../../core/index.ts"
import { changePlan } from "../../core/index.ts"
import type { NodeState } from "../../core/index.ts"
import { configOf, membersOf, servingRing } from "../../core/index.ts"
import type { Oracle } from "../../trace/oracle.ts"
import { eventsOf, type Finding } from "./events.ts"

const statusOf = (state: NodeState, node: string) => membersOf(state).find((e) => e.id === node)?.status

/** A range handed to one node: when first sent, and each message (batch) as it left the sender. */
interface Sent {
  readonly at: number
  readonly messages: Array<{ readonly batch: number; readonly keys: ReadonlyArray<readonly [key: string, events: ReadonlyArray<string>]> }>
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
      if (sent === undefined) byOffer.set(id, (sent = { at: now, messages: [] }))
      sent.messages.push({ batch: m.batch, keys: m.entries.map((e) => [e.key, eventsOf(e.set)] as const) })
    }
    if (statusOf(before, node) !== "leaving" || statusOf(after, node) !== "left") return undefined
    const byOffer = this.sent.get(node)
    const plan = changePlan(membersOf(before), servingRing(before).config, configOf(before).n).filter((move) => move.from === node)
    for (const offer of plan) {
      for (const gainer of [offer.to]) {
        const sent = byOffer?.get(`${gainer}|${offer.range.start}|${offer.range.end}`)
        if (sent === undefined) {
          return { invariant: "LEAVE-1", message: `${node} left without handing range (${offer.range.start}, ${offer.range.end}] to ${gainer}` }
        }
        const { disk, lostAt } = diskOf(gainer)
        if (lostAt >= sent.at) continue
        // A resend carries what the sender holds then, writes that came after the first send
        // included; the receiver may have confirmed an earlier copy. Each batch must be held as
        // at least one of its copies carried it.
        const missingOf = (keys: ReadonlyArray<readonly [string, ReadonlyArray<string>]>): string | undefined => {
          for (const [key, events] of keys) {
            const own = HashMap.get(disk.store, key)
            const holds = own._tag === "Some" ? eventsOf(own.value) : []
            const missing = events.find((e) => this.oracle.has(e) && !this.oracle.coveredBy(e, holds))
            if (missing !== undefined) return `${missing} of ${key}`
          }
          return undefined
        }
        // An acknowledgement names the range (the offer id), not the copy: a late copy from an
        // earlier ring change of the same range to the same node confirms it as well. So any
        // copy counts; what a later copy added reaches the node as a hint (ownership.ts).
        const messages = sent.messages
        for (const batch of new Set(messages.map((m) => m.batch))) {
          const copies = messages.filter((m) => m.batch === batch).map((m) => missingOf(m.keys))
          if (copies.every((missing) => missing !== undefined)) {
            return { invariant: "LEAVE-1", message: `${node} left while ${gainer} did not hold ${copies[0]} on disk, though ${node} had handed it over` }
          }
        }
      }
    }
    return undefined
  }
}
