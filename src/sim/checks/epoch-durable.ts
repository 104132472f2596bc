// EPOCH-2 (spec/README.md, "Incarnations"): a node mints versions in a new epoch only once the
// record of that epoch is durable. Until then a crash loses the record, the next start recovers
// the epoch before it, and (without an interpreter's floor) picks the same epoch again: its dots
// would repeat those of writes the lost incarnation already sent out. Checked on every version a
// node persists, sends or acknowledges while its epoch record is still in flight.
import { actorOf, contextOf, type NodeEffect, type NodeInput, type VClock, type VersionSet } from "../../core/index.ts"
import type { Finding } from "./events.ts"

/** The versions and clocks a step lets out of the node (to its disk, a peer or a client). */
const clocksOut = (effect: NodeEffect): ReadonlyArray<VClock> => {
  const of = (set: VersionSet): ReadonlyArray<VClock> => [contextOf(set)]
  switch (effect._tag) {
    case "Persist":
      return effect.record._tag === "StoreKey" || effect.record._tag === "StoreHint" ? of(effect.record.set) : []
    case "Send": {
      const m = effect.message
      return m._tag === "Replicate" || m._tag === "ForwardMinted" || m._tag === "Repair" || m._tag === "HintDeliver" ? of(m.set) : []
    }
    case "Reply":
      return effect.reply._tag === "PutOk" ? [effect.reply.context] : []
    case "SetTimer":
    case "CancelTimer":
      return []
  }
}

export class EpochDurableChecks {
  /** Per node whose current epoch record is not yet durable: that record's token and the actor it names. */
  private readonly pending = new Map<string, { readonly token: number; readonly actor: string; readonly epoch: number }>()
  /** The highest epoch each node ever started with (an epoch seen before may already be in clocks). */
  private readonly highest = new Map<string, number>()

  durable(node: string, token: number): void {
    const pending = this.pending.get(node)
    if (pending !== undefined && token >= pending.token) this.pending.delete(node)
  }

  crashed(node: string): void {
    this.pending.delete(node)
  }

  step(node: string, input: NodeInput, effects: ReadonlyArray<NodeEffect>): Finding | undefined {
    if (input._tag === "Start") {
      const record = effects.find((e) => e._tag === "Persist" && e.record._tag === "Epoch")
      if (record?._tag !== "Persist" || record.record._tag !== "Epoch") return undefined // EPOCH-1's to report
      const epoch = record.record.epoch
      // An epoch this node started with before (a lost disk without a floor restarts the count:
      // EPOCH-1's domain) may be in clocks already; only a fresh one says who minted what.
      if (epoch > (this.highest.get(node) ?? 0)) this.pending.set(node, { token: record.token, actor: actorOf({ id: node, epoch }), epoch })
      this.highest.set(node, Math.max(this.highest.get(node) ?? 0, epoch))
    }
    const pending = this.pending.get(node)
    if (pending === undefined) return undefined
    for (const effect of effects) {
      for (const clock of clocksOut(effect)) {
        if (!clock.some((entry) => entry.node === pending.actor)) continue
        return {
          invariant: "EPOCH-2",
          message: `${node} let out a version minted as ${pending.actor} (${effect._tag === "Send" ? `a ${effect.message._tag} to ${effect.to}` : effect._tag === "Persist" ? `a ${effect.record._tag} record` : "a put's reply"}) before its epoch ${pending.epoch} record (persist ${pending.token}) was durable`
        }
      }
    }
    return undefined
  }
}
