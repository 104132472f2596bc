// One Dynamo node in one OS process: open the disk, recover the core from it, connect to the
// peers, serve the client API and the peer endpoint, and shut down gracefully on SIGINT/SIGTERM
// (stop accepting, let in-flight requests finish, make every record durable, close the disk).
import { NodeHttpServer } from "@effect/platform-node"
import { Clock, Console, Effect, Layer, Schema } from "effect"
import { HttpRouter } from "effect/http"
import { createServer, type Server } from "node:http"
import type { Socket as NetSocket } from "node:net"
import { buildRing } from "../core/ring.ts"
import { traceConfigOf } from "../sim/trace.ts"
import { routes, type NodeHandle } from "./api.ts"
import { NodeDriver, type LogLevel } from "./driver.ts"
import { Journal } from "./journal.ts"
import { clusterFingerprint, MEMORY_DATA, type NodeOptions } from "./options.ts"
import { openSqliteStorage } from "./sqlite.ts"
import { layerMemory, layerOf, Storage, StorageError } from "./storage.ts"
import { Timings } from "./timings.ts"
import { makeClockTimers } from "./timer-queue.ts"
import { PeerLinks, type LinkEvent } from "./transport.ts"

/** How long a shutdown waits for in-flight client requests, beyond two request timeouts. */
export const SHUTDOWN_GRACE_MS = 500
/** At shutdown, requests already on their way get this long to arrive (and idle clients to go). */
export const SHUTDOWN_ARRIVAL_MS = 100
/** Idle keep-alive connections are closed after this long (clients reconnect cheaply). */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000

/** The node could not start: the message names the cause (a flag, the disk, the port). */
export class NodeStartError extends Schema.TaggedError<NodeStartError>()("NodeStartError", {
  message: Schema.String
}) {}

const logAt = (level: LogLevel, message: string) => {
  switch (level) {
    case "Debug":
      return Effect.logDebug(message)
    case "Info":
      return Effect.logInfo(message)
    case "Warning":
      return Effect.logWarning(message)
    case "Error":
      return Effect.logError(message)
  }
}

/** The node's disk: SQLite in --data, or memory with --data :memory:. Closed when the scope ends. */
export const storageLayer = (options: NodeOptions): Layer.Layer<Storage, StorageError> =>
  options.data === MEMORY_DATA ? layerMemory(options.id) : layerOf(() => openSqliteStorage(options.data, options.id, options.sync, options.writer))

const describeLinkEvent = (event: LinkEvent): [LogLevel, string, Record<string, unknown>] => {
  switch (event._tag) {
    case "Connected":
      return ["Info", "connected to peer", { peer: event.peer }]
    case "Disconnected":
      return [event.wasOpen ? "Warning" : "Debug", event.wasOpen ? "lost connection to peer" : "peer unreachable", { peer: event.peer, reason: event.reason, dropped: event.dropped }]
    case "Refused":
      return ["Error", "peer refused the connection", { peer: event.peer, reason: event.reason }]
    case "Dropping":
      return ["Warning", "dropping messages to peer", { peer: event.peer, reason: event.reason }]
  }
}

/**
 * Refuse new client requests (503, connection: close), let the ones received finish (bounded by
 * two request timeouts), then stop listening and close every connection. The listener stays
 * open meanwhile: a peer whose acknowledgement an in-flight request waits for may need to
 * (re)connect to deliver it.
 */
const drain = (handle: NodeHandle, server: Server, clientSockets: ReadonlySet<NetSocket>) =>
  Effect.gen(function*() {
    handle.draining = true
    handle.log("Info", "shutting down: refusing new requests, finishing the ones received", { active: handle.requestsActive })
    const started = Date.now()
    const deadline = started + handle.options.config.requestTimeoutMs * 2 + SHUTDOWN_GRACE_MS
    // Requests already on the wire reach a handler (and are answered 503) or finish here.
    yield* Effect.sleep(`${SHUTDOWN_ARRIVAL_MS} millis`)
    while (handle.requestsActive > 0 && Date.now() < deadline) yield* Effect.sleep("10 millis")
    if (server.listening) server.close()
    server.closeIdleConnections()
    const clientsDeadline = Date.now() + SHUTDOWN_ARRIVAL_MS
    while ([...clientSockets].some((socket) => !handle.incomingPeers.has(socket)) && Date.now() < clientsDeadline) {
      yield* Effect.sleep("10 millis")
      server.closeIdleConnections()
    }
    for (const socket of handle.incomingPeers) socket.destroy()
    server.closeAllConnections()
    handle.log("Info", "stopped serving", { waitedMs: Date.now() - started, abandoned: handle.requestsActive })
  })

