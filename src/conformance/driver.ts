// The conformance driver: replays a trace of the Quint model (spec/dynamo.qnt, decoded by
// itf.ts) through the TypeScript core, one model action at a time, and compares what both hold
// after every step: each replica's sibling set (write ids with their dots) and context, in its
// store and its hints, the incarnations, the messages in flight, and the replies to clients.
//
// Every node runs the real `step` of the core through the node host (src/host/); the driver is
// only an interpreter (like src/trace/replay.ts): every persist is completed at once with a
// PersistDone, since the model has no persist action; it keeps the core's in-flight sends, and
// delivers the one that corresponds to the message the model delivers. The model's
// configuration and keys are in model-config.ts, the canonical texts both sides are compared
// through in text.ts, the results and mismatches in mismatch.ts.
//
// Action -> core inputs:
//   ClientPut / ClientDelete  Client Put / Delete at the coordinator, with the context of the
//                             core's reply to the read the model names (empty when blind)
//   ClientGet                 Client Get at the coordinator, then for each other responder the
//                             core's Read delivered to it and its ReadReply delivered back; the
//                             Reads to non-responders are lost (the model reads exactly R)
//   DeliverReplicate / DeliverAck / DeliverHandoff / DeliverHandoffAck / DeliverRepair
//                             Receive, at the destination, of the core's Send that corresponds
//   DeliverHint               TimerFired HintScan at the holder; of the HintDeliver sends it
//                             makes, the one for the model's hint is kept, the others are lost
//   ReadRepair                TimerFired RequestTimer rounds 0 and 1 of the get's op at its
//                             coordinator (the last round ends the request with read repair);
//                             its Repair sends are kept, the Reads to fallbacks are lost
//   SyncReplicas              TimerFired AntiEntropy at the node, with the pick that makes it
//                             compare the key's range with the peer; that exchange's messages
//                             are delivered back and forth to its end (the exchanges the tick
//                             starts for other ranges are lost)
//   Crash                     the node's state is dropped (its disk holds every record)
//   Restart                   recover from the disk, then Start
//   DropMessage               the corresponding in-flight send is discarded
// Before every input the node's failure detector beliefs are set to the model's down nodes (see
// `run`). Sends the model has no message for (a get's Reads, pings) are not kept in flight.
import { HashMap } from "effect"
import { type AntiEntropyMessage, type ClientReply, type ClientRequest, defaultProtocolConfig, type DurableState, epochOf, hintsHeld, isEmptySet, keyRange, type KeyRange, localStore, type NodeEffect, type NodeId, type NodeInput, type NodeState, type PeerMessage, type PersistRecord, type ProtocolConfig, type Ring, step, type VClock } from "../core/index.ts"
import { crash, feed, hostedNode, recover, type HostedNode } from "../host/index.ts"
import type { TraceEvent } from "../trace/step.ts"
import type { ActionName, ItfTrace, Message, ModelState, Picks } from "./itf.ts"
import { ConformanceMismatch, type ReplayOptions, type ReplayResult, describePicks } from "./mismatch.ts"
import { CONFORMANCE_RING, type ModelConfig, coreKeyFor, rangeText, ringFor } from "./model-config.ts"
import { coreReplyVersions, coreVersionsText, modelMessageText, modelReplyVersions, modelVersionsText, sorted } from "./text.ts"

// ---------------------------------------------------------------------------------------------
// The driver

/** A core Send not yet delivered, with the model message it stands for. */
interface InFlight {
  readonly text: string
  readonly from: NodeId
  readonly to: NodeId
  readonly message: PeerMessage
  /** Replicate and ReplicateAck: the write (model write id) and its coordinator's incarnation. */
  readonly write?: { readonly id: number; readonly coordinatorEpoch: number }
}

/** An exchange has at most 2 * depth + 4 messages (merkle.ts); this bound only stops a runaway. */
const ANTI_ENTROPY_HOPS_MAX = 64

const sameRange = (exchange: AntiEntropyMessage, range: KeyRange): boolean =>
  exchange.range.start === range.start && exchange.range.end === range.end

