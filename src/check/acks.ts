// ACK-1 and ACK-2 (spec/README.md; the paper's sections 4.5, 4.6) in the checker: the shared
// checks of src/invariants/acks.ts, fed from what the checker's world holds (its disks as they are
// now, its persists not yet durable) rather than from a history of every disk, which would split
// equal worlds. Each approximation below errs toward passing, never toward a false finding.
import { HashMap } from "effect"
import { ack1StandsForW, ack2AfterDurable, type ReplicaAck, replicateId } from "../invariants/acks.ts"
import type { AckRecords } from "../invariants/oracle.ts"
import type { Draft } from "./draft.ts"
import { bit, diskKeyEvents, setEvents } from "./masks.ts"
import type { PendingPersist } from "./state.ts"

/** Which receipt of a Replicate caused a pending persist: its id (`replicateId`) and the first token that receipt persisted. */
export interface Receipt {
  readonly id: string
  readonly first: number
}

/** A ReplicateAck a step sends, with its `replicateId` (made once, with the cached step). */
export interface SentAck extends ReplicaAck {
  readonly id: string
}

/** The acknowledgement `message`, sent by `node` to `coordinator`, as ACK-2 reads it. */
export const sentAck = (node: string, coordinator: string, message: { readonly epoch: number; readonly op: number; readonly key: string }): SentAck => ({
  node, coordinator, epoch: message.epoch, op: message.op, key: message.key, id: replicateId(coordinator, message.epoch, message.op, message.key)
})

/** Tokens are never this high: "every record is durable" when nothing is pending. */
const ALL_DURABLE = Number.MAX_SAFE_INTEGER

/**
 * ACK-2 on the ReplicateAcks one step of `node` sends. `before`: its persists not yet durable as
 * the step starts (after any PersistDone it answers); `after`: with the step's own appended;
 * `own`: the receipt this step is, if its input is a Replicate that made it persist.
 *
 * The checker counts neither receipts nor acknowledgements (a count per node and message would
 * split worlds), so it names the receipt an acknowledgement answers from the pending persists:
 * records become durable in token order (the host's rule), and the core acknowledges a receipt
 * in the step that makes its last record durable, so at the moment a correct node acknowledges,
 * no receipt of that Replicate is partly durable and the step that receives it acknowledges
 * nothing of it. A receipt partly durable (its first record durable, a later one not), or the
 * step's own receipt, is the one an acknowledgement sent now answers; any other acknowledgement
 * (of a receipt with every record durable, or that persisted nothing) passes.
 */
export const checkReplicaAcks = (
  d: Draft, before: ReadonlyArray<PendingPersist>, after: ReadonlyArray<PendingPersist>, own: Receipt | undefined, acks: ReadonlyArray<SentAck>
): void => {
  // Nothing pending came from a receipt (the common case: the ack's own record just became durable).
  if (own === undefined && !after.some((p) => p.receipt !== undefined)) return
  const durable = before.length > 0 ? before[0]!.token - 1 : after.length > before.length ? after[before.length]!.token - 1 : ALL_DURABLE
  for (const ack of acks) {
    const id = ack.id
    let answered = after.find((p) => p.receipt !== undefined && p.receipt.id === id && p.receipt.first <= durable)?.receipt
    if (answered === undefined && own !== undefined && own.id === id) answered = own
    if (answered === undefined) continue
    let last = -1
    for (const p of after) if (p.receipt !== undefined && p.receipt.id === id && p.receipt.first === answered.first) last = Math.max(last, p.token)
    const receipts = [last]
    d.report(ack2AfterDurable({ receipts: () => receipts, acknowledgements: () => 0, durableUpTo: () => durable }, ack))
    if (d.violation !== undefined) return
  }
}

/**
 * ACK-1 on a PutOk (a put or a delete acknowledged): the nodes it names stand for W distinct
 * replicas that held the write durably. What a node held durably is read from its disk now: a
 * home node's own store (under DVV a replica never drops a version nothing has seen, SIB-1, so
 * what it held it still covers), any node's hints; and for a node that is not home, a hint it
 * handed over is gone from its disk but on its intended node's (HINT-1, judged), so it may stand
 * for any home node whose disk holds the write now. Judged only under DVV (vv and lww replace
 * versions: what a disk held is not what it holds) and while no disk was lost (the checker keeps
 * no record of when).
 */
export const checkPutAcknowledged = (d: Draft, write: number, key: string, nodes: ReadonlyArray<string>, named: number): void => {
  const c = d.c
  if (c.model.protocol.versions.mode !== "dvv" || d.used.diskLosses > 0) return
  const k = c.keyIndex.get(key)!
  const home = c.top[k]!
  if (standsForItself(d, write, key, home, nodes.length, named)) return
  const records: Pick<AckRecords<number>, "recorded" | "heldDurably" | "isHome"> = {
    recorded: () => true,
    isHome: (node) => home.includes(c.nodeIndex.get(node)!),
    heldDurably: (node) => {
      const i = c.nodeIndex.get(node)!
      const disk = d.nodes[i]!.disk
      const hints: Array<{ intended: string; events: number }> = []
      for (const hint of HashMap.values(disk.hints)) {
        if (hint.key === key) hints.push({ intended: hint.intended, events: setEvents(c, hint.set).all })
      }
      if (!home.includes(i)) for (const h of home) hints.push({ intended: c.ids[h]!, events: diskKeyEvents(c, d.nodes[h]!.disk, key) })
      return { own: home.includes(i) ? diskKeyEvents(c, disk, key) : undefined, hints }
    }
  }
  d.report(ack1StandsForW(d.oracle, records, { event: c.writes[write]!.id, key, nodes, sentAt: 0 }, c.model.protocol.w))
}

/**
 * A sufficient condition for ACK-1 to pass, tested first so that the common case builds no
 * records: the named nodes (`named`, a mask of node indices) are W or more distinct home nodes,
 * each of whose own store on disk covers the write, so each stands for itself and together they
 * are W distinct replicas. Anything else goes to the shared check, which decides.
 */
const standsForItself = (d: Draft, write: number, key: string, home: ReadonlyArray<number>, count: number, named: number): boolean => {
  if (count < d.c.model.protocol.w) return false
  let distinct = 0
  for (let m = named; m !== 0; m &= m - 1) {
    const i = 31 - Math.clz32(m & -m)
    if (!home.includes(i)) return false
    if ((d.oracle.past(key, diskKeyEvents(d.c, d.nodes[i]!.disk, key)) & bit(write)) === 0) return false
    distinct += 1
  }
  return distinct === count
}