/**
 * Runs a node on the Storage it is given until interrupted. `onReady` receives the line
 * `ready ID http://HOST:PORT` once the node serves (the port is the bound one with --port 0).
 */
export const runNode = (options: NodeOptions, onReady: (line: string) => Effect.Effect<void> = Console.log) =>
  Effect.gen(function*() {
    const context = yield* Effect.context<never>()
    const clock = yield* Clock.Clock
    const log = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
      Effect.runForkWith(context)(logAt(level, message).pipe(Effect.annotateLogs({ node: options.id, ...fields })))
    }

    const storage = yield* Storage
    const ring = buildRing(options.members.map((member) => ({ id: member.id })), options.ring)
    const journal = options.record === undefined ? undefined : yield* Effect.try({
      try: () => Journal.open(options.record!, options.id, traceConfigOf(options.members.map((m) => m.id), options.ring, options.config)),
      catch: (error) => new NodeStartError({ message: `--record ${options.record}: ${(error as Error).message}` })
    })
    if (journal !== undefined && !journal.continued && !storage.created) {
      log("Warning", "recording starts on a disk that already holds data: a replay starts empty and will not reproduce it", { record: options.record })
    }

    const fingerprint = clusterFingerprint(options)
    const timings = new Timings()
    // A refused connection or a closed link is the failure detector's evidence (section 4.9):
    // the core hears it at once instead of after a request times out. Bound once the driver exists.
    let peerUnreachable: (peer: string) => void = () => {}
    const onLinkEvent = (event: LinkEvent) => {
      log(...describeLinkEvent(event))
      if (event._tag === "Disconnected" || event._tag === "Refused") peerUnreachable(event.peer)
    }
    const links = yield* Effect.acquireRelease(
      Effect.sync(() => new PeerLinks(options.id, options.members, fingerprint, onLinkEvent, Date.now, timings)),
      (links) => Effect.sync(() => links.close())
    )
    const driver = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new NodeDriver(options.id, options.config, ring, {
          storage,
          links,
          journal,
          now: () => clock.currentTimeMillisUnsafe(),
          timers: makeClockTimers(context, clock, (key, error) =>
            log("Error", "a timer's callback failed", { timer: key, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })),
          timings,
          log,
          onFatal: (message) => {
            // A persist that cannot be made durable is a crash in the model: stop at once.
            log("Error", "the disk refused a commit; the node stops", { message })
            setTimeout(() => process.exit(1), 50)
          }
        }, clock.currentTimeMillisUnsafe())
      ),
      (driver) => Effect.promise(() => driver.stop())
    )
    peerUnreachable = (peer) => driver.peerUnreachable(peer)
    yield* Effect.promise(() => driver.whenReady())
    const recovered = driver.status()
    log("Info", "recovered from disk", { location: storage.location, created: storage.created, keys: recovered.keys, hints: recovered.hints })

    const handle: NodeHandle = {
      options,
      driver,
      links,
      timings,
      fingerprint,
      incomingPeers: new Set<NetSocket>(),
      log,
      draining: false,
      requestsActive: 0,
      peerMessagesInvalid: 0
    }
    const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS })
    const clientSockets = new Set<NetSocket>()
    server.on("connection", (socket: NetSocket) => {
      clientSockets.add(socket)
      socket.once("close", () => clientSockets.delete(socket))
    })
    yield* Layer.build(
      HttpRouter.serve(routes(handle), { disableLogger: true, disableListenLog: true }).pipe(
        Layer.provide(NodeHttpServer.layer(() => server, { port: options.port, host: options.host, gracefulShutdownTimeout: "1 second" }))
      )
    ).pipe(
      Effect.mapError((error) => new NodeStartError({ message: `cannot serve on ${options.host}:${options.port}: ${describeServeError(error)}` }))
    )
    // Acquired last, released first: stop taking requests before the server and core go away.
    yield* Effect.addFinalizer(() => drain(handle, server, clientSockets))
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : options.port
    log("Info", "serving", { address: `http://${options.host}:${port}`, members: options.members.map((m) => m.id).join(","), n: options.config.n, r: options.config.r, w: options.config.w })
    yield* onReady(`ready ${options.id} http://${options.host}:${port}`)
    return yield* Effect.never
  })

const describeServeError = (error: unknown): string => {
  const cause = (error as { cause?: unknown }).cause
  if (cause instanceof Error) return cause.message
  return error instanceof Error ? error.message : String(error)
}
