// The client HTTP API of a node (README "HTTP API"), on Effect's HTTP router, and the peer
// endpoint the other nodes connect to. Requests are validated here (shape, sizes, ranges);
// everything else is the core's decision, taken by feeding it a ClientRequest.
import { NodeHttpServerRequest } from "@effect/platform-node"
import { ByteSize, Cause, Effect, HashMap, Result, Schema, SchemaIssue } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerResponse, type HttpServerRequest } from "effect/http"
import { isHttpServerError } from "effect/http/HttpServerError"
import { type ClientReply, type ClientRequest, configOf, decodeContext, encodeContext, failedWriteOutcome, hintsHeld, liveValues, localView, membersOf, type NodeId, nodeIdOf, servingRing, type WriteOutcome } from "../core/index.ts"
import type { LogLevel, NodeDriver, RequestOutcome } from "./driver.ts"
import type { NodeOptions } from "./options.ts"
import type { Timings } from "./timings.ts"
import type { PeerLinks } from "./transport.ts"
import { decodeLine, HEADER_AUTH, HEADER_NONCE, LineSplitter, PEER_PATH, PEER_PROTOCOL } from "./wire.ts"
import type { PeerAdmission } from "./admission.ts"
import type { RingStatusView } from "./ring-status.ts"
import { handleJoin, handleLeave } from "./admin.ts"
import { signAnswer } from "./secret.ts"
import type { Socket as NetSocket } from "node:net"

/** Keys are UTF-8 strings of at most this many bytes. */
export const KEY_BYTES_MAX = 1024
/** Values are UTF-8 strings of at most this many bytes. */
export const VALUE_BYTES_MAX = 1024 * 1024
/** A request body larger than this is refused unread (a 1 MiB value escaped as JSON fits). */
export const BODY_BYTES_MAX = 8 * 1024 * 1024
/** Undecodable peer lines logged per connection before the rest are only counted. */
const INVALID_LINES_LOGGED_MAX = 10

export const HEADER_NODES = "x-dynamo-nodes"
export const HEADER_COORDINATOR = "x-dynamo-coordinator"
/** On a failed put or delete: "not-written" or "unknown" (the body's `outcome` too). */
export const HEADER_OUTCOME = "x-dynamo-outcome"

const PutBodySchema = Schema.Struct({ value: Schema.String, context: Schema.optionalKey(Schema.String) })
const DeleteBodySchema = Schema.Struct({ context: Schema.String })
const decodePutBody = Schema.decodeUnknownResult(PutBodySchema)
const decodeDeleteBody = Schema.decodeUnknownResult(DeleteBodySchema)

/** Everything the routes need from the running node. */
export interface NodeHandle {
  readonly options: NodeOptions
  readonly driver: NodeDriver
  readonly links: PeerLinks
  readonly timings: Timings
  readonly fingerprint: string
  /** Who may open a peer stream (the handshake's checks). */
  readonly admission: PeerAdmission
  /** The ring for operators: view, shares, hand-overs, hints per node. */
  readonly ringStatus: RingStatusView
  /** Raw sockets of incoming peer streams, closed first at shutdown. */
  readonly incomingPeers: Set<NetSocket>
  readonly log: (level: LogLevel, message: string, fields?: Record<string, unknown>) => void
  /** Set at shutdown: new client requests are refused. */
  draining: boolean
  /** Client requests inside a handler (shutdown waits for them). */
  requestsActive: number
  peerMessagesInvalid: number
}

class BadRequest {
  constructor(readonly message: string) {}
}

const json = (status: number, body: unknown, headers: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers })

const errorHeaders = (handle: NodeHandle): Record<string, string> => ({ [HEADER_NODES]: "", [HEADER_COORDINATOR]: handle.options.id })

// ---- parsing ----------------------------------------------------------------------------