/** A step went wrong before any comparison (the core could not do what the model did). */
class StepFailure extends Error {}

const lookup = <K, V>(pairs: ReadonlyArray<readonly [K, V]>, key: K): V | undefined => pairs.find(([k]) => k === key)?.[1]

export function replayItf(trace: ItfTrace, model: ModelConfig, options: ReplayOptions = {}): ReplayResult {
  return new Driver(model, options).replay(trace)
}

class Driver {
  private readonly config: ProtocolConfig
  private readonly ring: Ring
  private readonly coreKey = new Map<string, string>()
  private readonly modelKey = new Map<string, string>()
  private readonly nodes = new Map<NodeId, HostedNode>()
  private pool: Array<InFlight> = []
  /** Read id -> the core's get: coordinator, its incarnation and op, and the reply's context. */
  private readonly gets = new Map<number, { readonly coordinator: NodeId; readonly epoch: number; readonly op: number; context: VClock | undefined }>()
  /** Write id -> the key and what the model's coordinator held after the write (its PutOk). */
  private readonly puts = new Map<number, { readonly key: string; readonly reply: string }>()
  private beliefs: ReadonlyArray<NodeId> = []
  private now = 0
  private inputs = 0
  private staleAcksWithheld = 0
  private antiEntropyMessages = 0
  private replies: Array<ClientReply> = []
  private modelStep = 0
  private action = "init"

  constructor(private readonly model: ModelConfig, private readonly options: ReplayOptions) {
    this.config = { ...defaultProtocolConfig, n: model.n, r: model.r, w: model.w, versions: { ...defaultProtocolConfig.versions, mode: "dvv" }, readRepair: true }
    this.ring = ringFor(model.nodes, options.ring ?? CONFORMANCE_RING)
    const taken: Array<string> = []
    for (const key of Object.keys(model.preference).sort()) {
      const core = coreKeyFor(this.ring, key, model.preference[key]!, taken)
      taken.push(rangeText(keyRange(this.ring, core)))
      this.coreKey.set(key, core)
      this.modelKey.set(core, key)
    }
  }

  replay(trace: ItfTrace): ReplayResult {
    const actions: Record<string, number> = {}
    const first = trace.states[0]
    if (first === undefined) throw new Error("the trace has no state")
    this.check(0, first, "init", [], () => {
      if (first["mbt::actionTaken"] !== "init") throw new StepFailure(`the first state was reached by ${first["mbt::actionTaken"]}, not init`)
      for (const id of this.model.nodes) {
        this.nodes.set(id, recover(hostedNode(id), this.config, this.ring))
        this.observed(id, { _tag: "Recover" }, undefined, [], [])
        this.run(id, { _tag: "Start", epochFloor: 0 })
      }
    })
    for (let index = 1; index < trace.states.length; index++) {
      const before = trace.states[index - 1]!
      const after = trace.states[index]!
      const action = after["mbt::actionTaken"]
      actions[action] = (actions[action] ?? 0) + 1
      this.now = index * 1_000
      this.modelStep = index
      this.action = `${action}(${describePicks(after["mbt::nondetPicks"])})`
      this.check(index, after, action, this.expectedReplies(before, after), () => this.apply(action, after["mbt::nondetPicks"], before, after))
    }
    return {
      steps: trace.states.length - 1,
      actions,
      inputs: this.inputs,
      staleAcksWithheld: this.staleAcksWithheld,
      antiEntropyMessages: this.antiEntropyMessages
    }
  }

  /** Runs one model step on the core and compares the states and replies after it. */
  private check(index: number, after: ModelState, action: string, expected: ReadonlyArray<string>, apply: () => void): void {
    const picks = describePicks(after["mbt::nondetPicks"])
    this.replies = []
    try {
      apply()
    } catch (error) {
      if (!(error instanceof StepFailure)) throw error
      throw new ConformanceMismatch(index, action, picks, error.message, this.observeModel(after, expected), this.observeCore())
    }
    const model = this.observeModel(after, expected)
    const core = this.observeCore()
    if (sorted(model).join("\n") !== sorted(core).join("\n")) {
      throw new ConformanceMismatch(index, action, picks, "the states differ after the step", model, core)
    }
  }

