// The deterministic simulator (ARCHITECTURE.md): nodes running the pure core, a network with
// delay, reordering, loss, duplication and partitions, crashes that lose volatile state, disks
// that can be lost, and clients; all in virtual time, every choice drawn from one seeded PRNG.
import { HashMap, Option } from "effect"
import { buildRing, type ClientReply, type ClientRequest, configOf, counts, defaultProtocolConfig, defaultVersionsConfig, type DurableState, emptyVClock, emptyVersionSet, localView, type MembershipView, membersOf, type NodeEffect, type NodeInput, type NodeState, type PeerMessage, preferenceList, type ProtocolConfig, type Ring, servingRing, siblingValues, sortedHints, targetRingOf, type Timer, timerKey, type VClock, type VersionSet } from "../core/index.ts"
import { crash as hostCrash, feed, firingOf, hostedNode, loseDisk as hostLoseDisk, needsPick, PICK_MAX, recover, startOf, type HostedNode } from "../host/index.ts"
import { Prng } from "./prng.ts"
import { EventQueue } from "./queue.ts"
import { Oracle } from "../trace/oracle.ts"
import { AckedWrites } from "./acked.ts"
import { AvailabilityRecord } from "./availability.ts"
import { checkReplicasHold, StepChecks, type Finding } from "./checks/index.ts"
import { keyNames, nodeIds, type ClientOp, type Scenario, type TimedFault } from "./scenario.ts"
import { eventOf } from "../trace/format.ts"
import type { TraceStep } from "../trace/step.ts"

/** After the workload: heal, let hints and probes run, read every key, repeat, then check. */
export const QUIESCE_SETTLE_MS = 5_000
export const QUIESCE_READ_ROUNDS = 2
export const QUIESCE_READ_WAIT_MS = 3_000
/** After the reads, hints and anti-entropy get up to this long to finish, in steps of CONVERGE_STEP_MS. */
export const CONVERGE_MAX_MS = 30_000
export const CONVERGE_STEP_MS = 500
/** DUR-1 scans every disk, so it runs every this many events rather than after each one. */
export const DURABILITY_CHECK_EVERY_EVENTS = 2_000
/** A run stops, reporting a violation, if it has not finished by this many events. */
export const EVENTS_MAX = 5_000_000

export type InvariantId = "AVAIL-1" | "AVAIL-2" | "SIB-1" | "SIB-2" | "DUR-1" | "DUR-2" | "DEL-1" | "QUORUM-1" | "CONV-1" | "HINT-1" | "HINT-2" | "MEMBERSHIP-1" | "RING-2" | "ACK-1" | "ACK-2" | "EPOCH-1" | "LEAVE-1" | "READ-2"

/** Quiescence waits, in steps of this much virtual time, for membership to settle. */
export const MEMBERSHIP_SETTLE_STEP_MS = 1_000
export const MEMBERSHIP_SETTLE_MAX_MS = 60_000

export interface Violation {
  readonly invariant: InvariantId
  readonly at: number
  readonly message: string
}

export interface SimStats {
  events: number
  messagesSent: number
  messagesDelivered: number
  messagesDropped: number
  messagesDuplicated: number
  faultsInjected: number
  putsAcknowledged: number
  putsFailed: number
  getsAnswered: number
  getsFailed: number
  getsWithSiblings: number
  clientTimeouts: number
  hintsStored: number
  hintsDelivered: number
  readRepairs: number
  /** Keys carried by range hand-overs (joins and leaves) and by anti-entropy repairs. */
  handoffKeys: number
  antiEntropyKeys: number
  invariantChecks: number
}

export interface Observation {
  readonly at: number
  readonly client: number
  readonly reply: ClientReply
}

export interface SimReport {
  readonly scenario: Scenario
  readonly stats: SimStats
  readonly violations: ReadonlyArray<Violation>
  readonly observations: ReadonlyArray<Observation>
  /** Each top-N replica's live values per key after quiescence, for the trace. */
  readonly finalReplicas: ReadonlyArray<{ readonly node: string; readonly key: string; readonly values: ReadonlyArray<string> }>
  readonly endTime: number
  readonly trace: ReadonlyArray<TraceStep>
  /** The membership view the running nodes agree on at the end. */
  readonly finalMembership: MembershipView
}

type SimEvent =
  /** `incarnation` is the sender's: a sender that crashes loses what it had not yet put on the wire. */
  | { readonly _tag: "Deliver"; readonly from: string; readonly incarnation: number; readonly to: string; readonly message: PeerMessage }
  | { readonly _tag: "Timer"; readonly node: string; readonly key: string; readonly gen: number; readonly timer: Timer }
  | { readonly _tag: "PersistComplete"; readonly node: string; readonly token: number; readonly incarnation: number }
  | { readonly _tag: "ClientIssue"; readonly client: number }
  | { readonly _tag: "ClientTimeout"; readonly client: number; readonly requestId: string }
  | { readonly _tag: "Fault"; readonly fault: TimedFault }