/** The key of `/kv/{key}`: percent-decoded UTF-8, not empty, at most KEY_BYTES_MAX bytes. */
export const parseKey = (url: string): string | BadRequest => {
  const query = url.indexOf("?")
  const path = query === -1 ? url : url.slice(0, query)
  const raw = path.startsWith("/kv/") ? path.slice(4) : path === "/kv" ? "" : path
  if (raw === "") return new BadRequest("empty key: use /kv/{key} with a non-empty, URL-encoded key")
  let key: string
  try {
    key = decodeURIComponent(raw)
  } catch {
    return new BadRequest("the key is not valid percent-encoded UTF-8")
  }
  const bytes = Buffer.byteLength(key, "utf8")
  if (bytes > KEY_BYTES_MAX) return new BadRequest(`key is ${bytes} bytes, over the ${KEY_BYTES_MAX}-byte (1 KiB) limit`)
  return key
}

/** `?r=` or `?w=`: absent, or an integer in 1..N. */
export const parseQuorum = (url: string, name: "r" | "w", n: number): number | undefined | BadRequest => {
  const query = url.indexOf("?")
  if (query === -1) return undefined
  const text = new URLSearchParams(url.slice(query + 1)).get(name)
  if (text === null) return undefined
  const value = /^\d{1,9}$/.test(text) ? Number(text) : NaN
  if (!(value >= 1 && value <= n)) {
    return new BadRequest(`${name.toUpperCase()} out of range: ${name} must be an integer in 1..${n} (N), got ${JSON.stringify(text)}`)
  }
  return value
}

const parseJsonBody = (text: string): unknown | BadRequest => {
  if (text.trim() === "") return new BadRequest("bad JSON: the request body is empty")
  try {
    return JSON.parse(text)
  } catch (error) {
    return new BadRequest(`bad JSON: ${(error as Error).message}`)
  }
}

const issuesOf = SchemaIssue.makeFormatterStandardSchemaV1()

/** The first problem Schema found in a body, named by its field. */
const schemaProblem = (issue: SchemaIssue.Issue): string => {
  const first = issuesOf(issue).issues[0]
  const field = first?.path?.[0]
  if (field === undefined) return `the body must be a JSON object: {"value": string, "context"?: string} (${first?.message ?? "invalid"})`
  if (first!.message.startsWith("Missing key")) return `missing ${String(field)}: the body must hold "${String(field)}" as a string`
  return `${String(field)} must be a string (${first!.message})`
}

const parseContext = (text: string | undefined) => {
  const decoded = decodeContext(text ?? "")
  return decoded._tag === "Ok" ? decoded.context : new BadRequest(`malformed context: ${decoded.message.replace(/\s+/g, " ")}`)
}

const readBody = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<string | BadRequest> => {
  const length = Number(request.headers["content-length"] ?? 0)
  if (length > BODY_BYTES_MAX) {
    return Effect.succeed(new BadRequest(`request body is ${length} bytes, over the ${BODY_BYTES_MAX}-byte limit (values are at most 1 MiB)`))
  }
  return request.text.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(BODY_BYTES_MAX)),
    Effect.catch((error) => Effect.succeed(new BadRequest(`cannot read the request body: ${error.message}`)))
  )
}

// ---- replies ----------------------------------------------------------------------------

const replyHeaders = (outcome: RequestOutcome): Record<string, string> => ({
  [HEADER_NODES]: outcome.reply.nodes.join(","),
  [HEADER_COORDINATOR]: outcome.coordinator
})

const failedStatus = (reply: Extract<ClientReply, { _tag: "Failed" }>): number => {
  switch (reply.error) {
    case "QuorumTimeout":
    case "ForwardTimeout":
    case "NotReady":
      return 503
    case "TooManySiblings":
      return 409
    case "BadQuorum":
      return 400
  }
}

const failedMessage = (reply: Extract<ClientReply, { _tag: "Failed" }>, handle: NodeHandle): string => {
  switch (reply.error) {
    case "QuorumTimeout":
      return `quorum not reached before the request timeout (${reply.acks} of the replicas answered)`
    case "ForwardTimeout":
      return "the coordinator this request was forwarded to took it and did not answer"
    case "NotReady":
      return "the node is starting and cannot coordinate writes yet"
    case "TooManySiblings":
      return `the write would leave more than ${handle.options.config.versions.siblingsMax} siblings; read, merge and write with the context`
    case "BadQuorum":
      return `R and W must be in 1..${handle.options.config.n}`
  }
}

