// The coordinator's per-request state machine (sections 4.5, 4.6, 5): send to the first N
// healthy nodes of the extended preference list, count R answers or W durable acks, route around
// silent replicas through fallbacks with hints, answer or time out, then read-repair.
import { HashMap, Option } from "effect"
import { markDown, isDown } from "./detector.ts"
import type { ClientReply, ClientRequest, NodeEffect } from "./io.ts"
import type { OpId } from "./messages.ts"
import { extendedPreferenceList, fallbacksFor, type NodeId, preferenceListView } from "./ring.ts"
import { localView, storeVersions } from "./replica.ts"
import { actorOf, type GetRequest, type NodeState, type Out, type PutRequest, type ReplyRoute, type Request, type Target } from "./state.ts"
import { contextOf, coordinatePut, covers, hasDigest, liveValues, siblingValues, syncVersions, versionsDigest, type Value, type VersionSet } from "./versions.ts"

/**
 * The last timer round of a request, fired at the request timeout: it gives up. Every earlier
 * round r fires at (r + 1) replica timeouts and replaces the targets still silent (a replacement
 * can be silent too: a node that died unnoticed). A round that leaves no node unasked skips
 * straight to the last one.
 */
export const finalRound = (config: Pick<NodeState["config"], "requestTimeoutMs" | "replicaTimeoutMs">): number =>
  Math.max(1, Math.ceil(config.requestTimeoutMs / config.replicaTimeoutMs) - 1)

/**
 * The first N healthy nodes of the extended preference list: each top-N node believed down is
 * replaced by a healthy node past N, which will hold a hint naming it (section 4.6): the first
 * one not taken yet in fallbacksFor's order, which tries the down node's own zone first (hint
 * locality; with one zone, simply the next past N). With no healthy fallback left, the down node
 * is asked anyway: the detector may be wrong.
 */
export const chooseTargets = (state: NodeState, key: string): ReadonlyArray<Target> => {
  const n = state.config.n
  const taken = new Set<NodeId>()
  const targets: Array<Target> = []
  // The top N (the extended list's first N): only a node believed down sends us past them.
  for (const node of preferenceListView(state.ring, key, n)) {
    if (!isDown(state, node)) {
      targets.push({ node })
      continue
    }
    const fallback = fallbacksFor(state.ring, key, n, node).find((f) => !taken.has(f) && !isDown(state, f))
    if (fallback !== undefined) taken.add(fallback)
    targets.push(fallback === undefined ? { node } : { node: fallback, hintFor: node })
  }
  return targets
}

/**
 * Replacements for replicas that stayed silent past the replica timeout: up to `count` nodes of
 * the extended preference list not asked yet, those believed up first, then those believed down,
 * each group in list order. A top-N node skipped earlier as believed down is asked as itself (a
 * plain write, no hint: it is a home replica); a node past N holds a hint for the silent one.
 * Believed-down nodes come last but do come, as in chooseTargets: the detector may be wrong, and
 * a node that answers is worth more than a quorum given up for a stale belief (AVAIL-1).
 * List order here, not the silent node's zone first (as chooseTargets does): a replica that went
 * silent unnoticed is as likely one of a whole zone cut off or down, whose zone-mates are silent
 * too, and a late request has no round to spare on them.
 *
 * For a put, a home node whose fallback already acknowledged a hint for it is asked itself only
 * when nothing else is left, and then that fallback is re-designated to a silent replica
 * (`redesignated`): it hands
 * its hint to the home node and deletes it, so counting both would let W acknowledgements end on
 * fewer than W disks (DUR-1; found by the soak, seeds 118536 and 301916).
 */