  // -------------------------------------------------------------------------------------------
  // Running the core

  private node(id: NodeId): HostedNode {
    const node = this.nodes.get(id)
    if (node === undefined) throw new StepFailure(`unknown node ${id}`)
    return node
  }

  /**
   * `state` with its failure detector set to the model's down nodes (this.beliefs): a Beliefs
   * input, which has no effects, so it is not counted among the inputs run.
   */
  private believing(state: NodeState): NodeState {
    return step(state, { _tag: "Beliefs", down: this.beliefs }, this.now).state
  }

  private state(id: NodeId): NodeState {
    const state = this.node(id).state
    if (state === undefined) throw new StepFailure(`${id} is down in the core`)
    return state
  }

  /**
   * Runs one input to completion: every Persist is applied to the node's disk and acknowledged
   * with a PersistDone at once (the model's stores are durable as soon as they change).
   *
   * The failure detector: the model decides targets from the global `up` set (a perfect, global
   * detector); the core decides from the node's own `down` beliefs, which it only learns from
   * timeouts of its own requests (coordinator.ts requestTimerFired, node.ts forwardTimedOut).
   * The model has no such timeouts: delivering them would also re-route the request to
   * fallbacks, which the model does not do. So before every input the node's beliefs are set
   * to the model's down nodes (this.beliefs, taken from the state before the step).
   */
  private run(id: NodeId, input: NodeInput): Array<NodeEffect> {
    const effects: Array<NodeEffect> = []
    let next: NodeInput | undefined = input
    while (next !== undefined) {
      const node = this.node(id)
      if (node.state === undefined) throw new StepFailure(`input ${next._tag} to ${id}, which is down in the core`)
      const input = next
      const before = this.believing(node.state)
      const fed = feed({ ...node, state: before }, input, this.now)
      this.inputs += 1
      this.nodes.set(id, fed.node)
      next = undefined
      for (const effect of fed.effects) {
        effects.push(effect)
        // The model's stores are durable as soon as they change: acknowledge every persist at once.
        if (effect._tag === "Persist") next = { _tag: "PersistDone", token: effect.token }
        if (effect._tag === "Reply") this.replies.push(effect.reply)
      }
      this.observed(id, { _tag: "Input", input }, before, fed.effects, fed.durable)
    }
    return effects
  }

  /** Reports what was just done to node `id` to the observer, if there is one. */
  private observed(id: NodeId, event: TraceEvent, before: NodeState | undefined, effects: ReadonlyArray<NodeEffect>, durable: ReadonlyArray<PersistRecord>): void {
    const observe = this.options.observe
    if (observe === undefined) return
    const node = this.node(id)
    observe({ modelStep: this.modelStep, action: this.action, node: id, at: this.now, event, before, after: node.state, effects, disk: node.disk, durable, lost: [] })
  }

  private sends(effects: ReadonlyArray<NodeEffect>): Array<{ readonly to: NodeId; readonly message: PeerMessage }> {
    return effects.flatMap((effect) => (effect._tag === "Send" ? [{ to: effect.to, message: effect.message }] : []))
  }

  /** Keeps the core's sends that the model has a message for (the others are not modelled). */
  private pooled(from: NodeId, effects: ReadonlyArray<NodeEffect>, write?: InFlight["write"]): void {
    for (const send of this.sends(effects)) {
      const entry = this.inFlight(from, send.to, send.message, write)
      if (entry !== undefined) this.pool.push(entry)
    }
  }

