// The simulator's judging of the invariants over histories (spec/README.md section 4): ACK-1,
// ACK-2, ACK-3, HINT-2, EPOCH-1, EPOCH-2, LEAVE-1, JOIN-1, READ-2, READ-3 and DEL-1 at the client. Each
// step, durable persist, crash and client reply is recorded in plain events (records.ts), and the
// checks written once in src/invariants/ are called with the simulator's oracle and records. The
// world calls five hooks: after each step, when records become durable, at a crash, when a get is
// sent, at each reply.
import { HashMap } from "effect"
import {
  actorOf, changePlan, type ClientReply, configOf, type DurableState, epochOf, hintsHeld, localView, membersOf, type NodeEffect, type NodeInput,
  type NodeState, type PersistRecord, servingRing
} from "../core/index.ts"
import { versionsOut } from "../host/index.ts"
import { ack1StandsForW, ack2AfterDurable, ack3WholeCopy, replicateId } from "../invariants/acks.ts"
import { del1ValuesAreLive } from "../invariants/convergence.ts"
import { epoch1Grows, epoch2MintsAfterDurable } from "../invariants/epoch.ts"
import { join1Received } from "../invariants/join.ts"
import { leave1HandedOver, moveId } from "../invariants/leave.ts"
import type { Finding } from "../invariants/oracle.ts"
import { hint2AnswerHoldsAll, read2CoversAnswerers, read3AnswerersAnswered } from "../invariants/reads.ts"
import { eventOf } from "../trace/format.ts"
import type { Oracle } from "../trace/oracle.ts"
import { eventsOf, ownEvents } from "./events.ts"
import type { SimOracle } from "./oracle.ts"
import { SimRecords } from "./records.ts"

/** The events `state` holds for `key`: its own store's and its hints' for other nodes. */
const heldEvents = (state: NodeState, key: string): ReadonlyArray<string> => {
  const own = localView(state, key)
  const held = [...(own === undefined ? [] : eventsOf(own))]
  for (const hint of HashMap.values(hintsHeld(state))) if (hint.key === key) held.push(...eventsOf(hint.set))
  return held
}

const statusOf = (state: NodeState, node: string) => membersOf(state).find((e) => e.id === node)?.status

/** The ring change's moves under `view`, with `state`'s ring configuration and N (LEAVE-1, JOIN-1). */
const movesOf = (view: ReturnType<typeof membersOf>, state: NodeState) =>
  changePlan(view, servingRing(state).config, configOf(state).n).map((move) => ({ from: move.from, to: move.to, start: move.range.start, end: move.range.end }))

/** What the checks read of the simulated world beyond their records. */
export interface StepWorld {
  /** Whether `node` is a home replica of `key` (in its top N in some running node's ring). */
  isHome(node: string, key: string): boolean
  /** `node`'s disk. */
  diskOf(node: string): DurableState
}

export class StepChecks {
  private readonly records: SimRecords

  constructor(oracle: Oracle, private readonly causality: SimOracle, private readonly w: number, world: StepWorld) {
    this.records = new SimRecords(oracle, { isHome: (node, key) => world.isHome(node, key), diskHolds: (node, key) => ownEvents(world.diskOf(node), key) })
  }

  /** One step of `node`: record what it received and sent, and judge what it let out. */
  step(node: string, before: NodeState, after: NodeState, input: NodeInput, effects: ReadonlyArray<NodeEffect>, now: number): Finding | undefined {
    const records = this.records
    let finding: Finding | undefined
    if (input._tag === "Start") {
      const record = effects.find((e) => e._tag === "Persist" && e.record._tag === "Epoch")
      const epoch = record?._tag === "Persist" && record.record._tag === "Epoch" ? record.record.epoch : undefined
      finding = epoch1Grows(node, epochOf(before), input.epochFloor, epoch)
      if (finding !== undefined) return finding
      records.started(node, epoch!, actorOf({ id: node, epoch: epoch! }), record!._tag === "Persist" ? record!.token : -1)
    }
    finding = epoch2MintsAfterDurable(records, node, versionsOut(effects))
    if (finding !== undefined) return finding
    if (input._tag === "Receive") {
      const m = input.message
      if (m._tag === "Replicate") {
        const tokens = effects.flatMap((e) => (e._tag === "Persist" ? [e.token] : []))
        if (tokens.length > 0) records.receivedReplicate(node, replicateId(input.from, m.epoch, m.op, m.key), Math.max(...tokens))
      } else if (m._tag === "Handoff" && Number.isInteger(m.batch) && Number.isInteger(m.batches) && m.batch >= 0 && m.batch < m.batches) {
        // (A malformed batch number is dropped by the receiver: no copy of anything.) Only the
        // batch's own keys: the same step may persist other records (the offer's receipt, once
        // a copy of an empty batch completes it), which are no part of the copy.
        const keys = new Set(m.entries.map((e) => e.key))
        const tokens = effects.flatMap((e) => (e._tag === "Persist" && e.record._tag === "StoreKey" && keys.has(e.record.key) ? [e.token] : []))
        records.receivedBatch(node, `${input.from}|${m.offer}`, m.batch, m.batches, tokens.length === 0 ? -1 : Math.max(...tokens))
      }
    }
    for (const effect of effects) {
      if (effect._tag !== "Send") continue
      const m = effect.message
      if (m._tag === "ReplicateAck") {
        const ack = { node, coordinator: effect.to, epoch: m.epoch, op: m.op, key: m.key }
        finding = ack2AfterDurable(records, ack)
        if (finding !== undefined) return finding
        records.acknowledgedReplicate(node, replicateId(effect.to, m.epoch, m.op, m.key))
      } else if (m._tag === "HandoffAck") {
        finding = ack3WholeCopy(records, { node, sender: effect.to, offer: m.offer })
        if (finding !== undefined) return finding
        records.confirmedBatch(node, `${effect.to}|${m.offer}`)
      } else if (m._tag === "Read") {
        records.askedRead(node, m.op, m.key, m.epoch, () => heldEvents(before, m.key))
      } else if (m._tag === "ReadReply") {
        const held = heldEvents(before, m.key)
        // An answer without a set holds what the coordinator held when it sent its Reads; one to a
        // get the coordinator's incarnation never asked about is dropped there, so holds nothing.
        const answered = m.set !== undefined ? eventsOf(m.set) : records.heldWhenAsked(effect.to, m.op, m.key, m.epoch)
        if (answered !== undefined) finding = hint2AnswerHoldsAll(this.causality, { node, to: effect.to, key: m.key, held, answered })
        if (finding !== undefined) return finding
      } else if (m._tag === "Handoff") {
        records.handedOff(node, moveId(effect.to, m.range.start, m.range.end), now, m.batch, m.entries.map((e) => ({ key: e.key, events: eventsOf(e.set) })))
      }
    }
    return this.read3(node, input, effects) ?? this.leave1(node, before, after) ?? this.join1(node, before, after)
  }

