// The checker's world: every node's state (or, crashed, only its disk), the messages in flight
// as a multiset, each node's armed timers and not-yet-durable persists, the clients running
// their scripts, and an event oracle (as src/trace/oracle.ts: each write is an event whose causal
// past is what its client had read, never what the clocks say). Every node input goes through
// the core's one `step`; this file only decides which inputs are possible and checks the
// invariants of spec/README.md after each one. Worlds are immutable; a transition builds a new
// one sharing every unchanged part with the old. A step already taken from the same node state
// with the same input is found in the transition cache (memo.ts) instead of computed again.
import { HashMap, Option } from "effect"
import { applyRecord, believedDown, buildRing, type ClientReply, type ClientRequest, DERIVED_STATE_FIELDS, type DurableState, emptyDurableState, emptyVClock, emptyVersionSet, hintId, hintsHeld, localStore, membersOf, type NodeEffect, type NodeInput, type NodeState, offersOf, type PeerMessage, type PersistRecord, preferenceList, recover, type Ring, siblingValues, step, type Timer, timerKey, type Value, type VClock, type VersionSet } from "../core/index.ts"
import { eventOf } from "../trace/format.ts"
import { armTimer, disarmTimer, firingOf } from "../host/index.ts"
import type { TraceStep } from "../trace/step.ts"
import { Combiner, Hasher, anyInto, setFp, stringFp, type Fp } from "./fingerprint.ts"
import { MEMO_ENTRIES_MAX, TransitionMemo, type MemoOwner } from "./memo.ts"
import type { CheckBounds, CheckModel, ScriptOp } from "./model.ts"

/** Heal-and-quiesce: rounds of timers, probes and hint scans, and a bound on its steps. */
export const QUIESCE_ROUNDS_MAX = 8
export const QUIESCE_READ_ROUNDS = 2
export const QUIESCE_STEPS_MAX = 20_000

// ---- the model, compiled to indices --------------------------------------------------------

export interface WriteInfo {
  readonly id: string
  readonly key: number
  readonly client: number
  readonly deletion: boolean
}

export interface Compiled {
  readonly model: CheckModel
  readonly ring: Ring
  readonly ids: ReadonlyArray<string>
  readonly nodeIndex: ReadonlyMap<string, number>
  readonly keys: ReadonlyArray<string>
  readonly keyIndex: ReadonlyMap<string, number>
  /** Per key: the node indices of its preference list (the N home replicas). */
  readonly top: ReadonlyArray<ReadonlyArray<number>>
  readonly writes: ReadonlyArray<WriteInfo>
  readonly writeIndex: ReadonlyMap<string, number>
  /** Per client, per operation: the request id (`c0.1`, as the simulator names them). */
  readonly requestIds: ReadonlyArray<ReadonlyArray<string>>
  /** Per client, per operation: the write's index in the oracle, or -1 for a get. */
  readonly writeOf: ReadonlyArray<ReadonlyArray<number>>
  readonly requestClient: ReadonlyMap<string, number>
  /** Partitions: each a mask of the nodes cut off from the others (one per cut, up to sides). */
  readonly cuts: ReadonlyArray<number>
  /** What the core computed so far, to find it again (memo.ts); one per compiled model. */
  readonly cache: TransitionCache
}

/** The transition cache of one model (memo.ts): node steps, disk writes and recoveries. */
export interface TransitionCache {
  /** Owners: node states' infos; key: the input (see `stepOnce`) and `now`. */
  readonly steps: TransitionMemo
  /** Owners: disks' infos; key: a record applied to the disk, or a node recovered from it. */
  readonly disks: TransitionMemo
  /** The empty disk: where every node starts, and what a disk loss leaves. */
  readonly emptyDisk: DiskInfo
  readonly actions: ActionCache
}

const newTransitionCache = (): TransitionCache => ({
  steps: new TransitionMemo(MEMO_ENTRIES_MAX / 2),
  disks: new TransitionMemo(MEMO_ENTRIES_MAX / 2),
  emptyDisk: diskInfoOf(emptyDurableState),
  actions: new ActionCache()
})

export const compile = (model: CheckModel): Compiled => {
  const ids = model.nodes
  const ring = buildRing(ids.map((id) => ({ id })), model.ring)
  const nodeIndex = new Map(ids.map((id, i) => [id, i]))
  const keyIndex = new Map(model.keys.map((key, i) => [key, i]))
  const writes: Array<WriteInfo> = []
  const writeIndex = new Map<string, number>()
  const requestClient = new Map<string, number>()
  const requestIds: Array<Array<string>> = []
  const writeOf: Array<Array<number>> = []
  model.clients.forEach((script, client) => {
    requestIds.push(script.map((_, op) => `c${client}.${op + 1}`))
    writeOf.push(script.map((op, j) => {
      const id = `c${client}.${j + 1}`
      requestClient.set(id, client)
      if (op.kind === "get") return -1
      const key = keyIndex.get(op.key)
      if (key === undefined) throw new Error(`check: script key ${op.key} is not one of the model's keys`)
      writeIndex.set(id, writes.length)
      writes.push({ id, key, client, deletion: op.kind === "delete" })
      return writes.length - 1
    }))
    for (const op of script) if (!nodeIndex.has(op.node)) throw new Error(`check: script node ${op.node} is not in the cluster`)
  })
  if (writes.length > 30) throw new Error("check: at most 30 writes")
  // The world's fingerprint packs fault counts in 4 bits and node masks in 8 (see `worldFp`).
  if (ids.length > 8) throw new Error("check: at most 8 nodes")
  for (const [name, bound] of Object.entries(model.bounds)) if (bound > 15) throw new Error(`check: at most 15 ${name}`)
  const cuts: Array<number> = []
  // Isolating a set is isolating its complement: enumerate the sides without node 0.
  for (let mask = 1; mask < 1 << (ids.length - 1); mask++) cuts.push(mask << 1)
  return {
    model, ring, ids, nodeIndex, keys: model.keys, keyIndex,
    top: model.keys.map((key) => preferenceList(ring, key, model.protocol.n).map((id) => nodeIndex.get(id)!)),
    writes, writeIndex, requestIds, writeOf, requestClient, cuts, cache: newTransitionCache()
  }
}

// ---- the world state -------------------------------------------------------------------------

export interface PendingPersist {
  readonly token: number
  readonly record: PersistRecord
  readonly fp: Fp
}

/** What a node slot is made of; the fingerprints are derived (see `slotOf`). */
export interface SlotParts {
  /** undefined while crashed. */
  readonly state: NodeState | undefined
  readonly disk: DurableState
  /** Persists emitted and not yet durable, in emission order. Lost on a crash. */
  readonly pending: ReadonlyArray<PendingPersist>
  /** Armed timers, sorted by timerKey. */
  readonly timers: ReadonlyArray<Timer>
  /** Starts so far: the epoch floor of the next start. */
  readonly starts: number
  readonly diskLost: boolean
}

/**
 * One node of the world, with the fingerprints of its parts kept beside them (no WeakMap): a
 * transition rebuilds only the slot of the node it stepped, reusing the fingerprints of every
 * part (and every node-state field) it did not change. The state and the disk come with the
 * checker's record of each (fingerprint, cached transitions).
 */
export interface NodeSlot extends SlotParts {
  readonly stateInfo: NodeStateInfo | undefined
  readonly diskInfo: DiskInfo
  readonly pendingFp: Fp
  readonly timersFp: Fp
  /**
   * The slot's own fingerprint, computed when a world is fingerprinted (see `slotFp`): a
   * transition often rebuilds a slot twice (a persist completes, then the node steps), and only
   * the last one is ever hashed.
   */
  fp: Fp | undefined
}

/** A message in flight; `fp` identifies equal copies (the multiset is sorted by it). */
export interface Packet {
  readonly from: number
  readonly to: number
  readonly message: PeerMessage
  readonly fp: Fp
}

export interface PendingRequest {
  readonly id: string
  readonly node: number
  /** The contact node's `starts` when the request was sent: a restart means no reply will come. */
  readonly starts: number
  /** Writes acknowledged before this request was sent (QUORUM-1). */
  readonly ackedBefore: number
}