const replaceSilent = (
  state: NodeState,
  request: Request,
  silent: ReadonlyArray<Target>,
  count: number
): { readonly added: ReadonlyArray<Target>; readonly redesignated: ReadonlyArray<Target> } => {
  const targets = request.targets
  const asked = new Set(targets.map((t) => t.node))
  // Home nodes whose slot a fallback already filled (it acknowledged its hint). A home node whose
  // fallback is silent is a plain candidate: both would fill one slot, counted once.
  const covered = new Set(request._tag === "Put"
    ? targets.flatMap((t) => (t.hintFor !== undefined && request.acked.includes(t.node) ? [t.hintFor] : []))
    : [])
  const extended = extendedPreferenceList(state.ring, request.key, state.config.n)
  const home = new Set(extended.slice(0, state.config.n))
  const unused = extended.filter((node) => !asked.has(node) && !covered.has(node))
  const candidates = [...unused.filter((node) => !isDown(state, node)), ...unused.filter((node) => isDown(state, node))]
  const added: Array<Target> = []
  const redesignated: Array<Target> = []
  for (let i = 0; i < count && i < candidates.length && silent.length > 0; i++) {
    const candidate = candidates[i]!
    // A node past N stands in for a silent home replica (named by its hint), in turn.
    const standsFor = silent[i % silent.length]!
    added.push(home.has(candidate) ? { node: candidate } : { node: candidate, hintFor: standsFor.hintFor ?? standsFor.node })
  }
  if (request._tag === "Put" && added.length < Math.min(count, silent.length)) {
    // Nothing unasked is left: ask covered home nodes themselves, and give their fallbacks a
    // silent replica to stand for instead.
    const slotsSilent = silent.map((t) => t.hintFor ?? t.node).filter((slot) => !covered.has(slot))
    for (const node of extended.filter((n) => covered.has(n) && !asked.has(n))) {
      const fallback = targets.find((t) => t.hintFor === node)
      const slot = slotsSilent.find((s) => s !== node && !redesignated.some((r) => r.hintFor === s))
      if (fallback === undefined || slot === undefined || added.length + redesignated.length >= count) break
      added.push({ node })
      redesignated.push({ node: fallback.node, hintFor: slot })
    }
  }
  return { added, redesignated }
}

export const sendReply = (state: NodeState, route: ReplyRoute, reply: ClientReply, out: Out): void => {
  if (route._tag === "Local") out.push({ _tag: "Reply", reply })
  else out.push({ _tag: "Send", to: route.node, message: { _tag: "ForwardReply", op: route.op, epoch: route.epoch, reply } })
}

const failed = (request: ClientRequest, error: "QuorumTimeout" | "TooManySiblings" | "NotReady" | "BadQuorum", acks: number, nodes: ReadonlyArray<NodeId>): ClientReply => ({
  _tag: "Failed",
  id: request.id,
  key: request.key,
  error,
  acks,
  nodes
})

const requestOf = (state: NodeState, op: OpId): PutRequest | GetRequest | undefined => Option.getOrUndefined(HashMap.get(state.requests, op))

const withRequest = (state: NodeState, op: OpId, request: PutRequest | GetRequest | undefined): NodeState => {
  const requests = request === undefined ? HashMap.remove(state.requests, op) : HashMap.set(state.requests, op, request)
  return { ...state, requests }
}

const quorumInRange = (value: number | undefined, n: number): boolean =>
  value === undefined || (Number.isInteger(value) && value >= 1 && value <= n)

/** Coordinate a put or delete: make the new version, store it, replicate it. */
export const startPut = (
  state: NodeState,
  request: Extract<ClientRequest, { _tag: "Put" | "Delete" }>,
  route: ReplyRoute,
  now: number,
  out: Out
): NodeState => {
  if (!quorumInRange(request.w, state.config.n)) {
    sendReply(state, route, failed(request, "BadQuorum", 0, []), out)
    return state
  }
  if (!state.ready) {
    sendReply(state, route, failed(request, "NotReady", 0, []), out)
    return state
  }
  const value: Value = request._tag === "Put" ? { _tag: "Put", value: request.value } : { _tag: "Tombstone", id: request.id }
  const made = coordinatePut(state.config.versions, localView(state, request.key), request.context, value, actorOf(state), now)
  if (made._tag === "TooManySiblings") {
    sendReply(state, route, failed(request, "TooManySiblings", 0, []), out)
    return state
  }
  return placeVersion(state, request, made.set, route, true, out)
}