/** A simulated node: the host's node (src/host/) and what the simulation adds to it. */
class SimNode {
  host: HostedNode
  /** When the disk finishes the last write queued (writes complete in order). */
  diskFreeAt = 0
  /** Crashes so far: a persist completion queued before one is for a lost incarnation. */
  incarnation = 0
  diskLostAt = -1
  /** A spare node is off until a Join fault starts it; a started node is restarted at quiescence. */
  started = false
  /** The generation of each armed timer's deadline in the event queue (a re-armed timer's older deadline is stale). */
  readonly timerGens = new Map<string, number>()

  constructor(readonly id: string) {
    this.host = hostedNode(id)
  }

  get state(): NodeState | undefined {
    return this.host.state
  }

  get disk(): DurableState {
    return this.host.disk
  }
}

interface SimClient {
  readonly id: number
  readonly ops: ReadonlyArray<ClientOp>
  next: number
  pending: { readonly requestId: string; readonly op: ClientOp; readonly startedAt: number } | undefined
  readonly seen: Map<string, ReadonlyArray<string>>
  readonly context: Map<string, VClock>
}

interface AckedWrite {
  readonly event: string
  readonly key: string
  readonly at: number
  /** When the client sent the put: an acker's disk lost after this may have held the write. */
  readonly issuedAt: number
  readonly nodes: ReadonlyArray<string>
  readonly deletion: boolean
}

/** The event id a sibling stands for: the written value, or the tombstone's id. */
const eventsOf = (set: VersionSet): ReadonlyArray<string> => siblingValues(set).map(eventOf)

export const protocolConfigOf = (scenario: Scenario): ProtocolConfig => ({
  ...defaultProtocolConfig,
  n: scenario.options.n,
  r: scenario.options.r,
  w: scenario.options.w,
  readRepair: scenario.options.readRepair,
  antiEntropy: scenario.options.antiEntropy ?? true,
  seeds: nodeIds(Math.min(2, scenario.options.nodes)),
  versions: {
    ...defaultVersionsConfig,
    mode: scenario.options.clock,
    ...(scenario.options.truncateAt === undefined ? {} : { truncateAt: scenario.options.truncateAt })
  }
})

export class World {
  readonly ring: Ring
  readonly config: ProtocolConfig
  private readonly prng: Prng
  private readonly queue = new EventQueue<SimEvent>()
  private readonly nodes = new Map<string, SimNode>()
  private readonly nodeOrder: ReadonlyArray<string>
  /** The initial members; `ring` is theirs (the bootstrap ring every node starts from). */
  private readonly members: ReadonlyArray<string>
  private readonly clients: Array<SimClient> = []
  private readonly requestOwner = new Map<string, number>()
  private readonly oracle = new Oracle()
  private readonly ackedByKey = new Map<string, AckedWrites<AckedWrite>>()
  private readonly violations: Array<Violation> = []
  /** ACK-1, ACK-2, HINT-2, EPOCH-1, LEAVE-1 (src/sim/checks/). */
  private readonly checks: StepChecks
  /** What happened to nodes and links, for AVAIL-1 and AVAIL-2 (never the nodes' own beliefs). */
  readonly availability: AvailabilityRecord
  private readonly observations: Array<Observation> = []
  private readonly trace: Array<TraceStep> = []
  private isolated: ReadonlySet<string> = new Set()
  /** Nodes that crash right after the next step in which they write (CrashMidWrite). */
  private readonly armed = new Set<string>()
  private messageFaults = true
  private now = 0
  /** A timer fires only if it is still the latest one set under its key (re-arming replaces it). */
  private timerGeneration = 0
  private readonly faultFree: boolean
  private readonly quorumCutoff: number
  readonly stats: SimStats = {
    events: 0, messagesSent: 0, messagesDelivered: 0, messagesDropped: 0, messagesDuplicated: 0,
    faultsInjected: 0, putsAcknowledged: 0, putsFailed: 0, getsAnswered: 0, getsFailed: 0,
    getsWithSiblings: 0, clientTimeouts: 0, hintsStored: 0, hintsDelivered: 0, readRepairs: 0, handoffKeys: 0, antiEntropyKeys: 0, invariantChecks: 0
  }

  /**
   * `checkInvariants: false` exists only to measure the bare interpreter in benchmarks (no checks,
   * and no oracle, which only the checks read); every test and every CLI run checks.
   */
  constructor(readonly scenario: Scenario, private readonly recordTrace = false, private readonly checkInvariants = true) {
    const options = scenario.options
    this.prng = new Prng(scenario.seed)
    this.nodeOrder = nodeIds(options.nodes + (options.spares ?? 0))
    this.members = this.nodeOrder.slice(0, options.nodes)
    this.ring = buildRing(this.members.map((id) => ({ id })), options.ring)
    this.config = protocolConfigOf(scenario)
    this.availability = new AvailabilityRecord(this.members, this.config)
    this.checks = new StepChecks(this.oracle, this.config.w)
    const ringChanges = scenario.faults.filter((f) => f._tag === "Join" || f._tag === "Leave")
    this.faultFree = scenario.faults.length === ringChanges.length && !options.faults.some((f) => f === "drop" || f === "dup")
    // Across joins and leaves QUORUM-1 is promised for writes acknowledged before the first one.
    this.quorumCutoff = ringChanges.reduce((t, f) => Math.min(t, f.at), Infinity)
    for (const id of this.nodeOrder) {
      this.nodes.set(id, new SimNode(id))
    }
    for (let c = 0; c < options.clients; c++) {
      this.clients.push({ id: c, ops: scenario.ops.filter((op) => op.client === c), next: 0, pending: undefined, seen: new Map(), context: new Map() })
    }
  }

