// The interpreter of the core for a real node: it runs the node through the node host
// (src/host/: feedNode, recoverNode, persistUpTo under the contract of src/host/index.ts), one
// input at a time, as the simulator does in virtual time; it keeps its own asynchronous storage
// and real timers:
//   - Persist: the host holds each record as pending, in emission order. At the end of the tick
//     after the one that emitted them (GROUP_COMMIT_TICKS), or at once when GROUP_COMMIT_RECORDS
//     are pending or the tick handled a single input, the records not yet handed to the storage
//     are written as one transaction (group commit). Up to TRANSACTIONS_IN_FLIGHT_MAX are in
//     flight at a time: while the storage syncs them on another thread, what the node emits
//     beyond that forms the next one. When a transaction is durable,
//     PersistDone(its highest token) is fed through the host, which drops the records up to it
//     from the pending ones: PersistDone(t) always means t and every earlier record are durable.
//   - SetTimer / CancelTimer: the host's timer table says what is armed (one timer per
//     timerKey); a real timer fires into the node only while its key is armed there.
//   - Send: handed to the peer links, written once per tick.
//   - Reply: handed to the waiting client request.
// It makes no protocol decision: what to store, send or answer is the core's.
import { type AdminCommand, type ClientReply, type ClientRequest, type ClientRequestId, counts, durableOf, epochOf, isReady, type MembershipView, membersOf, type NodeEffect, type NodeId, type NodeInput, type NodeState, type PeerMessage, type ProtocolConfig, recover, type Ring, statusOf, type Timer, timerKey } from "../core/index.ts"
import { type Fed, feedNode, firingOf, type Holding, type HostNode, isArmed, needsPick, NO_TIMERS, PICK_MAX, type PendingPersist, recoverNode, startOf, takesAdmission } from "../host/index.ts"
import type { ForegroundLatency } from "./foreground.ts"
import { createHistogram, performance, type RecordableHistogram } from "node:perf_hooks"
import type { Journal } from "./journal.ts"
import type { StorageShape } from "./storage.ts"
import type { Timings } from "./timings.ts"

/**
 * A client request the core has not answered after this many request timeouts is expired: its
 * caller hears `undefined` (the API answers 504). The core answers every request within two
 * request timeouts (one, or two for a forwarded request; it replies Failed when quorum is not
 * reached), so this only catches a bug.
 */
export const REPLY_WAIT_TIMEOUTS_MAX = 4
/** The driver's own timer (the core's timer keys are tagged names; see timerKey). */
const REPLY_DEADLINE_TIMER = "shell/reply-deadline"
/**
 * Transactions handed to the storage and not yet durable, at most. One made a record emitted
 * just after a sync began wait for that sync to end before its own could start: with a lone
 * client whose puts go to every node in turn, the previous put's slowest replica was often still
 * syncing when it became the next put's coordinator or replica, about 0.5 ms of the put's 1.2 (issue
 * 19, bench/put-timeline.ts). Two let that record's sync start at once; under load, what is
 * emitted while both sync still gathers into one transaction (group commit). The storage
 * reports batches durable in the order written (StorageShape.write).
 */
export const TRANSACTIONS_IN_FLIGHT_MAX = 2
/**
 * Ticks a transaction gathers records for (group commit). With one, every tick that emitted a
 * record committed it at its end: under the 32-client load a three-node cluster's nodes spent
 * about half their time blocked in the commit's sync (0.27 commits per operation of about 1.1
 * ms), so each node's thread, not the machine's cores, was the bottleneck. With two, a tick's
 * records wait for the next tick's before their commit starts (the next tick runs at once when
 * nothing else is ready): 0.21 commits per operation, 7.1 records each instead of 5.7 (issue 19,
 * docs/performance.md, fifteenth round). A tick that handled a single input commits at its end:
 * on an idle node (a lone client) waiting would gather nothing and cost the put a turn.
 * Nothing is acknowledged earlier: a record still counts only once its transaction is durable.
 */