/**
 * Place a version set on N nodes and answer after W durable copies: the second half of a put.
 * `minted` says this node made the set's new dot; a forwarder that takes over a put its silent
 * coordinator minted (forward.ts) places that set as it is, and mints nothing.
 */
export const placeVersion = (
  state: NodeState,
  request: Extract<ClientRequest, { _tag: "Put" | "Delete" }>,
  set: VersionSet,
  route: ReplyRoute,
  minted: boolean,
  out: Out
): NodeState => {
  const op = state.nextOp
  const targets = chooseTargets(state, request.key)
  let next: NodeState = { ...state, nextOp: op + 1 }
  // The coordinator always keeps the version it made in its own store, even when it only stands
  // in for another node: its next dot must never repeat this one, or DVV sync would merge two
  // different writes as one. When it is a plain target, that store write is its own ack.
  const plainTarget = targets.some((t) => t.node === state.id && t.hintFor === undefined)
  if (minted || plainTarget) next = storeVersions(next, request.key, set, undefined, plainTarget ? { _tag: "OwnAck", op } : undefined, out, "own")
  // A plain target that is this node was served by the store write above.
  for (const target of targets) if (target.node !== state.id || target.hintFor !== undefined) next = askReplica(next, op, request.key, set, target, out)
  const put: PutRequest = {
    _tag: "Put",
    op,
    client: request.id,
    route,
    key: request.key,
    w: request.w ?? state.config.w,
    set,
    targets,
    acked: [],
    replied: false,
    round: 0
  }
  out.push({ _tag: "SetTimer", timer: { _tag: "RequestTimer", op, round: 0 }, afterMs: state.config.replicaTimeoutMs })
  return withRequest(next, op, put)
}

/**
 * Ask `target` to hold `set` durably for put `op`: a Replicate to another node, or, when the
 * target is this node, a store write whose durability is this node's own acknowledgement.
 */
const askReplica = (state: NodeState, op: OpId, key: string, set: VersionSet, target: Target, out: Out): NodeState => {
  if (target.node === state.id) return storeVersions(state, key, set, target.hintFor, ownAck(op, target.hintFor), out)
  out.push({ _tag: "Send", to: target.node, message: replicate(state, op, key, set, target.hintFor) })
  return state
}

const askRead = (state: NodeState, op: OpId, key: string, digest: string | undefined, target: Target): NodeEffect =>
  ({ _tag: "Send", to: target.node, message: digest === undefined ? { _tag: "Read", op, epoch: state.epoch, key } : { _tag: "Read", op, epoch: state.epoch, key, digest } })

const ownAck = (op: OpId, hintFor: NodeId | undefined) =>
  hintFor === undefined ? ({ _tag: "OwnAck", op } as const) : ({ _tag: "OwnAck", op, hintFor } as const)

const replicate = (state: NodeState, op: OpId, key: string, set: VersionSet, hintFor: NodeId | undefined) =>
  hintFor === undefined
    ? ({ _tag: "Replicate", op, epoch: state.epoch, key, set } as const)
    : ({ _tag: "Replicate", op, epoch: state.epoch, key, set, hintFor } as const)

/** A replica (or this node itself) holds the put's version durably. */
export const putAcknowledged = (state: NodeState, op: OpId, key: string | undefined, from: NodeId, hintFor: NodeId | undefined, out: Out): NodeState => {
  const request = requestOf(state, op)
  if (request === undefined || request._tag !== "Put" || (key !== undefined && key !== request.key)) return state
  // An acknowledgement counts for what the node holds now: its hint for the replica it currently
  // stands for (a re-designated fallback's earlier ack is for a slot it no longer fills).
  const target = request.targets.find((t) => t.node === from)
  if (target === undefined || target.hintFor !== hintFor || request.acked.includes(from)) return state
  const acked = [...request.acked, from]
  const copies = replicaSlots(request.targets, acked)
  let replied = request.replied
  if (!replied && copies >= request.w) {
    sendReply(state, request.route, {
      _tag: "PutOk",
      id: request.client,
      key: request.key,
      siblings: siblingValues(request.set),
      context: contextOf(request.set),
      nodes: acked
    }, out)
    replied = true
  }
  if (copies < state.config.n) return withRequest(state, op, { ...request, acked, replied })
  cancelTimer(request, out)
  return withRequest(state, op, undefined)
}

