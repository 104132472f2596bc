// Forwarding (section 4.5): a node outside a key's top N hands a put or delete to the first
// top-N node it believes up, and coordinates the request itself when that node does not take it
// (section 4.6, "always writeable": a dead coordinator must not make a put fail). A get is never
// forwarded: any node may coordinate a read (section 6.4; node.ts's clientRequest).
//
// A put or delete is coordinated exactly once, whatever the network does. The forwarding node
// is the only arbiter: the coordinator first claims the request (ForwardClaim) and mints a
// version only once granted (ForwardGrant). A forwarding node that hears no claim within the
// replica timeout has granted nothing, so it may coordinate the put itself; once it has granted,
// it never does. Two coordinators would mint two dots for one write, and a later context that
// covers one copy and not the other would let a deleted value come back (DEL-1) or leave a false
// sibling (SIB-1). A Forward of a get (from a peer of an earlier build, which forwarded reads)
// is still coordinated at once and claimed only to say the node is alive: a get mints nothing.
import { HashMap, Option } from "effect"
import { placeVersion, startGet, startPut } from "./coordinator.ts"
import { markDown } from "./detector.ts"
import type { ClientReply, ClientRequest, WriteRequest } from "./io.ts"
import type { OpId } from "./messages.ts"
import type { NodeId } from "./ring.ts"
import { addRecent, hasRecent } from "./recent.ts"
import type { Claim, Forwarding, NodeState, Out, ReplyRoute } from "./state.ts"
import type { VersionSet } from "./versions.ts"

/** How many forwarded request ids a coordinator remembers to drop duplicated Forwards. */
export const FORWARDED_REMEMBERED_MAX = 256
/** Claims awaiting a grant a coordinator keeps (at least the last this many, at most twice). */
export const CLAIMS_MAX = 256

/**
 * How long after a running node receives a request it answers, at the latest, when the premise
 * of AVAIL-1 and AVAIL-2 holds (spec/README.md): a replica timeout for the claim, then either
 * its own coordination (one request timeout) or the coordinator's, waited for one request
 * timeout and one more replica timeout. Assumes a message takes less than half a replica timeout.
 */
export const availabilityBoundMs = (config: Pick<NodeState["config"], "requestTimeoutMs" | "replicaTimeoutMs">): number =>
  config.requestTimeoutMs + 2 * config.replicaTimeoutMs

/** Coordinate a request here: a get, or a put or delete (which mints its version here). */
export const coordinate = (state: NodeState, request: ClientRequest, route: ReplyRoute, now: number, out: Out): NodeState =>
  request._tag === "Get" ? startGet(state, request, route, out) : startPut(state, request, route, now, out)

/** Hand the put or delete `request` to `to`, a top-N node believed up; wait a replica timeout for its claim. */
export const forward = (state: NodeState, request: WriteRequest, to: NodeId, out: Out): NodeState => {
  const op = state.nextOp
  const forwarding: Forwarding = { op, request, to, accepted: false }
  out.push({ _tag: "Send", to, message: { _tag: "Forward", op, epoch: state.epoch, request } })
  out.push({ _tag: "SetTimer", timer: { _tag: "ForwardTimer", op }, afterMs: state.config.replicaTimeoutMs })
  return { ...state, nextOp: op + 1, forwards: HashMap.set(state.forwards, op, forwarding) }
}

/** How long a forwarding node waits for the answer once the coordinator took the request. */
const answerWaitMs = (state: NodeState): number => state.config.requestTimeoutMs + state.config.replicaTimeoutMs

/**
 * No claim, or no answer after one: coordinate here what no other node can have coordinated (an
 * unclaimed request); a granted put has an unknown outcome, and says so.
 */
export const forwardTimedOut = (state: NodeState, op: OpId, now: number, out: Out): NodeState => {
  const forwarding = Option.getOrUndefined(HashMap.get(state.forwards, op))
  if (forwarding === undefined) return state
  // A coordinator that claimed and fell silent is believed down. One that never claimed may only
  // be recovering (it claims no write until its epoch is durable): this node's own coordination
  // still asks it as a replica, and believes it down only if it stays silent there too.
  const forwards = HashMap.remove(state.forwards, op)
  const next = forwarding.accepted ? markDown({ ...state, forwards }, [forwarding.to]) : { ...state, forwards }
  return fallBack(next, forwarding, now, out)
}

/**
 * Take the request back: coordinate it here when nothing was minted elsewhere (unclaimed); place
 * the very set the silent coordinator minted when it sent it (same dot: idempotent
 * wherever the coordinator's own copies land); otherwise the outcome is unknown (the grant may
 * still be on its way to a stopped coordinator, which will mint when it resumes).
 */
const fallBack = (state: NodeState, forwarding: Forwarding, now: number, out: Out): NodeState => {
  const request = forwarding.request
  if (!forwarding.accepted) return coordinate(state, request, { _tag: "Local" }, now, out)
  if (forwarding.minted !== undefined) return placeVersion(state, request, forwarding.minted, { _tag: "Local" }, false, out)
  out.push({ _tag: "Reply", reply: { _tag: "Failed", id: request.id, key: request.key, error: "ForwardTimeout", acks: 0, nodes: [] } })
  return state
}

