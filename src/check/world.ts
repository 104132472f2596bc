// The checker's world: every node's state (or, crashed, only its disk), the messages in flight
// as a multiset, each node's armed timers and not-yet-durable persists, the clients running
// their scripts, and an event oracle (as src/sim/oracle.ts: each write is an event whose causal
// past is what its client had read, never what the clocks say). Every node input goes through
// the core's one `step`; this file only decides which inputs are possible and checks the
// invariants of spec/README.md after each one. Worlds are immutable; a transition builds a new
// one sharing every unchanged part with the old.
import { HashMap, Option } from "effect"
import { applyRecord, emptyDurableState, hintId, type DurableState } from "../core/durable.ts"
import { timerKey, type ClientReply, type ClientRequest, type NodeEffect, type NodeInput, type PersistRecord, type Timer } from "../core/io.ts"
import type { PeerMessage } from "../core/messages.ts"
import { recover, step } from "../core/node.ts"
import { buildRing, preferenceList, type Ring } from "../core/ring.ts"
import type { NodeState } from "../core/state.ts"
import { empty as emptyVClock, type VClock } from "../core/vclock.ts"
import { emptyVersionSet, siblingValues, type Value, type VersionSet } from "../core/versions.ts"
import type { TraceStep } from "../sim/trace-step.ts"
import { FpSum, Hasher, anyInto, setFp, stringFp, type Fp } from "./fingerprint.ts"
import type { CheckModel, ScriptOp } from "./model.ts"

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
}

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
  const cuts: Array<number> = []
  // Isolating a set is isolating its complement: enumerate the sides without node 0.
  for (let mask = 1; mask < 1 << (ids.length - 1); mask++) cuts.push(mask << 1)
  return {
    model, ring, ids, nodeIndex, keys: model.keys, keyIndex,
    top: model.keys.map((key) => preferenceList(ring, key, model.protocol.n).map((id) => nodeIndex.get(id)!)),
    writes, writeIndex, requestIds, writeOf, requestClient, cuts
  }
}

// ---- the world state -------------------------------------------------------------------------

export interface PendingPersist {
  readonly token: number
  readonly record: PersistRecord
  readonly fp: Fp
}

/** What a node slot is made of; the fingerprints are derived (see `makeSlot`). */
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
 * part (and every node-state field) it did not change.
 */