/**
 * How many distinct replicas the acknowledgements stand for: a home node and a fallback holding
 * a hint for it are one replica, not two. The fallback hands the hint to that node and deletes
 * its copy (HINT-1), so counting both would let W acknowledgements end on fewer than W disks
 * (DUR-1): a slow home node and the fallback that replaced it, or two fallbacks in turn.
 */
const replicaSlots = (targets: ReadonlyArray<Target>, acked: ReadonlyArray<NodeId>): number => {
  const slots = new Set<NodeId>()
  for (const node of acked) {
    const target = targets.find((t) => t.node === node)
    slots.add(target?.hintFor ?? node)
  }
  return slots.size
}

/** A finished request's armed timer round: the only one (cancelling every round cost a finished request four host table searches). */
const cancelTimer = (request: Request, out: Out): void => {
  out.push({ _tag: "CancelTimer", timer: { _tag: "RequestTimer", op: request.op, round: request.round } })
}

/** Coordinate a get: ask the first N healthy nodes, answering locally without a message. */
export const startGet = (
  state: NodeState,
  request: Extract<ClientRequest, { _tag: "Get" }>,
  route: ReplyRoute,
  out: Out
): NodeState => {
  if (!quorumInRange(request.r, state.config.n)) {
    sendReply(state, route, failed(request, "BadQuorum", 0, []), out)
    return state
  }
  const op = state.nextOp
  const targets = chooseTargets(state, request.key)
  // The Reads name the versions this node holds, so a replica holding the same answers without
  // them (a get's answers are mostly the same versions: docs/performance.md, fourteenth round).
  const own = localView(state, request.key)
  const digest = versionsDigest(own)
  for (const target of targets) if (target.node !== state.id) out.push(askRead(state, op, request.key, digest, target))
  const get: GetRequest = {
    _tag: "Get",
    op,
    client: request.id,
    route,
    key: request.key,
    r: request.r ?? state.config.r,
    targets,
    answers: [],
    replied: false,
    round: 0,
    own
  }
  out.push({ _tag: "SetTimer", timer: { _tag: "RequestTimer", op, round: 0 }, afterMs: state.config.replicaTimeoutMs })
  let next = withRequest({ ...state, nextOp: op + 1 }, op, get)
  if (targets.some((t) => t.node === state.id)) next = readAnswered(next, op, request.key, state.id, own, out)
  return next
}

const mergeAnswers = (state: NodeState, request: GetRequest): VersionSet => {
  let merged: VersionSet | undefined
  for (const answer of request.answers) {
    merged = merged === undefined ? answer.set : syncVersions(state.config.versions, merged, answer.set)
  }
  return merged ?? localView(state, request.key)
}

/**
 * A replica answered a read. Reply after R answers; read-repair once every target answered. An
 * answer without a set holds what this node held when it took the get (the digest its Reads
 * carried); one to a get whose Reads carried no digest is a peer's garbage, dropped.
 */
export const readAnswered = (state: NodeState, op: OpId, key: string, from: NodeId, answered: VersionSet | undefined, out: Out): NodeState => {
  const request = requestOf(state, op)
  if (request === undefined || request._tag !== "Get" || key !== request.key) return state
  if (!request.targets.some((t) => t.node === from) || request.answers.some((a) => a.node === from)) return state
  // A set-less answer says "the versions your Read named", which only a digested Read did.
  const set = answered ?? (hasDigest(request.own) ? request.own : undefined)
  if (set === undefined) return state
  let next: GetRequest = { ...request, answers: [...request.answers, { node: from, set }] }
  if (!next.replied && next.answers.length >= next.r) {
    const merged = mergeAnswers(state, next)
    sendReply(state, next.route, {
      _tag: "GetOk",
      id: next.client,
      key: next.key,
      values: liveValues(merged),
      siblings: siblingValues(merged),
      context: contextOf(merged),
      nodes: next.answers.map((a) => a.node)
    }, out)
    next = { ...next, replied: true }
  }
  if (next.answers.length < next.targets.length) return withRequest(state, op, next)
  cancelTimer(request, out)
  return readRepair(withRequest(state, op, undefined), next, out)
}

