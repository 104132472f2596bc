// The client HTTP API of a node (README "HTTP API"), on Effect's HTTP router, and the peer
// endpoint the other nodes connect to. Requests are validated (src/net/kv-request.ts: shape,
// sizes, ranges); everything else is the core's decision, taken by feeding it a ClientRequest.
// The hot /kv requests reach src/net/kv-listener.ts first; the router serves the rest.
import { NodeHttpServerRequest } from "@effect/platform-node"
import { ByteSize, Cause, Effect, HashMap } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerResponse, type HttpServerRequest } from "effect/http"
import { isHttpServerError } from "effect/http/HttpServerError"
import { type ClientRequest, configOf, hintsHeld, liveValues, localView, membersOf, type NodeId, nodeIdOf, servingRing, ZONE_DEFAULT } from "../core/index.ts"
import type { LogLevel, NodeDriver, RequestOutcome } from "./driver.ts"
import type { NodeOptions } from "./options.ts"
import type { Timings } from "./timings.ts"
import type { PeerLinks } from "./transport.ts"
import { decodeLine, HEADER_AUTH, HEADER_NONCE, LineSplitter, PEER_PATH, PEER_PROTOCOL } from "./wire.ts"
import type { PeerAdmission } from "./admission.ts"
import type { RingStatusView } from "./ring-status.ts"
import { handleJoin, handleLeave } from "./admin.ts"
import { signAnswer } from "./secret.ts"
import { replyContextOf } from "./kv-listener.ts"
import { badRequestResponse, HEADER_COORDINATOR, HEADER_NODES, type KvResponse, noReplyResponse, replyResponse, shuttingDownResponse } from "./kv-reply.ts"
import { BadRequest, BODY_BYTES_MAX, bodyTooLarge, type KvRequest, parseGet, parseKey, parseWriteBody, parseWriteTarget } from "./kv-request.ts"
import type { Socket as NetSocket } from "node:net"
import { Buffer } from "node:buffer"
import { performance } from "node:perf_hooks"
import process from "node:process"

/** Undecodable peer lines logged per connection before the rest are only counted. */
const INVALID_LINES_LOGGED_MAX = 10

export { BODY_BYTES_MAX, KEY_BYTES_MAX, parseKey, parseQuorum, VALUE_BYTES_MAX } from "./kv-request.ts"
export { HEADER_COORDINATOR, HEADER_NODES, HEADER_OUTCOME } from "./kv-reply.ts"

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
  /** How the node commits and why (src/net/sqlite.ts chooseWriter), "memory" without a disk; GET /status. */
  readonly writer: string
}

const json = (status: number, body: unknown, headers: Record<string, string>) =>
  HttpServerResponse.jsonUnsafe(body, { status, headers })

const toResponse = (answer: KvResponse) => json(answer.status, answer.body, answer.headers)

const errorHeaders = (handle: NodeHandle): Record<string, string> => ({ [HEADER_NODES]: "", [HEADER_COORDINATOR]: handle.options.id })

const readBody = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<string | BadRequest> => {
  const length = Number(request.headers["content-length"] ?? 0)
  if (length > BODY_BYTES_MAX) return Effect.succeed(bodyTooLarge(length))
  return request.text.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(BODY_BYTES_MAX)),
    Effect.catch((error) => Effect.succeed(new BadRequest(`cannot read the request body: ${error.message}`)))
  )
}

/**
 * Feeds the request to the core and waits for its reply. The wait is bounded by the driver
 * (REPLY_WAIT_TIMEOUTS_MAX in src/net/driver.ts): one timer for all requests instead of a
 * sleeping fiber per request.
 */
const coordinate = (handle: NodeHandle, parsed: KvRequest) => {
  const request: ClientRequest = { ...parsed, id: handle.driver.nextRequestId() }
  return Effect.callback<RequestOutcome | undefined>((resume) => {
    handle.driver.submit(request, (outcome) => resume(Effect.succeed(outcome)))
    // Interrupted (the client went away): the reply, when it comes, is dropped.
    return Effect.sync(() => handle.driver.abandon(request.id))
  }).pipe(
    Effect.map((outcome) =>
      toResponse(outcome !== undefined ? replyResponse(replyContextOf(handle), outcome, request._tag) : noReplyResponse(replyContextOf(handle), request._tag)))
  )
}