export interface ClientSlot {
  readonly fp: Fp
  /** Operations sent so far. */
  readonly next: number
  readonly pending: PendingRequest | undefined
  /** Per key: the events of the siblings of the last reply (what a read-modify-write has seen). */
  readonly seen: ReadonlyArray<number>
  /** Per key: the context of the last reply. */
  readonly context: ReadonlyArray<VClock>
}

/** Faults of each kind used so far: one counter per bound of CheckBounds. */
export type Used = { readonly [K in keyof CheckBounds]: number }

export interface WorldState {
  readonly nodes: ReadonlyArray<NodeSlot>
  readonly flight: ReadonlyArray<Packet>
  readonly clients: ReadonlyArray<ClientSlot>
  /** The oracle: per write, the mask of writes in its causal past (itself included); 0 = not sent. */
  readonly histories: ReadonlyArray<number>
  readonly acked: number
  /** Per write: the acknowledging nodes that still have the disk they had when they acknowledged. */
  readonly ackersLeft: ReadonlyArray<number>
  /** Acknowledged writes every acknowledger of which lost its disk (DUR-1 excuses them). */
  readonly excused: number
  readonly used: Used
  /** Nodes cut off from the rest (0: no partition). */
  readonly cut: number
  /** Logical time: the number of client operations sent so far (see `now` in spec/traces.md). */
  readonly now: number
  readonly fp: Fp
}

export type Action =
  | { readonly _tag: "Issue"; readonly client: number }
  | { readonly _tag: "GiveUp"; readonly client: number }
  | { readonly _tag: "Deliver"; readonly packet: number }
  | { readonly _tag: "Persist"; readonly node: number }
  /** `pick`: the interpreter's choice a periodic timer needs (a gossip or anti-entropy peer). */
  | { readonly _tag: "Fire"; readonly node: number; readonly timer: number; readonly pick?: number }
  | { readonly _tag: "Drop"; readonly packet: number }
  | { readonly _tag: "Duplicate"; readonly packet: number }
  | { readonly _tag: "Crash"; readonly node: number }
  | { readonly _tag: "LoseDisk"; readonly node: number }
  | { readonly _tag: "Restart"; readonly node: number }
  | { readonly _tag: "Partition"; readonly cut: number }
  | { readonly _tag: "Heal" }

export interface Violation {
  readonly invariant: string
  readonly message: string
}

/** Collects what a re-run records for a trace: every node step and every reply, in order. */
export interface Recorder {
  readonly steps: Array<TraceStep>
  readonly replies: Array<{ readonly at: number; readonly reply: ClientReply }>
}

export interface Transition {
  readonly state: WorldState
  readonly violation: Violation | undefined
  /** Bits of SOMETIMES that this transition exercised. */
  readonly flags: number
}

/** Things that must happen somewhere in a run, or the invariants may hold vacuously. */
export const SOMETIMES = [
  "siblings",
  "put-acknowledged",
  "get-answered",
  "request-failed",
  "crash-before-ack",
  "message-lost",
  "duplicate-delivered",
  "read-repair",
  "hint-stored",
  "hint-delivered",
  "forwarded",
  "settled"
] as const
export type Sometimes = (typeof SOMETIMES)[number]
const flag = (name: Sometimes): number => 1 << SOMETIMES.indexOf(name)
const F_SIBLINGS = flag("siblings")
const F_PUT_ACKED = flag("put-acknowledged")
const F_GET_OK = flag("get-answered")
const F_FAILED = flag("request-failed")
const F_CRASH_PENDING = flag("crash-before-ack")
const F_LOST = flag("message-lost")
const F_DUP = flag("duplicate-delivered")
const F_REPAIR = flag("read-repair")
const F_HINT_STORED = flag("hint-stored")
const F_HINT_DELIVERED = flag("hint-delivered")
const F_FORWARDED = flag("forwarded")
export const F_SETTLED = flag("settled")

// ---- the oracle on masks ---------------------------------------------------------------------

const bit = (i: number): number => 1 << i

/** The event a sibling stands for: the written value, or the tombstone's id (as in the simulator). */

const eventsCache = new WeakMap<object, { readonly all: number; readonly live: number }>()

/** The events of a version set as masks: every sibling, and the live (non-tombstone) ones. */
const setEvents = (c: Compiled, set: VersionSet): { readonly all: number; readonly live: number } => {
  let events = eventsCache.get(set)
  if (events === undefined) {
    let all = 0
    let live = 0
    for (const value of siblingValues(set)) {
      const w = c.writeIndex.get(eventOf(value))
      if (w === undefined) continue
      all |= bit(w)
      if (value._tag === "Put") live |= bit(w)
    }
    events = { all, live }
    eventsCache.set(set, events)
  }
  return events
}

const valuesMask = (c: Compiled, values: ReadonlyArray<Value>): number => {
  let mask = 0
  for (const value of values) {
    const w = c.writeIndex.get(eventOf(value))
    if (w !== undefined) mask |= bit(w)
  }
  return mask
}

/** Every event in the causal past of some event of `mask`. */
const coverage = (histories: ReadonlyArray<number>, mask: number): number => {
  let covered = 0
  for (let m = mask; m !== 0; m &= m - 1) covered |= histories[31 - Math.clz32(m & -m)]!
  return covered
}

const eventNames = (c: Compiled, mask: number): string => {
  const names: Array<string> = []
  for (let m = mask; m !== 0; m &= m - 1) names.push(c.writes[31 - Math.clz32(m & -m)]!.id)
  return `[${names.join(", ")}]`
}

const storeSetOf = (c: Compiled, store: HashMap.HashMap<string, VersionSet>, key: string): VersionSet =>
  Option.getOrElse(HashMap.get(store, key), () => emptyVersionSet(c.model.protocol.versions.mode))

/**
 * What a disk covers: every event in the past of an event it holds, any key, hints included.
 * Kept in the disk's info: the events it holds were sent before it was written, so their
 * histories are the same in every world that shares it.
 */
const diskCoverage = (c: Compiled, histories: ReadonlyArray<number>, info: DiskInfo): number => {
  if (info.coverage < 0) {
    let held = 0
    for (const set of HashMap.values(info.disk.store)) held |= setEvents(c, set).all
    for (const hint of HashMap.values(info.disk.hints)) held |= setEvents(c, hint.set).all
    info.coverage = coverage(histories, held)
  }
  return info.coverage
}

/**
 * The events of `key` a disk holds as its own replica. Hints it keeps for other nodes do not
 * count: a hint deleted because the intended node acknowledged it must be in that node's own
 * store (HINT-1), not parked there as a hint for a third node.
 */
const diskKeyEvents = (c: Compiled, disk: DurableState, key: string): number => setEvents(c, storeSetOf(c, disk.store, key)).all

