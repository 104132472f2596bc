// ACK-1 and ACK-2 (spec/README.md): what an acknowledgement promises (sections 4.5, 4.6: W
// durable copies, fallbacks included), judged from what the interpreter made durable, never from
// the coordinator's own bookkeeping, so a coordinator that miscounts cannot vouch for itself.
import type { ClientReply, NodeEffect, NodeInput, PersistRecord } from "../../core/index.ts"
import type { Oracle } from "../../trace/oracle.ts"
import { eventsOf, type Finding } from "./events.ts"

/**
 * What one node has held durably since its disk was last lost, per key: every event its own
 * store ever held (with the paper's vector clocks a later set may have lost one: that is VV-1's
 * anomaly, SIB-1's to report, not a broken acknowledgement), and every event each hint ever held
 * by intended node (a hint is deleted once delivered, and a later one need not cover it).
 */
interface Held {
  readonly own: Map<string, Set<string>>
  readonly hints: Map<string, Map<string, Set<string>>>
}

export class AcknowledgementChecks {
  private readonly held = new Map<string, Held>()
  /** Highest persist token each node's interpreter reported durable in its current incarnation. */
  private readonly durableToken = new Map<string, number>()
  /**
   * Per node, by (coordinator, epoch, op, key): for each receipt of that Replicate not yet
   * acknowledged, in order, the last token it made the node persist (a duplicate is a receipt too).
   */
  private readonly owed = new Map<string, Map<string, Array<number>>>()
  private readonly diskLostAt = new Map<string, number>()

  constructor(private readonly oracle: Oracle, private readonly w: number) {}

  private heldBy(node: string): Held {
    let held = this.held.get(node)
    if (held === undefined) this.held.set(node, (held = { own: new Map(), hints: new Map() }))
    return held
  }

  /** The interpreter made `records` durable on `node`, up to and including `token`. */
  durable(node: string, token: number, records: ReadonlyArray<PersistRecord>): void {
    this.durableToken.set(node, Math.max(this.durableToken.get(node) ?? -1, token))
    const held = this.heldBy(node)
    for (const record of records) {
      if (record._tag === "StoreKey") {
        let events = held.own.get(record.key)
        if (events === undefined) held.own.set(record.key, (events = new Set()))
        for (const event of eventsOf(record.set)) events.add(event)
      }
      else if (record._tag === "StoreHint") {
        let byNode = held.hints.get(record.key)
        if (byNode === undefined) held.hints.set(record.key, (byNode = new Map()))
        let events = byNode.get(record.intended)
        if (events === undefined) byNode.set(record.intended, (events = new Set()))
        for (const event of eventsOf(record.set)) events.add(event)
      }
    }
  }

  /** A crash ends the incarnation (tokens restart at 0); a lost disk forgets what it held. */
  crashed(node: string, loseDisk: boolean, now: number): void {
    this.durableToken.delete(node)
    this.owed.delete(node)
    if (loseDisk) {
      this.held.delete(node)
      this.diskLostAt.set(node, now)
    }
  }

  /**
   * ACK-2: a node acknowledges a replica write only once every record that write made it persist
   * is durable (PersistDone covers its token). Records what a received Replicate owes, and checks
   * every ReplicateAck the step sends.
   */
  step(node: string, input: NodeInput, effects: ReadonlyArray<NodeEffect>): Finding | undefined {
    let owed = this.owed.get(node)
    if (input._tag === "Receive" && input.message._tag === "Replicate") {
      const m = input.message
      const tokens = effects.flatMap((e) => (e._tag === "Persist" ? [e.token] : []))
      if (tokens.length > 0) {
        if (owed === undefined) this.owed.set(node, (owed = new Map()))
        const id = `${input.from}|${m.epoch}|${m.op}|${m.key}`
        owed.set(id, [...(owed.get(id) ?? []), Math.max(...tokens)])
      }
    }
    for (const effect of effects) {
      if (effect._tag !== "Send" || effect.message._tag !== "ReplicateAck") continue
      const m = effect.message
      const receipts = owed?.get(`${effect.to}|${m.epoch}|${m.op}|${m.key}`)
      const needed = receipts?.shift()
      const durable = this.durableToken.get(node) ?? -1
      if (needed !== undefined && durable < needed) {
        return { invariant: "ACK-2", message: `${node} acknowledged ${effect.to}'s write of ${m.key} (epoch ${m.epoch}, op ${m.op}) before its persist ${needed} was durable (durable up to ${durable})` }
      }
    }
    return undefined
  }

  /**
   * ACK-1: a PutOk names W distinct nodes that each held the write durably (or a version that has
   * seen it), standing for W distinct replicas: a home node (in the key's top N in some running
   * node's ring) for itself through its own store, a fallback for the node its hint names. A home node and the fallback standing for it are one
   * replica. A named node whose disk was lost after the put was sent cannot be judged: it counts.
   */
  putAcknowledged(reply: Extract<ClientReply, { _tag: "PutOk" }>, issuedAt: number, homes: ReadonlySet<string>): Finding | undefined {
    const event = reply.id
    if (!this.oracle.has(event)) return undefined
    const names = reply.nodes
    const twice = names.find((node, i) => names.indexOf(node) !== i)
    if (twice !== undefined) return { invariant: "ACK-1", message: `the acknowledgement of ${event} on ${reply.key} names ${twice} twice: [${names.join(", ")}]` }
    // The replicas (slots) each named node may stand for.
    const slots = names.map((node): ReadonlyArray<string> => {
      if ((this.diskLostAt.get(node) ?? -1) >= issuedAt) return [`?${node}`]
      const held = this.held.get(node)
      const options: Array<string> = []
      const own = held?.own.get(reply.key)
      // Only a home node stands for itself: a fallback's own store is no replica of the key.
      if (own !== undefined && homes.has(node) && this.oracle.coveredBy(event, own)) options.push(node)
      for (const [intended, set] of held?.hints.get(reply.key) ?? []) if (this.oracle.coveredBy(event, set)) options.push(intended)
      return options.sort()
    })
    const empty = names.findIndex((_, i) => slots[i]!.length === 0)
    if (empty >= 0) return { invariant: "ACK-1", message: `${event} on ${reply.key} was acknowledged naming ${names[empty]}, which never held it durably (named: [${names.join(", ")}])` }
    const matched = maximumMatching(slots)
    if (matched < this.w) {
      return { invariant: "ACK-1", message: `${event} on ${reply.key} was acknowledged by [${names.join(", ")}], which stand for only ${matched} distinct replica(s) of the W=${this.w} required (${names.map((n, i) => `${n}: ${slots[i]!.join("/")}`).join(", ")})` }
    }
    return undefined
  }
}

/** The size of a maximum matching of named nodes to the replicas they may stand for (augmenting paths; a handful of nodes). */
const maximumMatching = (options: ReadonlyArray<ReadonlyArray<string>>): number => {
  const owner = new Map<string, number>()
  const tryAssign = (i: number, seen: Set<string>): boolean => {
    for (const slot of options[i]!) {
      if (seen.has(slot)) continue
      seen.add(slot)
      const current = owner.get(slot)
      if (current === undefined || tryAssign(current, seen)) {
        owner.set(slot, i)
        return true
      }
    }
    return false
  }
  let size = 0
  for (let i = 0; i < options.length; i++) if (tryAssign(i, new Set())) size += 1
  return size
}