export const GROUP_COMMIT_TICKS = 2
/** Records pending that are committed at the end of their tick, gathering for no more ticks. */
export const GROUP_COMMIT_RECORDS = 16

export type LogLevel = "Debug" | "Info" | "Warning" | "Error"

/** Named one-shot timers: setting a key again replaces its timer. */
export interface Timers {
  readonly set: (key: string, afterMs: number, fire: () => void) => void
  readonly cancel: (key: string) => void
  readonly size: () => number
  readonly clear: () => void
}

/** Timers on setTimeout (the driver's tests); the node uses the Effect clock (src/net/node.ts). */
export const makeTimeoutTimers = (): Timers => {
  const handles = new Map<string, ReturnType<typeof setTimeout>>()
  return {
    set: (key, afterMs, fire) => {
      const previous = handles.get(key)
      if (previous !== undefined) clearTimeout(previous)
      handles.set(key, setTimeout(() => {
        handles.delete(key)
        fire()
      }, afterMs))
    },
    cancel: (key) => {
      const previous = handles.get(key)
      if (previous !== undefined) clearTimeout(previous)
      handles.delete(key)
    },
    size: () => handles.size,
    clear: () => {
      for (const handle of handles.values()) clearTimeout(handle)
      handles.clear()
    }
  }
}

export interface DriverIo {
  readonly storage: StorageShape
  readonly links: { readonly send: (to: NodeId, message: PeerMessage) => void; readonly flush: () => void }
  readonly journal: Journal | undefined
  /** Wall-clock milliseconds: the `now` of every step, and the trace's `at`. */
  readonly now: () => number
  readonly timers: Timers
  readonly log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void
  /** The disk refused a commit: the node cannot go on as if it were durable. */
  readonly onFatal: (message: string) => void
  /** Where the time goes: core steps, replies, sends, commits (GET /status). */
  readonly timings?: Timings
  /** The membership view changed (gossip, a join or leave): the shell updates its address book. */
  readonly onMembership?: (view: MembershipView) => void
  /** Client requests' latencies, and the busy verdict an anti-entropy firing carries (section 6.5); absent: never busy. */
  readonly foreground?: ForegroundLatency
}

export interface RequestOutcome {
  readonly reply: ClientReply
  /** The node that coordinated: this one, or the top-N node the request was forwarded to. */
  readonly coordinator: NodeId
}

export interface DriverStatus {
  readonly id: NodeId
  readonly epoch: number
  readonly ready: boolean
  readonly down: ReadonlyArray<NodeId>
  readonly keys: number
  readonly hints: number
  readonly requestsInFlight: number
  readonly persistsPending: number
  readonly timers: number
  readonly commits: CommitStats
  readonly background: BackgroundStats
}

/**
 * Admission control of anti-entropy (section 6.5, AE-2) since the node started: the foreground
 * p99 it is held to (null: off), the verdicts asked at its firings, how many said busy, and
 * how many firings in a row the core has skipped so far (at most antiEntropyDeferralsMax).
 */
export interface BackgroundStats {
  readonly p99TargetMs: number | null
  readonly verdicts: number
  readonly busy: number
  readonly skippedInARow: number
}

/**
 * Group commits since the node started: how many, how many records they held, and how long each
 * took from the write to its durability (the disk's fsync dominates; a put waits for it).
 */
export interface CommitStats {
  readonly count: number
  readonly records: number
  readonly ms: { readonly p50: number; readonly p99: number; readonly p999: number; readonly max: number }
}

/**
 * The shell's holding for the host's rules: the disk is the node's storage, which applies each
 * transaction itself (flushNow), so the host's part is the order: which records are pending and
 * which a PersistDone makes durable. A lost disk is a new data directory, never one in place.
 */
const storageHolding = (storage: StorageShape): Holding<StorageShape, PendingPersist> => ({
  emptyDisk: storage,
  nonePending: [],
  pendingOf: (token, record) => ({ token, record }),
  tokenOf: (persist) => persist.token,
  recordOf: (persist) => persist.record,
  apply: (disk) => disk
})

