// ACK-1, ACK-2 and ACK-3 (spec/README.md; the paper's sections 4.5, 4.6, 4.8, 4.9): what an
// acknowledgement promises, judged from what the interpreter made durable (its records, the
// oracle interface's AckRecords), never from the acknowledging node's own bookkeeping, so a node
// that miscounts cannot vouch for itself.
import type { AckRecords, Causality, Finding } from "./oracle.ts"

/** A PutOk as ACK-1 reads it: the write, its key, and the nodes its reply names. */
export interface AcknowledgedPut {
  readonly event: string
  readonly key: string
  readonly nodes: ReadonlyArray<string>
  /** When the put was sent, on the interpreter's clock: a disk lost since cannot be judged. */
  readonly sentAt: number
}

/**
 * ACK-1: a PutOk names W distinct nodes that each held the write durably (or a version that has
 * seen it), standing for W distinct replicas: a home node for itself through its own store, a
 * fallback for the node its hint names. A home node and the fallback standing for it are one
 * replica. A named node whose disk was lost after the put was sent cannot be judged: it counts.
 * Catches a coordinator that counts a duplicate ack twice, an ack of an earlier incarnation, or a
 * fallback's own store as a replica.
 */
export const ack1StandsForW = <E, P>(o: Causality<E, P>, records: Pick<AckRecords<E>, "recorded" | "heldDurably" | "isHome">, put: AcknowledgedPut, w: number): Finding | undefined => {
  const { event, key, nodes: names } = put
  if (!records.recorded(event)) return undefined
  const twice = names.find((node, i) => names.indexOf(node) !== i)
  if (twice !== undefined) return { invariant: "ACK-1", message: `the acknowledgement of ${event} on ${key} names ${twice} twice: [${names.join(", ")}]` }
  const covers = (set: E): boolean => o.isEmpty(o.missing(o.one(event), o.past(key, set)))
  // The replicas (slots) each named node may stand for.
  const slots = names.map((node): ReadonlyArray<string> => {
    const held = records.heldDurably(node, key, put.sentAt)
    if (held === undefined) return [`?${node}`]
    const options: Array<string> = []
    // Only a home node stands for itself: a fallback's own store is no replica of the key.
    if (held.own !== undefined && records.isHome(node, key) && covers(held.own)) options.push(node)
    for (const hint of held.hints) if (covers(hint.events)) options.push(hint.intended)
    return options.sort()
  })
  const empty = names.findIndex((_, i) => slots[i]!.length === 0)
  if (empty >= 0) return { invariant: "ACK-1", message: `${event} on ${key} was acknowledged naming ${names[empty]}, which never held it durably (named: [${names.join(", ")}])` }
  const matched = maximumMatching(slots)
  if (matched < w) {
    return { invariant: "ACK-1", message: `${event} on ${key} was acknowledged by [${names.join(", ")}], which stand for only ${matched} distinct replica(s) of the W=${w} required (${names.map((n, i) => `${n}: ${slots[i]!.join("/")}`).join(", ")})` }
  }
  return undefined
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

/** A ReplicateAck a node sends: to the coordinator, for its write (epoch, op, key). */
export interface ReplicaAck {
  readonly node: string
  readonly coordinator: string
  readonly epoch: number
  readonly op: number
  readonly key: string
}

/** The id under which a receipt of a Replicate and the ReplicateAck answering it meet. */
export const replicateId = (coordinator: string, epoch: number, op: number, key: string): string => `${coordinator}|${epoch}|${op}|${key}`

/**
 * ACK-2: a replica acknowledges a write only once every record that write made it persist is
 * durable. The k-th acknowledgement of a Replicate in an incarnation answers its k-th receipt (a
 * duplicate is a receipt too); that receipt's last persist must be durable. Catches a replica
 * that acknowledges on receipt, before its store record reaches the disk.
 */
export const ack2AfterDurable = (records: Pick<AckRecords<unknown>, "receipts" | "acknowledgements" | "durableUpTo">, ack: ReplicaAck): Finding | undefined => {
  const id = replicateId(ack.coordinator, ack.epoch, ack.op, ack.key)
  const needed = records.receipts(ack.node, id)[records.acknowledgements(ack.node, id)]
  const durable = records.durableUpTo(ack.node)
  if (needed !== undefined && durable < needed) {
    return { invariant: "ACK-2", message: `${ack.node} acknowledged ${ack.coordinator}'s write of ${ack.key} (epoch ${ack.epoch}, op ${ack.op}) before its persist ${needed} was durable (durable up to ${durable})` }
  }
  return undefined
}

/** A HandoffAck a node sends: to the sender, for its offer. */
export interface HandoffConfirmation {
  readonly node: string
  readonly sender: string
  readonly offer: string
}

/**
 * ACK-3: a node confirms a hand-over only once it durably holds one whole copy of the range made
 * durable since its last confirmation of it. A copy of a batch is held once its keys' records are
 * durable; a range is whole once as many distinct batches are held as the copy completing it says
 * the range has (the sender cuts a range anew at each send, so copies may differ in their count).
 * Catches a receiver that counts a batch once its first key is durable, not its last.
 */
export const ack3WholeCopy = (records: AckRecords<unknown>, confirmation: HandoffConfirmation): Finding | undefined => {
  const { node, sender, offer } = confirmation
  const id = `${sender}|${offer}`
  let whole = 0
  let held = new Set<number>()
  for (const copy of records.copiesHeld(node, id)) {
    held.add(copy.batch)
    if (held.size < copy.batches) continue
    held = new Set()
    whole += 1
  }
  if (whole > records.confirmations(node, id)) return undefined
  const waiting = records.copiesWaiting(node, id).map((r) => `batch ${r.batch} up to persist ${r.token}`)
  return {
    invariant: "ACK-3",
    message: `${node} confirmed ${sender}'s hand-over ${offer} without a whole durable copy of it (batches held: [${[...held].sort((a, b) => a - b).join(", ")}]; not yet durable: [${waiting.join(", ")}]; durable up to ${records.durableUpTo(node)})`
  }
}
