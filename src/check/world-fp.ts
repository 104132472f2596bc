// Fingerprints of worlds: node states field by field (reusing the fields a step kept), disks,
// pending persists, timers, packets and clients, combined so equal worlds hash equal.
import { DERIVED_STATE_FIELDS, type DurableState, type NodeState, type PeerMessage, type PersistRecord, type Timer, type VClock } from "../core/index.ts"
import { Combiner, Hasher, anyInto, stringFp, type Fp } from "./fingerprint.ts"
import type { MemoOwner } from "./memo.ts"
import type { ReadLog } from "./reads.ts"
import type { Compiled } from "./compiled.ts"
import type { ClientSlot, NodeSlot, Packet, PendingPersist, Transition, Used, Violation, WorldState } from "./state.ts"

const DOWN = 0x444f574e

/**
 * Fields of a node state left out of its fingerprint: derived from the rest (state.ts: the rings
 * from the membership view, the Merkle trees from the store and the ring), so equal fingerprints
 * of the rest mean equal values of these.
 */

/**
 * The checker's record of one node state: its fingerprint with those of its fields (to reuse the
 * ones a step kept), and the steps taken from it so far (memo.ts). One per state object.
 */
export interface NodeStateInfo extends MemoOwner {
  readonly state: NodeState
  readonly fields: NodeStateFields
  readonly parts: ReadonlyArray<Fp | undefined>
  readonly fp: Fp
}

/** The checker's record of one disk: its fingerprint, what it covers, the writes made to it. */
export interface DiskInfo extends MemoOwner {
  readonly disk: DurableState
  readonly fp: Fp
  /** See `diskCoverage`; -1 until computed. */
  coverage: number
}

/** A node state's field names in order, each with the hash of its name (computed once). */
interface NodeStateFields {
  readonly names: ReadonlyArray<string>
  readonly words: ReadonlyArray<number>
}

const fieldsOf = (record: Record<string, unknown>): NodeStateFields => {
  const names = Object.keys(record)
  return { names, words: names.map((name) => stringFp(name).lo) }
}

/**
 * The fingerprint of a node state: its fields in order, each hashed (derived fields and the
 * model's constants left out). With `base`, the fingerprint of the state a step started from,
 * fields the step did not touch (same object) reuse its field fingerprints.
 */
export const nodeStateInfo = (c: Compiled, state: NodeState, base: NodeStateInfo | undefined): NodeStateInfo => {
  const record = state as unknown as Record<string, unknown>
  const parent = base === undefined ? undefined : (base.state as unknown as Record<string, unknown>)
  const fields = base !== undefined && sameFields(base.fields.names, record) ? base.fields : fieldsOf(record)
  const reuse = base !== undefined && base.fields === fields
  const canonical = c.model.canonical !== false
  const parts: Array<Fp | undefined> = []
  const h = new Hasher()
  for (let i = 0; i < fields.names.length; i++) {
    const field = fields.names[i]!
    const value = record[field]
    // The node's id and configuration are the model's own: constant, so left out.
    if (field === "id" || (field === "config" && value === c.model.protocol) || DERIVED_STATE_FIELDS.has(field)) {
      parts.push(undefined)
      continue
    }
    let part: Fp
    if (canonical && field === "nextToken") {
      // Persist tokens as ages (README, "Canonical form"): the counter itself is left out.
      parts.push(undefined)
      continue
    } else if (canonical && field === "waiters") {
      part = reuse && parent![field] === value && parent!["nextToken"] === state.nextToken ? base.parts[i]! : waitersAgeFp(state)
    } else part = reuse && parent![field] === value ? base.parts[i]! : valueFp(value)
    parts.push(part)
    h.word(fields.words[i]!).fp(part)
  }
  return { state, fields, parts, fp: h.finish(), memo: undefined }
}

/** The waiters with each token given as its age, `nextToken - token` (README, "Canonical form"). */
const waitersAgeFp = (state: NodeState): Fp => {
  const h = new Hasher().word(state.waiters.length)
  for (const waiter of state.waiters) {
    h.word(state.nextToken - waiter.token)
    anyInto(h, waiter.then)
  }
  return h.finish()
}

const sameFields = (fields: ReadonlyArray<string>, record: Record<string, unknown>): boolean => {
  let count = 0
  for (const field in record) {
    if (fields[count] !== field) return false
    count += 1
  }
  return count === fields.length
}

/** Any value, hashed structurally (version sets through their cache). */
const valueFp = (value: unknown): Fp => {
  const h = new Hasher()
  anyInto(h, value)
  return h.finish()
}

/** A disk met for the first time (disks are immutable: one info per disk object). */
export const diskInfoOf = (disk: DurableState): DiskInfo => {
  const h = new Hasher()
  const fields = disk as unknown as Record<string, unknown>
  for (const field in fields) {
    h.string(field)
    anyInto(h, fields[field])
  }
  return { disk, fp: h.finish(), coverage: -1, memo: undefined }
}