const refuse = (handle: NodeHandle, problem: BadRequest) => Effect.succeed(toResponse(badRequestResponse(replyContextOf(handle), problem.message)))

const shuttingDown = (handle: NodeHandle) => Effect.succeed(toResponse(shuttingDownResponse(replyContextOf(handle))))

// ---- handlers ---------------------------------------------------------------------------
// /kv requests are served by src/net/kv-listener.ts before they reach the router; these routes
// serve the ones it leaves to Effect (a request with `Expect: 100-continue`).

const handleGet = (handle: NodeHandle) => (request: HttpServerRequest.HttpServerRequest) => {
  if (handle.draining) return shuttingDown(handle)
  const parsing = performance.now()
  const parsed = parseGet(request.url, handle.options.config.n)
  if (parsed instanceof BadRequest) return refuse(handle, parsed)
  handle.timings.record("client parse", parsing)
  return coordinate(handle, parsed)
}

const handleWrite = (handle: NodeHandle, kind: "Put" | "Delete") => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    if (handle.draining) return yield* shuttingDown(handle)
    const target = parseWriteTarget(request.url, handle.options.config.n)
    if (target instanceof BadRequest) return yield* refuse(handle, target)
    const text = yield* readBody(request)
    if (text instanceof BadRequest) return yield* refuse(handle, text)
    // Timed from here: reading the body waits for the network.
    const parsing = performance.now()
    const parsed = parseWriteBody(kind, target, text)
    if (parsed instanceof BadRequest) return yield* refuse(handle, parsed)
    handle.timings.record("client parse", parsing)
    return yield* coordinate(handle, parsed)
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
    ? handle.options.members.map((member) => ({ id: member.id, address: `${member.host}:${member.port}`, zone: member.zone ?? ZONE_DEFAULT, status: "member" as const }))
    : operator.view.filter((entry) => entry.status !== "left").map((entry) => ({ id: entry.id, address: entry.address ?? links.get(entry.id)?.address ?? "", zone: entry.zone ?? ZONE_DEFAULT, status: entry.status }))
  const detector = (id: string) => (id === status.id ? "up" : status.down.includes(id) ? "down" : "up")
  return {
    node: status.id,
    /** The process serving (a harness that started it checks it reached its own process). */
    pid: process.pid,
    /** This node's data center (paper 4.6). */
    zone: handle.options.zone ?? ZONE_DEFAULT,
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
      members: ring.members.map((member) => ({ id: member.id, capacity: member.capacity, zone: member.zone })),
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
    writer: handle.writer,
    commits: status.commits,
    /** Anti-entropy's admission control (AE-2): its target, verdicts, busy verdicts, rounds skipped in a row. */
    background: status.background,
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
      // Acquiring the reader opens the upgraded stream (it answers 101, puts back the bytes that
      // came with the upgrade) and pauses it; the bytes are then read here, from the socket's
      // `readable` events, rather than by a pull per chunk through a fiber: the pulls cost about
      // 2% of a loaded node's CPU (docs/performance.md, nineteenth round), as the outgoing links
      // (src/net/transport.ts) write to theirs directly. The reader's own listeners do nothing
      // while no pull waits. The connection's life (the scope, interruption on close) stays here.
      yield* socket.reader
      if (handle.timings.timelineOn) raw.on("data", () => handle.timings.mark("peer data"))
      return yield* Effect.callback<string>((resume) => {
        let ended = false
        const finish = (reason: string) => {
          if (ended) return
          ended = true
          detach()
          resume(Effect.succeed(reason))
        }
        const onReadable = () => {
          handle.timings.mark("peer chunks")
          for (let chunk: Buffer | string | null = raw.read(); chunk !== null; chunk = raw.read()) {
            const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk
            if (!splitter.push(bytes, onLine)) return finish("a line exceeded the size limit")
          }
        }
        const onEnd = () => finish("the peer ended the stream")
        const onError = (error: Error) => finish(error.message)
        const onClose = () => finish("the connection closed")
        const detach = () => {
          raw.off("readable", onReadable)
          raw.off("end", onEnd)
          raw.off("error", onError)
          raw.off("close", onClose)
        }
        raw.on("readable", onReadable)
        raw.on("end", onEnd)
        raw.on("error", onError)
        raw.on("close", onClose)
        // Bytes buffered before the listener (the upgrade's own, or a fast peer's) are read now.
        onReadable()
        return Effect.sync(detach)
      })
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