  // ---- the run ----------------------------------------------------------------------------

  run(): SimReport {
    for (const id of this.members) this.startNode(id)
    for (const fault of this.scenario.faults) this.queue.push(fault.at, { _tag: "Fault", fault })
    for (const client of this.clients) this.scheduleNextOp(client)
    // Workload phase: until every client is done and every fault has been applied.
    const lastFault = this.scenario.faults.reduce((t, f) => Math.max(t, f.at), 0)
    this.runWhile(() => this.now <= lastFault || this.clients.some((c) => c.next < c.ops.length || c.pending !== undefined))
    this.checkDurability()
    this.quiesce()
    this.checkAvailability()
    return {
      scenario: this.scenario,
      stats: this.stats,
      violations: this.violations,
      observations: this.observations,
      finalReplicas: this.finalReplicas(),
      endTime: this.now,
      trace: this.trace,
      finalMembership: membersOrNone(this.nodeOrder.map((id) => this.nodes.get(id)!.state).find((state) => state !== undefined))
    }
  }

  private runWhile(condition: () => boolean): void {
    while (condition() && this.violations.length === 0) {
      const next = this.queue.pop()
      if (next === undefined) return
      this.now = next.at
      this.stats.events += 1
      if (this.stats.events > EVENTS_MAX) {
        this.violate("CONV-1", `the run did not finish within ${EVENTS_MAX} events`)
        return
      }
      this.handle(next.event)
      if (this.stats.events % DURABILITY_CHECK_EVERY_EVENTS === 0) this.checkDurability()
    }
  }

  private runUntil(time: number): void {
    this.runWhile(() => (this.queue.peekTime() ?? Infinity) <= time)
    this.now = Math.max(this.now, time)
  }

  /** Heal everything, let handoff and probes run, read every key (read repair), then check. */
  private quiesce(): void {
    if (this.violations.length > 0) return
    if (this.isolated.size > 0) this.availability.cut([], this.now)
    this.isolated = new Set()
    this.armed.clear()
    this.messageFaults = false
    for (const id of this.nodeOrder) {
      const node = this.nodes.get(id)!
      if (node.started && node.state === undefined) this.restartNode(id)
    }
    this.runUntil(this.now + QUIESCE_SETTLE_MS)
    if (!this.settleMembership()) return
    const keys = keyNames(this.scenario.options.keys)
    for (let round = 0; round < QUIESCE_READ_ROUNDS && this.scenario.options.quiesceReads !== false; round++) {
      keys.forEach((key, i) => {
        const node = preferenceList(this.currentRing(), key, this.config.n)[0]!
        this.input(node, { _tag: "Client", request: { _tag: "Get", id: `quiesce.${round}.${i}`, key, r: this.config.n } })
      })
      this.runUntil(this.now + QUIESCE_READ_WAIT_MS)
    }
    this.awaitConvergence(keys)
    this.checkDurability()
    this.checkConvergence(keys)
  }

  /**
   * CONV-1 and HINT-1 are eventual: give hints and anti-entropy time to finish, in steps, up to
   * CONVERGE_MAX_MS, instead of judging at a fixed moment. A late view change (a left node hears
   * of a join seconds after the others) re-hints keys a scan later; an anti-entropy repair may be
   * one round away. The bound keeps a protocol that never converges a failure. What a wait could
   * hide, a repair that only ever works one way, is checked on its own, exchange by exchange
   * (properties/merkle.test.ts).
   */
  private awaitConvergence(keys: ReadonlyArray<string>): void {
    const deadline = this.now + CONVERGE_MAX_MS
    while (this.violations.length === 0 && this.now < deadline && !this.quiet(keys)) this.runUntil(this.now + CONVERGE_STEP_MS)
  }

  /** No running node holds a hint, and every key's replicas hold the same versions. */
  private quiet(keys: ReadonlyArray<string>): boolean {
    for (const id of this.nodeOrder) {
      const state = this.nodes.get(id)!.state
      if (state !== undefined && counts(state).hints > 0) return false
    }
    const ring = this.currentRing()
    return keys.every((key) => {
      const sets = preferenceList(ring, key, this.config.n).map((id) => JSON.stringify(storeEvents(this.nodes.get(id)!.state!, key).slice().sort()))
      return sets.every((set) => set === sets[0])
    })
  }

  /** The key's home nodes: its top N in the bootstrap ring and in every running node's ring and target ring. */
  private homes(key: string): ReadonlySet<string> {
    const homes = new Set<string>(preferenceList(this.ring, key, this.config.n))
    for (const id of this.nodeOrder) {
      const state = this.nodes.get(id)!.state
      if (state === undefined) continue
      for (const node of preferenceList(servingRing(state), key, this.config.n)) homes.add(node)
      for (const node of preferenceList(targetRingOf(state), key, this.config.n)) homes.add(node)
    }
    return homes
  }