const respond = (handle: NodeHandle, outcome: RequestOutcome, kind: ClientRequest["_tag"]) => {
  const reply = outcome.reply
  const headers = replyHeaders(outcome)
  switch (reply._tag) {
    case "GetOk": {
      const context = encodeContext(reply.context)
      return reply.values.length === 0
        ? json(404, { error: "not found", key: reply.key, context }, headers)
        : json(200, { key: reply.key, values: reply.values, context }, headers)
    }
    case "PutOk": {
      const context = encodeContext(reply.context)
      if (kind === "Delete") return json(200, { context }, headers)
      const values: Array<string> = []
      for (const sibling of reply.siblings) if (sibling._tag === "Put") values.push(sibling.value)
      return json(200, { context, values }, headers)
    }
    case "Failed": {
      const body = { error: failedMessage(reply, handle), acks: reply.acks }
      // A failed get wrote nothing; a failed put or delete says whether it may have been written.
      if (kind === "Get") return json(failedStatus(reply), body, headers)
      const outcome = writeOutcomeText(failedWriteOutcome(reply.error))
      return json(failedStatus(reply), { ...body, outcome }, { ...headers, [HEADER_OUTCOME]: outcome })
    }
  }
}

/**
 * What a client may conclude from a failed put or delete (spec/README.md, section 2):
 * "not-written" (refused before anything was written: retrying cannot duplicate it) or
 * "unknown" (a copy may be durable and may spread: read before writing again).
 */
const writeOutcomeText = (outcome: WriteOutcome): "not-written" | "unknown" => (outcome === "NotWritten" ? "not-written" : "unknown")

/**
 * Feeds the request to the core and waits for its reply. The wait is bounded by the driver
 * (REPLY_WAIT_TIMEOUTS_MAX in src/net/driver.ts): one timer for all requests instead of a
 * sleeping fiber per request.
 */
const coordinate = (handle: NodeHandle, request: ClientRequest) =>
  Effect.callback<RequestOutcome | undefined>((resume) => {
    handle.driver.submit(request, (outcome) => resume(Effect.succeed(outcome)))
    // Interrupted (the client went away): the reply, when it comes, is dropped.
    return Effect.sync(() => handle.driver.abandon(request.id))
  }).pipe(
    Effect.map((outcome) =>
      outcome !== undefined
        ? respond(handle, outcome, request._tag)
        : json(504, request._tag === "Get"
          ? { error: "no reply from the node's core in time", acks: 0 }
          : { error: "no reply from the node's core in time", acks: 0, outcome: "unknown" }, errorHeaders(handle)))
  )

const refuse = (handle: NodeHandle, problem: BadRequest) => Effect.succeed(json(400, { error: problem.message }, errorHeaders(handle)))

const shuttingDown = (handle: NodeHandle) =>
  Effect.succeed(json(503, { error: "the node is shutting down", acks: 0, outcome: "not-written" }, { ...errorHeaders(handle), connection: "close", [HEADER_OUTCOME]: "not-written" }))

// ---- handlers ---------------------------------------------------------------------------

const handleGet = (handle: NodeHandle) => (request: HttpServerRequest.HttpServerRequest) => {
  if (handle.draining) return shuttingDown(handle)
  const parsing = performance.now()
  const key = parseKey(request.url)
  if (key instanceof BadRequest) return refuse(handle, key)
  const r = parseQuorum(request.url, "r", handle.options.config.n)
  if (r instanceof BadRequest) return refuse(handle, r)
  const id = handle.driver.nextRequestId()
  handle.timings.record("client parse", parsing)
  return coordinate(handle, r === undefined ? { _tag: "Get", id, key } : { _tag: "Get", id, key, r })
}