  private inFlight(from: NodeId, to: NodeId, message: PeerMessage, write?: InFlight["write"]): InFlight | undefined {
    const key = (k: string): string => this.modelKey.get(k) ?? `?${k}`
    const base = { from, to, message, ...(write === undefined ? {} : { write }) }
    switch (message._tag) {
      case "Replicate": {
        const hint = message.hintFor === undefined ? "" : ` hint for ${message.hintFor}`
        return { ...base, text: `Replicate ${from}->${to} ${key(message.key)} w${write?.id ?? "?"}${hint} ${coreVersionsText(message.set)}` }
      }
      case "ReplicateAck":
        return { ...base, text: `Ack ${from}->${to} w${write?.id ?? "?"}` }
      case "HintDeliver":
        return { ...base, text: `Handoff ${from}->${to} ${key(message.key)} hint ${from}->${to} ${coreVersionsText(message.set)}` }
      case "HintAck":
        return { ...base, text: `HandoffAck ${from}->${to} ${key(message.key)} hint ${to}->${from} ${coreVersionsText(message.set)}` }
      case "Repair":
        return { ...base, text: `Repair ${from}->${to} ${key(message.key)} ${coreVersionsText(message.set)}` }
      default:
        return undefined
    }
  }

  /**
   * The in-flight send the model's message stands for. The model's messages are a set, so
   * identical core sends (a hint offered twice, say) are one message there: all of them are
   * taken out of flight, and the first is returned.
   */
  private take(message: Message): InFlight {
    const text = modelMessageText(message)
    const found = this.pool.find((entry) => entry.text === text)
    if (found === undefined) throw new StepFailure(`the model has the message\n  ${text}\nbut the core has no such send in flight`)
    this.pool = this.pool.filter((entry) => entry.text !== text)
    return found
  }

  private deliver(entry: InFlight): void {
    const effects = this.run(entry.to, { _tag: "Receive", from: entry.from, message: entry.message })
    this.pooled(entry.to, effects, entry.write)
  }

  private tsKey(modelKey: string): string {
    const key = this.coreKey.get(modelKey)
    if (key === undefined) throw new StepFailure(`unknown model key ${modelKey}`)
    return key
  }

  // -------------------------------------------------------------------------------------------
  // The actions

