// READ-3 (spec/README.md): a get's reply names as answerers only its coordinator and nodes whose
// answer to that very get reached it: a ReadReply of the same op and key carrying the epoch the
// coordinator's Reads carried, received in the coordinator's current incarnation. Op numbers
// restart with each incarnation, so an answer to an earlier incarnation's get may name a reused
// op (section 5's request state is volatile); counted, it passes an old read off as a new one.
import type { NodeEffect, NodeInput } from "../../core/index.ts"
import type { Finding } from "./events.ts"

/** A get this incarnation coordinates, as its Reads announced it. */
interface Asked {
  readonly key: string
  readonly epoch: number
  /** Nodes whose answer to these Reads arrived. */
  readonly answered: Set<string>
}

export class ReadAnswerChecks {
  /** Per coordinator, by op: the gets of its current incarnation that sent Reads. */
  private readonly asked = new Map<string, Map<number, Asked>>()

  /** A crash ends the incarnation: its ops are forgotten, as the coordinator forgets them. */
  crashed(node: string): void {
    this.asked.delete(node)
  }

  step(node: string, input: NodeInput, effects: ReadonlyArray<NodeEffect>): Finding | undefined {
    let asked = this.asked.get(node)
    if (asked === undefined) this.asked.set(node, (asked = new Map()))
    if (input._tag === "Start") asked.clear()
    // The Reads this step sends (a new get, or replacements for silent replicas).
    for (const effect of effects) {
      if (effect._tag !== "Send" || effect.message._tag !== "Read") continue
      const m = effect.message
      const known = asked.get(m.op)
      if (known === undefined || known.key !== m.key || known.epoch !== m.epoch) asked.set(m.op, { key: m.key, epoch: m.epoch, answered: new Set() })
    }
    if (input._tag === "Receive" && input.message._tag === "ReadReply") {
      const m = input.message
      const known = asked.get(m.op)
      if (known !== undefined && known.key === m.key && known.epoch === m.epoch) known.answered.add(input.from)
    }
    // A forwarder passing on its coordinator's reply vouches for nothing itself.
    if (input._tag === "Receive" && input.message._tag === "ForwardReply") return undefined
    for (const effect of effects) {
      const reply = effect._tag === "Reply" ? effect.reply : effect._tag === "Send" && effect.message._tag === "ForwardReply" ? effect.message.reply : undefined
      if (reply?._tag !== "GetOk") continue
      // The get this reply answers: the one an answer or a timer of this step names; otherwise
      // (a get started here, a replacement asked on other news) any get of the key.
      const ops = input._tag === "Receive" && input.message._tag === "ReadReply"
        ? [input.message.op]
        : input._tag === "TimerFired" && input.timer._tag === "RequestTimer"
        ? [input.timer.op]
        : [...asked].filter(([, a]) => a.key === reply.key).map(([op]) => op)
      for (const named of reply.nodes) {
        if (named === node) continue
        if (ops.some((op) => asked.get(op)?.key === reply.key && asked.get(op)!.answered.has(named))) continue
        return {
          invariant: "READ-3",
          message: `${node} answered get ${reply.id} of ${reply.key} naming ${named}, whose answer to it (op ${ops.join("/") || "none"}) never reached this incarnation of ${node}`
        }
      }
    }
    return undefined
  }
}
