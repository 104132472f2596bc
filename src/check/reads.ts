// READ-2 and READ-3 (spec/README.md; the paper's section 4.5) in the checker: the shared checks of
// src/invariants/reads.ts, fed from the Reads a coordinator's current incarnation sent and the
// answers to them delivered to it, kept on its node slot (outside the fingerprint: see README.md).
import type { ClientReply, NodeInput, NodeState, PeerMessage } from "../core/index.ts"
import { del1ValuesAreLive } from "../invariants/convergence.ts"
import { read2CoversAnswerers, read3AnswerersAnswered } from "../invariants/reads.ts"
import type { Finding, ReadRecords } from "../invariants/oracle.ts"
import type { Compiled } from "./compiled.ts"
import type { Draft } from "./draft.ts"
import { heldEvents, setEvents, valuesMask } from "./masks.ts"

/**
 * A get a coordinator asked replicas about: the op, key and epoch its Reads carried, and the
 * events of its local view of the key when it asked (what an answer without a set holds).
 */
export interface ReadAsk {
  readonly op: number
  readonly key: string
  readonly epoch: number
  readonly own: number
}

/** An answer delivered to the coordinator for one of its asks: who answered, and the events of its answer. */
export interface ReadAnswered {
  readonly op: number
  readonly key: string
  readonly from: string
  readonly events: number
}

/**
 * What the coordinator's current incarnation asked and heard, in the order it happened. Emptied
 * by a crash (a new incarnation asks anew); kept for gets already answered, since a late answer
 * is still delivered (read repair), and a world holds a handful of gets at most.
 */
export interface ReadLog {
  readonly asks: ReadonlyArray<ReadAsk>
  readonly answers: ReadonlyArray<ReadAnswered>
}

export const EMPTY_READ_LOG: ReadLog = { asks: [], answers: [] }

/** A get reply (GetOk) a coordinator sends, to its client or inside a ForwardReply, resolved once with the step. */
export interface SentGetReply {
  readonly id: string
  readonly key: string
  readonly nodes: ReadonlyArray<string>
  readonly values: ReadonlyArray<string>
  readonly liveValues: ReadonlyArray<string>
  /** The events of its siblings. */
  readonly events: number
  /** DEL-1 at the client (READ-2's second half): its values are exactly its live siblings; a function of the reply alone. */
  readonly valuesLive: Finding | undefined
}

/** What one step adds to its node's read log and which get replies it sends (cached with the step). */
export interface StepReads {
  /** The gets its Reads ask about (one per op and key, however many replicas are asked). */
  readonly asks: ReadonlyArray<ReadAsk>
  /** The ReadReply it receives, if its input is one; `events` undefined for an answer without a set (the ask's `own`). */
  readonly answer: (Omit<ReadAnswered, "events"> & { readonly epoch: number; readonly events: number | undefined }) | undefined
  readonly replies: ReadonlyArray<SentGetReply>
  /** The ops of the gets its replies may answer (READ-3's `ops`): undefined when the input names none. */
  readonly ops: ReadonlyArray<number> | undefined
}

export const NO_STEP_READS: StepReads = { asks: [], answer: undefined, replies: [], ops: undefined }

/** A step's read facts from the node's state before it, its input, and its effects' messages and replies; NO_STEP_READS when it has none. */
export const stepReads = (c: Compiled, before: NodeState, input: NodeInput, messages: ReadonlyArray<PeerMessage>, replies: ReadonlyArray<ClientReply>): StepReads => {
  const asks: Array<ReadAsk> = []
  const sent: Array<SentGetReply> = []
  for (const m of messages) {
    if (m._tag === "Read" && !asks.some((a) => a.op === m.op && a.key === m.key && a.epoch === m.epoch)) {
      asks.push({ op: m.op, key: m.key, epoch: m.epoch, own: heldEvents(c, before, m.key) })
    }
  }
  // A forwarder passing on its coordinator's reply vouches for nothing itself (as the simulator).
  const forwarding = input._tag === "Receive" && input.message._tag === "ForwardReply"
  if (!forwarding) {
    for (const m of messages) if (m._tag === "ForwardReply" && m.reply._tag === "GetOk") sent.push(sentGetReply(c, m.reply))
    for (const r of replies) if (r._tag === "GetOk") sent.push(sentGetReply(c, r))
  }
  const m = input._tag === "Receive" ? input.message : undefined
  const answer = m?._tag === "ReadReply" && input._tag === "Receive"
    ? { op: m.op, key: m.key, epoch: m.epoch, from: input.from, events: m.set === undefined ? undefined : setEvents(c, m.set).all }
    : undefined
  if (asks.length === 0 && answer === undefined && sent.length === 0) return NO_STEP_READS
  const ops = answer !== undefined ? [answer.op] : input._tag === "TimerFired" && input.timer._tag === "RequestTimer" ? [input.timer.op] : undefined
  return { asks, answer, replies: sent, ops }
}