  private apply(action: ActionName, picks: Picks, before: ModelState, after: ModelState): void {
    this.beliefs = this.model.nodes.filter((n) => !before.up.includes(n))
    const need = <T>(value: T | undefined, name: string): T => {
      if (value === undefined) throw new StepFailure(`the ${action} step has no pick ${name}`)
      return value
    }
    switch (action) {
      case "init":
        throw new StepFailure("init after the first state")
      case "ClientPut":
      case "ClientDelete": {
        const coordinator = need(picks.coordinator, "coordinator")
        const key = need(picks.key, "key")
        const fromRead = need(picks.contextFromRead, "contextFromRead")
        const writeId = before.nextWrite
        let context: VClock = []
        if (fromRead !== 0) {
          const read = this.gets.get(fromRead)
          if (read?.context === undefined) throw new StepFailure(`read ${fromRead} has no context from the core`)
          context = read.context
        }
        const id = `w${writeId}`
        const request: ClientRequest = action === "ClientPut"
          ? { _tag: "Put", id, key: this.tsKey(key), value: id, context }
          : { _tag: "Delete", id, key: this.tsKey(key), context }
        const epoch = epochOf(this.state(coordinator))
        const effects = this.run(coordinator, { _tag: "Client", request })
        this.pooled(coordinator, effects, { id: writeId, coordinatorEpoch: epoch })
        const held = lookup(lookup(after.store, coordinator) ?? [], key)
        if (held === undefined) throw new StepFailure(`the model has no store for ${coordinator} ${key}`)
        this.puts.set(writeId, { key, reply: modelReplyVersions(held) })
        return
      }
      case "ClientGet": {
        const coordinator = need(picks.coordinator, "coordinator")
        const key = need(picks.key, "key")
        const responders = need(picks.responders, "responders")
        const readId = before.nextRead
        const epoch = epochOf(this.state(coordinator))
        const effects = this.run(coordinator, { _tag: "Client", request: { _tag: "Get", id: `r${readId}`, key: this.tsKey(key) } })
        // The op the core runs the get under is the one its first request timer names.
        const timer = effects.find((effect) => effect._tag === "SetTimer" && effect.timer._tag === "RequestTimer")
        const op = timer?._tag === "SetTimer" && timer.timer._tag === "RequestTimer" ? timer.timer.op : undefined
        if (op === undefined) throw new StepFailure(`${coordinator} does not coordinate read r${readId} (it forwarded or closed it)`)
        const get = { coordinator, epoch, op, context: undefined as VClock | undefined }
        this.gets.set(readId, get)
        const reads = this.sends(effects).filter((send) => send.message._tag === "Read")
        // The core answers from its own copy at once; every other responder gets its Read and
        // answers. Reads to the other targets are lost: the model's get reads exactly R replies.
        for (const responder of sorted(responders)) {
          if (responder === coordinator) continue
          const read = reads.find((send) => send.to === responder)
          if (read === undefined) throw new StepFailure(`the core's get did not ask ${responder} (it asked ${reads.map((r) => r.to).join(", ") || "nobody"})`)
          const answer = this.sends(this.run(responder, { _tag: "Receive", from: coordinator, message: read.message }))
            .find((send) => send.to === coordinator && send.message._tag === "ReadReply")
          if (answer === undefined) throw new StepFailure(`${responder} did not answer the core's Read`)
          this.run(coordinator, { _tag: "Receive", from: responder, message: answer.message })
        }
        const reply = this.replies.find((r) => r.id === `r${readId}`)
        if (reply?._tag === "GetOk") get.context = reply.context
        return
      }
      case "DeliverReplicate":
        return this.deliver(this.take({ tag: "Replicate", value: need(picks.replicate, "replicate") }))
      case "DeliverAck": {
        const entry = this.take({ tag: "Ack", value: need(picks.ack, "ack") })
        const coordinator = this.node(entry.to).state
        if (!this.options.deliverStaleAcks && coordinator !== undefined && entry.write !== undefined && entry.write.coordinatorEpoch !== coordinator.epoch) {
          this.staleAcksWithheld += 1
          return
        }
        return this.deliver(entry)
      }
      case "DeliverHandoff":
        return this.deliver(this.take({ tag: "Handoff", value: need(picks.handoff, "handoff") }))
      case "DeliverHandoffAck":
        return this.deliver(this.take({ tag: "HandoffAck", value: need(picks.handoffAck, "handoffAck") }))
      case "DeliverRepair":
        return this.deliver(this.take({ tag: "Repair", value: need(picks.repair, "repair") }))
      case "DeliverHint": {
        const hint = need(picks.hint, "hint")
        const wanted = modelMessageText({ tag: "Handoff", value: { src: hint.holder, dst: hint.intended, hint } })
        const offers = this.sends(this.run(hint.holder, { _tag: "TimerFired", timer: { _tag: "HintScan" } }))
          .map((send) => this.inFlight(hint.holder, send.to, send.message))
        const offer = offers.find((entry) => entry?.text === wanted)
        if (offer === undefined) {
          throw new StepFailure(`the model offers\n  ${wanted}\nbut the core's hint scan sent\n${offers.map((o) => `  ${o?.text ?? "(other)"}`).join("\n") || "  nothing"}`)
        }
        // One scan offers every hint; the model offers one: the other offers are lost.
        this.pool.push(offer)
        return
      }
      case "ReadRepair": {
        const readId = need(picks.read, "read")
        const get = this.gets.get(readId)
        if (get === undefined) throw new StepFailure(`read ${readId} was never run on the core`)
        if (epochOf(this.state(get.coordinator)) !== get.epoch) throw new StepFailure(`read ${readId}'s coordinator restarted since`)
        // The request's timer rounds: round 0 routes around the silent target (Reads to
        // fallbacks, lost here: the model reads no more), the last round ends the request and
        // read-repairs the stale replicas among those that answered.
        // Each round arms the next; follow the chain to the last.
        for (let round: number | undefined = 0; round !== undefined;) {
          const effects = this.run(get.coordinator, { _tag: "TimerFired", timer: { _tag: "RequestTimer", op: get.op, round } })
          this.pooled(get.coordinator, effects.filter((e) => e._tag !== "Send" || e.message._tag === "Repair"))
          const next = effects.find((e) => e._tag === "SetTimer" && e.timer._tag === "RequestTimer" && e.timer.op === get.op)
          round = next?._tag === "SetTimer" && next.timer._tag === "RequestTimer" ? next.timer.round : undefined
        }
        return
      }
      case "SyncReplicas": {
        const key = need(picks.key, "key")
        const a = need(picks.node, "node")
        const b = need(picks.peer, "peer")
        return this.antiEntropy(a, b, this.tsKey(key))
      }
      case "Crash": {
        const id = need(picks.node, "node")
        const node = this.node(id)
        // Volatile state is lost; the disk already holds every record (persists complete at once).
        this.nodes.set(id, crash(node).node)
        this.observed(id, { _tag: "Crash" }, node.state, [], [])
        return
      }
      case "Restart": {
        const id = need(picks.node, "node")
        this.nodes.set(id, recover(this.node(id), this.config, this.ring))
        this.observed(id, { _tag: "Recover" }, undefined, [], [])
        // The floor is 0: the core's own epoch (disk epoch + 1) is compared with the model's.
        this.run(id, { _tag: "Start", epochFloor: 0 })
        return
      }
      case "DropMessage":
        this.take(need(picks.message, "message"))
        return
    }
  }

