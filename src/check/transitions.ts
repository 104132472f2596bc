// The transitions of a world: restart, complete a persist, crash or lose a disk, fire a timer,
// deliver a packet, issue a client operation; and DUR-1 after each.
import { applyRecord, type ClientRequest, emptyVClock, type PersistRecord, recover, type Timer } from "../core/index.ts"
import { disarmTimer, firingOf } from "../host/index.ts"
import type { ScriptOp } from "./model.ts"
import type { Compiled } from "./compiled.ts"
import { Draft } from "./draft.ts"
import { feed, feedWith } from "./feed.ts"
import { dur1OnSomeDisk } from "../invariants/durability.ts"
import { bit, coverage, diskCoverage } from "./masks.ts"
import { F_CRASH_PENDING, F_DUP, F_LOST } from "./state.ts"
import { type DiskInfo, EMPTY_LIST_FP, EMPTY_PENDING, EMPTY_TIMERS, type NodeStateInfo, PersistDoneInput, ReceiveInput, diskInfoOf, nodeStateInfo, pendingFp, slotOf } from "./world-fp.ts"

const DISK_RECOVER = 1
const DISK_APPLY = 2

/** `recover`, through the cache: a node restarted from one disk is one state (one object). */
const recoverOnce = (c: Compiled, node: number, disk: DiskInfo): NodeStateInfo =>
  c.cache.disks.find<NodeStateInfo>(disk, DISK_RECOVER, node, undefined, 0) ??
    c.cache.disks.store(disk, DISK_RECOVER, node, undefined, 0, nodeStateInfo(c, recover(c.ids[node]!, c.model.protocol, c.ring, disk.disk), undefined))

/** `applyRecord`, through the cache: one disk written with one record is one disk (one object). */
const applyOnce = (c: Compiled, disk: DiskInfo, record: PersistRecord): DiskInfo =>
  c.cache.disks.find<DiskInfo>(disk, DISK_APPLY, record, undefined, 0) ??
    c.cache.disks.store(disk, DISK_APPLY, record, undefined, 0, diskInfoOf(applyRecord(disk.disk, record)))

export const restart = (d: Draft, node: number): void => {
  const slot = d.nodes[node]!
  const starts = slot.starts + 1
  d.record(node, { _tag: "Recover" })
  d.setSlot(node, { stateInfo: recoverOnce(d.c, node, slot.diskInfo), pending: EMPTY_PENDING, timers: EMPTY_TIMERS, starts })
  feed(d, node, { _tag: "Start", epochFloor: starts })
}

export const completePersist = (d: Draft, node: number): void => {
  const slot = d.nodes[node]!
  const first = slot.pending[0]
  if (first === undefined) throw new Error("check: no persist to complete")
  const pending = slot.pending.length === 1 ? EMPTY_PENDING : slot.pending.slice(1)
  const diskInfo = applyOnce(d.c, slot.diskInfo, first.record)
  feedWith(d, node, new PersistDoneInput(first.token), diskInfo, pending, pendingFp(pending))
}

export const crash = (d: Draft, node: number, loseDisk: boolean): void => {
  const slot = d.nodes[node]!
  if (slot.pending.length > 0) d.flags |= F_CRASH_PENDING
  if (d.rec !== undefined) d.record(node, { _tag: loseDisk ? "DiskLoss" : "Crash" })
  d.nodes[node] = loseDisk
    ? slotOf(undefined, d.c.cache.emptyDisk, EMPTY_PENDING, EMPTY_LIST_FP, EMPTY_TIMERS, EMPTY_LIST_FP, slot.starts, true)
    : slotOf(undefined, slot.diskInfo, EMPTY_PENDING, EMPTY_LIST_FP, EMPTY_TIMERS, EMPTY_LIST_FP, slot.starts, slot.diskLost)
  // The messages in flight to it are lost.
  const flight = d.flight
  let kept = 0
  for (let i = 0; i < flight.length; i++) if (flight[i]!.to !== node) flight[kept++] = flight[i]!
  if (kept < flight.length) {
    flight.length = kept
    d.flags |= F_LOST
  }
  if (loseDisk) {
    const ackersLeft = d.ackersLeft.slice()
    for (let w = 0; w < ackersLeft.length; w++) {
      if ((d.acked & bit(w)) === 0) continue
      ackersLeft[w] = ackersLeft[w]! & ~bit(node)
      if (ackersLeft[w] === 0) d.excused |= bit(w)
    }
    d.ackersLeft = ackersLeft
  }
}

export const fire = (d: Draft, node: number, timer: Timer, pick?: number): void => {
  const slot = d.nodes[node]!
  d.setSlot(node, { timers: disarmTimer(slot.timers, timer) })
  feed(d, node, firingOf(timer, pick))
}

export const deliver = (d: Draft, index: number): void => {
  const flight = d.flight
  const packet = flight[index]!
  flight.splice(index, 1)
  // The multiset is sorted by fingerprint: an equal copy left is a neighbour.
  const before = flight[index - 1]
  const after = flight[index]
  if ((before !== undefined && before.fp.hi === packet.fp.hi && before.fp.lo === packet.fp.lo) ||
    (after !== undefined && after.fp.hi === packet.fp.hi && after.fp.lo === packet.fp.lo)) d.flags |= F_DUP
  feed(d, packet.to, new ReceiveInput(d.c.ids[packet.from]!, packet.message))
}

export const issue = (d: Draft, client: number): void => {
  const c = d.c
  const slot = d.clients[client]!
  const op: ScriptOp = c.model.clients[client]![slot.next]!
  const id = c.requestIds[client]![slot.next]!
  const w = c.writeOf[client]![slot.next]!
  const key = c.keyIndex.get(op.key)!
  const node = c.nodeIndex.get(op.node)!
  d.now += 1
  const context = op.kind === "blind" ? emptyVClock : slot.context[key]!
  if (w >= 0) {
    const seen = op.kind === "blind" ? 0 : slot.seen[key]!
    d.histories = d.histories.slice()
    d.histories[w] = bit(w) | coverage(d.histories, seen)
  }
  const request: ClientRequest = op.kind === "get"
    ? { _tag: "Get", id, key: op.key }
    : op.kind === "delete"
      ? { _tag: "Delete", id, key: op.key, context }
      : { _tag: "Put", id, key: op.key, value: id, context }
  d.setClient(client, {
    next: slot.next + 1,
    pending: { id, node, starts: d.nodes[node]!.starts, ackedBefore: op.kind === "get" ? d.acked & ~d.excused : 0 }
  })
  feed(d, node, { _tag: "Client", request })
}

/** After the transition: DUR-1, every acknowledged write on some disk (or covered there). */
export const checkDurability = (d: Draft): void => {
  if (!d.c.model.checks.dur || d.acked === 0 || d.violation !== undefined) return
  let covered = 0
  for (const slot of d.nodes) covered |= diskCoverage(d.c, d.histories, slot.diskInfo)
  // One scope for every key: the checker's masks span them all (src/invariants/durability.ts).
  d.report(dur1OnSomeDisk(d.oracle, d.acked, covered))
}