  /** The ring the running nodes agree on once membership has settled. */
  private currentRing(): Ring {
    for (const id of this.nodeOrder) {
      const state = this.nodes.get(id)!.state
      if (state !== undefined) return servingRing(state)
    }
    return this.ring
  }

  /**
   * MEMBERSHIP-1: after gossip quiesces every running node holds the same view, with no join or
   * leave still pending. Waits for it in steps, up to MEMBERSHIP_SETTLE_MAX_MS.
   */
  private settleMembership(): boolean {
    const deadline = this.now + MEMBERSHIP_SETTLE_MAX_MS
    for (;;) {
      const views = this.nodeOrder.map((id) => this.nodes.get(id)!.state).filter((s): s is NodeState => s !== undefined).map(membersOf)
      const digests = new Set(views.map((v) => JSON.stringify(v)))
      const pending = views.some((v) => v.some((e) => e.status === "joining" || e.status === "leaving"))
      if (digests.size === 1 && !pending) return true
      // An earlier violation stops the run where it stands, mid-gossip: that is not a view
      // that failed to converge, and reporting it as one sends the reader after a second bug.
      if (this.violations.length > 0) return false
      if (this.now >= deadline) {
        this.violate("MEMBERSHIP-1", `views have not converged ${MEMBERSHIP_SETTLE_MAX_MS} ms after healing: ${digests.size} distinct views${pending ? ", a join or leave still pending" : ""}: ${[...digests].join(" | ")}`)
        return false
      }
      this.runUntil(this.now + MEMBERSHIP_SETTLE_STEP_MS)
    }
  }

  // ---- events -----------------------------------------------------------------------------

  private handle(event: SimEvent): void {
    switch (event._tag) {
      case "Deliver": {
        if (this.blocked(event.from, event.to) || this.nodes.get(event.from)!.incarnation !== event.incarnation) {
          this.stats.messagesDropped += 1
          return
        }
        this.stats.messagesDelivered += 1
        this.input(event.to, { _tag: "Receive", from: event.from, message: event.message })
        return
      }
      case "Timer": {
        const node = this.nodes.get(event.node)!
        if (node.timerGens.get(event.key) !== event.gen) return
        node.timerGens.delete(event.key)
        // Timers that need a choice (a gossip peer, an anti-entropy partner) get it from the seed.
        this.input(event.node, firingOf(event.timer, needsPick(event.timer) ? this.prng.int(0, PICK_MAX) : undefined))
        return
      }
      case "PersistComplete": {
        const node = this.nodes.get(event.node)!
        if (node.incarnation !== event.incarnation || node.state === undefined) return
        // The host applies the pending records up to the token to the disk, then feeds the core.
        this.input(event.node, { _tag: "PersistDone", token: event.token })
        return
      }
      case "ClientIssue":
        this.issue(this.clients[event.client]!)
        return
      case "ClientTimeout": {
        const client = this.clients[event.client]!
        if (client.pending?.requestId !== event.requestId) return
        this.stats.clientTimeouts += 1
        client.pending = undefined
        this.scheduleNextOp(client)
        return
      }
      case "Fault":
        this.applyFault(event.fault)
        return
    }
  }

  private applyFault(fault: TimedFault): void {
    this.stats.faultsInjected += 1
    switch (fault._tag) {
      case "Crash":
        this.crashNode(fault.node, false)
        return
      case "CrashMidWrite":
        this.armed.add(fault.node)
        return
      case "DiskLoss":
        this.crashNode(fault.node, true)
        return
      case "Restart":
        if (this.nodes.get(fault.node)!.state === undefined) this.restartNode(fault.node)
        return
      case "Partition":
        this.isolated = new Set(fault.isolated)
        this.availability.cut(fault.isolated, this.now)
        return
      case "Heal":
        this.isolated = new Set()
        this.availability.cut([], this.now)
        return
      case "Join": {
        this.availability.ringChange(this.now)
        const node = this.nodes.get(fault.node)
        if (node === undefined || node.started) return
        this.startNode(fault.node)
        this.input(fault.node, { _tag: "Admin", command: { _tag: "Join", node: fault.node } })
        return
      }
      case "Leave": {
        this.availability.ringChange(this.now)
        const at = this.nodes.get(fault.node)?.state !== undefined ? fault.node : this.nodeOrder.find((id) => this.nodes.get(id)!.state !== undefined)
        if (at !== undefined) this.input(at, { _tag: "Admin", command: { _tag: "Leave", node: fault.node } })
        return
      }
      case "HintLoss": {
        let victim: string | undefined
        let most = 0
        for (const id of this.nodeOrder) {
          const state = this.nodes.get(id)!.state
          const count = state === undefined ? 0 : counts(state).hints
          if (count > most) {
            most = count
            victim = id
          }
        }
        if (victim === undefined) return
        this.crashNode(victim, true)
        this.queue.push(this.now + fault.downMs, { _tag: "Fault", fault: { _tag: "Restart", at: this.now + fault.downMs, node: victim } })
        return
      }
    }
  }

