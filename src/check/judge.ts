// The invariants the checker judges at each persist and each reply (SIB-1, HINT-1, EPOCH-1,
// QUORUM-1, AVAIL-1/2, ACK-1 through acks.ts, and the SOMETIMES flags), from facts a step's outcome caches once.
import { HashMap, Option } from "effect"
import { type ClientReply, type DurableState, epochOf, hintId, hintsHeld, localStore, nodeIdOf, type NodeInput, type NodeState, type PeerMessage, type PersistRecord } from "../core/index.ts"
import type { Compiled } from "./compiled.ts"
import { Draft } from "./draft.ts"
import type { PersistCheck, ReplyFacts } from "./feed.ts"
import { checkPutAcknowledged } from "./acks.ts"
import { availOwedAnswered } from "../invariants/availability.ts"
import { epoch1Grows } from "../invariants/epoch.ts"
import { hint1DeletedOnlyWhenHeld } from "../invariants/hints.ts"
import { hint2AnswerHoldsAll } from "../invariants/reads.ts"
import { quorum1ReadSeesAcknowledged } from "../invariants/quorum.ts"
import { sib1ListedConcurrent, sib1NoneDropped, sib1StoredConcurrent } from "../invariants/siblings.ts"
import { bit, diskKeyEvents, heldEvents, setEvents, storeSetOf, valuesMask } from "./masks.ts"
import { F_FAILED, F_GET_AFTER_ACK, F_GET_OK, F_HINT_DELIVERED, F_HINT_STORED, F_PUT_ACKED, F_READ_OF_HINTED_KEY, F_RESTART, F_SIBLINGS, type PendingRequest } from "./state.ts"

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
export const persistFacts = (c: Compiled, before: NodeState, input: NodeInput, record: PersistRecord, checks: Array<PersistCheck>): number => {
  switch (record._tag) {
    case "StoreKey": {
      const needed = setEvents(c, storeSetOf(c, localStore(before), record.key)).all | incomingEvents(c, input, record.key)
      checks.push({ _tag: "StoreKey", node: nodeIdOf(before), key: record.key, held: setEvents(c, record.set).all, needed })
      return 0
    }
    case "StoreHint":
      return F_HINT_STORED
    case "Epoch": {
      // EPOCH-1 depends on the step alone: judged once, when the step is first computed. (A start
      // that persists no epoch at all is caught by the simulator, which looks at every start.)
      const finding = input._tag === "Start" ? epoch1Grows(nodeIdOf(before), epochOf(before), input.epochFloor, record.epoch) : undefined
      if (finding !== undefined) checks.push({ _tag: "Finding", finding })
      // A first start recovers epoch 0 from an empty disk under floor 1 (the host counts starts from 1).
      return input._tag === "Start" && (epochOf(before) > 0 || input.epochFloor > 1) ? F_RESTART : 0
    }
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

/**
 * What HINT-2 needs of a ReadReply the step sends: the events the node held for the key before
 * the step (its own view and its hints for others) and those it answered. An answer that holds
 * every held event itself covers them in any world: nothing to judge, nothing cached.
 */
export const readReplyFacts = (c: Compiled, before: NodeState, to: string, reply: Extract<PeerMessage, { _tag: "ReadReply" }>, checks: Array<PersistCheck>): number => {
  const held = heldEvents(c, before, reply.key)
  const flags = HashMap.some(hintsHeld(before), (hint) => hint.key === reply.key) ? F_READ_OF_HINTED_KEY : 0
  // An answer without a set is what the coordinator held when it asked: judged in the world,
  // against the coordinator's read log.
  if (reply.set === undefined) {
    if (held !== 0) checks.push({ _tag: "ReadSame", node: nodeIdOf(before), to, key: reply.key, op: reply.op, epoch: reply.epoch, held })
    return flags
  }
  const answered = setEvents(c, reply.set).all
  if ((held & ~answered) !== 0) checks.push({ _tag: "ReadReply", node: nodeIdOf(before), to, key: reply.key, held, answered })
  return flags
}

/** SIB-1 at the replica and HINT-1 at hint deletion, on what a step persists (src/invariants/, as the simulator). */
export const checkPersists = (d: Draft, node: number, ownDisk: DurableState, persistChecks: ReadonlyArray<PersistCheck>): void => {
  const c = d.c
  const checks = c.model.checks
  const id = c.ids[node]!
  for (const check of persistChecks) {
    switch (check._tag) {
      case "StoreKey": {
        // The check is its own StoreWrite (node, key, needed, held): cached with the step, no copy.
        if (checks.sibDrop) d.report(sib1NoneDropped(d.oracle, check))
        if (checks.sibStoreAntichain) d.report(sib1StoredConcurrent(d.oracle, check))
        break
      }
      case "Finding":
        d.report(check.finding)
        break
      case "ReadReply":
        d.report(hint2AnswerHoldsAll(d.oracle, check))
        break
      case "ReadSame": {
        // The coordinator's log of this incarnation's asks (kept when READ-2/3 are judged): an
        // answer to a get it holds no ask of is dropped there, and holds nothing.
        const to = c.nodeIndex.get(check.to)
        const ask = to === undefined ? undefined : d.nodes[to]!.reads.asks.find((a) => a.op === check.op && a.key === check.key && a.epoch === check.epoch)
        if (ask !== undefined) d.report(hint2AnswerHoldsAll(d.oracle, { node: check.node, to: check.to, key: check.key, held: check.held, answered: ask.own }))
        break
      }
      case "DeleteHint": {
        const intended = d.nodes[check.intendedIndex]!
        if (intended.diskLost) break
        const disk = check.intendedIndex === node ? ownDisk : intended.disk
        d.report(hint1DeletedOnlyWhenHeld(d.oracle, { node: id, intended: check.intended, key: check.key, hint: check.events, intendedHolds: diskKeyEvents(c, disk, check.key) }))
        break
      }
    }
  }
}

/** What `clientReply` needs of a reply that depends on the reply alone. */
export const replyFacts = (c: Compiled, reply: ClientReply): ReplyFacts => {
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
  const finding = availOwedAnswered({
    kind: get ? "get" : "put", id: reply.id, key: reply.key, node: c.ids[pending.node]!, up,
    quorum: get ? `R=${c.model.protocol.r}` : `W=${c.model.protocol.w}`,
    premise: "none of them ever crashed, no message lost and no partition in the whole execution"
  }, { _tag: "Failed", error: reply.error })
  if (finding !== undefined) d.violate(finding.invariant, finding.message)
}

/** A reply reaches its client: SIB-1 on what it lists, QUORUM-1, and the client moves on. */
export const clientReply = (d: Draft, facts: ReplyFacts): void => {
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
      d.report(sib1ListedConcurrent(d.oracle, reply, events, c.model.protocol.versions.truncateAt))
    }
    if (reply._tag === "GetOk") {
      d.flags |= F_GET_OK
      // QUORUM-1 as the paper states it: R + W > N makes read and write quorums intersect. Judged
      // for gets answered by home replicas only, so a miss means the write's quorum was sloppy:
      // fallbacks took some of its W acknowledgements, outside every read quorum of home nodes.
      if (mine && c.model.checks.quorum && facts.home) {
        const p = c.model.protocol
        if (client.pending!.ackedBefore !== 0) d.flags |= F_GET_AFTER_ACK
        d.report(quorum1ReadSeesAcknowledged(d.oracle, {
          id: reply.id, key: reply.key, events, acknowledgedBefore: client.pending!.ackedBefore,
          premise: `, answered by home replicas [${reply.nodes.join(", ")}]`,
          quorum: `R=${p.r}, W=${p.w}, N=${p.n}: a sloppy write quorum`
        }))
      }
    } else {
      d.flags |= F_PUT_ACKED
      const w = facts.write
      // ACK-1: the nodes a PutOk names stand for W replicas that held the write durably.
      if (w !== undefined && c.model.checks.ack) checkPutAcknowledged(d, w, reply.key, reply.nodes, facts.ackers)
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