interface Waiter {
  /** Dropped (set to undefined) once taken: see takeWaiter. */
  onOutcome: ((outcome: RequestOutcome | undefined) => void) | undefined
  /** When the request was submitted, on the monotonic clock (performance.now()): wall-clock steps move nothing. */
  readonly submitted: number
  /** When the request expires, on the same clock. */
  readonly deadline: number
}

export class NodeDriver {
  private readonly holding: Holding<StorageShape, PendingPersist>
  /** The hosted node: its state, its pending persists (in the storage or waiting), its armed timers. */
  private node: HostNode<NodeState, StorageShape, PendingPersist>
  /** The highest token handed to the storage: pending records above it form the next transaction. */
  private submitted = -Infinity
  /** Transactions being made durable (TRANSACTIONS_IN_FLIGHT_MAX at most); the storage keeps their order. */
  private inFlight = 0
  private onWritten: (() => void) | undefined
  /** Ticks that ended with records pending since the last transaction began (GROUP_COMMIT_TICKS). */
  private ticksGathered = 0
  /** Inputs fed since the last flush: one alone says the node is idle, and nothing gathers. */
  private tickInputs = 0
  private flushScheduled = false
  private readonly inputs: Array<NodeInput> = []
  private stepping = false
  private stopped = false
  /** Requests the core has not answered yet, in submit order: so their deadlines are in order too. */
  private readonly waiting = new Map<ClientRequestId, Waiter>()
  private readonly replyWaitMs: number
  /** The reply-deadline timer is set (for the oldest waiting request). */
  private deadlineArmed = false
  private requestCounter = 0
  private readyWaiters: Array<() => void> = []
  /** Commit latencies in µs (an HDR histogram: bounded memory, percentiles to ~1%). */
  private readonly commitMicros: RecordableHistogram = createHistogram()
  private commitRecords = 0

  /**
   * Recovers the node from its disk and starts a new incarnation. `epochFloor` must grow across
   * restarts even when the disk was lost: the shell passes wall-clock milliseconds at boot.
   */
  constructor(
    readonly id: NodeId,
    config: ProtocolConfig,
    ring: Ring,
    private readonly io: DriverIo,
    epochFloor: number,
    /** A view learned from a seed before starting (src/net/discovery.ts), merged into the disk's. */
    learned?: MembershipView
  ) {
    this.replyWaitMs = config.requestTimeoutMs * REPLY_WAIT_TIMEOUTS_MAX
    const journal = io.journal
    if (journal !== undefined) {
      if (journal.continued) journal.step(io.now(), { _tag: io.storage.created ? "DiskLoss" : "Crash" })
      journal.step(io.now(), { _tag: "Recover" })
    }
    this.holding = storageHolding(io.storage)
    const down = { id, state: undefined, disk: io.storage, pending: this.holding.nonePending, timers: NO_TIMERS, starts: 0 }
    this.node = recoverNode(this.holding, down, (storage) => recover(id, config, ring, storage.load(), learned), epochFloor)
    io.onMembership?.(membersOf(this.state))
    this.feed(startOf(this.node))
  }

  /** The node's state: a hosted node that is never down (a crash ends the process). */
  private get state(): NodeState {
    return this.node.state!
  }

  /** Resolves once this incarnation's epoch is durable and the core coordinates writes. */
  whenReady(): Promise<void> {
    if (isReady(this.state)) return Promise.resolve()
    return new Promise((done) => this.readyWaiters.push(done))
  }

  /** A client request id unique to this process: node id, incarnation, counter. */
  nextRequestId(): ClientRequestId {
    this.requestCounter += 1
    return `${this.id}:${epochOf(this.state)}:${this.requestCounter}`
  }