// ---- fingerprints ------------------------------------------------------------------------------

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
const nodeStateInfo = (c: Compiled, state: NodeState, base: NodeStateInfo | undefined): NodeStateInfo => {
  const record = state as unknown as Record<string, unknown>
  const parent = base === undefined ? undefined : (base.state as unknown as Record<string, unknown>)
  const fields = base !== undefined && sameFields(base.fields.names, record) ? base.fields : fieldsOf(record)
  const reuse = base !== undefined && base.fields === fields
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
    const part = reuse && parent![field] === value ? base.parts[i]! : valueFp(value)
    parts.push(part)
    h.word(fields.words[i]!).fp(part)
  }
  return { state, fields, parts, fp: h.finish(), memo: undefined }
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
const diskInfoOf = (disk: DurableState): DiskInfo => {
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

const EMPTY_PENDING: ReadonlyArray<PendingPersist> = []
const EMPTY_TIMERS: ReadonlyArray<Timer> = []
const EMPTY_LIST_FP = leaf.reset().word(0).finish()

const pendingFp = (pending: ReadonlyArray<PendingPersist>): Fp => {
  if (pending.length === 0) return EMPTY_LIST_FP
  const h = leaf.reset().word(pending.length)
  for (let i = 0; i < pending.length; i++) h.fp(pending[i]!.fp)
  return h.finish()
}

const pendingEntry = (token: number, record: PersistRecord): PendingPersist => {
  const recordFp = valueFp(record)
  return { token, record, fp: leaf.reset().word(token).fp(recordFp).finish() }
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

const timersFp = (timers: ReadonlyArray<Timer>): Fp => {
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
    readonly starts: number, readonly diskLost: boolean
  ) {
    this.state = stateInfo === undefined ? undefined : stateInfo.state
    this.disk = diskInfo.disk
  }
}

const slotOf = (
  stateInfo: NodeStateInfo | undefined, diskInfo: DiskInfo, pending: ReadonlyArray<PendingPersist>, pendingFp: Fp,
  timers: ReadonlyArray<Timer>, timersFp: Fp, starts: number, diskLost: boolean
): NodeSlot => new Slot(stateInfo, diskInfo, pending, pendingFp, timers, timersFp, starts, diskLost)

class World implements WorldState {
  constructor(
    readonly nodes: ReadonlyArray<NodeSlot>, readonly flight: ReadonlyArray<Packet>, readonly clients: ReadonlyArray<ClientSlot>,
    readonly histories: ReadonlyArray<number>, readonly acked: number, readonly ackersLeft: ReadonlyArray<number>,
    readonly excused: number, readonly used: Used, readonly cut: number, readonly now: number, readonly fp: Fp
  ) {}
}

class TransitionResult implements Transition {
  constructor(readonly state: WorldState, readonly violation: Violation | undefined, readonly flags: number) {}
}

/** The two inputs fed on nearly every transition (a delivery, a persist completing). */
class ReceiveInput {
  readonly _tag = "Receive"
  constructor(readonly from: string, readonly message: PeerMessage) {}
}

class PersistDoneInput {
  readonly _tag = "PersistDone"
  constructor(readonly token: number) {}
}

/** For the combinations of fingerprints below (slots, the world). */
const combiner = new Combiner()

/** A slot's fingerprint, computed once (slots are shared by a world and its successors). */
const slotFp = (slot: NodeSlot): Fp => {
  let fp = slot.fp
  if (fp === undefined) {
    const h = combiner.reset()
    if (slot.stateInfo === undefined) h.word(DOWN)
    else h.fp(slot.stateInfo.fp)
    fp = h.fp(slot.diskInfo.fp).fp(slot.pendingFp).fp(slot.timersFp).word(slot.starts | (slot.diskLost ? 1 << 16 : 0)).finish()
    slot.fp = fp
  }
  return fp
}

/** Contexts are the clocks of replies, immutable and shared: hashed once each. */
const contextFps = new WeakMap<VClock, Fp>()
const contextFp = (context: VClock): Fp => fpOnce(contextFps, context)

const NO_REQUEST = 0x4e4f5251

const makeClient = (client: Omit<ClientSlot, "fp">): ClientSlot => {
  const { next, pending, seen, context } = client
  for (let i = 0; i < context.length; i++) contextFp(context[i]!)
  const h = new Hasher().word(next)
  if (pending === undefined) h.word(NO_REQUEST)
  else h.string(pending.id).word(pending.node).word(pending.starts).word(pending.ackedBefore)
  for (let i = 0; i < seen.length; i++) h.word(seen[i]!)
  for (let i = 0; i < context.length; i++) h.fp(contextFps.get(context[i]!)!)
  return { next, pending, seen, context, fp: h.finish() }
}

const packetFp = (from: number, to: number, message: PeerMessage): Fp => {
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
const worldFp = (w: Omit<WorldState, "fp">): Fp => {
  const nodes = w.nodes
  for (let i = 0; i < nodes.length; i++) slotFp(nodes[i]!)
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
  const ackersLeft = w.ackersLeft
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

const comparePackets = (a: Fp, b: Fp): number => a.hi - b.hi || a.lo - b.lo

// ---- transitions -----------------------------------------------------------------------------

/** A change to a node slot (see `Draft.setSlot`): a state (undefined: crashed) or disk comes with its info. */
interface SlotPatch {
  readonly stateInfo?: NodeStateInfo | undefined
  readonly diskInfo?: DiskInfo
  readonly pending?: ReadonlyArray<PendingPersist>
  readonly timers?: ReadonlyArray<Timer>
  readonly starts?: number
  readonly diskLost?: boolean
}

/** A world being changed by one transition; `freeze` makes the next immutable world. */
class Draft {
  nodes!: Array<NodeSlot>
  flight!: Array<Packet>
  clients!: Array<ClientSlot>
  histories!: Array<number>
  acked!: number
  ackersLeft!: Array<number>
  excused!: number
  used!: Used
  cut!: number
  now!: number
  violation: Violation | undefined = undefined
  flags = 0
  c!: Compiled
  rec: Recorder | undefined

  constructor(readonlyWorld: WorldState, c: Compiled, rec: Recorder | undefined) {
    this.reset(readonlyWorld, c, rec)
  }

  /** Start over from `readonlyWorld` (one draft serves every `apply`: see `draftFor`). */
  reset(readonlyWorld: WorldState, c: Compiled, rec: Recorder | undefined): this {
    this.violation = undefined
    this.flags = 0
    this.c = c
    this.rec = rec
    this.nodes = readonlyWorld.nodes.slice()
    this.flight = readonlyWorld.flight.slice()
    this.clients = readonlyWorld.clients.slice()
    this.histories = readonlyWorld.histories as Array<number>
    this.acked = readonlyWorld.acked
    this.ackersLeft = readonlyWorld.ackersLeft as Array<number>
    this.excused = readonlyWorld.excused
    this.used = readonlyWorld.used
    this.cut = readonlyWorld.cut
    this.now = readonlyWorld.now
    return this
  }

  freeze(): WorldState {
    return new World(
      this.nodes, this.flight, this.clients, this.histories, this.acked, this.ackersLeft, this.excused, this.used,
      this.cut, this.now, worldFp(this)
    )
  }

  /** Replace node `i`'s slot by `prev` changed as `patch` says, fingerprints kept up to date. */
  setSlot(i: number, patch: SlotPatch): void {
    const prev = this.nodes[i]!
    const pending = patch.pending ?? prev.pending
    const timers = patch.timers ?? prev.timers
    this.nodes[i] = slotOf(
      "stateInfo" in patch ? patch.stateInfo : prev.stateInfo,
      patch.diskInfo ?? prev.diskInfo,
      pending, pending === prev.pending ? prev.pendingFp : pendingFp(pending),
      timers, timers === prev.timers ? prev.timersFp : timersFp(timers),
      patch.starts ?? prev.starts,
      patch.diskLost ?? prev.diskLost
    )
  }

  setClient(i: number, patch: Partial<Omit<ClientSlot, "fp">>): void {
    const prev = this.clients[i]!
    this.clients[i] = makeClient({
      next: patch.next ?? prev.next,
      pending: "pending" in patch ? patch.pending : prev.pending,
      seen: patch.seen ?? prev.seen,
      context: patch.context ?? prev.context
    })
  }

  violate(invariant: string, message: string): void {
    if (this.violation === undefined) this.violation = { invariant, message }
  }

  record(node: number, event: TraceStep["event"]): void {
    this.rec?.steps.push({ at: this.now, node: this.c.ids[node]!, event })
  }

  blocked(from: number, to: number): boolean {
    return ((this.cut >>> from) & 1) !== ((this.cut >>> to) & 1)
  }

  addPacket(packet: Packet): void {
    const flight = this.flight
    let low = 0
    let high = flight.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (comparePackets(flight[mid]!.fp, packet.fp) <= 0) low = mid + 1
      else high = mid
    }
    flight.splice(low, 0, packet)
  }
}

const emptyWorld = (c: Compiled): WorldState => {
  const world = {
    nodes: c.ids.map(() => slotOf(undefined, c.cache.emptyDisk, EMPTY_PENDING, EMPTY_LIST_FP, EMPTY_TIMERS, EMPTY_LIST_FP, 0, false)),
    flight: [],
    clients: c.model.clients.map(() => makeClient({
      next: 0, pending: undefined, seen: c.keys.map(() => 0), context: c.keys.map(() => emptyVClock)
    })),
    histories: c.writes.map(() => 0),
    acked: 0,
    ackersLeft: c.writes.map(() => 0),
    excused: 0,
    used: { crashes: 0, diskLosses: 0, drops: 0, dups: 0, partitions: 0, periodic: 0 },
    cut: 0,
    now: 0
  }
  return new World(
    world.nodes, world.flight, world.clients, world.histories, world.acked, world.ackersLeft, world.excused, world.used,
    world.cut, world.now, worldFp(world)
  )
}

/** Every node started from an empty disk, its first epoch durable: where every execution begins. */
export const initialWorld = (c: Compiled, rec?: Recorder): WorldState => {
  const d = new Draft(emptyWorld(c), c, rec)
  for (let i = 0; i < c.ids.length; i++) {
    restart(d, i)
    completePersist(d, i)
  }
  if (d.violation !== undefined) throw new Error(`check: the initial state violates ${d.violation.invariant}: ${d.violation.message}`)
  return d.freeze()
}

/**
 * One step of one node, prepared for any world it happens in: the new state with its
 * fingerprint, the effects sorted by what they touch (packets with their fingerprints, timer
 * changes, persists, replies), and what the invariant checks need of them that depends on the
 * step alone. Cached (memo.ts): only the first time costs a `step`.
 */
interface StepOutcome {
  readonly stateInfo: NodeStateInfo
  readonly packets: ReadonlyArray<Packet>
  /** SOMETIMES flags of the step itself: a repair or a forward sent, a hint stored or deleted. */
  readonly flags: number
  readonly timerEffects: ReadonlyArray<NodeEffect>
  readonly persists: ReadonlyArray<PendingPersist>
  readonly persistChecks: ReadonlyArray<PersistCheck>
  readonly replies: ReadonlyArray<ReplyFacts>
  /** What these effects made of the last timers and pending persists they were applied to. */
  timersIn: ReadonlyArray<Timer> | undefined
  timersOut: ReadonlyArray<Timer>
  timersOutFp: Fp
  pendingIn: ReadonlyArray<PendingPersist> | undefined
  pendingOut: ReadonlyArray<PendingPersist>
  pendingOutFp: Fp
}

/**
 * What SIB-1 and HINT-1 need of one persisted record (see `checkPersists`): for a key's new set,
 * the events it holds and those it must cover (what the replica held and what it received); for
 * a deleted hint, the events of the hint and whose disk must hold them.
 */
type PersistCheck =
  | { readonly _tag: "StoreKey"; readonly key: string; readonly held: number; readonly needed: number }
  | { readonly _tag: "DeleteHint"; readonly intended: string; readonly intendedIndex: number; readonly key: string; readonly events: number }

/** A reply with what its client and the checks need of it, resolved once. */
interface ReplyFacts {
  readonly reply: ClientReply
  /** The client that sent the request, if any. */
  readonly owner: number | undefined
  /** The events of the siblings it lists (0 for a failure). */
  readonly events: number
  /** A get answered by home replicas only (QUORUM-1 judges those). */
  readonly home: boolean
  /** For an acknowledged put: its write and the mask of the nodes that acknowledged it. */
  readonly write: number | undefined
  readonly ackers: number
}

const INPUT_START = 1
const INPUT_CLIENT = 2
const INPUT_RECEIVE = 3
const INPUT_TIMER = 4
const INPUT_PERSIST_DONE = 5
const INPUT_ADMIN = 6
const INPUT_PEER_UNREACHABLE = 7
const INPUT_BELIEFS = 8

/**
 * `step`, through the cache. An input is keyed by what the core reads of it: a message or a
 * timer by identity (with the sender, the pick), a persist by its token, a start by its floor,
 * a client request by its id (which fixes its kind, key and value) and its context (identity).
 */
const stepOnce = (c: Compiled, node: number, info: NodeStateInfo, input: NodeInput, now: number): StepOutcome => {
  let kind: number
  let a: unknown
  let b: unknown
  switch (input._tag) {
    case "Start":
      kind = INPUT_START
      a = input.epochFloor
      b = undefined
      break
    case "Client":
      kind = INPUT_CLIENT
      a = input.request.id
      b = input.request._tag === "Get" ? input.request.r : input.request.context
      break
    case "Receive":
      kind = INPUT_RECEIVE
      a = input.message
      b = input.from
      break
    case "TimerFired":
      kind = INPUT_TIMER
      a = input.timer
      b = input.pick
      break
    case "PersistDone":
      kind = INPUT_PERSIST_DONE
      a = input.token
      b = undefined
      break
    case "Admin":
      kind = INPUT_ADMIN
      a = input
      b = undefined
      break
    case "PeerUnreachable":
      kind = INPUT_PEER_UNREACHABLE
      a = input.node
      b = undefined
      break
    case "Beliefs":
      kind = INPUT_BELIEFS
      a = input
      b = undefined
      break
  }
  const steps = c.cache.steps
  const found = steps.find<StepOutcome>(info, kind, a, b, now)
  if (found !== undefined) return found
  const result = step(info.state, input, now)
  return steps.store(info, kind, a, b, now, prepareOutcome(c, node, info, input, result.state, result.effects))
}

const prepareOutcome = (
  c: Compiled, node: number, base: NodeStateInfo, input: NodeInput, state: NodeState, effects: ReadonlyArray<NodeEffect>
): StepOutcome => {
  const packets: Array<Packet> = []
  const timerEffects: Array<NodeEffect> = []
  const persists: Array<PendingPersist> = []
  const persistChecks: Array<PersistCheck> = []
  const replies: Array<ReplyFacts> = []
  let flags = 0
  for (const effect of effects) {
    switch (effect._tag) {
      case "Send": {
        const to = c.nodeIndex.get(effect.to)
        if (to === undefined) throw new Error(`check: a message to unknown node ${effect.to}`)
        if (effect.message._tag === "Repair") flags |= F_REPAIR
        if (effect.message._tag === "Forward") flags |= F_FORWARDED
        packets.push({ from: node, to, message: effect.message, fp: packetFp(node, to, effect.message) })
        break
      }
      case "SetTimer":
      case "CancelTimer":
        timerEffects.push(effect)
        break
      case "Persist":
        persists.push(pendingEntry(effect.token, effect.record))
        flags |= persistFacts(c, base.state, input, effect.record, persistChecks)
        break
      case "Reply":
        replies.push(replyFacts(c, effect.reply))
        break
    }
  }
  return {
    stateInfo: state === base.state ? base : nodeStateInfo(c, state, base), packets, flags, timerEffects, persists, persistChecks, replies,
    timersIn: undefined, timersOut: EMPTY_TIMERS, timersOutFp: EMPTY_LIST_FP,
    pendingIn: undefined, pendingOut: EMPTY_PENDING, pendingOutFp: EMPTY_LIST_FP
  }
}

/** The timers after `outcome`'s timer effects, from `timers` (left in `timersOut`, `timersOutFp`). */
const applyTimerEffects = (outcome: StepOutcome, timers: ReadonlyArray<Timer>): void => {
  if (outcome.timersIn === timers) return
  let next = timers
  for (const effect of outcome.timerEffects) {
    if (effect._tag === "SetTimer") next = armTimer(next, effect.timer)
    else if (effect._tag === "CancelTimer") next = disarmTimer(next, effect.timer)
  }
  outcome.timersIn = timers
  outcome.timersOut = next
  outcome.timersOutFp = timersFp(next)
}

/** The pending persists after `outcome`'s, from `pending` (left in `pendingOut`, `pendingOutFp`). */
const appendPersists = (outcome: StepOutcome, pending: ReadonlyArray<PendingPersist>): void => {
  if (outcome.pendingIn === pending) return
  const next = pending.concat(outcome.persists)
  outcome.pendingIn = pending
  outcome.pendingOut = next
  outcome.pendingOutFp = pendingFp(next)
}

/** Feed one input to one live node through the core, check it, and perform its effects. */
const feed = (d: Draft, node: number, input: NodeInput): void => {
  const slot = d.nodes[node]!
  feedWith(d, node, input, slot.diskInfo, slot.pending, slot.pendingFp)
}

/**
 * `feed`, the node's disk and pending persists being `diskInfo` and `pending` rather than its
 * slot's (a persist just completed: one slot built instead of two).
 */
const feedWith = (d: Draft, node: number, input: NodeInput, diskInfo: DiskInfo, pending: ReadonlyArray<PendingPersist>, pendingFp: Fp): void => {
  const slot = d.nodes[node]!
  const info = slot.stateInfo
  if (info === undefined) throw new Error(`check: input ${input._tag} to ${d.c.ids[node]}, which is down`)
  if (d.rec !== undefined) d.record(node, { _tag: "Input", input })
  const outcome = stepOnce(d.c, node, info, input, d.now)
  if (outcome.persistChecks.length > 0) checkPersists(d, node, diskInfo.disk, outcome.persistChecks)
  d.flags |= outcome.flags
  for (const packet of outcome.packets) send(d, packet)
  let timers = slot.timers
  let timersFp = slot.timersFp
  if (outcome.timerEffects.length > 0) {
    applyTimerEffects(outcome, timers)
    timers = outcome.timersOut
    timersFp = outcome.timersOutFp
  }
  if (outcome.persists.length > 0) {
    appendPersists(outcome, pending)
    pending = outcome.pendingOut
    pendingFp = outcome.pendingOutFp
  }
  d.nodes[node] = slotOf(outcome.stateInfo, diskInfo, pending, pendingFp, timers, timersFp, slot.starts, slot.diskLost)
  for (const facts of outcome.replies) clientReply(d, facts)
}

const send = (d: Draft, packet: Packet): void => {
  // A message to a crashed node, or across the cut, is lost (as the simulator drops it).
  if (d.nodes[packet.to]!.state === undefined || d.blocked(packet.from, packet.to)) {
    d.flags |= F_LOST
    return
  }
  d.addPacket(packet)
}

const incomingEvents = (c: Compiled, input: NodeInput, key: string): number => {
  if (input._tag === "Client") {
    const request = input.request
    if (request.key !== key || request._tag === "Get") return 0
    const w = c.writeIndex.get(request.id)
    return w === undefined ? 0 : bit(w)
  }
  if (input._tag !== "Receive") return 0
  const message = input.message
  switch (message._tag) {
    case "Replicate":
    case "Repair":
      return message.key === key && message.hintFor === undefined ? setEvents(c, message.set).all : 0
    case "HintDeliver":
      return message.key === key ? setEvents(c, message.set).all : 0
    default:
      return 0
  }
}

/**
 * What the checks of one persisted record need that depends on the step alone (the state it
 * started from, the input, the record), appended to `checks`; returns its SOMETIMES flags.
 */
const persistFacts = (c: Compiled, before: NodeState, input: NodeInput, record: PersistRecord, checks: Array<PersistCheck>): number => {
  switch (record._tag) {
    case "StoreKey": {
      const needed = setEvents(c, storeSetOf(c, localStore(before), record.key)).all | incomingEvents(c, input, record.key)
      checks.push({ _tag: "StoreKey", key: record.key, held: setEvents(c, record.set).all, needed })
      return 0
    }
    case "StoreHint":
      return F_HINT_STORED
    case "DeleteHint": {
      const hint = Option.getOrUndefined(HashMap.get(hintsHeld(before), hintId(record.intended, record.key)))
      const intendedIndex = c.nodeIndex.get(record.intended)
      if (c.model.checks.hint && hint !== undefined && intendedIndex !== undefined) {
        checks.push({ _tag: "DeleteHint", intended: record.intended, intendedIndex, key: record.key, events: setEvents(c, hint.set).all })
      }
      return F_HINT_DELIVERED
    }
    default:
      return 0
  }
}

/** SIB-1 at the replica and HINT-1 at hint deletion, on what a step persists (as the simulator). */
const checkPersists = (d: Draft, node: number, ownDisk: DurableState, persistChecks: ReadonlyArray<PersistCheck>): void => {
  const c = d.c
  const checks = c.model.checks
  const id = c.ids[node]!
  for (const check of persistChecks) {
    switch (check._tag) {
      case "StoreKey": {
        const now = check.held
        if (checks.sibDrop) {
          const dropped = check.needed & ~coverage(d.histories, now)
          if (dropped !== 0) {
            d.violate("SIB-1", `${id} dropped ${eventNames(c, dropped)} from ${check.key}: it now holds ${eventNames(c, now)}, none of which has seen it`)
          }
        }
        if (checks.sibStoreAntichain) {
          for (let m = now; m !== 0; m &= m - 1) {
            const a = 31 - Math.clz32(m & -m)
            const older = d.histories[a]! & now & ~bit(a)
            if (older !== 0) {
              d.violate("SIB-1", `${id} keeps ${eventNames(c, older)} beside ${c.writes[a]!.id} in ${check.key}, though ${c.writes[a]!.id} has seen it`)
            }
          }
        }
        break
      }
      case "DeleteHint": {
        const intended = d.nodes[check.intendedIndex]!
        if (intended.diskLost) break
        const disk = check.intendedIndex === node ? ownDisk : intended.disk
        const held = coverage(d.histories, diskKeyEvents(c, disk, check.key))
        const missing = check.events & ~held
        if (missing !== 0) {
          d.violate("HINT-1", `${id} deleted its hint for ${check.intended}/${check.key} but ${check.intended}'s disk does not hold ${eventNames(c, missing)}`)
        }
        break
      }
    }
  }
}

/** What `clientReply` needs of a reply that depends on the reply alone. */
const replyFacts = (c: Compiled, reply: ClientReply): ReplyFacts => {
  const owner = c.requestClient.get(reply.id)
  if (reply._tag === "Failed") return { reply, owner, events: 0, home: false, write: undefined, ackers: 0 }
  const events = valuesMask(c, reply.siblings)
  if (reply._tag === "GetOk") {
    const key = c.keyIndex.get(reply.key)!
    const home = reply.nodes.every((node) => c.top[key]!.includes(c.nodeIndex.get(node)!))
    return { reply, owner, events, home, write: undefined, ackers: 0 }
  }
  let ackers = 0
  for (const node of reply.nodes) ackers |= bit(c.nodeIndex.get(node)!)
  return { reply, owner, events, home: false, write: c.writeIndex.get(reply.id), ackers }
}

/**
 * AVAIL-1, AVAIL-2 (model.ts, `checks.avail`): judged from the world alone. With no loss and no
 * cut in the whole execution and timeouts that fire only when nothing is in flight, a node that
 * has never crashed was up and reachable for the request's whole life; if W (R) such nodes
 * exist, the contact node among them, the request must not fail. The state holds no history of
 * when each crash happened, so crashed-and-restarted nodes are not counted (a bounded check, not
 * the premise's full reach: the simulator judges that).
 */
const checkAvailability = (d: Draft, pending: PendingRequest, reply: Extract<ClientReply, { _tag: "Failed" }>): void => {
  const c = d.c
  if (c.model.timing !== "prompt" || d.used.drops > 0 || d.used.partitions > 0 || d.cut !== 0) return
  if (reply.error === "TooManySiblings" || reply.error === "BadQuorum" || reply.error === "ForwardTimeout") return
  const neverCrashed = (i: number) => d.nodes[i]!.state !== undefined && d.nodes[i]!.starts === 1
  if (!neverCrashed(pending.node)) return
  const get = c.model.clients.some((script, i) => c.requestIds[i]!.some((id, j) => id === pending.id && script[j]!.kind === "get"))
  const quorum = get ? c.model.protocol.r : c.model.protocol.w
  const up = c.ids.filter((_, i) => neverCrashed(i))
  if (up.length < quorum) return
  d.violate(get ? "AVAIL-2" : "AVAIL-1", `${get ? "get" : "put"} ${reply.id} of ${reply.key} sent to ${c.ids[pending.node]} failed (${reply.error}), though [${up.join(", ")}] ran without a crash throughout, no message was lost and no partition happened (${get ? `R=${c.model.protocol.r}` : `W=${c.model.protocol.w}`})`)
}

/** A reply reaches its client: SIB-1 on what it lists, QUORUM-1, and the client moves on. */
const clientReply = (d: Draft, facts: ReplyFacts): void => {
  const c = d.c
  const { reply, owner, events } = facts
  d.rec?.replies.push({ at: d.now, reply })
  const client = owner === undefined ? undefined : d.clients[owner]
  const mine = client !== undefined && client.pending?.id === reply.id
  if (reply._tag === "Failed") {
    d.flags |= F_FAILED
    if (mine && c.model.checks.avail) checkAvailability(d, client.pending!, reply)
  } else {
    if (reply.siblings.length > 1) d.flags |= F_SIBLINGS
    if (c.model.checks.sibReplyAntichain) {
      for (let m = events; m !== 0; m &= m - 1) {
        const a = 31 - Math.clz32(m & -m)
        const older = d.histories[a]! & events & ~bit(a)
        if (older !== 0) {
          const truncation = c.model.protocol.versions.truncateAt === undefined
            ? ""
            : ` (false siblings: truncation to ${c.model.protocol.versions.truncateAt} clock ${c.model.protocol.versions.truncateAt === 1 ? "entry" : "entries"} made them look concurrent; TRUNC-1 allows this, it never loses a write)`
          d.violate("SIB-1", `${reply._tag} ${reply.id} of ${reply.key} listed ${eventNames(c, older)} beside ${c.writes[a]!.id}, though ${c.writes[a]!.id} has seen it${truncation}`)
        }
      }
    }
    if (reply._tag === "GetOk") {
      d.flags |= F_GET_OK
      // QUORUM-1 as the paper states it: R + W > N makes read and write quorums intersect. Judged
      // for gets answered by home replicas only, so a miss means the write's quorum was sloppy:
      // fallbacks took some of its W acknowledgements, outside every read quorum of home nodes.
      if (mine && c.model.checks.quorum && facts.home) {
        const missed = client.pending!.ackedBefore & ~coverage(d.histories, events)
        if (missed !== 0) {
          const p = c.model.protocol
          const w = 31 - Math.clz32(missed & -missed)
          const ackers: Array<string> = []
          for (let m = d.ackersLeft[w]!; m !== 0; m &= m - 1) ackers.push(c.ids[31 - Math.clz32(m & -m)]!)
          d.violate("QUORUM-1", `get ${reply.id} of ${reply.key}, answered by home replicas [${reply.nodes.join(", ")}], missed ${c.writes[w]!.id}, acknowledged before the get was sent by [${ackers.join(", ")}] (R=${p.r}, W=${p.w}, N=${p.n}: a sloppy write quorum)`)
        }
      }
    } else {
      d.flags |= F_PUT_ACKED
      const w = facts.write
      if (w !== undefined && (d.acked & bit(w)) === 0) {
        d.acked |= bit(w)
        d.ackersLeft = d.ackersLeft.slice()
        d.ackersLeft[w] = facts.ackers
      }
    }
    if (mine) {
      const key = c.keyIndex.get(reply.key)!
      const seen = client.seen.slice()
      const context = client.context.slice()
      seen[key] = events
      context[key] = reply.context
      d.setClient(owner!, { pending: undefined, seen, context })
      return
    }
  }
  if (mine) d.setClient(owner!, { pending: undefined })
}

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

const restart = (d: Draft, node: number): void => {
  const slot = d.nodes[node]!
  const starts = slot.starts + 1
  d.record(node, { _tag: "Recover" })
  d.setSlot(node, { stateInfo: recoverOnce(d.c, node, slot.diskInfo), pending: EMPTY_PENDING, timers: EMPTY_TIMERS, starts })
  feed(d, node, { _tag: "Start", epochFloor: starts })
}

const completePersist = (d: Draft, node: number): void => {
  const slot = d.nodes[node]!
  const first = slot.pending[0]
  if (first === undefined) throw new Error("check: no persist to complete")
  const pending = slot.pending.length === 1 ? EMPTY_PENDING : slot.pending.slice(1)
  const diskInfo = applyOnce(d.c, slot.diskInfo, first.record)
  feedWith(d, node, new PersistDoneInput(first.token), diskInfo, pending, pendingFp(pending))
}

const crash = (d: Draft, node: number, loseDisk: boolean): void => {
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

const fire = (d: Draft, node: number, timer: Timer, pick?: number): void => {
  const slot = d.nodes[node]!
  d.setSlot(node, { timers: disarmTimer(slot.timers, timer) })
  feed(d, node, firingOf(timer, pick))
}

const deliver = (d: Draft, index: number): void => {
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

const issue = (d: Draft, client: number): void => {
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
const checkDurability = (d: Draft): void => {
  if (!d.c.model.checks.dur || d.acked === 0 || d.violation !== undefined) return
  let covered = 0
  for (const slot of d.nodes) covered |= diskCoverage(d.c, d.histories, slot.diskInfo)
  const lost = d.acked & ~d.excused & ~covered
  if (lost !== 0) {
    const w = 31 - Math.clz32(lost & -lost)
    const nodes: Array<string> = []
    for (let m = d.ackersLeft[w]!; m !== 0; m &= m - 1) nodes.push(d.c.ids[31 - Math.clz32(m & -m)]!)
    d.violate("DUR-1", `${d.c.writes[w]!.id} on ${d.c.keys[d.c.writes[w]!.key]} was acknowledged by [${nodes.join(", ")}] but no disk holds it or a version that has seen it`)
  }
}

// ---- enabled actions -------------------------------------------------------------------------

const isOneShot = (timer: Timer): boolean => timer._tag === "RequestTimer" || timer._tag === "ForwardTimer"

const NO_PICK: ReadonlyArray<number | undefined> = [undefined]
const NEVER: ReadonlyArray<number | undefined> = []
const picksBelow = (count: number): ReadonlyArray<number> => Array.from({ length: Math.max(count, 1) }, (_, i) => i)

/** Whether `node`'s replica of some key differs from another live replica's (anti-entropy has work). */
const replicasDiffer = (c: Compiled, w: Pick<WorldState, "nodes">, node: number): boolean =>
  c.keys.some((key, k) => {
    const top = c.top[k]!
    if (!top.includes(node)) return false
    const mine = setFp(storeSetOf(c, localStore(w.nodes[node]!.state!), key))
    return top.some((other) => {
      const state = w.nodes[other]!.state
      if (other === node || state === undefined) return false
      const theirs = setFp(storeSetOf(c, localStore(state), key))
      return theirs.hi !== mine.hi || theirs.lo !== mine.lo
    })
  })

/**
 * Whether firing the armed periodic `timer` would do anything: the core's own step (through the
 * transition cache, so the firing itself then costs nothing) changes the node's state or has an
 * effect besides re-arming the timer. The checker asks the core rather than restating its
 * guards, so a core change to when a timer acts changes what the search explores with it.
 */
const firingActs = (c: Compiled, w: Pick<WorldState, "nodes" | "now">, node: number, timer: Timer): boolean => {
  const info = w.nodes[node]!.stateInfo!
  const outcome = stepOnce(c, node, info, firingOf(timer, undefined), w.now)
  if (outcome.stateInfo !== info || outcome.packets.length > 0 || outcome.persists.length > 0 || outcome.replies.length > 0) return true
  const key = timerKey(timer)
  return outcome.timerEffects.some((effect) => effect._tag !== "SetTimer" || timerKey(effect.timer) !== key)
}

/**
 * The picks with which a periodic timer would do something now; none when it would not. A
 * periodic timer re-arms itself forever, so the search fires it only then, within the bound
 * `periodic`. A probe, a hint scan or a hand-over retry acts when the core's step says so
 * (firingActs). Gossip and anti-entropy act through the peer they pick, so one node's step
 * cannot tell: gossip fires when some view differs, anti-entropy (when configured) when a
 * replica differs, with every peer pick. Unknown timers never fire.
 */
const usefulPicks = (c: Compiled, w: Pick<WorldState, "nodes" | "now">, node: number, timer: Timer, quiescing = false): ReadonlyArray<number | undefined> => {
  const state = w.nodes[node]!.state
  if (state === undefined) return NEVER
  switch (timer._tag) {
    case "Probe":
    case "HintScan":
    case "Handoff":
      return firingActs(c, w, node, timer) ? NO_PICK : NEVER
    case "Gossip": {
      const mine = JSON.stringify(membersOf(state))
      const differs = w.nodes.some((slot, i) => i !== node && slot.state !== undefined && JSON.stringify(membersOf(slot.state)) !== mine)
      return differs ? picksBelow(c.ids.length - 1) : NEVER
    }
    case "AntiEntropy":
      return (c.model.protocol as { readonly antiEntropy?: boolean }).antiEntropy === true && (quiescing || c.model.searchAntiEntropy) && replicasDiffer(c, w, node)
        ? picksBelow(c.model.protocol.n - 1)
        : NEVER
    default:
      return NEVER
  }
}

const quiet = (w: WorldState): boolean => w.flight.length === 0 && w.nodes.every((slot) => slot.pending.length === 0)

/**
 * One object per distinct action (actions are plain data, and `enabledActions` runs for every new
 * world): by packet, node, client, timer or cut, made on first use. A firing with a pick is made
 * each time (periodic timers fire rarely).
 */
export class ActionCache {
  private readonly issues: Array<Action> = []
  private readonly giveUps: Array<Action> = []
  private readonly deliveries: Array<Action> = []
  private readonly drops: Array<Action> = []
  private readonly duplicates: Array<Action> = []
  private readonly persists: Array<Action> = []
  private readonly crashes: Array<Action> = []
  private readonly diskLosses: Array<Action> = []
  private readonly restarts: Array<Action> = []
  private readonly fires: Array<Array<Action>> = []
  private readonly partitions: Array<Action> = []
  readonly heal: Action = { _tag: "Heal" }

  issue(client: number): Action { return this.issues[client] ??= { _tag: "Issue", client } }
  giveUp(client: number): Action { return this.giveUps[client] ??= { _tag: "GiveUp", client } }
  deliver(packet: number): Action { return this.deliveries[packet] ??= { _tag: "Deliver", packet } }
  drop(packet: number): Action { return this.drops[packet] ??= { _tag: "Drop", packet } }
  duplicate(packet: number): Action { return this.duplicates[packet] ??= { _tag: "Duplicate", packet } }
  persist(node: number): Action { return this.persists[node] ??= { _tag: "Persist", node } }
  crash(node: number): Action { return this.crashes[node] ??= { _tag: "Crash", node } }
  loseDisk(node: number): Action { return this.diskLosses[node] ??= { _tag: "LoseDisk", node } }
  restart(node: number): Action { return this.restarts[node] ??= { _tag: "Restart", node } }
  /** A cut is a mask below 2^8 (at most 8 nodes). */
  partition(cut: number): Action { return this.partitions[cut] ??= { _tag: "Partition", cut } }

  fire(node: number, timer: number, pick: number | undefined): Action {
    if (pick !== undefined) return { _tag: "Fire", node, timer, pick }
    const timers = this.fires[node] ??= []
    return timers[timer] ??= { _tag: "Fire", node, timer }
  }
}

const samePacket = (flight: ReadonlyArray<Packet>, p: number): boolean =>
  p > 0 && flight[p - 1]!.fp.hi === flight[p]!.fp.hi && flight[p - 1]!.fp.lo === flight[p]!.fp.lo

export const enabledActions = (c: Compiled, w: WorldState): ReadonlyArray<Action> => {
  const actions: Array<Action> = []
  const bounds = c.model.bounds
  const made = c.cache.actions
  const { nodes, flight, clients, used } = w
  for (let i = 0; i < clients.length; i++) {
    const client = clients[i]!
    if (client.pending === undefined) {
      const op = c.model.clients[i]![client.next]
      if (op !== undefined && nodes[c.nodeIndex.get(op.node)!]!.state !== undefined) actions.push(made.issue(i))
    } else {
      const contact = nodes[client.pending.node]!
      if (contact.state === undefined || contact.starts !== client.pending.starts) actions.push(made.giveUp(i))
    }
  }
  // Equal copies of a message (neighbours: the multiset is sorted) are one choice.
  for (let p = 0; p < flight.length; p++) if (!samePacket(flight, p)) actions.push(made.deliver(p))
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.pending.length > 0) actions.push(made.persist(i))
  if (c.model.timing === "async" || quiet(w)) {
    for (let i = 0; i < nodes.length; i++) {
      const slot = nodes[i]!
      if (slot.state === undefined) continue
      for (let t = 0; t < slot.timers.length; t++) {
        const timer = slot.timers[t]!
        if (isOneShot(timer)) actions.push(made.fire(i, t, undefined))
        else if (used.periodic < bounds.periodic) {
          for (const pick of usefulPicks(c, w, i, timer)) actions.push(made.fire(i, t, pick))
        }
      }
    }
  }
  for (let p = 0; p < flight.length; p++) {
    if (samePacket(flight, p)) continue
    if (used.drops < bounds.drops) actions.push(made.drop(p))
    if (used.dups < bounds.dups) actions.push(made.duplicate(p))
  }
  for (let i = 0; i < nodes.length; i++) {
    if (nodes[i]!.state !== undefined) {
      if (used.crashes < bounds.crashes) actions.push(made.crash(i))
      if (used.diskLosses < bounds.diskLosses) actions.push(made.loseDisk(i))
    } else {
      actions.push(made.restart(i))
    }
  }
  if (w.cut === 0 && used.partitions < bounds.partitions) for (const cut of c.cuts) actions.push(made.partition(cut))
  if (w.cut !== 0) actions.push(made.heal)
  return actions
}

/** Apply one action; `rec` records the node steps and replies for a trace. */
/**
 * The draft `apply` works in, reused: a transition is made on every call, and its draft is
 * garbage as soon as the world is frozen (the world keeps the draft's arrays, not the draft).
 */
let spareDraft: Draft | undefined

const draftFor = (c: Compiled, w: WorldState, rec: Recorder | undefined): Draft =>
  spareDraft === undefined ? (spareDraft = new Draft(w, c, rec)) : spareDraft.reset(w, c, rec)

export const apply = (c: Compiled, w: WorldState, action: Action, rec?: Recorder): Transition => {
  const d = draftFor(c, w, rec)
  switch (action._tag) {
    case "Issue":
      issue(d, action.client)
      break
    case "GiveUp":
      d.setClient(action.client, { pending: undefined })
      break
    case "Deliver":
      deliver(d, action.packet)
      break
    case "Persist":
      completePersist(d, action.node)
      break
    case "Fire": {
      const timer = w.nodes[action.node]!.timers[action.timer]!
      if (!isOneShot(timer)) d.used = { ...d.used, periodic: d.used.periodic + 1 }
      fire(d, action.node, timer, action.pick)
      break
    }
    case "Drop":
      d.flight.splice(action.packet, 1)
      d.used = { ...d.used, drops: d.used.drops + 1 }
      d.flags |= F_LOST
      break
    case "Duplicate":
      d.addPacket(w.flight[action.packet]!)
      d.used = { ...d.used, dups: d.used.dups + 1 }
      break
    case "Crash":
      d.used = { ...d.used, crashes: d.used.crashes + 1 }
      crash(d, action.node, false)
      if (c.model.restart === "at-once") restart(d, action.node)
      break
    case "LoseDisk":
      d.used = { ...d.used, diskLosses: d.used.diskLosses + 1 }
      crash(d, action.node, true)
      if (c.model.restart === "at-once") restart(d, action.node)
      break
    case "Restart":
      restart(d, action.node)
      break
    case "Partition": {
      d.used = { ...d.used, partitions: d.used.partitions + 1 }
      d.cut = action.cut
      const before = d.flight.length
      d.flight = d.flight.filter((packet) => !d.blocked(packet.from, packet.to))
      if (d.flight.length < before) d.flags |= F_LOST
      break
    }
    case "Heal":
      d.cut = 0
      break
  }
  if (persistEagerly(d)) flushPersists(d)
  checkDurability(d)
  return new TransitionResult(d.freeze(), d.violation, d.flags)
}

/** The first node with a persist pending, or -1. */
const pendingNode = (d: Draft): number => {
  for (let i = 0; i < d.nodes.length; i++) if (d.nodes[i]!.pending.length > 0) return i
  return -1
}

/** Whether pending persists complete at once: "eager" persistence and no crash left to happen. */
const persistEagerly = (d: Draft): boolean =>
  d.c.model.persistence === "eager" &&
  d.used.crashes >= d.c.model.bounds.crashes && d.used.diskLosses >= d.c.model.bounds.diskLosses

/** Complete every pending persist, node by node, until none is left (completions may persist more). */
const flushPersists = (d: Draft): void => {
  for (let round = 0; round < QUIESCE_STEPS_MAX && d.violation === undefined; round++) {
    const node = pendingNode(d)
    if (node < 0) return
    completePersist(d, node)
  }
}

/**
 * A settled world: every client has finished its script, nothing is in flight, no persist is
 * pending, no request is waiting on a timeout, every node is up and no partition is in force.
 * Hints and suspicions may remain: heal-and-quiesce deals with them before CONV-1 and HINT-1 are
 * judged. (A world that would be settled but for a crashed node or a cut is not judged itself:
 * restarting and healing, always enabled, lead from it to a settled one, and heal-and-quiesce
 * would begin with exactly those steps.)
 */
export const isSettled = (c: Compiled, w: WorldState): boolean =>
  w.flight.length === 0 && w.cut === 0 &&
  w.clients.every((client, i) => client.pending === undefined && client.next === c.model.clients[i]!.length) &&
  w.nodes.every((slot) => slot.state !== undefined && slot.pending.length === 0 && !slot.timers.some(isOneShot))

// ---- heal and quiesce -------------------------------------------------------------------------

const drain = (d: Draft, budget: { steps: number }): void => {
  for (;;) {
    if (d.violation !== undefined) return
    if (--budget.steps < 0) {
      d.violate("CONV-1", `the cluster did not quiesce within ${QUIESCE_STEPS_MAX} steps`)
      return
    }
    if (d.flight.length > 0) {
      deliver(d, 0)
      continue
    }
    const node = pendingNode(d)
    if (node < 0) return
    completePersist(d, node)
  }
}

/** Periodic timers in the order heal-and-quiesce fires them: clear suspicions first. */
const PERIODIC_ORDER: ReadonlyArray<Timer["_tag"]> = ["Probe", "Gossip", "HintScan", "Handoff", "AntiEntropy"]

/** Rounds of: deliver everything, fire pending timeouts, then each periodic timer with work to do. */
const settle = (d: Draft, budget: { steps: number }): void => {
  for (let round = 0; round < QUIESCE_ROUNDS_MAX && d.violation === undefined; round++) {
    drain(d, budget)
    let fired = false
    for (let i = 0; i < d.nodes.length; i++) {
      for (const timer of d.nodes[i]!.timers) {
        if (!isOneShot(timer) || d.nodes[i]!.state === undefined) continue
        if (!d.nodes[i]!.timers.includes(timer)) continue // cancelled by an earlier firing
        fire(d, i, timer)
        fired = true
        drain(d, budget)
      }
    }
    for (const tag of PERIODIC_ORDER) {
      for (let i = 0; i < d.nodes.length; i++) {
        const timer = d.nodes[i]!.timers.find((t) => t._tag === tag)
        if (timer === undefined) continue
        for (const pick of usefulPicks(d.c, d, i, timer, true)) {
          if (d.nodes[i]!.state === undefined) break
          fire(d, i, timer, pick)
          fired = true
          drain(d, budget)
        }
      }
    }
    if (!fired) return
  }
}

/** Whether every replica of every key already agrees, with nothing left to heal or hand off. */
const alreadyQuiet = (c: Compiled, w: WorldState): boolean => {
  if (w.cut !== 0) return false
  for (const slot of w.nodes) {
    if (slot.state === undefined || believedDown(slot.state).length > 0 || HashMap.size(hintsHeld(slot.state)) > 0) return false
  }
  for (let i = 0; i < w.nodes.length; i++) {
    for (const timer of w.nodes[i]!.timers) if (!isOneShot(timer) && usefulPicks(c, w, i, timer, true).length > 0) return false
  }
  return c.keys.every((key, k) => {
    const sets = c.top[k]!.map((i) => localStore(w.nodes[i]!.state!))
    const first = storeSetOf(c, sets[0]!, key)
    return sets.every((store) => JSON.stringify(storeSetOf(c, store, key)) === JSON.stringify(first))
  })
}

export interface Quiesced {
  readonly state: WorldState
  readonly violation: Violation | undefined
  /** False when the world was already converged and the run was skipped (it would change nothing). */
  readonly ran: boolean
}

/**
 * Heal everything (the cut, crashed nodes), deliver everything, fire timeouts, probe suspects and
 * offer hints until nothing changes, read every key at R=N through its first replica (read
 * repair), twice; then CONV-1, HINT-1 (no hint left), DEL-1 and DUR-1. Deterministic.
 * A world whose replicas already agree, with no hint, suspicion, cut or crashed node, is judged
 * directly: reads at R=N of equal replicas repair nothing.
 */
export const quiesce = (c: Compiled, w: WorldState, rec?: Recorder, force = false): Quiesced => {
  const fast = !force && rec === undefined && alreadyQuiet(c, w)
  const d = new Draft(w, c, rec)
  if (!fast) {
    const budget = { steps: QUIESCE_STEPS_MAX }
    d.cut = 0
    for (let i = 0; i < d.nodes.length; i++) if (d.nodes[i]!.state === undefined) restart(d, i)
    settle(d, budget)
    for (let round = 0; round < QUIESCE_READ_ROUNDS && d.violation === undefined; round++) {
      c.keys.forEach((key, k) => {
        const request: ClientRequest = { _tag: "Get", id: `quiesce.${round}.${k}`, key, r: c.model.protocol.n }
        feed(d, c.top[k]![0]!, { _tag: "Client", request })
      })
      settle(d, budget)
    }
  }
  checkConverged(d)
  checkDurability(d)
  return { state: d.freeze(), violation: d.violation, ran: !fast }
}

const checkConverged = (d: Draft): void => {
  const c = d.c
  const checks = c.model.checks
  if (d.violation !== undefined) return
  if (checks.hint) {
    for (let i = 0; i < d.nodes.length; i++) {
      const hints = HashMap.size(hintsHeld(d.nodes[i]!.state!))
      if (hints > 0) {
        const first = HashMap.values(hintsHeld(d.nodes[i]!.state!)).next().value!
        d.violate("HINT-1", `${c.ids[i]} still holds ${hints} hint(s) after quiescence (first: ${first.intended}/${first.key})`)
        return
      }
    }
  }
  c.keys.forEach((key, k) => {
    if (d.violation !== undefined) return
    const replicas = c.top[k]!
    const sets = replicas.map((i) => setEvents(c, storeSetOf(c, localStore(d.nodes[i]!.state!), key)))
    if (checks.conv) {
      for (let j = 1; j < sets.length; j++) {
        if (sets[j]!.all !== sets[0]!.all) {
          d.violate("CONV-1", `replicas of ${key} differ after quiescence: ${c.ids[replicas[0]!]} holds ${eventNames(c, sets[0]!.all)}, ${c.ids[replicas[j]!]} holds ${eventNames(c, sets[j]!.all)}`)
          return
        }
      }
    }
    if (checks.del) {
      const live = sets[0]!.live
      c.writes.forEach((write, w) => {
        if (!write.deletion || write.key !== k || (d.acked & bit(w)) === 0 || (d.excused & bit(w)) !== 0) return
        const resurrected = d.histories[w]! & live & ~bit(w)
        if (resurrected !== 0) {
          d.violate("DEL-1", `${eventNames(c, resurrected)} on ${key} is live after quiescence though the acknowledged delete ${write.id} had seen it`)
        }
      })
    }
  })
}

/** Each home replica's live values per key (for the trace's observations; crashed nodes left out). */
export const finalReplicas = (c: Compiled, w: WorldState): ReadonlyArray<{ readonly node: string; readonly key: string; readonly values: ReadonlyArray<string> }> => {
  const result: Array<{ node: string; key: string; values: ReadonlyArray<string> }> = []
  c.keys.forEach((key, k) => {
    for (const i of c.top[k]!) {
      const state = w.nodes[i]!.state
      if (state === undefined) continue
      result.push({ node: c.ids[i]!, key, values: siblingValues(storeSetOf(c, localStore(state), key)).filter((v) => v._tag === "Put").map(eventOf) })
    }
  })
  return result
}

// ---- describing actions -------------------------------------------------------------------------

const describeMessage = (message: PeerMessage): string => {
  const parts: Array<string> = [message._tag]
  if ("key" in message) parts.push(message.key)
  if ("op" in message) parts.push(`op ${message.op}`)
  if ("hintFor" in message && message.hintFor !== undefined) parts.push(`(hint for ${message.hintFor})`)
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