const valueProblem = (value: string): BadRequest | undefined => {
  const bytes = Buffer.byteLength(value, "utf8")
  if (bytes > VALUE_BYTES_MAX) return new BadRequest(`value is ${bytes} bytes, over the ${VALUE_BYTES_MAX}-byte (1 MiB) limit`)
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) return new BadRequest("value is not well-formed Unicode (it holds a lone surrogate)")
  return undefined
}

const handleWrite = (handle: NodeHandle, kind: "Put" | "Delete") => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    if (handle.draining) return yield* shuttingDown(handle)
    const key = parseKey(request.url)
    if (key instanceof BadRequest) return yield* refuse(handle, key)
    const w = parseQuorum(request.url, "w", handle.options.config.n)
    if (w instanceof BadRequest) return yield* refuse(handle, w)
    const text = yield* readBody(request)
    if (text instanceof BadRequest) return yield* refuse(handle, text)
    // Timed from here: reading the body waits for the network.
    const parsing = performance.now()
    const body = parseJsonBody(text)
    if (body instanceof BadRequest) return yield* refuse(handle, body)
    const quorum = w === undefined ? {} : { w }
    if (kind === "Put") {
      const decoded = decodePutBody(body)
      if (Result.isFailure(decoded)) return yield* refuse(handle, new BadRequest(schemaProblem(decoded.failure.issue)))
      const problem = valueProblem(decoded.success.value)
      if (problem !== undefined) return yield* refuse(handle, problem)
      const context = parseContext(decoded.success.context)
      if (context instanceof BadRequest) return yield* refuse(handle, context)
      const id = handle.driver.nextRequestId()
      handle.timings.record("client parse", parsing)
      return yield* coordinate(handle, { _tag: "Put", id, key, value: decoded.success.value, context, ...quorum })
    }
    const decoded = decodeDeleteBody(body)
    if (Result.isFailure(decoded)) return yield* refuse(handle, new BadRequest(schemaProblem(decoded.failure.issue)))
    const context = parseContext(decoded.success.context)
    if (context instanceof BadRequest) return yield* refuse(handle, context)
    const id = handle.driver.nextRequestId()
    handle.timings.record("client parse", parsing)
    return yield* coordinate(handle, { _tag: "Delete", id, key, context, ...quorum })
  })

/**
 * The node's view: members and what its failure detector believes, the membership view with each
 * node's status, address and ring share, hand-overs in progress, hints per node, counts.
 */
export const statusOf = (handle: NodeHandle) => {
  const status = handle.driver.status()
  const state = handle.driver.nodeState
  const ring = servingRing(state)
  const config = configOf(state)
  const links = new Map(handle.links.status().map((link) => [link.peer, link]))
  const operator = handle.ringStatus.of(state)
  const listed = handle.options.mode._tag === "Fixed"
    ? handle.options.members.map((member) => ({ id: member.id, address: `${member.host}:${member.port}`, status: "member" as const }))
    : operator.view.filter((entry) => entry.status !== "left").map((entry) => ({ id: entry.id, address: entry.address ?? links.get(entry.id)?.address ?? "", status: entry.status }))
  const detector = (id: string) => (id === status.id ? "up" : status.down.includes(id) ? "down" : "up")
  return {
    node: status.id,
    cluster: handle.admission.clusterName,
    epoch: status.epoch,
    ready: status.ready,
    draining: handle.draining,
    members: listed.map((member) => ({
      ...member,
      state: detector(member.id),
      ...(member.id === status.id ? { self: true } : { link: links.get(member.id)?.state ?? "idle" })
    })),
    view: operator.view.map((entry) => ({ ...entry, state: detector(entry.id) })),
    /** The membership view as the core holds it (what a joining node learns from a seed). */
    membership: membersOf(state),
    handovers: operator.handovers,
    hintsByNode: operator.hintsByNode,
    leave: operator.leave,
    // What a client needs to compute preference lists with the core's own ring (src/client/):
    // the serving ring's configuration and its members with their capacities.
    ring: {
      strategy: ring.config.strategy,
      tokensPerNode: ring.config.tokensPerNode,
      partitions: ring.config.partitions,
      members: ring.members.map((member) => ({ id: member.id, capacity: member.capacity })),
      tokens: ring.tokens.filter((token) => token.owner === status.id).length,
      tokensTotal: ring.tokens.length
    },
    n: config.n,
    r: config.r,
    w: config.w,
    clock: config.versions.mode,
    keys: status.keys,
    hints: status.hints,
    requestsInFlight: status.requestsInFlight,
    persistsPending: status.persistsPending,
    commits: status.commits,
    timings: handle.timings.snapshot(),
    peerMessagesDropped: handle.links.messagesDropped,
    peerMessagesInvalid: handle.peerMessagesInvalid
  }
}