/** For the small leaf hashes below, which call nothing that hashes: slots, lists, the world. */
const leaf = new Hasher()

export const EMPTY_PENDING: ReadonlyArray<PendingPersist> = []
export const EMPTY_TIMERS: ReadonlyArray<Timer> = []
export const EMPTY_LIST_FP = leaf.reset().word(0).finish()

export const pendingFp = (pending: ReadonlyArray<PendingPersist>): Fp => {
  if (pending.length === 0) return EMPTY_LIST_FP
  const h = leaf.reset().word(pending.length)
  for (let i = 0; i < pending.length; i++) h.fp(pending[i]!.fp)
  return h.finish()
}

export const pendingEntry = (token: number, record: PersistRecord): PendingPersist => {
  const recordFp = valueFp(record)
  return { token, record, recordFp, fp: leaf.reset().word(token).fp(recordFp).finish() }
}

/** Pending persists with each token given as its age, `nextToken - token` (README, "Canonical form"). */
const pendingAgeFp = (pending: ReadonlyArray<PendingPersist>, nextToken: number): Fp => {
  if (pending.length === 0) return EMPTY_LIST_FP
  const h = leaf.reset().word(pending.length)
  for (let i = 0; i < pending.length; i++) h.word(nextToken - pending[i]!.token).fp(pending[i]!.recordFp)
  return h.finish()
}

/** The fingerprint of an immutable value, computed once per object and kept in `table`. */
const fpOnce = <T extends object>(table: WeakMap<T, Fp>, value: T): Fp => {
  let fp = table.get(value)
  if (fp === undefined) {
    fp = valueFp(value)
    table.set(value, fp)
  }
  return fp
}

/** Timers are immutable values emitted by steps (and found again through the step cache). */
const timerFps = new WeakMap<Timer, Fp>()
const timerFp = (timer: Timer): Fp => fpOnce(timerFps, timer)

export const timersFp = (timers: ReadonlyArray<Timer>): Fp => {
  if (timers.length === 0) return EMPTY_LIST_FP
  for (let i = 0; i < timers.length; i++) timerFp(timers[i]!)
  const h = leaf.reset().word(timers.length)
  for (let i = 0; i < timers.length; i++) h.fp(timerFps.get(timers[i]!)!)
  return h.finish()
}

/**
 * The objects a transition makes and drops by the million (slots, worlds, transitions) are class
 * instances rather than object literals: V8 tracks an allocation site per literal and, when most
 * of a site's objects seem to survive a young-generation collection (as they may early in a run,
 * while the transition cache fills), allocates all its later objects in the old generation,
 * which doubled some runs' time and memory (see `Fingerprint` in fingerprint.ts).
 */
class Slot implements NodeSlot {
  readonly state: NodeState | undefined
  readonly disk: DurableState
  fp: Fp | undefined = undefined
  constructor(
    readonly stateInfo: NodeStateInfo | undefined, readonly diskInfo: DiskInfo,
    readonly pending: ReadonlyArray<PendingPersist>, readonly pendingFp: Fp,
    readonly timers: ReadonlyArray<Timer>, readonly timersFp: Fp,
    readonly starts: number, readonly diskLost: boolean, readonly reads: ReadLog
  ) {
    this.state = stateInfo === undefined ? undefined : stateInfo.state
    this.disk = diskInfo.disk
  }
}

export const slotOf = (
  stateInfo: NodeStateInfo | undefined, diskInfo: DiskInfo, pending: ReadonlyArray<PendingPersist>, pendingFp: Fp,
  timers: ReadonlyArray<Timer>, timersFp: Fp, starts: number, diskLost: boolean, reads: ReadLog
): NodeSlot => new Slot(stateInfo, diskInfo, pending, pendingFp, timers, timersFp, starts, diskLost, reads)

export class World implements WorldState {
  constructor(
    readonly nodes: ReadonlyArray<NodeSlot>, readonly flight: ReadonlyArray<Packet>, readonly clients: ReadonlyArray<ClientSlot>,
    readonly histories: ReadonlyArray<number>, readonly acked: number, readonly ackersLeft: ReadonlyArray<number>,
    readonly excused: number, readonly used: Used, readonly cut: number, readonly now: number, readonly fp: Fp
  ) {}
}

export class TransitionResult implements Transition {
  constructor(readonly state: WorldState, readonly violation: Violation | undefined, readonly flags: number) {}
}

/** The two inputs fed on nearly every transition (a delivery, a persist completing). */
export class ReceiveInput {
  readonly _tag = "Receive"
  constructor(readonly from: string, readonly message: PeerMessage) {}
}

export class PersistDoneInput {
  readonly _tag = "PersistDone"
  constructor(readonly token: number) {}
}