  private blocked(from: string, to: string): boolean {
    return this.isolated.has(from) !== this.isolated.has(to)
  }

  // ---- nodes ------------------------------------------------------------------------------

  private startNode(id: string): void {
    const node = this.nodes.get(id)!
    node.started = true
    node.host = recover(node.host, this.config, this.ring)
    this.availability.start(id, this.now)
    if (this.recordTrace) this.trace.push({ at: this.now, node: id, event: { _tag: "Recover" } })
    // An interpreter without an epoch floor (EPOCH-1's schedule shape) passes 0.
    this.input(id, this.scenario.options.epochFloor === false ? { _tag: "Start", epochFloor: 0 } : startOf(node.host))
  }

  private restartNode(id: string): void {
    this.startNode(id)
  }

  private crashNode(id: string, loseDisk: boolean): void {
    const node = this.nodes.get(id)!
    if (node.state === undefined && !loseDisk) return
    if (node.state !== undefined) this.availability.crash(id, this.now)
    node.host = (loseDisk ? hostLoseDisk(node.host) : hostCrash(node.host)).node
    node.timerGens.clear()
    node.incarnation += 1
    if (this.checkInvariants) this.checks.crashed(id, loseDisk, this.now)
    if (loseDisk) node.diskLostAt = this.now
    if (this.recordTrace) this.trace.push({ at: this.now, node: id, event: { _tag: loseDisk ? "DiskLoss" : "Crash" } })
    this.checkDurability()
  }

  /** Feed one input to one node, check the step, and interpret its effects. */
  private input(id: string, input: NodeInput): void {
    const node = this.nodes.get(id)!
    const before = node.state
    if (before === undefined) return
    if (this.recordTrace) this.trace.push({ at: this.now, node: id, event: { _tag: "Input", input } })
    if (input._tag === "Receive" && input.message._tag === "AntiEntropy") {
      for (const exchange of input.message.exchanges) {
        if (exchange._tag === "MerkleSync" || exchange._tag === "MerkleSyncReply") this.stats.antiEntropyKeys += exchange.entries.length
      }
    }
    const result = feed(node.host, input, this.now)
    node.host = result.node
    if (this.checkInvariants) {
      if (input._tag === "PersistDone") this.checks.durable(id, input.token, result.durable)
      this.checkStep(id, before, input, result.effects)
      this.report(this.checks.step(id, before, result.node.state!, input, result.effects, this.now, (other) => {
        const n = this.nodes.get(other)!
        return { disk: n.disk, lostAt: n.diskLostAt }
      }))
    }
    for (const effect of result.effects) this.perform(node, effect)
    if (this.armed.has(id) && result.effects.some((e) => e._tag === "Persist" && e.record._tag !== "Epoch")) {
      // The write is emitted, replies already went out, nothing is durable or on the wire yet.
      this.armed.delete(id)
      this.crashNode(id, false)
    }
  }

  private perform(node: SimNode, effect: NodeEffect): void {
    switch (effect._tag) {
      case "Send":
        if (effect.message._tag === "Handoff") this.checkHandoff(node, effect.to, effect.message.entries.map((e) => e.key))
        this.send(node.id, effect.to, effect.message)
        return
      case "SetTimer": {
        const key = timerKey(effect.timer)
        const gen = ++this.timerGeneration
        node.timerGens.set(key, gen)
        this.queue.push(this.now + effect.afterMs, { _tag: "Timer", node: node.id, key, gen, timer: effect.timer })
        return
      }
      case "CancelTimer":
        node.timerGens.delete(timerKey(effect.timer))
        return
      case "Persist": {
        const at = Math.max(node.diskFreeAt, this.now + this.prng.int(0, this.scenario.options.diskDelayMsMax))
        node.diskFreeAt = at
        this.queue.push(at, { _tag: "PersistComplete", node: node.id, token: effect.token, incarnation: node.incarnation })
        if (effect.record._tag === "StoreHint") this.stats.hintsStored += 1
        if (effect.record._tag === "DeleteHint") this.stats.hintsDelivered += 1
        return
      }
      case "Reply":
        this.clientReply(effect.reply)
        return
    }
  }

  private send(from: string, to: string, message: PeerMessage): void {
    this.stats.messagesSent += 1
    if (message._tag === "Repair") this.stats.readRepairs += 1
    const options = this.scenario.options
    const faults = options.faults
    if (this.blocked(from, to)) {
      this.stats.messagesDropped += 1
      return
    }
    if (this.messageFaults && faults.includes("drop") && this.prng.chance(options.dropPercent)) {
      this.stats.messagesDropped += 1
      this.availability.drop(this.now)
      return
    }
    const maxDelay = this.messageFaults && faults.includes("reorder") ? options.delayMsMax * 10 : options.delayMsMax
    const incarnation = this.nodes.get(from)!.incarnation
    this.queue.push(this.now + this.prng.int(options.delayMsMin, maxDelay), { _tag: "Deliver", from, incarnation, to, message })
    if (this.messageFaults && faults.includes("dup") && this.prng.chance(options.dupPercent)) {
      this.stats.messagesDuplicated += 1
      this.queue.push(this.now + this.prng.int(options.delayMsMin, maxDelay), { _tag: "Deliver", from, incarnation, to, message })
    }
  }

