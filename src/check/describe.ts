// Describing the checker's actions and final replicas for counterexamples and traces.
import type { PeerMessage, Timer } from "../core/index.ts"
import type { Compiled } from "./compiled.ts"
import type { Action, WorldState } from "./state.ts"

const describeMessage = (message: PeerMessage): string => {
  const parts: Array<string> = [message._tag]
  if ("key" in message) parts.push(message.key)
  if ("op" in message) parts.push(`op ${message.op}`)
  if ("hintFor" in message && message.hintFor !== undefined) parts.push(`(hint for ${message.hintFor})`)
  if (message._tag === "ReadReply" && message.set === undefined) parts.push("(the coordinator's versions)")
  return parts.join(" ")
}

const describeTimer = (timer: Timer): string =>
  timer._tag === "RequestTimer" ? `request timeout (op ${timer.op}, round ${timer.round})` : timer._tag === "ForwardTimer" ? `forward timeout (op ${timer.op})` : timer._tag

/** One line for a counterexample: what happened, in the world it happened in. */
export const describeAction = (c: Compiled, w: WorldState, action: Action): string => {
  switch (action._tag) {
    case "Issue": {
      const slot = w.clients[action.client]!
      const op = c.model.clients[action.client]![slot.next]!
      const id = c.requestIds[action.client]![slot.next]!
      return `client ${action.client} sends ${op.kind} ${op.key} (${id}) to ${op.node}`
    }
    case "GiveUp":
      return `client ${action.client} gives up on ${w.clients[action.client]!.pending?.id} (its node restarted)`
    case "Deliver":
    case "Drop":
    case "Duplicate": {
      const p = w.flight[action.packet]!
      const verb = action._tag === "Deliver" ? "deliver" : action._tag === "Drop" ? "LOSE" : "DUPLICATE"
      return `${verb} ${c.ids[p.from]} -> ${c.ids[p.to]}: ${describeMessage(p.message)}`
    }
    case "Persist": {
      const first = w.nodes[action.node]!.pending[0]!
      const record = first.record
      return `${c.ids[action.node]} persist #${first.token} durable: ${record._tag}${"key" in record ? ` ${record.key}` : ""}${"intended" in record ? ` for ${record.intended}` : ""}`
    }
    case "Fire":
      return `${c.ids[action.node]} ${describeTimer(w.nodes[action.node]!.timers[action.timer]!)} fires`
    case "Crash":
      return `CRASH ${c.ids[action.node]}${w.nodes[action.node]!.pending.length > 0 ? ` (losing ${w.nodes[action.node]!.pending.length} persist(s) not yet durable)` : ""}${c.model.restart === "at-once" ? ", which restarts from its disk at once" : ""}`
    case "LoseDisk":
      return `CRASH ${c.ids[action.node]} and LOSE ITS DISK${c.model.restart === "at-once" ? ", then restart it empty" : ""}`
    case "Restart":
      return `restart ${c.ids[action.node]} from its disk`
    case "Partition": {
      const inside = c.ids.filter((_, i) => ((action.cut >>> i) & 1) === 1)
      const outside = c.ids.filter((_, i) => ((action.cut >>> i) & 1) === 0)
      return `PARTITION {${inside.join(", ")}} | {${outside.join(", ")}}`
    }
    case "Heal":
      return "heal the partition"
  }
}