/** For the combinations of fingerprints below (slots, the world). */
const combiner = new Combiner()

/** The pending persists' part of a slot's fingerprint: tokens as ages in the canonical form. */
export const slotPendingFp = (c: Compiled, slot: NodeSlot): Fp =>
  // A crashed node has no persist pending (the host drops them), so ages need a running state.
  c.model.canonical !== false && slot.stateInfo !== undefined ? pendingAgeFp(slot.pending, slot.stateInfo.state.nextToken) : slot.pendingFp

/** Whether the world's fingerprint leaves out who acknowledged each write (no disk loss can come). */
export const ackersUnread = (c: Compiled, w: Omit<WorldState, "fp">): boolean =>
  c.model.canonical !== false && w.used.diskLosses >= c.model.bounds.diskLosses

/** A slot's fingerprint, computed once (slots are shared by a world and its successors). */
export const slotFp = (c: Compiled, slot: NodeSlot): Fp => {
  let fp = slot.fp
  if (fp === undefined) {
    const pending = slotPendingFp(c, slot)
    const h = combiner.reset()
    if (slot.stateInfo === undefined) h.word(DOWN)
    else h.fp(slot.stateInfo.fp)
    fp = h.fp(slot.diskInfo.fp).fp(pending).fp(slot.timersFp).word(slot.starts | (slot.diskLost ? 1 << 16 : 0)).finish()
    slot.fp = fp
  }
  return fp
}

/** Contexts are the clocks of replies, immutable and shared: hashed once each. */
const contextFps = new WeakMap<VClock, Fp>()
const contextFp = (context: VClock): Fp => fpOnce(contextFps, context)

const NO_REQUEST = 0x4e4f5251

export const makeClient = (client: Omit<ClientSlot, "fp">): ClientSlot => {
  const { next, pending, seen, context } = client
  for (let i = 0; i < context.length; i++) contextFp(context[i]!)
  const h = new Hasher().word(next)
  if (pending === undefined) h.word(NO_REQUEST)
  else h.string(pending.id).word(pending.node).word(pending.starts).word(pending.ackedBefore)
  for (let i = 0; i < seen.length; i++) h.word(seen[i]!)
  for (let i = 0; i < context.length; i++) h.fp(contextFps.get(context[i]!)!)
  return { next, pending, seen, context, fp: h.finish() }
}

export const packetFp = (from: number, to: number, message: PeerMessage): Fp => {
  const messageFp = valueFp(message)
  return leaf.reset().word(from).word(to).fp(messageFp).finish()
}

/**
 * A world's fingerprint, a combination of its parts' (see `Combiner`). Its layout is fixed by the
 * model (as many nodes, clients and writes in every world; the messages in flight summed lane by
 * lane, a multiset, and counted), so no part needs a tag; small counters are packed (each fault
 * count is at most 15, see `compile`; a cut is a mask of at most 8 nodes; an acknowledging-node
 * mask too).
 */
export const worldFp = (c: Compiled, w: Omit<WorldState, "fp">): Fp => {
  const nodes = w.nodes
  for (let i = 0; i < nodes.length; i++) slotFp(c, nodes[i]!)
  let flightHi = 0
  let flightLo = 0
  const flight = w.flight
  for (let i = 0; i < flight.length; i++) {
    const fp = flight[i]!.fp
    flightHi = (flightHi + fp.hi) | 0
    flightLo = (flightLo + fp.lo) | 0
  }
  const h = combiner.reset()
  for (let i = 0; i < nodes.length; i++) h.fp(nodes[i]!.fp!)
  h.word(flight.length).lanes(flightHi, flightLo)
  const clients = w.clients
  for (let i = 0; i < clients.length; i++) h.fp(clients[i]!.fp)
  const histories = w.histories
  for (let i = 0; i < histories.length; i++) h.word(histories[i]!)
  h.word(w.acked).word(w.excused)
  // Who acknowledged each write is read only when a disk loss excuses it (README, "Canonical form").
  const ackersLeft = ackersUnread(c, w) ? NO_ACKERS : w.ackersLeft
  let packed = 0
  for (let i = 0; i < ackersLeft.length; i++) {
    packed = (packed << 8) | ackersLeft[i]!
    if ((i & 3) === 3) {
      h.word(packed)
      packed = 0
    }
  }
  if ((ackersLeft.length & 3) !== 0) h.word(packed)
  const u = w.used
  h.word(u.crashes | (u.diskLosses << 4) | (u.drops << 8) | (u.dups << 12) | (u.partitions << 16) | (u.periodic << 20) | (w.cut << 24))
  return h.word(w.now).finish()
}

const NO_ACKERS: ReadonlyArray<number> = []

export const comparePackets = (a: Fp, b: Fp): number => a.hi - b.hi || a.lo - b.lo