  // ---- clients ----------------------------------------------------------------------------

  private scheduleNextOp(client: SimClient): void {
    const op = client.ops[client.next]
    if (op === undefined) return
    this.queue.push(this.now + op.delayMs, { _tag: "ClientIssue", client: client.id })
  }

  private issue(client: SimClient): void {
    const op = client.ops[client.next]
    if (op === undefined || client.pending !== undefined) return
    client.next += 1
    const requestId = `c${client.id}.${client.next}`
    const context = op.kind === "blind" ? emptyVClock : client.context.get(op.key) ?? emptyVClock
    let request: ClientRequest
    switch (op.kind) {
      case "get":
        request = { _tag: "Get", id: requestId, key: op.key }
        break
      case "put":
      case "blind":
        request = { _tag: "Put", id: requestId, key: op.key, value: requestId, context }
        break
      case "delete":
        request = { _tag: "Delete", id: requestId, key: op.key, context }
        break
    }
    // The oracle serves only the checks: a run without them (the bare-interpreter benchmark)
    // does not keep it.
    if (op.kind !== "get" && this.checkInvariants) this.oracle.record(requestId, op.key, op.kind === "blind" ? [] : client.seen.get(op.key) ?? [])
    client.pending = { requestId, op, startedAt: this.now }
    if (op.kind === "get" && this.checkInvariants) this.checks.getIssued(requestId, op.key, this.now, this.nodeOrder.map((id) => [id, this.nodes.get(id)!.disk] as const))
    this.requestOwner.set(requestId, client.id)
    this.queue.push(this.now + this.scenario.options.clientTimeoutMs, { _tag: "ClientTimeout", client: client.id, requestId })
    if (this.checkInvariants) {
      const kind = op.kind === "blind" ? "put" : op.kind
      this.availability.request({ id: requestId, node: op.node, kind, key: op.key, at: this.now, top: preferenceList(this.ring, op.key, this.config.n) })
    }
    this.input(op.node, { _tag: "Client", request })
  }

  private clientReply(reply: ClientReply): void {
    const owner = this.requestOwner.get(reply.id)
    const client = owner === undefined ? undefined : this.clients[owner]
    this.observations.push({ at: this.now, client: owner ?? -1, reply })
    if (this.checkInvariants) this.availability.reply(reply.id, reply._tag !== "Failed", this.now, reply._tag === "Failed" ? reply.error : undefined)
    if (this.checkInvariants) this.checkReply(reply, client?.pending?.startedAt ?? this.now)
    switch (reply._tag) {
      case "GetOk":
        this.stats.getsAnswered += 1
        if (this.checkInvariants) this.report(this.checks.getAnswered(reply, (node) => this.nodes.get(node)!.diskLostAt))
        if (reply.siblings.length > 1) this.stats.getsWithSiblings += 1
        break
      case "PutOk": {
        this.stats.putsAcknowledged += 1
        const deletion = client?.pending?.op.kind === "delete"
        const issuedAt = client?.pending?.requestId === reply.id ? client.pending.startedAt : 0
        if (!this.checkInvariants) break
        const write = { event: reply.id, key: reply.key, at: this.now, issuedAt, nodes: reply.nodes, deletion }
        let forKey = this.ackedByKey.get(reply.key)
        if (forKey === undefined) this.ackedByKey.set(reply.key, (forKey = new AckedWrites()))
        forKey.add(this.oracle, write)
        this.report(this.checks.putAcknowledged(reply, issuedAt, this.homes(reply.key)))
        break
      }
      case "Failed":
        if (client?.pending?.op.kind === "get") this.stats.getsFailed += 1
        else this.stats.putsFailed += 1
        break
    }
    if (client === undefined || client.pending?.requestId !== reply.id) return
    if (reply._tag !== "Failed") {
      if (this.checkInvariants) client.seen.set(reply.key, reply.siblings.map(eventOf))
      client.context.set(reply.key, reply.context)
    }
    client.pending = undefined
    this.scheduleNextOp(client)
  }

  // ---- invariants -------------------------------------------------------------------------

  private violate(invariant: InvariantId, message: string): void {
    this.violations.push({ invariant, at: this.now, message })
  }

  /** A finding of the checks in src/sim/checks/, the first one only (as violate). */
  private report(finding: Finding | undefined): void {
    if (finding !== undefined && this.violations.length === 0) this.violate(finding.invariant as InvariantId, finding.message)
  }