export interface NodeSlot extends SlotParts {
  readonly stateFp: NodeStateFp | undefined
  readonly diskFp: Fp
  readonly pendingFp: Fp
  readonly timersFp: Fp
  readonly fp: Fp
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

export interface Used {
  readonly crashes: number
  readonly diskLosses: number
  readonly drops: number
  readonly dups: number
  readonly partitions: number
  readonly periodic: number
}

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
export const eventOf = (value: Value): string => (value._tag === "Put" ? value.value : value.id)

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

const diskCoverageCache = new WeakMap<object, number>()

/**
 * What a disk covers: every event in the past of an event it holds, any key, hints included.
 * Cached on the disk object: the events it holds were sent before it was written, so their
 * histories are the same in every world that shares it.
 */
const diskCoverage = (c: Compiled, histories: ReadonlyArray<number>, disk: DurableState): number => {
  let covered = diskCoverageCache.get(disk)
  if (covered === undefined) {
    let held = 0
    for (const set of HashMap.values(disk.store)) held |= setEvents(c, set).all
    for (const hint of HashMap.values(disk.hints)) held |= setEvents(c, hint.set).all
    covered = coverage(histories, held)
    diskCoverageCache.set(disk, covered)
  }
  return covered
}

const diskKeyEvents = (c: Compiled, disk: DurableState, key: string): number => {
  let held = setEvents(c, storeSetOf(c, disk.store, key)).all
  for (const hint of HashMap.values(disk.hints)) if (hint.key === key) held |= setEvents(c, hint.set).all
  return held
}

// ---- fingerprints ------------------------------------------------------------------------------

const DOWN = 0x444f574e

/**
 * Fields of a node state left out of its fingerprint: derived from the rest (state.ts: the rings
 * from the membership view, the Merkle trees from the store and the ring), so equal fingerprints
 * of the rest mean equal values of these.
 */
const DERIVED_FIELDS: ReadonlySet<string> = new Set(["ring", "targetRing", "trees"])

/** A node state's fingerprint with the fingerprints of its fields, to reuse those a step kept. */
export interface NodeStateFp {
  readonly state: NodeState
  readonly fields: NodeStateFields
  readonly parts: ReadonlyArray<Fp | undefined>
  readonly fp: Fp
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
const nodeStateFp = (c: Compiled, state: NodeState, base: NodeStateFp | undefined): NodeStateFp => {
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
    if (field === "id" || (field === "config" && value === c.model.protocol) || DERIVED_FIELDS.has(field)) {
      parts.push(undefined)
      continue
    }
    const part = reuse && parent![field] === value ? base.parts[i]! : valueFp(value)
    parts.push(part)
    h.word(fields.words[i]!).fp(part)
  }
  return { state, fields, parts, fp: h.finish() }
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

const diskFp = (disk: DurableState): Fp => {
  const h = new Hasher()
  const fields = disk as unknown as Record<string, unknown>
  for (const field in fields) {
    h.string(field)
    anyInto(h, fields[field])
  }
  return h.finish()
}

const pendingFp = (pending: ReadonlyArray<PendingPersist>): Fp => {
  const h = new Hasher().word(pending.length)
  for (const entry of pending) h.fp(entry.fp)
  return h.finish()
}

const pendingEntry = (token: number, record: PersistRecord): PendingPersist =>
  ({ token, record, fp: new Hasher().word(token).fp(valueFp(record)).finish() })

/**
 * A node slot with its fingerprints, reusing those of `prev` for every part that is the same
 * object; `base` is the fingerprint of the state a step started from, when the state changed.
 */
const makeSlot = (c: Compiled, prev: NodeSlot | undefined, parts: SlotParts): NodeSlot => {
  const state = parts.state
  const stateFp = state === undefined
    ? undefined
    : prev !== undefined && prev.state === state ? prev.stateFp : nodeStateFp(c, state, prev?.stateFp)
  const disk = prev !== undefined && prev.disk === parts.disk ? prev.diskFp : diskFp(parts.disk)
  const pending = prev !== undefined && prev.pending === parts.pending ? prev.pendingFp : pendingFp(parts.pending)
  const timers = prev !== undefined && prev.timers === parts.timers ? prev.timersFp : valueFp(parts.timers)
  const h = new Hasher()
  if (stateFp === undefined) h.word(DOWN)
  else h.fp(stateFp.fp)
  h.fp(disk).fp(pending).fp(timers).word(parts.starts).word(parts.diskLost ? 1 : 0)
  return { ...parts, stateFp, diskFp: disk, pendingFp: pending, timersFp: timers, fp: h.finish() }
}

const makeClient = (client: Omit<ClientSlot, "fp">): ClientSlot => ({ ...client, fp: valueFp(client) })

const packetFp = (from: number, to: number, message: PeerMessage): Fp =>
  new Hasher().word(from).word(to).fp(valueFp(message)).finish()

const worldFp = (w: Omit<WorldState, "fp">): Fp => {
  const h = new Hasher()
  for (const slot of w.nodes) h.fp(slot.fp)
  const flight = new FpSum()
  for (const packet of w.flight) flight.add(packet.fp)
  h.fp(flight.finish(0x464c5431))
  for (const client of w.clients) h.fp(client.fp)
  for (const history of w.histories) h.word(history)
  h.word(w.acked).word(w.excused)
  for (const ackers of w.ackersLeft) h.word(ackers)
  const u = w.used
  h.word(u.crashes).word(u.diskLosses).word(u.drops).word(u.dups).word(u.partitions).word(u.periodic)
  return h.word(w.cut).word(w.now).finish()
}

const comparePackets = (a: Fp, b: Fp): number => a.hi - b.hi || a.lo - b.lo

// ---- transitions -----------------------------------------------------------------------------

/** A world being changed by one transition; `freeze` makes the next immutable world. */
class Draft {
  nodes: Array<NodeSlot>
  flight: Array<Packet>
  clients: Array<ClientSlot>
  histories: Array<number>
  acked: number
  ackersLeft: Array<number>
  excused: number
  used: Used
  cut: number
  now: number
  violation: Violation | undefined = undefined
  flags = 0
  readonly c: Compiled
  readonly rec: Recorder | undefined

