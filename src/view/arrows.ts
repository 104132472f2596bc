// The arrows of the sequence diagram: every message a step sends, matched with the steps that
// received it (spec/traces.md: a Receive carries the message itself; a lost message is one no
// Receive carries, a duplicated one is carried twice), and the client requests and replies.
import type { PeerMessage } from "../core/index.ts"

/**
 * What became of a message:
 * - delivered: received once; duplicate: a second (or later) delivery of a message received before;
 * - dropped: never received, though a later message on the same link was (the network lost it);
 * - dropped-down: never received, and its destination was down at some point after it was sent;
 * - undelivered: never received and nothing says why (still in flight when the trace ends, or lost);
 * - unrecorded: one end is a node this trace does not record (a shell node records only itself);
 * - request / reply: a client's request to a node and the node's reply (one row each).
 */
export type ArrowStatus = "delivered" | "duplicate" | "dropped" | "dropped-down" | "undelivered" | "unrecorded" | "request" | "reply"

export interface Arrow {
  /** The step that sent it (for a message received from an unrecorded node: the receiving step). */
  readonly from: number
  /** The step that received it; -1 when it never arrived. */
  to: number
  readonly fromLane: string
  readonly toLane: string
  /** The message's tag (Replicate, ReplicateAck, ...), or Get/Put/Delete, GetOk/PutOk/Failed. */
  readonly tag: string
  status: ArrowStatus
  readonly label: string
}

/** JSON text of a message, bigint-safe (Merkle hashes), as the identity of a message on a link. */
export const messageText = (message: PeerMessage): string =>
  JSON.stringify(message, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value))

const linkOf = (from: string, to: string): string => `${from}\u0000${to}`

/** Collects arrows while the steps are replayed in order, then classifies the lost ones. */
export class ArrowMatcher {
  readonly arrows: Array<Arrow> = []
  /** Sends not yet received, by link and message text, oldest first. */
  private readonly inFlight = new Map<string, Array<number>>()
  /** The last arrow that delivered each (link, message), for duplicates. */
  private readonly delivered = new Map<string, number>()
  /** Per link, the last step at which a message on it was delivered. */
  private readonly lastDelivery = new Map<string, number>()
  /** Per node, the steps at which it went down and came back (Infinity while it stays down). */
  private readonly downtimes = new Map<string, Array<{ readonly from: number; to: number }>>()

  constructor(private readonly recorded: ReadonlySet<string>) {}

  /** A step at node `from` sent `message` to `to`; returns the arrow's index. */
  send(step: number, from: string, to: string, message: PeerMessage, label: string): number {
    const arrow: Arrow = { from: step, to: -1, fromLane: from, toLane: to, tag: message._tag, status: "undelivered", label }
    this.arrows.push(arrow)
    const index = this.arrows.length - 1
    const id = `${linkOf(from, to)}\u0000${messageText(message)}`
    const queue = this.inFlight.get(id)
    if (queue === undefined) this.inFlight.set(id, [index])
    else queue.push(index)
    return index
  }

  /** Step `step` at node `to` received `message` from `from`; returns the arrow it completes or adds. */
  receive(step: number, from: string, to: string, message: PeerMessage, label: string): number {
    const link = linkOf(from, to)
    const id = `${link}\u0000${messageText(message)}`
    this.lastDelivery.set(link, step)
    const queue = this.inFlight.get(id)
    const first = queue?.shift()
    if (first !== undefined) {
      const arrow = this.arrows[first]!
      arrow.to = step
      arrow.status = "delivered"
      this.delivered.set(id, first)
      return first
    }
    const earlier = this.delivered.get(id)
    const original = earlier === undefined ? undefined : this.arrows[earlier]
    this.arrows.push(original === undefined
      ? { from: step, to: step, fromLane: from, toLane: to, tag: message._tag, status: "unrecorded", label }
      : { ...original, to: step, status: "duplicate" })
    return this.arrows.length - 1
  }

  /** A client request arriving at `node`, or the node's reply to it (both drawn on one row). */
  client(step: number, clientLane: string, node: string, tag: string, label: string, direction: "request" | "reply"): number {
    this.arrows.push(direction === "request"
      ? { from: step, to: step, fromLane: clientLane, toLane: node, tag, status: "request", label }
      : { from: step, to: step, fromLane: node, toLane: clientLane, tag, status: "reply", label })
    return this.arrows.length - 1
  }

  nodeDown(step: number, node: string): void {
    const downtimes = this.downtimes.get(node)
    if (downtimes === undefined) this.downtimes.set(node, [{ from: step, to: Infinity }])
    else downtimes.push({ from: step, to: Infinity })
  }

  nodeUp(step: number, node: string): void {
    const last = this.downtimes.get(node)?.at(-1)
    if (last !== undefined && last.to === Infinity) last.to = step
  }

  /** Classifies every message that never arrived (see ArrowStatus). */
  finish(): ReadonlyArray<Arrow> {
    for (const arrow of this.arrows) {
      if (arrow.status !== "undelivered") continue
      if (!this.recorded.has(arrow.toLane)) {
        arrow.status = "unrecorded"
        continue
      }
      const downtimes = this.downtimes.get(arrow.toLane) ?? []
      const later = this.lastDelivery.get(linkOf(arrow.fromLane, arrow.toLane))
      if (downtimes.some((d) => d.to > arrow.from)) arrow.status = "dropped-down"
      else if (later !== undefined && later > arrow.from) arrow.status = "dropped"
    }
    return this.arrows
  }
}