  /**
   * SIB-1 at the replica: a step may replace a stored sibling only by versions whose causal past
   * (per the oracle) contains it, and what arrives must end up covered too. HINT-1: a hint is
   * deleted only once its intended node's disk covers it.
   */
  private checkStep(id: string, before: NodeState, input: NodeInput, effects: ReadonlyArray<NodeEffect>): void {
    for (const effect of effects) {
      if (effect._tag !== "Persist") continue
      const record = effect.record
      this.stats.invariantChecks += 1
      if (record._tag === "StoreKey") {
        const previous = storeEvents(before, record.key)
        const now = eventsOf(record.set)
        const incoming = incomingEvents(input, record.key)
        for (const event of [...previous, ...incoming]) {
          if (!this.oracle.has(event)) continue
          if (!this.oracle.coveredBy(event, now)) {
            this.violate("SIB-1", `${id} dropped ${event} from ${record.key}: it now holds [${now.join(", ")}], none of which has seen it`)
            return
          }
        }
        const pair = this.scenario.options.truncateAt === undefined ? this.oracle.orderedPair(now) : undefined
        if (pair !== undefined) {
          const [a, b] = pair
          this.violate("SIB-1", `${id} keeps ${b} beside ${a} in ${record.key}, though ${a} has seen ${b}`)
          return
        }
      } else if (record._tag === "DeleteHint") {
        const hint = sortedHints(before).find((h) => h.intended === record.intended && h.key === record.key)
        const intended = this.nodes.get(record.intended)!
        if (hint === undefined || intended.diskLostAt >= 0) continue
        // The intended node must hold the hint in its own store, durably, whatever its view of
        // the ring: a node that does not replicate the key keeps a copy too before it acks
        // (spec/README.md, "Hints"). Counting other disks, or the intended node's hints for
        // others, let two nodes with different views each delete its hint on the other's ack.
        const held = ownEvents(intended.disk, record.key)
        for (const event of eventsOf(hint.set)) {
          if (!this.oracle.coveredBy(event, held)) {
            this.violate("HINT-1", `${id} deleted its hint for ${record.intended}/${record.key} but ${record.intended}'s disk does not hold ${event}`)
            return
          }
        }
      }
    }
  }

  /**
   * RING-2 end to end: a hand-over to a node carries only keys that node gains in the ring
   * change under way (only the moved ranges travel).
   */
  private checkHandoff(node: SimNode, to: string, keys: ReadonlyArray<string>): void {
    const state = node.state
    if (state === undefined || !this.checkInvariants) return
    this.stats.handoffKeys += keys.length
    for (const key of keys) {
      const gains = preferenceList(targetRingOf(state), key, this.config.n).includes(to) && !preferenceList(servingRing(state), key, this.config.n).includes(to)
      if (!gains) {
        this.violate("RING-2", `${node.id} handed ${key} to ${to}, which does not gain it in the pending ring change`)
        return
      }
    }
  }

  /** SIB-1 on what a client sees, and QUORUM-1 in fault-free runs with R + W > N. */
  private checkReply(reply: ClientReply, startedAt: number): void {
    if (reply._tag !== "GetOk") return
    this.stats.invariantChecks += 1
    const events = reply.siblings.map(eventOf)
    const pair = this.scenario.options.truncateAt === undefined ? this.oracle.orderedPair(events) : undefined
    if (pair !== undefined) {
      const [a, b] = pair
      this.violate("SIB-1", `get ${reply.id} of ${reply.key} returned ${b} beside ${a}, though ${a} has seen ${b}`)
      return
    }
    const options = this.scenario.options
    if (this.faultFree && options.r + options.w > options.n && !reply.id.startsWith("quiesce")) {
      const seen = this.oracle.pastUnion(reply.key, events)
      // Writes acknowledged before the get started (and before any ring change) must be seen.
      const write = this.ackedByKey.get(reply.key)?.firstMissing(seen, (w) => w.at < startedAt && w.at < this.quorumCutoff)
      if (write !== undefined) {
        this.violate("QUORUM-1", `get ${reply.id} of ${reply.key} started at ${startedAt} ms missed ${write.event}, acknowledged at ${write.at} ms (R=${options.r}, W=${options.w}, N=${options.n})`)
        return
      }
    }
  }

  /** AVAIL-1, AVAIL-2: every request whose premise held was answered with success in time. */
  private checkAvailability(): void {
    if (this.violations.length > 0 || !this.checkInvariants) return
    const [first] = this.availability.judge(this.now)
    if (first !== undefined) this.violations.push(first)
  }

  /** DUR-1: every acknowledged write is on some disk, or covered there, unless all its ackers lost their disks. */
  private checkDurability(): void {
    if (this.violations.length > 0 || !this.checkInvariants) return
    // Each disk's hints by key, gathered once per check rather than rescanned for every key.
    const disks = this.nodeOrder.map((id) => {
      const disk = this.nodes.get(id)!.disk
      return { disk, hints: hintEventsByKey(disk) }
    })
    for (const [key, writes] of this.ackedByKey) {
      // Everything any disk holds for the key, with its causal past, as one bitset.
      const held: Array<string> = []
      for (const { disk, hints } of disks) held.push(...ownEvents(disk, key), ...(hints.get(key) ?? []))
      const onDisk = this.oracle.pastUnion(key, held)
      this.stats.invariantChecks += writes.writes.length
      const write = writes.firstMissing(onDisk, (w) => !this.durabilityExcused(w))
      if (write !== undefined) {
        this.violate("DUR-1", `${write.event} on ${write.key} was acknowledged at ${write.at} ms by [${write.nodes.join(", ")}] but no disk holds it or a version that has seen it`)
        return
      }
    }
  }