  /**
   * Feeds a client request; `onOutcome` is called once: with the core's reply, or with undefined
   * if the core has not answered within REPLY_WAIT_TIMEOUTS_MAX request timeouts. One timer, set
   * for the oldest waiting request, enforces that bound for all of them.
   */
  submit(request: ClientRequest, onOutcome: (outcome: RequestOutcome | undefined) => void): void {
    if (this.stopped) {
      onOutcome({ reply: { _tag: "Failed", id: request.id, key: request.key, error: "NotReady", acks: 0, nodes: [] }, coordinator: this.id })
      return
    }
    const submitted = performance.now()
    this.waiting.set(request.id, { onOutcome, submitted, deadline: submitted + this.replyWaitMs })
    this.armDeadline()
    this.feed({ _tag: "Client", request })
  }

  private armDeadline(): void {
    if (this.deadlineArmed || this.stopped) return
    const oldest = this.waiting.values().next().value
    if (oldest === undefined) return
    this.deadlineArmed = true
    this.io.timers.set(REPLY_DEADLINE_TIMER, Math.max(0, oldest.deadline - performance.now()), this.expireOverdue)
  }

  /** Answers every request past its deadline with undefined, then re-arms for the oldest left. */
  private readonly expireOverdue = (): void => {
    this.deadlineArmed = false
    const now = performance.now()
    try {
      for (const [id, waiter] of this.waiting) {
        if (waiter.deadline > now) break
        const onOutcome = this.takeWaiter(id)
        this.io.log("Error", "the core did not answer a client request in time", { request: id })
        onOutcome?.(undefined)
      }
    } finally {
      this.armDeadline()
    }
  }

  /** The client gave up (connection closed): its reply, when it comes, is dropped. */
  abandon(id: ClientRequestId): void {
    this.takeWaiter(id)
  }

  /**
   * Removes a waiter and returns its callback, leaving the removed entry empty. A JS Map's table
   * that has reached the old generation keeps, once rehashed, pointers to entries deleted since;
   * the young-generation collector treats them as live until the next full collection, so a
   * callback left in a removed entry would carry its request's objects (HTTP request and
   * response, the parsed body) into the old generation (issue 19, eleventh round).
   */
  private takeWaiter(id: ClientRequestId): Waiter["onOutcome"] {
    const waiter = this.waiting.get(id)
    if (waiter === undefined) return undefined
    this.waiting.delete(id)
    const onOutcome = waiter.onOutcome
    waiter.onOutcome = undefined
    return onOutcome
  }

  /** A decoded message from a peer. */
  receive(from: NodeId, message: PeerMessage): void {
    this.feed({ _tag: "Receive", from, message })
  }

  /** The transport could not reach `peer` (refused, closed): the core's failure detector hears it. */
  peerUnreachable(peer: NodeId): void {
    this.feed({ _tag: "PeerUnreachable", node: peer })
  }

  /** An operator's join or leave (section 4.8), applied by the core and spread by gossip. */
  admin(command: AdminCommand): void {
    this.feed({ _tag: "Admin", command })
  }

  get requestsInFlight(): number {
    return this.waiting.size
  }

  get nodeState(): NodeState {
    return this.state
  }

  status(): DriverStatus {
    const held = counts(this.state)
    return {
      ...statusOf(this.state),
      keys: held.keys,
      hints: held.hints,
      requestsInFlight: this.waiting.size,
      persistsPending: this.node.pending.length,
      timers: this.io.timers.size(),
      commits: this.commitStats(),
      background: {
        p99TargetMs: this.io.foreground?.targetMs ?? null,
        verdicts: this.io.foreground?.verdicts ?? 0,
        busy: this.io.foreground?.busyVerdicts ?? 0,
        skippedInARow: this.state.antiEntropyDeferred
      }
    }
  }