const sentGetReply = (c: Compiled, reply: Extract<ClientReply, { _tag: "GetOk" }>): SentGetReply => {
  const get = {
    id: reply.id, key: reply.key, nodes: reply.nodes, values: reply.values,
    liveValues: reply.siblings.flatMap((v) => (v._tag === "Put" ? [v.value] : [])), events: valuesMask(c, reply.siblings)
  }
  return { ...get, valuesLive: del1ValuesAreLive(get) }
}

/**
 * The log after a step of `self`: its asks added, and its answer if it answers an ask of this
 * incarnation (same op and key, the epoch that ask's Reads carried). An answer of an earlier
 * incarnation's get, whose op this one may reuse, is not recorded: that is what READ-3 catches
 * being counted. A get's first ask also logs the coordinator's own answer, read locally in that
 * very step (`startGet`), as what its disk's own store held for the key (`ownHeld`): a lower
 * bound of that local view, the spec's "what its disk held when the get was sent".
 */
export const logAfter = (log: ReadLog, step: StepReads, self: string, ownHeld: (key: string) => number): ReadLog => {
  const answer = step.answer
  const fresh = step.asks.filter((a) => !log.asks.some((b) => b.op === a.op && b.key === a.key))
  const asks = fresh.length === 0 ? log.asks : log.asks.concat(fresh)
  const ask = answer === undefined ? undefined : asks.find((a) => a.op === answer.op && a.key === answer.key && a.epoch === answer.epoch)
  if (fresh.length === 0 && ask === undefined) return log
  let answers = log.answers
  for (const a of fresh) answers = answers.concat({ op: a.op, key: a.key, from: self, events: ownHeld(a.key) })
  // An answer without a set holds what the coordinator held when it asked.
  if (ask !== undefined) answers = answers.concat({ op: answer!.op, key: answer!.key, from: answer!.from, events: answer!.events ?? ask.own })
  return { asks, answers }
}

/** The shared checks' view of one coordinator's log. */
const recordsOf = (coordinator: string, key: string, log: ReadLog, ops: ReadonlyArray<number> | undefined): ReadRecords<number> => ({
  gets: (node) => (node === coordinator ? log.asks.map((a) => ({ op: a.op, key: a.key })) : []),
  // The coordinator's own logged answer is never asked for: READ-3 lets it name itself.
  answered: (node, op, key, from) => node === coordinator && log.answers.some((a) => a.op === op && a.key === key && a.from === from),
  // READ-2: what `node` answered this get (its answers to every op the reply may answer, met:
  // a node that answered twice, of which the core counts the first, is held to what both
  // share). A replica's answer is read after the get was sent and holds the node's whole local
  // view of the key, so it covers what that node's disk held then (unless that disk was lost
  // since): judged against it, the check is at least as strict as the spec's, and a correct
  // coordinator merges every answer it counts into its reply. The coordinator's own is its
  // disk's own store when it took the get. undefined when no answer of `node` is logged.
  heldWhenSent: (_id, node) => {
    let held: number | undefined
    for (const a of log.answers) {
      if (a.from !== node || a.key !== key || (ops !== undefined && !ops.includes(a.op))) continue
      held = held === undefined ? a.events : held & a.events
    }
    return held
  }
})

/**
 * DEL-1 at the client, READ-3, then READ-2, on each get reply a step of `node` sends, against its log after the step
 * (the answer the step receives counted). READ-2 compares versions by their causal past, so it is
 * judged under DVV only (vv and lww replace a concurrent version: a reply may rightly not cover
 * an answer it merged); READ-3 names nodes, not versions, and is judged under every clock.
 */
export const checkGetReplies = (d: Draft, node: number, log: ReadLog, step: StepReads): void => {
  const c = d.c
  const coordinator = c.ids[node]!
  for (const reply of step.replies) {
    d.report(reply.valuesLive)
    const records = recordsOf(coordinator, reply.key, log, step.ops)
    d.report(read3AnswerersAnswered(records, { coordinator, id: reply.id, key: reply.key, nodes: reply.nodes, ops: step.ops }))
    if (c.model.protocol.versions.mode === "dvv") d.report(read2CoversAnswerers(d.oracle, records, reply))
    if (d.violation !== undefined) return
  }
}