  /**
   * DUR-1's bound: a write may be lost only when the disks of W nodes were lost after it was
   * sent (an acker may have acknowledged before the client heard of it). The nodes the reply names are not trusted (a buggy coordinator could name
   * fewer), so any W lost disks excuse it: fewer than W lost disks means fewer than W ackers.
   */
  private durabilityExcused(write: AckedWrite): boolean {
    let lost = 0
    for (const id of this.nodeOrder) if (this.nodes.get(id)!.diskLostAt >= write.issuedAt) lost += 1
    return lost >= this.config.w
  }

  /** CONV-1, HINT-1 and DEL-1 after heal-and-quiesce. */
  private checkConvergence(keys: ReadonlyArray<string>): void {
    if (this.violations.length > 0) return
    for (const id of this.nodeOrder) {
      const state = this.nodes.get(id)!.state
      if (state === undefined) continue
      const hints = sortedHints(state)
      if (hints.length > 0) {
        this.violate("HINT-1", `${id} still holds ${hints.length} hint(s) after quiescence (first: ${hints[0]!.intended}/${hints[0]!.key})`)
        return
      }
    }
    for (const key of keys) {
      this.stats.invariantChecks += 1
      const replicas = preferenceList(this.currentRing(), key, this.config.n)
      const sets = replicas.map((id) => storeEvents(this.nodes.get(id)!.state!, key).slice().sort())
      const first = JSON.stringify(sets[0])
      for (let i = 1; i < sets.length; i++) {
        if (JSON.stringify(sets[i]) !== first) {
          this.violate("CONV-1", `replicas of ${key} differ after quiescence: ${replicas[0]} holds ${first}, ${replicas[i]} holds ${JSON.stringify(sets[i])}`)
          return
        }
      }
      const hold = checkReplicasHold(this.oracle, key, replicas.map((node, i) => ({ node, events: sets[i]! })), this.ackedByKey.get(key), (w) => this.durabilityExcused(w))
      if (hold !== undefined) return this.report(hold)
      const live = sets[0] ?? []
      for (const write of this.ackedByKey.get(key)?.writes ?? []) {
        if (!write.deletion) continue
        const excused = this.durabilityExcused(write)
        for (const event of live) {
          const state = this.nodes.get(replicas[0]!)!.state!
          const isTombstone = siblingValues(storeSet(state, key)).some((v) => v._tag === "Tombstone" && v.id === event)
          if (!excused && !isTombstone && event !== write.event && this.oracle.inPast(write.event, event)) {
            this.violate("DEL-1", `${event} on ${key} is live after quiescence though delete ${write.event}, acknowledged at ${write.at} ms, covered it`)
            return
          }
        }
      }
    }
  }

  private finalReplicas(): SimReport["finalReplicas"] {
    const result: Array<{ node: string; key: string; values: ReadonlyArray<string> }> = []
    for (const key of keyNames(this.scenario.options.keys)) {
      for (const id of preferenceList(this.currentRing(), key, this.config.n)) {
        const state = this.nodes.get(id)!.state
        if (state === undefined) continue
        result.push({ node: id, key, values: siblingValues(storeSet(state, key)).filter((v) => v._tag === "Put").map(eventOf) })
      }
    }
    return result
  }
}

const storeSet = (state: NodeState, key: string): VersionSet =>
  localView(state, key) ?? emptyVersionSet(configOf(state).versions.mode)

const membersOrNone = (state: NodeState | undefined): MembershipView => (state === undefined ? [] : membersOf(state))

const storeEvents = (state: NodeState, key: string): ReadonlyArray<string> => eventsOf(storeSet(state, key))

/** The events a disk holds for `key` in the node's own store (its hints for others aside). */
const ownEvents = (disk: DurableState, key: string): ReadonlyArray<string> => {
  const own = Option.getOrUndefined(HashMap.get(disk.store, key))
  return own === undefined ? [] : eventsOf(own)
}

/** The events of every hint a disk holds, by key. */
const hintEventsByKey = (disk: DurableState): ReadonlyMap<string, ReadonlyArray<string>> => {
  const byKey = new Map<string, Array<string>>()
  for (const hint of HashMap.values(disk.hints)) {
    let events = byKey.get(hint.key)
    if (events === undefined) byKey.set(hint.key, (events = []))
    events.push(...eventsOf(hint.set))
  }
  return byKey
}

/** The events a step's input brought for `key`: a client write, or versions carried by a message. */
const incomingEvents = (input: NodeInput, key: string): ReadonlyArray<string> => {
  if (input._tag === "Client") {
    const request = input.request
    return request.key === key && request._tag !== "Get" ? [request.id] : []
  }
  if (input._tag !== "Receive") return []
  const message = input.message
  switch (message._tag) {
    case "Replicate":
    case "Repair":
      return message.key === key && message.hintFor === undefined ? eventsOf(message.set) : []
    case "HintDeliver":
      return message.key === key ? eventsOf(message.set) : []
    default:
      return []
  }
}
