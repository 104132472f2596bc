// The deterministic simulator (ARCHITECTURE.md): nodes running the pure core, a network with
// delay, reordering, loss, duplication and partitions, crashes that lose volatile state, disks
// that can be lost, and clients; all in virtual time, every choice drawn from one seeded PRNG.
import { buildRing, type ClientReply, counts, defaultProtocolConfig, defaultVersionsConfig, membersOf, type NodeEffect, type NodeInput, type NodeState, type PeerMessage, preferenceList, type ProtocolConfig, type Ring, servingRing, siblingValues, timerKey } from "../core/index.ts"
import { crash as hostCrash, feed, loseDisk as hostLoseDisk, recover, startOf } from "../host/index.ts"
import { Prng } from "../host/prng.ts"
import { EventQueue } from "./queue.ts"
import { Oracle } from "../trace/oracle.ts"
import { AckedWrites } from "./acked.ts"
import { AvailabilityRecord } from "./availability.ts"
import { SimJudge } from "./judge.ts"
import { StepChecks } from "./step-checks.ts"
import { converged, healAndQuiesce, QUIESCE_READ_ROUNDS } from "../invariants/quiescence.ts"
import { membership1ViewsAgree } from "../invariants/membership.ts"
import { linkDelayRangeMs, simMembers, zoneOfSimNode } from "./zones.ts"
import { keyNames, nodeIds, type ClientOp, type Scenario, type TimedFault } from "./scenario.ts"
import { eventOf } from "../trace/format.ts"
import type { TraceStep } from "../trace/step.ts"
import { membersOrNone, storeSet } from "./events.ts"
import { CONVERGE_MAX_MS, CONVERGE_STEP_MS, DURABILITY_CHECK_EVERY_EVENTS, EVENTS_MAX, MEMBERSHIP_SETTLE_MAX_MS, MEMBERSHIP_SETTLE_STEP_MS, type Observation, QUIESCE_READ_WAIT_MS, QUIESCE_SETTLE_MS, type SimReport, type SimStats, type Violation } from "./report.ts"
import { type AckedWrite, clientRequestOf, homeNodes, type SimClient, type SimEvent, simFiring, SimNode } from "./world-parts.ts"

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
  /** What happened to nodes and links, for AVAIL-1 and AVAIL-2 (never the nodes' own beliefs). */
  readonly availability: AvailabilityRecord
  private readonly observations: Array<Observation> = []
  private readonly trace: Array<TraceStep> = []
  private isolated: ReadonlySet<string> = new Set()
  /** Paused nodes (SIGSTOP) and what reached each meanwhile, in arrival order. */
  private readonly paused = new Map<string, Array<SimEvent>>()
  /** Nodes that crash right after the next step in which they write (CrashMidWrite). */
  private readonly armed = new Set<string>()
  private messageFaults = true
  private now = 0
  /** A timer fires only if it is still the latest one set under its key (re-arming replaces it). */
  private timerGeneration = 0
  private readonly faultFree: boolean
  /** The invariant checks (judge.ts), reading this world. */
  private readonly judge: SimJudge
  /** ACK-1..3, HINT-2, EPOCH-1/2, LEAVE-1, READ-2/3 (step-checks.ts), reported through the judge. */
  private readonly checks: StepChecks
  private readonly quorumCutoff: number
  readonly stats: SimStats = {
    events: 0, messagesSent: 0, messagesDelivered: 0, messagesDropped: 0, messagesDuplicated: 0,
    faultsInjected: 0, putsAcknowledged: 0, putsFailed: 0, getsAnswered: 0, getsFailed: 0,
    getsWithSiblings: 0, clientTimeouts: 0, heldUntilResume: 0, hintsStored: 0, hintsDelivered: 0, readRepairs: 0, handoffKeys: 0, antiEntropyKeys: 0, invariantChecks: 0
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
    this.ring = buildRing(simMembers(this.members, options.zones), options.ring)
    this.config = protocolConfigOf(scenario)
    this.availability = new AvailabilityRecord(this.members, this.config)
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
    this.judge = new SimJudge({
      scenario, config: this.config, oracle: this.oracle, ackedByKey: this.ackedByKey, stats: this.stats,
      availability: this.availability, nodes: this.nodes, nodeOrder: this.nodeOrder, violations: this.violations,
      checkInvariants, faultFree: this.faultFree, quorumCutoff: this.quorumCutoff,
      now: () => this.now,
      ring: this.ring,
      currentRing: () => this.currentRing()
    })
    this.checks = new StepChecks(this.oracle, this.judge.oracle, this.config.w, {
      isHome: (node, key) => this.isHome(node, key),
      diskOf: (node) => this.nodes.get(node)!.disk
    })
  }

  // ---- the run ----------------------------------------------------------------------------

  run(): SimReport {
    for (const id of this.members) this.startNode(id)
    for (const fault of this.scenario.faults) this.queue.push(fault.at, { _tag: "Fault", fault })
    for (const client of this.clients) this.scheduleNextOp(client)
    // Workload phase: until every client is done and every fault has been applied.
    const lastFault = this.scenario.faults.reduce((t, f) => Math.max(t, f.at), 0)
    this.runWhile(() => this.now <= lastFault || this.clients.some((c) => c.next < c.ops.length || c.pending !== undefined))
    this.judge.checkDurability()
    this.quiesce()
    this.judge.checkAvailability()
    return {
      scenario: this.scenario,
      stats: this.stats,
      violations: this.violations,
      observations: this.observations,
      finalReplicas: this.finalReplicas(),
      endTime: this.now,
      trace: this.trace,
      finalMembership: membersOrNone(this.nodeOrder.map((id) => this.nodes.get(id)!.state).find((state) => state !== undefined)),
      sometimes: this.judge.sometimes()
    }
  }

  private runWhile(condition: () => boolean): void {
    while (condition() && this.violations.length === 0) {
      const next = this.queue.pop()
      if (next === undefined) return
      this.now = next.at
      this.stats.events += 1
      if (this.stats.events > EVENTS_MAX) {
        this.judge.violate("CONV-1", `the run did not finish within ${EVENTS_MAX} events`)
        return
      }
      this.handle(next.event)
      if (this.stats.events % DURABILITY_CHECK_EVERY_EVENTS === 0) this.judge.checkDurability()
    }
  }

  private runUntil(time: number): void {
    this.runWhile(() => (this.queue.peekTime() ?? Infinity) <= time)
    this.now = Math.max(this.now, time)
  }

  /**
   * Heal-and-quiesce (src/invariants/quiescence.ts): heal everything, let hand-offs, probes and
   * gossip run on the clock, read every key (read repair), let hints and anti-entropy finish, then
   * judge HINT-1 (none left), CONV-1, DUR-2, DEL-1 and DUR-1.
   */
  private quiesce(): void {
    if (this.violations.length > 0) return
    const keys = keyNames(this.scenario.options.keys)
    healAndQuiesce({
      oracle: this.judge.oracle,
      keys,
      readRounds: this.scenario.options.quiesceReads === false ? 0 : QUIESCE_READ_ROUNDS,
      checks: { hint1: true, conv1: true, dur2: true, del1: true },
      stopped: () => this.violations.length > 0,
      report: (finding) => this.judge.report(finding),
      alreadyQuiet: () => false,
      heal: () => {
        if (this.isolated.size > 0) this.availability.cut([], this.now)
        this.isolated = new Set()
        this.armed.clear()
        this.messageFaults = false
        for (const id of this.nodeOrder) this.resume(id)
        for (const id of this.nodeOrder) {
          const node = this.nodes.get(id)!
          if (node.started && node.state === undefined) this.restartNode(id)
        }
      },
      settle: () => {
        this.runUntil(this.now + QUIESCE_SETTLE_MS)
        return this.settleMembership()
      },
      read: (key, id) => {
        const node = preferenceList(this.currentRing(), key, this.config.n)[0]!
        this.input(node, { _tag: "Client", request: { _tag: "Get", id, key, r: this.config.n } })
      },
      settleReads: () => this.runUntil(this.now + QUIESCE_READ_WAIT_MS),
      converge: () => this.awaitConvergence(keys),
      checkDurability: () => this.judge.checkDurability()
    })
    this.judge.countQuiesced(keys)
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
    while (this.violations.length === 0 && this.now < deadline && !converged(this.judge.oracle, keys)) this.runUntil(this.now + CONVERGE_STEP_MS)
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
      const views = this.nodeOrder.flatMap((id) => {
        const state = this.nodes.get(id)!.state
        if (state === undefined) return []
        const view = membersOf(state)
        return [{ node: id, digest: JSON.stringify(view), pending: view.some((e) => e.status === "joining" || e.status === "leaving") }]
      })
      const finding = membership1ViewsAgree(views, MEMBERSHIP_SETTLE_MAX_MS)
      if (finding === undefined) return true
      // An earlier violation stops the run where it stands, mid-gossip: that is not a view
      // that failed to converge, and reporting it as one sends the reader after a second bug.
      if (this.violations.length > 0) return false
      if (this.now >= deadline) {
        this.judge.report(finding)
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
        // A paused node's expired timer waits; whether it is still armed is asked when it resumes.
        const held = this.paused.get(event.node)
        if (held !== undefined) return void held.push(event)
        const node = this.nodes.get(event.node)!
        if (node.timerGens.get(event.key) !== event.gen) return
        node.timerGens.delete(event.key)
        // Timers that need a choice (a gossip peer, an anti-entropy partner) get it from the seed.
        this.input(event.node, simFiring(event.timer, this.prng, this.scenario.options.busyPercent ?? 0))
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
      case "Held":
        this.input(event.node, event.input)
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
      case "Pause":
        if (this.nodes.get(fault.node)!.state === undefined || this.paused.has(fault.node)) return
        this.paused.set(fault.node, [])
        this.availability.crash(fault.node, this.now)
        return
      case "Resume":
        this.resume(fault.node)
        return
      case "Join": {
        this.availability.ringChange(this.now)
        const node = this.nodes.get(fault.node)
        if (node === undefined || node.started) return
        this.startNode(fault.node)
        const zone = zoneOfSimNode(fault.node, this.scenario.options.zones)
        this.input(fault.node, { _tag: "Admin", command: zone === undefined ? { _tag: "Join", node: fault.node } : { _tag: "Join", node: fault.node, zone } })
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

  /** Whether `node` is among `key`'s home nodes (homeNodes, computed once per key and event). */
  private isHome(node: string, key: string): boolean {
    if (this.homesOf?.key !== key || this.homesOf.event !== this.stats.events) {
      this.homesOf = { key, event: this.stats.events, homes: homeNodes(this.ring, this.nodeOrder.map((id) => this.nodes.get(id)!.state), key, this.config.n) }
    }
    return this.homesOf.homes.has(node)
  }

  private homesOf: { readonly key: string; readonly event: number; readonly homes: ReadonlySet<string> } | undefined

  /**
   * A paused node continues (SIGCONT): its clock has jumped; what waited is handled now, expired
   * timers first, then the rest in arrival order, as Node's event loop runs its phases.
   */
  private resume(id: string): void {
    const held = this.paused.get(id)
    if (held === undefined) return
    this.paused.delete(id)
    this.stats.heldUntilResume += held.length
    this.availability.start(id, this.now)
    for (const event of held) if (event._tag === "Timer") this.handle(event)
    for (const event of held) if (event._tag !== "Timer") this.handle(event)
  }

  private restartNode(id: string): void {
    this.startNode(id)
  }

  private crashNode(id: string, loseDisk: boolean): void {
    const node = this.nodes.get(id)!
    if (node.state === undefined && !loseDisk) return
    if (node.state !== undefined) this.availability.crash(id, this.now)
    // kill -9 of a stopped process: what waited for it is lost with it.
    this.paused.delete(id)
    if (this.checkInvariants) this.judge.countCrash(node.host.pending.length)
    node.host = (loseDisk ? hostLoseDisk(node.host) : hostCrash(node.host)).node
    node.timerGens.clear()
    node.incarnation += 1
    if (this.checkInvariants) this.checks.crashed(id, loseDisk, this.now)
    if (loseDisk) node.diskLostAt = this.now
    if (this.recordTrace) this.trace.push({ at: this.now, node: id, event: { _tag: loseDisk ? "DiskLoss" : "Crash" } })
    this.judge.checkDurability()
  }

  /** Feed one input to one node, check the step, and interpret its effects. */
  private input(id: string, input: NodeInput): void {
    const node = this.nodes.get(id)!
    const before = node.state
    if (before === undefined) return
    const held = this.paused.get(id)
    if (held !== undefined) return void held.push({ _tag: "Held", node: id, input })
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
      this.judge.checkStep(id, before, input, result.effects)
      this.judge.countStep(id, before, result.node.state!, input, result.effects)
      this.judge.report(this.checks.step(id, before, result.node.state!, input, result.effects, this.now))
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
        if (effect.message._tag === "Handoff") this.judge.checkHandoff(node, effect.to, effect.message.entries.map((e) => e.key))
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
    // Inside a zone or between two (src/sim/zones.ts): without zones, the scenario's one range.
    const [minDelay, linkMax] = linkDelayRangeMs(options, from, to)
    const maxDelay = this.messageFaults && faults.includes("reorder") ? linkMax * 10 : linkMax
    const incarnation = this.nodes.get(from)!.incarnation
    this.queue.push(this.now + this.prng.int(minDelay, maxDelay), { _tag: "Deliver", from, incarnation, to, message })
    if (this.messageFaults && faults.includes("dup") && this.prng.chance(options.dupPercent)) {
      this.stats.messagesDuplicated += 1
      this.queue.push(this.now + this.prng.int(minDelay, maxDelay), { _tag: "Deliver", from, incarnation, to, message })
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
    const request = clientRequestOf(op, requestId, client.context.get(op.key))
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
    if (this.checkInvariants) this.judge.checkReply(reply, client?.pending?.startedAt ?? this.now)
    switch (reply._tag) {
      case "GetOk":
        this.stats.getsAnswered += 1
        if (this.checkInvariants) this.judge.report(this.checks.getAnswered(reply))
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
        this.judge.report(this.checks.putAcknowledged(reply, issuedAt))
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