/**
 * Read repair (section 5): every answering replica whose set does not cover the merged set gets
 * the merged set. Fallback answers are not repaired: their copy is a hint on its way home.
 */
const readRepair = (state: NodeState, request: GetRequest, out: Out): NodeState => {
  if (!state.config.readRepair || request.answers.length === 0) return state
  const merged = mergeAnswers(state, request)
  let next = state
  for (const answer of request.answers) {
    const target = request.targets.find((t) => t.node === answer.node)
    if (target === undefined || target.hintFor !== undefined || covers(answer.set, merged)) continue
    if (answer.node === state.id) next = storeVersions(next, request.key, merged, undefined, undefined, out)
    else out.push({ _tag: "Send", to: answer.node, message: { _tag: "Repair", key: request.key, set: merged } })
  }
  return next
}

/** Each round but the last: believe silent replicas down and ask replacements. The last: give up. */
export const requestTimerFired = (state: NodeState, op: OpId, round: number, out: Out): NodeState => {
  const request = requestOf(state, op)
  if (request === undefined) return state
  const heard = request._tag === "Put" ? request.acked : request.answers.map((a) => a.node)
  const silent = request.targets.filter((t) => t.node !== state.id && !heard.includes(t.node))
  const last = finalRound(state.config)
  if (round < last) {
    let next = markDown(state, silent.map((t) => t.node))
    // The first round replaces each silent target by one node; a request still short after it
    // is running late, and asks every node not asked yet, so the answers have time to come back
    // before the request timeout (several dead nodes the detector has not noticed can stand in
    // line before a live one).
    const { added, redesignated } = replaceSilent(next, request, silent, round === 0 ? silent.length : Infinity)
    for (const target of [...added, ...redesignated]) {
      if (request._tag === "Put") next = askReplica(next, op, request.key, request.set, target, out)
      else out.push(askRead(state, op, request.key, versionsDigest(request.own), target))
    }
    // A re-designated fallback's earlier acknowledgement stood for the home node it no longer stands for.
    const moved = new Map(redesignated.map((t) => [t.node, t]))
    const targets = [...request.targets.map((t) => moved.get(t.node) ?? t), ...added]
    const pending = request._tag === "Put" && moved.size > 0 ? { acked: request.acked.filter((node) => !moved.has(node)) } : {}
    const unasked = extendedPreferenceList(state.ring, request.key, state.config.n).some((node) => !targets.some((t) => t.node === node))
    const nextRound = unasked && round + 1 < last ? round + 1 : last
    const elapsedMs = (round + 1) * state.config.replicaTimeoutMs
    out.push({
      _tag: "SetTimer",
      timer: { _tag: "RequestTimer", op, round: nextRound },
      afterMs: nextRound === last ? state.config.requestTimeoutMs - elapsedMs : state.config.replicaTimeoutMs
    })
    return withRequest(next, op, { ...request, ...pending, targets, round: nextRound } as Request)
  }
  let next = markDown(state, silent.map((t) => t.node))
  next = withRequest(next, op, undefined)
  if (request._tag === "Put") {
    if (!request.replied) {
      const reply: ClientReply = { _tag: "Failed", id: request.client, key: request.key, error: "QuorumTimeout", acks: request.acked.length, nodes: request.acked }
      sendReply(state, request.route, reply, out)
    }
    return next
  }
  if (!request.replied) {
    const reply: ClientReply = { _tag: "Failed", id: request.client, key: request.key, error: "QuorumTimeout", acks: request.answers.length, nodes: request.answers.map((a) => a.node) }
    sendReply(state, request.route, reply, out)
  }
  return readRepair(next, request, out)
}