  /**
   * The core's anti-entropy between `a` and `b` on the range of `key`: a's AntiEntropy tick, with
   * the pick (an interpreter's choice) that makes it pick `b` for that range, then the exchange,
   * each message delivered to the other side, until it ends. The tick batches the exchanges of
   * every range it compares with `b` in one message; the model's SyncReplicas syncs one key, so
   * only the exchange of the key's range is delivered (as if the tick had compared that range
   * alone; the keys of the model are in distinct ranges, the other ranges hold no key). The tick
   * does not change a's state, so the picks can be tried on the pure step first.
   */
  private antiEntropy(a: NodeId, b: NodeId, key: string): void {
    const range = keyRange(this.ring, key)
    const opening = (effects: ReadonlyArray<NodeEffect>): PeerMessage | undefined => {
      for (const send of this.sends(effects)) {
        if (send.to !== b || send.message._tag !== "AntiEntropy") continue
        const exchanges = send.message.exchanges.filter((exchange) => sameRange(exchange, range))
        if (exchanges.length > 0) return { _tag: "AntiEntropy", exchanges }
      }
      return undefined
    }
    const tick = (pick: number): NodeInput => ({ _tag: "TimerFired", timer: { _tag: "AntiEntropy" }, pick })
    const state = this.believing(this.state(a))
    const pick = this.model.nodes.findIndex((_, p) => opening(step(state, tick(p), this.now).effects) !== undefined)
    if (pick < 0) throw new StepFailure(`no anti-entropy tick of ${a} compares the range of ${key} with ${b}`)
    let message = opening(this.run(a, tick(pick)))
    let from = a
    let to = b
    for (let hop = 0; message !== undefined; hop++) {
      if (hop > ANTI_ENTROPY_HOPS_MAX) throw new StepFailure(`the anti-entropy exchange between ${a} and ${b} did not end`)
      this.antiEntropyMessages += 1
      const answer: PeerMessage | undefined = this.sends(this.run(to, { _tag: "Receive", from, message }))
        .find((send) => send.to === from && send.message._tag === "AntiEntropy")?.message
      message = answer
      ;[from, to] = [to, from]
    }
  }

  // -------------------------------------------------------------------------------------------
  // Observations