  constructor(readonlyWorld: WorldState, c: Compiled, rec: Recorder | undefined) {
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
  }

  freeze(): WorldState {
    const world = {
      nodes: this.nodes, flight: this.flight, clients: this.clients, histories: this.histories,
      acked: this.acked, ackersLeft: this.ackersLeft, excused: this.excused, used: this.used,
      cut: this.cut, now: this.now
    }
    return { ...world, fp: worldFp(world) }
  }

  /** Replace node `i`'s slot by `prev` changed as `patch` says, fingerprints kept up to date. */
  setSlot(i: number, patch: Partial<SlotParts>): void {
    const prev = this.nodes[i]!
    this.nodes[i] = makeSlot(this.c, prev, {
      state: "state" in patch ? patch.state : prev.state,
      disk: patch.disk ?? prev.disk,
      pending: patch.pending ?? prev.pending,
      timers: patch.timers ?? prev.timers,
      starts: patch.starts ?? prev.starts,
      diskLost: patch.diskLost ?? prev.diskLost
    })
  }

  setClient(i: number, patch: Partial<Omit<ClientSlot, "fp">>): void {
    const { fp: _fp, ...prev } = this.clients[i]!
    this.clients[i] = makeClient({ ...prev, ...patch })
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
    nodes: c.ids.map(() => makeSlot(c, undefined, { state: undefined, disk: emptyDurableState, pending: [], timers: [], starts: 0, diskLost: false })),
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
  return { ...world, fp: worldFp(world) }
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

const setTimer = (timers: ReadonlyArray<Timer>, timer: Timer): ReadonlyArray<Timer> => {
  const key = timerKey(timer)
  const kept = timers.filter((t) => timerKey(t) !== key)
  kept.push(timer)
  return kept.sort((a, b) => (timerKey(a) < timerKey(b) ? -1 : timerKey(a) > timerKey(b) ? 1 : 0))
}

const cancelTimer = (timers: ReadonlyArray<Timer>, timer: Timer): ReadonlyArray<Timer> => {
  const key = timerKey(timer)
  return timers.some((t) => timerKey(t) === key) ? timers.filter((t) => timerKey(t) !== key) : timers
}

/** Feed one input to one live node through the core, check it, and perform its effects. */
const feed = (d: Draft, node: number, input: NodeInput): void => {
  const slot = d.nodes[node]!
  const before = slot.state
  if (before === undefined) throw new Error(`check: input ${input._tag} to ${d.c.ids[node]}, which is down`)
  d.record(node, { _tag: "Input", input })
  const result = step(before, input, d.now)
  checkStep(d, node, before, input, result.effects)
  let pending = slot.pending
  let timers = slot.timers
  const replies: Array<ClientReply> = []
  for (const effect of result.effects) {
    switch (effect._tag) {
      case "Send":
        send(d, node, effect.to, effect.message)
        break
      case "SetTimer":
        timers = setTimer(timers, effect.timer)
        break
      case "CancelTimer":
        timers = cancelTimer(timers, effect.timer)
        break
      case "Persist":
        pending = [...pending, pendingEntry(effect.token, effect.record)]
        break
      case "Reply":
        replies.push(effect.reply)
        break
    }
  }
  d.setSlot(node, { state: result.state, pending, timers })
  for (const reply of replies) clientReply(d, reply)
}

const send = (d: Draft, from: number, toId: string, message: PeerMessage): void => {
  const to = d.c.nodeIndex.get(toId)
  if (to === undefined) throw new Error(`check: a message to unknown node ${toId}`)
  if (message._tag === "Repair") d.flags |= F_REPAIR
  if (message._tag === "Forward") d.flags |= F_FORWARDED
  // A message to a crashed node, or across the cut, is lost (as the simulator drops it).
  if (d.nodes[to]!.state === undefined || d.blocked(from, to)) {
    d.flags |= F_LOST
    return
  }
  d.addPacket({ from, to, message, fp: packetFp(from, to, message) })
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

/** SIB-1 at the replica and HINT-1 at hint deletion, on what a step persists (as the simulator). */
const checkStep = (d: Draft, node: number, before: NodeState, input: NodeInput, effects: ReadonlyArray<NodeEffect>): void => {
  const c = d.c
  const checks = c.model.checks
  const id = c.ids[node]!
  for (const effect of effects) {
    if (effect._tag !== "Persist") continue
    const record = effect.record
    switch (record._tag) {
      case "StoreKey": {
        const now = setEvents(c, record.set).all
        if (checks.sibDrop) {
          const needed = setEvents(c, storeSetOf(c, before.store, record.key)).all | incomingEvents(c, input, record.key)
          const dropped = needed & ~coverage(d.histories, now)
          if (dropped !== 0) {
            d.violate("SIB-1", `${id} dropped ${eventNames(c, dropped)} from ${record.key}: it now holds ${eventNames(c, now)}, none of which has seen it`)
          }
        }
        if (checks.sibStoreAntichain) {
          for (let m = now; m !== 0; m &= m - 1) {
            const a = 31 - Math.clz32(m & -m)
            const older = d.histories[a]! & now & ~bit(a)
            if (older !== 0) {
              d.violate("SIB-1", `${id} keeps ${eventNames(c, older)} beside ${c.writes[a]!.id} in ${record.key}, though ${c.writes[a]!.id} has seen it`)
            }
          }
        }
        break
      }
      case "StoreHint":
        d.flags |= F_HINT_STORED
        break
      case "DeleteHint": {
        d.flags |= F_HINT_DELIVERED
        if (!checks.hint) break
        const hint = Option.getOrUndefined(HashMap.get(before.hints, hintId(record.intended, record.key)))
        const intended = c.nodeIndex.get(record.intended)
        if (hint === undefined || intended === undefined || d.nodes[intended]!.diskLost) break
        const held = coverage(d.histories, diskKeyEvents(c, d.nodes[intended]!.disk, record.key))
        const missing = setEvents(c, hint.set).all & ~held
        if (missing !== 0) {
          d.violate("HINT-1", `${id} deleted its hint for ${record.intended}/${record.key} but ${record.intended}'s disk does not hold ${eventNames(c, missing)}`)
        }
        break
      }
      case "Epoch":
        break
    }
  }
}

/** A reply reaches its client: SIB-1 on what it lists, QUORUM-1, and the client moves on. */
const clientReply = (d: Draft, reply: ClientReply): void => {
  const c = d.c
  d.rec?.replies.push({ at: d.now, reply })
  const owner = c.requestClient.get(reply.id)
  const client = owner === undefined ? undefined : d.clients[owner]
  const mine = client !== undefined && client.pending?.id === reply.id
  if (reply._tag === "Failed") {
    d.flags |= F_FAILED
  } else {
    const events = valuesMask(c, reply.siblings)
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
      const key = c.keyIndex.get(reply.key)!
      const home = reply.nodes.every((node) => c.top[key]!.includes(c.nodeIndex.get(node)!))
      if (mine && c.model.checks.quorum && home) {
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
      const w = c.writeIndex.get(reply.id)
      if (w !== undefined && (d.acked & bit(w)) === 0) {
        d.acked |= bit(w)
        let ackers = 0
        for (const node of reply.nodes) ackers |= bit(c.nodeIndex.get(node)!)
        d.ackersLeft = d.ackersLeft.slice()
        d.ackersLeft[w] = ackers
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

const restart = (d: Draft, node: number): void => {
  const slot = d.nodes[node]!
  const starts = slot.starts + 1
  d.record(node, { _tag: "Recover" })
  d.setSlot(node, { state: recover(d.c.ids[node]!, d.c.model.protocol, d.c.ring, slot.disk), pending: [], timers: [], starts })
  feed(d, node, { _tag: "Start", epochFloor: starts })
}

const completePersist = (d: Draft, node: number): void => {
  const slot = d.nodes[node]!
  const [first, ...rest] = slot.pending
  if (first === undefined) throw new Error("check: no persist to complete")
  d.setSlot(node, { disk: applyRecord(slot.disk, first.record), pending: rest })
  feed(d, node, { _tag: "PersistDone", token: first.token })
}

const crash = (d: Draft, node: number, loseDisk: boolean): void => {
  const slot = d.nodes[node]!
  if (slot.pending.length > 0) d.flags |= F_CRASH_PENDING
  d.record(node, { _tag: loseDisk ? "DiskLoss" : "Crash" })
  d.setSlot(node, { state: undefined, pending: [], timers: [], ...(loseDisk ? { disk: emptyDurableState, diskLost: true } : {}) })
  const before = d.flight.length
  d.flight = d.flight.filter((packet) => packet.to !== node)
  if (d.flight.length < before) d.flags |= F_LOST
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
  d.setSlot(node, { timers: cancelTimer(slot.timers, timer) })
  feed(d, node, pick === undefined ? { _tag: "TimerFired", timer } : { _tag: "TimerFired", timer, pick })
}

const deliver = (d: Draft, index: number): void => {
  const [packet] = d.flight.splice(index, 1)
  if (d.flight.some((other) => other.fp.hi === packet!.fp.hi && other.fp.lo === packet!.fp.lo)) d.flags |= F_DUP
  feed(d, packet!.to, { _tag: "Receive", from: d.c.ids[packet!.from]!, message: packet!.message })
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
  for (const slot of d.nodes) covered |= diskCoverage(d.c, d.histories, slot.disk)
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
    const mine = setFp(storeSetOf(c, w.nodes[node]!.state!.store, key))
    return top.some((other) => {
      const state = w.nodes[other]!.state
      if (other === node || state === undefined) return false
      const theirs = setFp(storeSetOf(c, state.store, key))
      return theirs.hi !== mine.hi || theirs.lo !== mine.lo
    })
  })

const membershipOf = (state: NodeState): unknown => (state as { readonly membership?: unknown }).membership

/**
 * The picks with which a periodic timer would do something now; none when it would not. A
 * periodic timer re-arms itself forever, so the search fires it only then, within the bound
 * `periodic`: a probe when some peer is suspected, a hint scan when a hint can go home, a
 * hand-over retry when one is unconfirmed, gossip when some view differs, anti-entropy (when
 * configured) when a replica differs, with every peer pick. Unknown timers never fire.
 */
const usefulPicks = (c: Compiled, w: Pick<WorldState, "nodes">, node: number, timer: Timer, quiescing = false): ReadonlyArray<number | undefined> => {
  const state = w.nodes[node]!.state
  if (state === undefined) return NEVER
  switch (timer._tag) {
    case "Probe":
      return state.down.length > 0 ? NO_PICK : NEVER
    case "HintScan":
      for (const hint of HashMap.values(state.hints)) if (!state.down.includes(hint.intended)) return NO_PICK
      return NEVER
    case "Handoff": {
      const offers = (state as { readonly offers?: ReadonlyArray<unknown> }).offers
      return offers !== undefined && offers.length > 0 ? NO_PICK : NEVER
    }
    case "Gossip": {
      const mine = JSON.stringify(membershipOf(state) ?? null)
      const differs = w.nodes.some((slot, i) => i !== node && slot.state !== undefined && JSON.stringify(membershipOf(slot.state) ?? null) !== mine)
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

export const enabledActions = (c: Compiled, w: WorldState): ReadonlyArray<Action> => {
  const actions: Array<Action> = []
  const bounds = c.model.bounds
  w.clients.forEach((client, i) => {
    if (client.pending === undefined) {
      const op = c.model.clients[i]![client.next]
      if (op !== undefined && w.nodes[c.nodeIndex.get(op.node)!]!.state !== undefined) actions.push({ _tag: "Issue", client: i })
    } else {
      const contact = w.nodes[client.pending.node]!
      if (contact.state === undefined || contact.starts !== client.pending.starts) actions.push({ _tag: "GiveUp", client: i })
    }
  })
  for (let p = 0; p < w.flight.length; p++) {
    if (p > 0 && w.flight[p - 1]!.fp.hi === w.flight[p]!.fp.hi && w.flight[p - 1]!.fp.lo === w.flight[p]!.fp.lo) continue
    actions.push({ _tag: "Deliver", packet: p })
  }
  w.nodes.forEach((slot, i) => {
    if (slot.pending.length > 0) actions.push({ _tag: "Persist", node: i })
  })
  const timersMayFire = c.model.timing === "async" || quiet(w)
  if (timersMayFire) {
    w.nodes.forEach((slot, i) => {
      if (slot.state === undefined) return
      slot.timers.forEach((timer, t) => {
        if (isOneShot(timer)) actions.push({ _tag: "Fire", node: i, timer: t })
        else if (w.used.periodic < bounds.periodic) {
          for (const pick of usefulPicks(c, w, i, timer)) {
            actions.push(pick === undefined ? { _tag: "Fire", node: i, timer: t } : { _tag: "Fire", node: i, timer: t, pick })
          }
        }
      })
    })
  }
  for (let p = 0; p < w.flight.length; p++) {
    if (p > 0 && w.flight[p - 1]!.fp.hi === w.flight[p]!.fp.hi && w.flight[p - 1]!.fp.lo === w.flight[p]!.fp.lo) continue
    if (w.used.drops < bounds.drops) actions.push({ _tag: "Drop", packet: p })
    if (w.used.dups < bounds.dups) actions.push({ _tag: "Duplicate", packet: p })
  }
  w.nodes.forEach((slot, i) => {
    if (slot.state !== undefined) {
      if (w.used.crashes < bounds.crashes) actions.push({ _tag: "Crash", node: i })
      if (w.used.diskLosses < bounds.diskLosses) actions.push({ _tag: "LoseDisk", node: i })
    } else {
      actions.push({ _tag: "Restart", node: i })
    }
  })
  if (w.cut === 0 && w.used.partitions < bounds.partitions) for (const cut of c.cuts) actions.push({ _tag: "Partition", cut })
  if (w.cut !== 0) actions.push({ _tag: "Heal" })
  return actions
}

/** Apply one action; `rec` records the node steps and replies for a trace. */
export const apply = (c: Compiled, w: WorldState, action: Action, rec?: Recorder): Transition => {
  const d = new Draft(w, c, rec)
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
  return { state: d.freeze(), violation: d.violation, flags: d.flags }
}

/** Whether pending persists complete at once: "eager" persistence and no crash left to happen. */
const persistEagerly = (d: Draft): boolean =>
  d.c.model.persistence === "eager" &&
  d.used.crashes >= d.c.model.bounds.crashes && d.used.diskLosses >= d.c.model.bounds.diskLosses

/** Complete every pending persist, node by node, until none is left (completions may persist more). */
const flushPersists = (d: Draft): void => {
  for (let round = 0; round < QUIESCE_STEPS_MAX && d.violation === undefined; round++) {
    const node = d.nodes.findIndex((slot) => slot.pending.length > 0)
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
    const node = d.nodes.findIndex((slot) => slot.pending.length > 0)
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
    if (slot.state === undefined || slot.state.down.length > 0 || HashMap.size(slot.state.hints) > 0) return false
  }
  for (let i = 0; i < w.nodes.length; i++) {
    for (const timer of w.nodes[i]!.timers) if (!isOneShot(timer) && usefulPicks(c, w, i, timer, true).length > 0) return false
  }
  return c.keys.every((key, k) => {
    const sets = c.top[k]!.map((i) => w.nodes[i]!.state!.store)
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
      const hints = HashMap.size(d.nodes[i]!.state!.hints)
      if (hints > 0) {
        const first = HashMap.values(d.nodes[i]!.state!.hints).next().value!
        d.violate("HINT-1", `${c.ids[i]} still holds ${hints} hint(s) after quiescence (first: ${first.intended}/${first.key})`)
        return
      }
    }
  }
  c.keys.forEach((key, k) => {
    if (d.violation !== undefined) return
    const replicas = c.top[k]!
    const sets = replicas.map((i) => setEvents(c, storeSetOf(c, d.nodes[i]!.state!.store, key)))
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
      result.push({ node: c.ids[i]!, key, values: siblingValues(storeSetOf(c, state.store, key)).filter((v) => v._tag === "Put").map(eventOf) })
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
