// ACK-3 (spec/README.md): a node confirms a hand-over (`HandoffAck`, sections 4.8, 4.9) only once
// it durably holds one whole copy of the range: for each batch, every key some copy of that batch
// made it persist. Judged from the persist tokens the interpreter reported durable, never from the
// receiver's own count of batches, so a receiver that counts a batch early cannot vouch for itself.
import type { NodeEffect, NodeInput } from "../../core/index.ts"
import type { Finding } from "./events.ts"

/** One copy of one batch as a node received it: the last persist of its keys (-1: none, an empty batch). */
interface Receipt {
  readonly batch: number
  readonly batches: number
  readonly token: number
}

/** What one node holds of the offers sent to it, in its current incarnation, by `sender|offer`. */
interface Offers {
  /** Copies whose records are not all durable yet, in token order. */
  readonly pending: Map<string, Array<Receipt>>
  /** Batches held durably since the offer last counted as whole. */
  readonly held: Map<string, Set<number>>
  /** Whole durable copies not yet confirmed. */
  readonly whole: Map<string, number>
}

export class HandoffAckChecks {
  /** Highest persist token each node's interpreter reported durable in its current incarnation. */
  private readonly durableToken = new Map<string, number>()
  private readonly offers = new Map<string, Offers>()

  private offersOf(node: string): Offers {
    let offers = this.offers.get(node)
    if (offers === undefined) this.offers.set(node, (offers = { pending: new Map(), held: new Map(), whole: new Map() }))
    return offers
  }

  /**
   * A copy of a batch is durable: the receiver holds that batch. A range is whole once it holds
   * as many distinct batches as the copy that completed it says the range has (the sender cuts
   * a range anew at each send, so copies of one range may differ in their batch count).
   */
  private hold(offers: Offers, id: string, receipt: Receipt): void {
    const held = offers.held.get(id) ?? new Set<number>()
    held.add(receipt.batch)
    if (held.size < receipt.batches) {
      offers.held.set(id, held)
      return
    }
    offers.held.delete(id)
    offers.whole.set(id, (offers.whole.get(id) ?? 0) + 1)
  }

  /** The interpreter made every record of `node` up to `token` durable. */
  durable(node: string, token: number): void {
    this.durableToken.set(node, Math.max(this.durableToken.get(node) ?? -1, token))
    const offers = this.offers.get(node)
    if (offers === undefined) return
    const done: Array<readonly [string, Receipt]> = []
    for (const [id, receipts] of offers.pending) {
      const left = receipts.filter((r) => r.token > token)
      for (const r of receipts) if (r.token <= token) done.push([id, r])
      if (left.length === 0) offers.pending.delete(id)
      else offers.pending.set(id, left)
    }
    // In token order, as the records became durable.
    done.sort((a, b) => a[1].token - b[1].token)
    for (const [id, receipt] of done) this.hold(offers, id, receipt)
  }

  /** A crash ends the incarnation: what was not durable is gone, and so is every count. */
  crashed(node: string): void {
    this.durableToken.delete(node)
    this.offers.delete(node)
  }

  /** Records a copy of a batch the step received, and checks every `HandoffAck` it sends. */
  step(node: string, input: NodeInput, effects: ReadonlyArray<NodeEffect>): Finding | undefined {
    if (input._tag === "Receive" && input.message._tag === "Handoff") {
      const m = input.message
      // A malformed batch number is dropped by the receiver: no copy of anything.
      if (Number.isInteger(m.batch) && Number.isInteger(m.batches) && m.batch >= 0 && m.batch < m.batches) {
        const offers = this.offersOf(node)
        const id = `${input.from}|${m.offer}`
        // Only the batch's own keys: the same step may persist other records (the offer's
        // receipt, once a copy of an empty batch completes it), which are no part of the copy.
        const keys = new Set(m.entries.map((e) => e.key))
        const tokens = effects.flatMap((e) => (e._tag === "Persist" && e.record._tag === "StoreKey" && keys.has(e.record.key) ? [e.token] : []))
        const receipt = { batch: m.batch, batches: m.batches, token: tokens.length === 0 ? -1 : Math.max(...tokens) }
        if (receipt.token <= (this.durableToken.get(node) ?? -1)) this.hold(offers, id, receipt)
        else offers.pending.set(id, [...(offers.pending.get(id) ?? []), receipt])
      }
    }
    for (const effect of effects) {
      if (effect._tag !== "Send" || effect.message._tag !== "HandoffAck") continue
      const id = `${effect.to}|${effect.message.offer}`
      const offers = this.offersOf(node)
      const whole = offers.whole.get(id) ?? 0
      if (whole === 0) {
        const held = [...(offers.held.get(id) ?? [])].sort((a, b) => a - b)
        const waiting = (offers.pending.get(id) ?? []).map((r) => `batch ${r.batch} up to persist ${r.token}`)
        return {
          invariant: "ACK-3",
          message: `${node} confirmed ${effect.to}'s hand-over ${effect.message.offer} without a whole durable copy of it (batches held: [${held.join(", ")}]; not yet durable: [${waiting.join(", ")}]; durable up to ${this.durableToken.get(node) ?? -1})`
        }
      }
      if (whole === 1) offers.whole.delete(id)
      else offers.whole.set(id, whole - 1)
    }
    return undefined
  }
}