/**
 * This node's own replica of a key (hints excluded), without coordination: for tests and
 * operators checking that replicas converged. Not part of the client contract.
 */
const handleLocal = (handle: NodeHandle) => (request: HttpServerRequest.HttpServerRequest) => {
  const key = parseKey(request.url.replace(/^\/local/, "/kv"))
  if (key instanceof BadRequest) return refuse(handle, key)
  const state = handle.driver.nodeState
  const set = localView(state, key)
  const id = nodeIdOf(state)
  const hints: Array<{ intended: NodeId; values: ReadonlyArray<string> }> = []
  for (const hint of HashMap.values(hintsHeld(state))) if (hint.key === key) hints.push({ intended: hint.intended, values: liveValues(hint.set) })
  const values = set === undefined ? [] : liveValues(set)
  return Effect.succeed(json(set === undefined ? 404 : 200, { node: id, key, values, held: set !== undefined, hints }, { [HEADER_COORDINATOR]: id, [HEADER_NODES]: id }))
}

// ---- the peer endpoint --------------------------------------------------------------------

const handlePeer = (handle: NodeHandle) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const protocol = request.headers["upgrade"] ?? ""
    if (protocol !== PEER_PROTOCOL) return json(426, { error: `upgrade to ${PEER_PROTOCOL} required` }, { upgrade: PEER_PROTOCOL })
    const admission = handle.admission.admit(request.headers, membersOf(handle.driver.nodeState))
    if (admission._tag === "Refused") {
      if (handle.admission.shouldLog(admission)) handle.log("Error", admission.log, { from: admission.from, reason: admission.reason })
      return json(admission.status, { error: admission.reason }, {})
    }
    const from = admission.from
    // The way back to a node the view does not place yet (a joining node's first gossip).
    if (admission.address !== undefined && !handle.links.knows(from)) handle.links.setAddress({ id: from, ...admission.address })
    const nonce = request.headers[HEADER_NONCE]
    const answer = handle.options.secret !== undefined && nonce !== undefined ? { [HEADER_AUTH]: signAnswer(handle.options.secret, nonce, handle.options.id) } : {}
    const socket = yield* request.upgradeWith({ headers: answer })
    const raw = NodeHttpServerRequest.toIncomingMessage(request).socket as NetSocket
    handle.incomingPeers.add(raw)
    handle.links.peerAlive(from)
    let invalid = 0
    const splitter = new LineSplitter()
    const onLine = (line: string) => {
      if (line === "") return
      const started = performance.now()
      const decoded = decodeLine(line)
      handle.timings.record("peer decode", started)
      if (decoded._tag === "Message") {
        handle.driver.receive(from, decoded.message)
        return
      }
      invalid += 1
      handle.peerMessagesInvalid += 1
      if (invalid <= INVALID_LINES_LOGGED_MAX) {
        handle.log("Warning", "dropped an undecodable peer message", { from, reason: decoded.reason.slice(0, 300), sample: line.slice(0, 80) })
      }
    }
    const outcome = yield* Effect.scoped(Effect.gen(function*() {
      const reader = yield* socket.reader
      for (;;) {
        const chunks = yield* reader.pull
        for (const chunk of chunks) {
          const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk
          if (!splitter.push(bytes, onLine)) return "a line exceeded the size limit"
        }
      }
    })).pipe(Effect.catch((error) => Effect.succeed(error.message)), Effect.ensuring(Effect.sync(() => handle.incomingPeers.delete(raw))))
    if (splitter.pendingBytes > 0) {
      invalid += 1
      handle.peerMessagesInvalid += 1
      handle.log("Warning", "dropped a truncated peer message at the end of the stream", { from, bytes: splitter.pendingBytes })
    }
    handle.log("Debug", "peer stream closed", { from, reason: String(outcome), invalid })
    return HttpServerResponse.empty()
  })

