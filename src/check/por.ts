// Partial-order reduction of the search (issue 23): a message that its receiver can only ignore
// (a late ReplicateAck or ReadReply, for a request the coordinator has finished, or a Pong) is
// delivered before anything else, alone, once no fault is left to take. The argument that this
// keeps every verdict is in src/check/README.md ("Partial-order reduction: late messages first").
import { type NodeState, type PeerMessage } from "../core/index.ts"
import { HashMap } from "effect"
import type { Compiled } from "./compiled.ts"
import type { Action, Packet, WorldState } from "./state.ts"
import { enabledActions } from "./world.ts"

/**
 * Whether delivering `message` from `from` to a node in state `state` is a no-op now and in every
 * later state of the same incarnation in which `from` is not believed down: the core ignores a
 * ReplicateAck or ReadReply of an earlier epoch (the epoch changes only at a restart), or of a
 * request it has finished (finished requests leave `requests`, and op numbers only grow, so the
 * op never names a request again), and a Pong; receiving anything from `from` only clears a
 * suspicion of it (detector.ts `markUp`), which is a no-op while `from` is not in `down`.
 */
export const ignoredForever = (state: NodeState, from: string, message: PeerMessage): boolean => {
  if (state.down.includes(from)) return false
  switch (message._tag) {
    case "ReplicateAck":
    case "ReadReply":
      return message.epoch !== state.epoch || (message.op < state.nextOp && !HashMap.has(state.requests, message.op))
    case "Pong":
      return true
    default:
      return false
  }
}

/**
 * Whether the reduction may apply in `w`: prompt timeouts (no timer fires while a message is in
 * flight, so nothing can come to suspect a message's sender before it is delivered) and no fault
 * left in the budget (a loss, duplication, crash or partition would each disable or change the
 * delivery, and share a budget with every other fault: see the README's argument).
 */
const reducible = (c: Compiled, w: WorldState): boolean => {
  const b = c.model.bounds
  const u = w.used
  return c.model.por !== false && c.model.timing === "prompt" &&
    u.drops >= b.drops && u.dups >= b.dups && u.crashes >= b.crashes && u.diskLosses >= b.diskLosses && u.partitions >= b.partitions
}

/** The first packet in flight whose receiver is up and can only ignore it, or -1. */
export const ignoredPacket = (c: Compiled, w: WorldState): number => {
  const flight: ReadonlyArray<Packet> = w.flight
  for (let p = 0; p < flight.length; p++) {
    const packet = flight[p]!
    const state = w.nodes[packet.to]!.state
    if (state !== undefined && ignoredForever(state, c.ids[packet.from]!, packet.message)) return p
  }
  return -1
}

/**
 * The actions the search explores from `w`: every enabled action, or, when the reduction applies
 * and some message in flight can only be ignored, the delivery of the first such message alone
 * (a persistent set of one invisible action: README). With `por` off, every enabled action.
 */
export const searchActions = (c: Compiled, w: WorldState): ReadonlyArray<Action> => {
  if (reducible(c, w)) {
    const p = ignoredPacket(c, w)
    if (p >= 0) return [c.cache.actions.deliver(p)]
  }
  return enabledActions(c, w)
}