  private commitStats(): CommitStats {
    const h = this.commitMicros
    const ms = (micros: number) => (h.count === 0 ? 0 : Math.round(micros) / 1000)
    return {
      count: h.count,
      records: this.commitRecords,
      ms: { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), p999: ms(h.percentile(99.9)), max: ms(h.max) }
    }
  }

  /**
   * Stops timers and inputs, waits until every emitted record is durable (feeding the last
   * PersistDone, so the journal says so too), closes the journal.
   */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.io.timers.clear()
    while (this.inFlight > 0 || this.unsubmitted() > 0) {
      const written = new Promise<void>((done) => (this.onWritten = done))
      this.flushNow()
      await written
    }
    this.io.journal?.flush()
    this.io.links.flush()
    this.io.journal?.close()
  }

  /** What the disk holds once every emitted record is committed (tests compare it). */
  durable() {
    return durableOf(this.state)
  }

  // ---- stepping ---------------------------------------------------------------------------

  /** Inputs are stepped one at a time, in arrival order, never re-entrantly. */
  private feed(input: NodeInput): void {
    if (this.stopped) return
    this.tickInputs += 1
    this.inputs.push(input)
    if (this.stepping) return
    this.stepping = true
    try {
      for (let next = this.inputs.shift(); next !== undefined; next = this.inputs.shift()) this.stepOne(next)
    } finally {
      this.stepping = false
    }
    this.scheduleFlush()
  }

  private stepOne(input: NodeInput): void {
    const now = this.io.now()
    this.io.journal?.step(now, { _tag: "Input", input })
    let result: Fed<HostNode<NodeState, StorageShape, PendingPersist>>
    const started = performance.now()
    try {
      result = feedNode(this.holding, this.node, input, now)
      this.io.timings?.record(this.io.timings.stepStage(input), started)
    } catch (error) {
      // The core asserts its invariants; a failed assertion is a bug. The state is unchanged (the
      // input is lost, like a dropped message); say so loudly and keep serving.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
      this.io.log("Error", "the core refused an input (assertion failed)", { input: input._tag, error: message })
      if (input._tag === "Client") this.failClient(input.request)
      return
    }
    const viewBefore = membersOf(this.state)
    this.node = result.node
    for (const effect of result.effects) this.perform(effect, now)
    if (membersOf(this.state) !== viewBefore) this.io.onMembership?.(membersOf(this.state))
    if (isReady(this.state) && this.readyWaiters.length > 0) {
      const waiters = this.readyWaiters
      this.readyWaiters = []
      for (const waiter of waiters) waiter()
    }
  }

  private failClient(request: ClientRequest): void {
    this.takeWaiter(request.id)?.({ reply: { _tag: "Failed", id: request.id, key: request.key, error: "NotReady", acks: 0, nodes: [] }, coordinator: this.id })
  }

  private perform(effect: NodeEffect, now: number): void {
    switch (effect._tag) {
      case "Send":
        if (effect.to === this.id) {
          // A get whose replicas stay silent may ask this node itself, when it is the next in the
          // key's extended preference list (coordinator.ts requestTimerFired): loop back on a later tick.
          const message = effect.message
          setImmediate(() => this.receive(this.id, message))
        } else {
          this.io.links.send(effect.to, effect.message)
        }
        return
      case "SetTimer": {
        if (this.stopped) return // no input is fed after stop: a timer would only hold the process
        const timer: Timer = effect.timer
        this.io.timers.set(timerKey(timer), effect.afterMs, () => {
          // Only an armed timer fires (contract rule 5): the host's table decides, not the real
          // timer (a cancel also clears the real one; this holds if a callback ever races it).
          if (!isArmed(this.node.timers, timer)) return
          // The choice a timer needs is the interpreter's: a random draw here, recorded in the
          // trace; so is background work's admission verdict, from the foreground's latencies.
          const busy = takesAdmission(timer) && this.io.foreground?.verdict() === true
          this.feed(firingOf(timer, needsPick(timer) ? Math.floor(Math.random() * PICK_MAX) : undefined, busy))
        })
        return
      }
      case "CancelTimer":
        this.io.timers.cancel(timerKey(effect.timer))
        return
      case "Persist":
        // Held as pending by the host (feedNode); written at the end of the tick (flushNow).
        return
      case "Reply": {
        this.io.journal?.reply(now, effect.reply)
        const id = effect.reply.id
        // The core names the coordinator of a forwarded request; any other was coordinated here
        // (including a request this node took back when its forward went unclaimed).
        const coordinator = effect.coordinator ?? this.id
        const waiter = this.waiting.get(id)
        if (waiter === undefined) return
        const submitted = waiter.submitted
        const onOutcome = this.takeWaiter(id)
        // The client's HTTP response is written from here: Effect's response path and the socket.
        const started = performance.now()
        this.io.foreground?.observe(started - submitted)
        onOutcome?.({ reply: effect.reply, coordinator })
        this.io.timings?.record("client reply", started)
        return
      }
    }
  }

  // ---- the end of a tick: journal, sends, group commit ------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled || this.stopped) return
    this.flushScheduled = true
    setImmediate(this.onImmediate)
  }

  private readonly onImmediate = (): void => {
    this.flushScheduled = false
    this.io.timings?.mark("tick end")
    if (!this.stopped) this.flushNow()
  }

  /**
   * Journal first (every input that may reach the disk is recorded), then the sends, then, if
   * fewer than TRANSACTIONS_IN_FLIGHT_MAX transactions are in flight and the pending records
   * have gathered long enough (GROUP_COMMIT_TICKS, GROUP_COMMIT_RECORDS), one transaction for
   * every pending record. A tick of one input (an idle node: a lone client's put, a timer) and a
   * stopping node commit at once.
   */
  private flushNow(): void {
    this.io.journal?.flush()
    this.io.links.flush()
    const inputs = this.tickInputs
    this.tickInputs = 0
    if (this.inFlight >= TRANSACTIONS_IN_FLIGHT_MAX) return
    const unsubmitted = this.unsubmitted()
    if (unsubmitted === 0) return
    if (!this.stopped && inputs > 1 && unsubmitted < GROUP_COMMIT_RECORDS && this.ticksGathered + 1 < GROUP_COMMIT_TICKS) {
      // Gather: the records wait for the next tick's, which is scheduled now so that no further
      // input is needed for them to be committed.
      this.ticksGathered += 1
      this.scheduleFlush()
      return
    }
    this.ticksGathered = 0
    const pending = this.node.pending
    const batch = pending.slice(pending.length - unsubmitted)
    this.inFlight += 1
    this.submitted = batch[batch.length - 1]!.token
    const token = batch[batch.length - 1]!.token
    const started = performance.now()
    this.commitRecords += batch.length
    this.io.storage.write(batch.map((entry) => entry.record), () => this.written(token, started), (message) => this.writeFailed(message))
    this.io.timings?.record("storage commit", started)
  }

  /** How many of the pending records (the last ones, in token order) are not yet in a transaction. */
  private unsubmitted(): number {
    const pending = this.node.pending
    let count = 0
    while (count < pending.length && pending[pending.length - 1 - count]!.token > this.submitted) count += 1
    return count
  }

  /** The transaction ending with `token` is durable: run what waited on it, write the next. */
  private written(token: number, started: number): void {
    this.io.timings?.mark("durable")
    this.commitMicros.record(Math.max(1, Math.round((performance.now() - started) * 1000)))
    this.inFlight -= 1
    this.feedNow({ _tag: "PersistDone", token })
    const waiting = this.onWritten
    this.onWritten = undefined
    this.flushNow()
    waiting?.()
  }

  private writeFailed(message: string): void {
    this.inFlight = 0
    this.stopped = true
    this.io.onFatal(message)
    const waiting = this.onWritten
    this.onWritten = undefined
    // Nothing more is written: the records still pending stay so (the node is stopped).
    this.submitted = Infinity
    waiting?.()
  }

  /** Feeds an input even while stopping (the last PersistDone), without scheduling a flush. */
  private feedNow(input: NodeInput): void {
    if (this.stepping) {
      this.inputs.push(input)
      return
    }
    this.stepping = true
    try {
      this.inputs.push(input)
      for (let next = this.inputs.shift(); next !== undefined; next = this.inputs.shift()) this.stepOne(next)
    } finally {
      this.stepping = false
    }
  }
}