/**
 * The interpreter learned that `node` cannot be reached (a refused connection, a closed link):
 * believe it down, and coordinate here every request forwarded to it that it has not taken.
 */
export const peerUnreachable = (state: NodeState, node: NodeId, now: number, out: Out): NodeState => {
  let next = markDown(state, [node])
  const stranded = [...HashMap.values(state.forwards)].filter((f) => f.to === node && !f.accepted).sort((a, b) => a.op - b.op)
  for (const forwarding of stranded) {
    out.push({ _tag: "CancelTimer", timer: { _tag: "ForwardTimer", op: forwarding.op } })
    next = fallBack({ ...next, forwards: HashMap.remove(next.forwards, forwarding.op) }, forwarding, now, out)
  }
  return next
}

/**
 * A Forward arrived: coordinate a get now; claim a put or delete and wait for the grant. A node
 * still recovering claims no write: it would only refuse it (NotReady), and the forwarder, hearing
 * no claim, coordinates it instead.
 */
export const receiveForward = (state: NodeState, from: NodeId, op: OpId, epoch: number, request: ClientRequest, now: number, out: Out): NodeState => {
  if (hasRecent(state.forwarded, request.id)) return state
  if (request._tag !== "Get" && !state.ready) return state
  const next = { ...state, forwarded: addRecent(state.forwarded, request.id, FORWARDED_REMEMBERED_MAX) }
  out.push({ _tag: "Send", to: from, message: { _tag: "ForwardClaim", op, epoch } })
  if (request._tag === "Get") return coordinate(next, request, { _tag: "Forwarded", node: from, op, epoch }, now, out)
  return { ...next, claims: addClaim(next.claims, { from, op, epoch, request }) }
}

const claimKey = (from: NodeId, op: OpId, epoch: number): string => `${from}/${epoch}/${op}`

const addClaim = (claims: NodeState["claims"], claim: Omit<Claim, "arrival">): NodeState["claims"] => {
  const arrival = claims.next
  let pending = HashMap.set(claims.pending, claimKey(claim.from, claim.op, claim.epoch), { ...claim, arrival })
  if (HashMap.size(pending) > 2 * CLAIMS_MAX) pending = HashMap.filter(pending, (c) => c.arrival > arrival - CLAIMS_MAX)
  return { pending, next: arrival + 1 }
}

/** The coordinator claimed the put or delete: grant it (once), and wait for its answer. */
export const receiveClaim = (state: NodeState, from: NodeId, op: OpId, epoch: number, out: Out): NodeState => {
  const forwarding = Option.getOrUndefined(HashMap.get(state.forwards, op))
  if (forwarding === undefined || forwarding.to !== from || epoch !== state.epoch || forwarding.accepted) return state
  out.push({ _tag: "Send", to: from, message: { _tag: "ForwardGrant", op, epoch } })
  out.push({ _tag: "SetTimer", timer: { _tag: "ForwardTimer", op }, afterMs: answerWaitMs(state) })
  return { ...state, forwards: HashMap.set(state.forwards, op, { ...forwarding, accepted: true }) }
}

/** Granted: coordinate the claimed put here, exactly once. */
export const receiveGrant = (state: NodeState, from: NodeId, op: OpId, epoch: number, now: number, out: Out): NodeState => {
  const key = claimKey(from, op, epoch)
  const claim = Option.getOrUndefined(HashMap.get(state.claims.pending, key))
  if (claim === undefined) return state
  const next = { ...state, claims: { ...state.claims, pending: HashMap.remove(state.claims.pending, key) } }
  const coordinated = coordinate(next, claim.request, { _tag: "Forwarded", node: from, op, epoch }, now, out)
  const put = Option.getOrUndefined(HashMap.get(coordinated.requests, next.nextOp))
  if (put?._tag === "Put") out.push({ _tag: "Send", to: from, message: { _tag: "ForwardMinted", op, epoch, set: put.set } })
  return coordinated
}

/** The granted coordinator's minted set: kept in case the coordinator falls silent. */
export const receiveMinted = (state: NodeState, from: NodeId, op: OpId, epoch: number, set: VersionSet): NodeState => {
  const forwarding = Option.getOrUndefined(HashMap.get(state.forwards, op))
  if (forwarding === undefined || forwarding.to !== from || epoch !== state.epoch || !forwarding.accepted || forwarding.minted !== undefined) return state
  return { ...state, forwards: HashMap.set(state.forwards, op, { ...forwarding, minted: set }) }
}

/** The coordinator answered: pass its reply to the client. */
export const receiveForwardReply = (state: NodeState, from: NodeId, op: OpId, epoch: number, reply: ClientReply, out: Out): NodeState => {
  const forwarding = Option.getOrUndefined(HashMap.get(state.forwards, op))
  if (forwarding === undefined || forwarding.to !== from || epoch !== state.epoch) return state
  out.push({ _tag: "CancelTimer", timer: { _tag: "ForwardTimer", op } })
  // The sender coordinated it: the reply names it, so no interpreter has to infer it.
  out.push({ _tag: "Reply", reply, coordinator: from })
  return { ...state, forwards: HashMap.remove(state.forwards, op) }
}
