// The transitions of a world: restart, complete a persist, crash or lose a disk, fire a timer,
// deliver a packet, issue a client operation; and DUR-1 after each.
import { type ClientRequest, emptyVClock, type Timer } from "../core/index.ts"
import { crashNode, firingOf, type HostNode, persistUpTo, recoverNode, startOf } from "../host/index.ts"
import type { ScriptOp } from "./model.ts"
import type { Compiled } from "./compiled.ts"
import { Draft } from "./draft.ts"
import { feed, feedWith } from "./feed.ts"
import { dur1OnSomeDisk } from "../invariants/durability.ts"
import { bit, coverage, diskCoverage } from "./masks.ts"
import { recoverOnce } from "./holding.ts"
import { F_CRASH_PENDING, F_DUP, F_LOST, type PendingPersist } from "./state.ts"
import { type DiskInfo, type NodeStateInfo, PersistDoneInput, ReceiveInput, pendingFp, slotOf, timersFp } from "./world-fp.ts"
import { EMPTY_READ_LOG } from "./reads.ts"

/** A node slot as the node host sees it: its state, disk and pending persists as the checker holds them. */
const hostView = (d: Draft, node: number): HostNode<NodeStateInfo, DiskInfo, PendingPersist> => {
  const slot = d.nodes[node]!
  return { id: d.c.ids[node]!, state: slot.stateInfo, disk: slot.diskInfo, pending: slot.pending, timers: slot.timers, starts: slot.starts }
}

/** The host's restart (recoverNode): rebuilt from the disk, through the cache; then its Start. */
export const restart = (d: Draft, node: number): void => {
  d.record(node, { _tag: "Recover" })
  const up = recoverNode(d.c.cache.holding, hostView(d, node), (disk) => recoverOnce(d.c, node, disk))
  d.setSlot(node, { stateInfo: up.state, pending: up.pending, timers: up.timers, starts: up.starts })
  feed(d, node, startOf(up))
}

/** The oldest pending persist becomes durable (the host's persistUpTo), then the core hears it. */
export const completePersist = (d: Draft, node: number): void => {
  const slot = d.nodes[node]!
  const first = slot.pending[0]
  if (first === undefined) throw new Error("check: no persist to complete")
  const made = persistUpTo(d.c.cache.holding, slot.diskInfo, slot.pending, first.token)
  feedWith(d, node, new PersistDoneInput(first.token), made.disk, made.pending, pendingFp(made.pending))
}

/** The host's crash (crashNode); the checker adds what the oracle and the network lose. */
export const crash = (d: Draft, node: number, loseDisk: boolean): void => {
  const slot = d.nodes[node]!
  const down = crashNode(d.c.cache.holding, hostView(d, node), loseDisk)
  if (down.lost.length > 0) d.flags |= F_CRASH_PENDING
  if (d.rec !== undefined) d.record(node, { _tag: loseDisk ? "DiskLoss" : "Crash" })
  const parts = down.node
  // A crash ends the incarnation: its read log (READ-2, READ-3) goes with its memory.
  d.nodes[node] = slotOf(undefined, parts.disk, parts.pending, pendingFp(parts.pending), parts.timers, timersFp(parts.timers), parts.starts, slot.diskLost || loseDisk, EMPTY_READ_LOG)
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

/** An armed timer fires: the host's firing input (the fed step disarms it, see feed.ts). */
export const fire = (d: Draft, node: number, timer: Timer, pick?: number): void => {
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
    pending: {
      id, node, starts: d.nodes[node]!.starts,
      // Read only by QUORUM-1: a model that does not judge it keeps 0 (README, "Canonical form").
      ackedBefore: op.kind === "get" && (d.c.model.checks.quorum || d.c.model.canonical === false) ? d.acked & ~d.excused : 0
    }
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