  /** The replies the model implies for a step: a get's result, and the puts it acknowledged. */
  private expectedReplies(before: ModelState, after: ModelState): Array<string> {
    const expected: Array<string> = []
    if (after["mbt::actionTaken"] === "ClientGet") {
      const readId = before.nextRead
      const read = lookup(after.reads, readId)
      if (read !== undefined) expected.push(`reply GetOk r${readId} ${read.key} ${modelReplyVersions(read.versions)}`)
    }
    for (const writeId of after.acked) {
      if (before.acked.includes(writeId)) continue
      // A write acknowledged at once (W = 1) is recorded by the step that makes it.
      const put = this.puts.get(writeId) ?? this.pendingPut(after, writeId)
      expected.push(`reply PutOk w${writeId} ${put.key} ${put.reply}`)
    }
    return expected
  }

  private pendingPut(after: ModelState, writeId: number): { key: string; reply: string } {
    const key = after["mbt::nondetPicks"].key ?? "?"
    const coordinator = after["mbt::nondetPicks"].coordinator ?? "?"
    const held = lookup(lookup(after.store, coordinator) ?? [], key)
    return { key, reply: held === undefined ? "?" : modelReplyVersions(held) }
  }

  private observeModel(state: ModelState, replies: ReadonlyArray<string>): Array<string> {
    const lines: Array<string> = [...replies]
    for (const id of this.model.nodes) {
      lines.push(`${id} ${state.up.includes(id) ? "up" : "down"} epoch ${lookup(state.incarnation, id) ?? "?"}`)
      for (const [key, versions] of lookup(state.store, id) ?? []) {
        if (versions.siblings.length > 0 || versions.context.length > 0) lines.push(`store ${id} ${key} ${modelVersionsText(versions)}`)
      }
    }
    for (const hint of state.hints) lines.push(`hint at ${hint.holder} for ${hint.intended} ${hint.key} ${modelVersionsText(hint.versions)}`)
    for (const message of state.messages) lines.push(`msg ${modelMessageText(message)}`)
    return lines
  }

  private observeCore(): Array<string> {
    const lines: Array<string> = this.replies.map((reply) => `reply ${this.replyText(reply)}`)
    for (const id of this.model.nodes) {
      const node = this.nodes.get(id)
      if (node === undefined) continue
      // An up node is compared through its state, a down one through its disk; for an up node
      // the two must agree, since every persist completed.
      const state = node.state
      const durable = state === undefined ? node.disk : { store: localStore(state), hints: hintsHeld(state) }
      lines.push(`${id} ${state === undefined ? "down" : "up"} epoch ${state === undefined ? node.disk.epoch : epochOf(state)}`)
      const held = this.held(id, durable)
      lines.push(...held)
      if (state !== undefined) {
        const onDisk = this.held(id, node.disk)
        if (onDisk.join("\n") !== held.join("\n") || node.disk.epoch !== epochOf(state)) {
          lines.push(`(${id}'s disk differs from its state: ${onDisk.join("; ")})`)
        }
      }
    }
    for (const text of new Set(this.pool.map((entry) => entry.text))) lines.push(`msg ${text}`)
    return lines
  }

  private held(id: NodeId, durable: Pick<DurableState, "store" | "hints">): Array<string> {
    const lines: Array<string> = []
    const key = (k: string): string => this.modelKey.get(k) ?? `?${k}`
    for (const [k, set] of durable.store) {
      if (!isEmptySet(set)) lines.push(`store ${id} ${key(k)} ${coreVersionsText(set)}`)
    }
    for (const hint of HashMap.values(durable.hints)) {
      lines.push(`hint at ${id} for ${hint.intended} ${key(hint.key)} ${coreVersionsText(hint.set)}`)
    }
    return sorted(lines)
  }

  private replyText(reply: ClientReply): string {
    const key = this.modelKey.get(reply.key) ?? `?${reply.key}`
    switch (reply._tag) {
      case "GetOk":
        return `GetOk ${reply.id} ${key} ${coreReplyVersions(reply.siblings, reply.context)}`
      case "PutOk":
        return `PutOk ${reply.id} ${key} ${coreReplyVersions(reply.siblings, reply.context)}`
      case "Failed":
        return `Failed ${reply.id} ${key} ${reply.error} (${reply.acks} acks)`
    }
  }
}