  /** READ-3 on every get reply this step sends, once the answers it received are recorded. */
  private read3(node: string, input: NodeInput, effects: ReadonlyArray<NodeEffect>): Finding | undefined {
    if (input._tag === "Receive" && input.message._tag === "ReadReply") {
      const m = input.message
      this.records.answeredRead(node, m.op, m.key, m.epoch, input.from)
    }
    // A forwarder passing on its coordinator's reply vouches for nothing itself.
    if (input._tag === "Receive" && input.message._tag === "ForwardReply") return undefined
    for (const effect of effects) {
      const reply = effect._tag === "Reply" ? effect.reply : effect._tag === "Send" && effect.message._tag === "ForwardReply" ? effect.message.reply : undefined
      if (reply?._tag !== "GetOk") continue
      const ops = input._tag === "Receive" && input.message._tag === "ReadReply"
        ? [input.message.op]
        : input._tag === "TimerFired" && input.timer._tag === "RequestTimer"
        ? [input.timer.op]
        : undefined
      const finding = read3AnswerersAnswered(this.records, { coordinator: node, id: reply.id, key: reply.key, nodes: reply.nodes, ops })
      if (finding !== undefined) return finding
    }
    return undefined
  }

  /** LEAVE-1 at the step a node becomes left, over its part of the ring change's plan. */
  private leave1(node: string, before: NodeState, after: NodeState): Finding | undefined {
    if (statusOf(before, node) !== "leaving" || statusOf(after, node) !== "left") return undefined
    return leave1HandedOver(this.causality, this.records, node, movesOf(membersOf(before), before).filter((move) => move.from === node))
  }

  /** JOIN-1 at the step a joining node becomes a member, over the ranges the plan moves to it. */
  private join1(node: string, before: NodeState, after: NodeState): Finding | undefined {
    if (statusOf(before, node) !== "joining" || statusOf(after, node) !== "member") return undefined
    // The plan of the view the node completed its join in: the same step may first adopt a view
    // gossip brought (another change completed), so `after`'s view with this node still joining.
    const decided = membersOf(after).map((e) => (e.id === node ? { ...e, status: "joining" as const } : e))
    return join1Received(this.causality, this.records, node, movesOf(decided, after).filter((move) => move.to === node))
  }

  durable(node: string, token: number, records: ReadonlyArray<PersistRecord>): void {
    this.records.durable(node, token, records.flatMap((record): ReadonlyArray<{ key: string; intended: string | undefined; events: ReadonlyArray<string> }> =>
      record._tag === "StoreKey"
        ? [{ key: record.key, intended: undefined, events: eventsOf(record.set) }]
        : record._tag === "StoreHint"
        ? [{ key: record.key, intended: record.intended, events: eventsOf(record.set) }]
        : []))
  }

  crashed(node: string, loseDisk: boolean, now: number): void {
    this.records.crashed(node, loseDisk, now)
  }

  /** A client sent get `id` of `key`: remember what every disk's own store held for it. */
  getIssued(id: string, key: string, at: number, disks: ReadonlyArray<readonly [node: string, disk: DurableState]>): void {
    this.records.sentGet(id, at, new Map(disks.map(([node, disk]) => [node, ownEvents(disk, key)] as const)))
  }

  /** DEL-1 at the client, then READ-2. */
  getAnswered(reply: Extract<ClientReply, { _tag: "GetOk" }>): Finding | undefined {
    const get = {
      id: reply.id, key: reply.key, nodes: reply.nodes, values: reply.values,
      liveValues: reply.siblings.flatMap((v) => (v._tag === "Put" ? [v.value] : [])), events: reply.siblings.map(eventOf)
    }
    const finding = del1ValuesAreLive(get) ?? read2CoversAnswerers(this.causality, this.records, get)
    this.records.answeredGet(reply.id)
    return finding
  }

  /** ACK-1 at each acknowledged put or delete sent at `issuedAt`. */
  putAcknowledged(reply: Extract<ClientReply, { _tag: "PutOk" }>, issuedAt: number): Finding | undefined {
    return ack1StandsForW(this.causality, this.records, { event: reply.id, key: reply.key, nodes: reply.nodes, sentAt: issuedAt }, this.w)
  }
}