/**
 * Every handler runs through this: it is counted while active (shutdown waits for it), a response
 * sent while draining closes its connection, and a defect (a bug) becomes a logged error and a
 * 500 naming it, never a silent one.
 */
const guarded = <E>(
  handle: NodeHandle,
  handler: (request: HttpServerRequest.HttpServerRequest) => Effect.Effect<HttpServerResponse.HttpServerResponse, E>,
  counted = true
) =>
  (request: HttpServerRequest.HttpServerRequest) =>
    Effect.suspend(() => {
      if (counted) handle.requestsActive += 1
      return handler(request)
    }).pipe(
      Effect.catchCause((cause) => {
        const message = Cause.pretty(cause)
        handle.log("Error", "request failed unexpectedly", { method: request.method, url: request.url.slice(0, 200), cause: message })
        return Effect.succeed(json(500, { error: `internal error: ${message.split("\n")[0]}` }, errorHeaders(handle)))
      }),
      Effect.map((response) => (handle.draining ? HttpServerResponse.setHeader(response, "connection", "close") : response)),
      Effect.ensuring(Effect.sync(() => {
        if (counted) handle.requestsActive -= 1
      }))
    )

/** The routes of a node: the client API, the status, the local-replica view, the peer endpoint. */
export const routes = (handle: NodeHandle) =>
  HttpRouter.use(Effect.fnUntraced(function*(router) {
    yield* router.add("GET", "/kv/*", guarded(handle, handleGet(handle)))
    yield* router.add("PUT", "/kv/*", guarded(handle, handleWrite(handle, "Put")))
    yield* router.add("DELETE", "/kv/*", guarded(handle, handleWrite(handle, "Delete")))
    yield* router.add("GET", "/local/*", guarded(handle, handleLocal(handle)))
    yield* router.add("POST", "/admin/join", guarded(handle, handleJoin(handle)))
    yield* router.add("POST", "/admin/leave", guarded(handle, handleLeave(handle)))
    yield* router.add("GET", "/status", guarded(handle, () => Effect.succeed(json(200, statusOf(handle), { [HEADER_COORDINATOR]: handle.options.id, [HEADER_NODES]: "" }))))
    // A peer stream lasts as long as the connection: not a request shutdown waits for.
    yield* router.add("GET", PEER_PATH, guarded(handle, handlePeer(handle), false))
    // The router cannot match a path that is not valid percent-encoding; under /kv that is a bad
    // key, which the client should hear about as such. Other unknown paths get a JSON 404.
    yield* router.addGlobalMiddleware((effect) =>
      Effect.catch(effect, (error) => {
        const failure = error as unknown
        if (!isHttpServerError(failure) || failure.reason._tag !== "RouteNotFound") return Effect.fail(error)
        const url = failure.reason.request.url
        if (!/^\/kv(\/|$|\?)/.test(url)) {
          return Effect.succeed(json(404, { error: `no such endpoint: ${failure.reason.request.method} ${url.slice(0, 200)}` }, errorHeaders(handle)))
        }
        const problem = parseKey(url)
        return Effect.succeed(json(400, { error: problem instanceof BadRequest ? problem.message : "use GET, PUT or DELETE on /kv/{key}" }, errorHeaders(handle)))
      }))
  }))
