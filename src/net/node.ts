// One Dynamo node in one OS process: open the disk, find the cluster (the --peers list, or the
// seeds: src/net/seeds.ts), recover the core, connect to the peers, serve the client API and the
// peer endpoint, join on its own behalf (section 4.8) unless on standby, and shut down gracefully
// on SIGINT/SIGTERM (stop accepting, let in-flight requests finish, make every record durable,
// close the disk); a node leaving the cluster first waits until stopping it loses nothing.
import { NodeHttpServer } from "@effect/platform-node"
import { Clock, Console, Effect, Layer, Schema } from "effect"
import { HttpRouter } from "effect/http"
import { createServer, type Server } from "node:http"
import type { Socket as NetSocket } from "node:net"
import { buildRing, entryOf, type MembershipView, membersOf, servingRing, zoneOf } from "../core/index.ts"
import { traceConfigOf } from "../trace/format.ts"
import { delayedLinks } from "./zone-delay.ts"
import { routes, type NodeHandle } from "./api.ts"
import { kvFirst } from "./kv-listener.ts"
import { NodeDriver, type LogLevel } from "./driver.ts"
import { Journal } from "./journal.ts"
import { clusterFingerprint, MEMORY_DATA, ringMembersOf, type NodeOptions } from "./options.ts"
import { openSqliteStorage } from "./sqlite.ts"
import { layerMemory, layerOf, Storage, StorageError } from "./storage.ts"
import { Timings } from "./timings.ts"
import { ForegroundLatency } from "./foreground.ts"
import { makeClockTimers } from "./timer-queue.ts"
import { PeerLinks, type LinkEvent } from "./transport.ts"
import { CLUSTER_NAME_NONE, PeerAdmission } from "./admission.ts"
import { leaveStatusOf, RingStatusView } from "./ring-status.ts"
import { discover, isSelf } from "./seeds.ts"
import process from "node:process"

/** How long a shutdown waits for in-flight client requests, beyond two request timeouts. */
export const SHUTDOWN_GRACE_MS = 500
/** At shutdown, requests already on their way get this long to arrive (and idle clients to go). */
export const SHUTDOWN_ARRIVAL_MS = 100
/** Idle keep-alive connections are closed after this long (clients reconnect cheaply). */
export const KEEP_ALIVE_TIMEOUT_MS = 30_000
/** A leaving node asked to stop says why it waits this often. */
const LEAVE_WAIT_LOG_INTERVAL_MS = 5_000
/** How often a node checks whether its leave is complete (to tell its operator once). */
const LEAVE_CHECK_INTERVAL_MS = 500

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
    const self = { host: options.host, port: options.port }
    const clusterName = options.secret?.cluster ?? CLUSTER_NAME_NONE
    let learned: MembershipView | undefined
    let config = options.config
    if (options.mode._tag === "Seeds") {
      const seeds = options.mode.seeds
      const found = yield* discover({
        seeds, self, cluster: clusterName, hasView: storage.load().membership.length > 0, waitMs: options.mode.waitMs,
        onWaiting: (problems) => log("Info", "waiting for a seed to answer", { problems })
      }).pipe(Effect.mapError((message) => new NodeStartError({ message })))
      switch (found._tag) {
        case "Found":
          log("Info", "no other seed answered and this node is the first seed: it founds a new cluster", { cluster: clusterName })
          break
        case "OwnView":
          log("Warning", "no seed answered; starting from the membership view on disk", { problems: found.problems })
          break
        case "Learned":
          learned = found.from.view
          if (options.nGiven && found.from.n !== options.config.n) {
            return yield* new NodeStartError({ message: `--n ${options.config.n}, but the cluster ${found.from.seed} describes has N=${found.from.n}` })
          }
          config = { ...config, n: found.from.n }
          log("Info", "learnt the cluster from a seed", { seed: found.from.seed, members: found.from.view.map((e) => `${e.id}:${e.status}`).join(",") })
          break
      }
      const seedIds = (learned ?? storage.load().membership)
        .filter((entry) => entry.address !== undefined && seeds.some((seed) => isSelf(seed, addressOf(entry.address!))))
        .map((entry) => entry.id)
      config = { ...config, seeds: seeds.some((seed) => isSelf(seed, self)) ? [...new Set([...seedIds, options.id])].sort() : seedIds }
    }
    const ring = options.mode._tag === "Fixed"
      ? buildRing(ringMembersOf(options.members), options.ring)
      : buildRing([options.zone === undefined ? { id: options.id } : { id: options.id, zone: options.zone }], options.ring)
    const journal = options.record === undefined ? undefined : yield* Effect.try({
      try: () => Journal.open(options.record!, options.id, {
        ...traceConfigOf(options.members.map((m) => m.id), options.ring, options.config),
        // A replay must build the same zoned ring.
        ...(options.members.some((m) => m.zone !== undefined) ? { zones: Object.fromEntries(options.members.flatMap((m) => (m.zone === undefined ? [] : [[m.id, m.zone]]))) } : {})
      }),
      catch: (error) => new NodeStartError({ message: `--record ${options.record}: ${(error as Error).message}` })
    })
    if (journal !== undefined && !journal.continued && !storage.created) {
      log("Warning", "recording starts on a disk that already holds data: a replay starts empty and will not reproduce it", { record: options.record })
    }

    const fingerprint = clusterFingerprint({ ...options, config })
    let ownStatus: string | undefined
    const timings = new Timings()
    const identity = { self: options.id, address: `${options.host}:${options.port}`, clusterName, fingerprint, secret: options.secret }
    // A refused connection or a closed link is the failure detector's evidence (section 4.9):
    // the core hears it at once instead of after a request times out. Bound once the driver exists.
    let peerUnreachable: (peer: string) => void = () => {}
    let driverRef: NodeDriver | undefined
    const onLinkEvent = (event: LinkEvent) => {
      log(...describeLinkEvent(event))
      if (event._tag === "Disconnected" || event._tag === "Refused") peerUnreachable(event.peer)
    }
    const links = yield* Effect.acquireRelease(
      Effect.sync(() => new PeerLinks(identity, options.members, onLinkEvent, Date.now, timings)),
      (links) => Effect.sync(() => links.close())
    )
    const driver = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new NodeDriver(options.id, config, ring, {
          storage,
          // A benchmark's wide-area link, where the kernel has no netem (src/net/zone-delay.ts).
          links: options.zoneDelays === undefined || options.zoneDelays.size === 0
            ? links
            : delayedLinks(links, options.zoneDelays, (peer) => (driverRef === undefined ? undefined : zoneOf(servingRing(driverRef.nodeState), peer))),
          journal,
          now: () => clock.currentTimeMillisUnsafe(),
          timers: makeClockTimers(context, clock, (key, error) =>
            log("Error", "a timer's callback failed", { timer: key, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })),
          timings,
          foreground: new ForegroundLatency(options.admissionP99Ms),
          log,
          // Addresses travel in the view: every entry that has one is where its node is reached.
          onMembership: (view) => {
            for (const entry of view) if (entry.address !== undefined) links.setAddress({ id: entry.id, ...addressOf(entry.address) })
            const own = entryOf(view, options.id)?.status
            if (own !== ownStatus) log("Info", "this node's membership changed", { from: ownStatus ?? "absent", to: own ?? "absent" })
            ownStatus = own
          },
          onFatal: (message) => {
            // A persist that cannot be made durable is a crash in the model: stop at once.
            log("Error", "the disk refused a commit; the node stops", { message })
            setTimeout(() => process.exit(1), 50)
          }
        }, clock.currentTimeMillisUnsafe(), learned)
      ),
      (driver) => Effect.promise(() => driver.stop())
    )
    peerUnreachable = (peer) => driver.peerUnreachable(peer)
    driverRef = driver
    yield* Effect.promise(() => driver.whenReady())
    const recovered = driver.status()
    log("Info", "recovered from disk", { location: storage.location, writer: storage.writer ?? "memory", created: storage.created, keys: recovered.keys, hints: recovered.hints })

    const handle: NodeHandle = {
      options: { ...options, config },
      driver,
      links,
      timings,
      fingerprint,
      admission: new PeerAdmission({ ...options, config }, fingerprint),
      ringStatus: new RingStatusView(),
      incomingPeers: new Set<NetSocket>(),
      log,
      draining: false,
      requestsActive: 0,
      peerMessagesInvalid: 0,
      writer: storage.writer ?? "memory"
    }
    const server = createServer({ keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS })
    const clientSockets = new Set<NetSocket>()
    server.on("connection", (socket: NetSocket) => {
      clientSockets.add(socket)
      socket.once("close", () => clientSockets.delete(socket))
    })
    yield* Layer.build(
      HttpRouter.serve(routes(handle), { disableLogger: true, disableListenLog: true }).pipe(
        // /kv requests are answered by src/net/kv-listener.ts before Effect's handler sees them.
        Layer.provide(NodeHttpServer.layer(() => kvFirst(server, handle), { port: options.port, host: options.listen, gracefulShutdownTimeout: "1 second" }))
      )
    ).pipe(
      Effect.mapError((error) => new NodeStartError({ message: `cannot serve on ${options.listen}:${options.port}: ${describeServeError(error)}` }))
    )
    // Acquired last, released first: stop taking requests before the server and core go away;
    // a leaving node first waits until stopping it loses nothing.
    const forced = countSignals()
    yield* Effect.addFinalizer(() => holdWhileLeaving(handle, forced).pipe(Effect.andThen(drain(handle, server, clientSockets))))
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : options.port
    log("Info", "serving", {
      address: `http://${options.listen}:${port}`, advertised: identity.address, cluster: clusterName,
      members: membersOf(driver.nodeState).map((e) => e.id).join(","), n: config.n, r: config.r, w: config.w,
      ...(options.secret === undefined && options.mode._tag === "Seeds" ? { warning: "no --secret-file: any process that reaches this port can join the cluster" } : {})
    })
    joinOnOwnBehalf(handle, identity.address)
    yield* onReady(`ready ${options.id} http://${options.host}:${port}`)
    yield* Effect.forkScoped(watchLeave(handle))
    return yield* Effect.never
  })

const describeServeError = (error: unknown): string => {
  const cause = (error as { cause?: unknown }).cause
  if (cause instanceof Error) return cause.message
  return error instanceof Error ? error.message : String(error)
}

const addressOf = (address: string): { readonly host: string; readonly port: number } => {
  const colon = address.lastIndexOf(":")
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) }
}

/**
 * With seeds, a node joins on its own behalf (the explicit join of section 4.8, issued by the
 * node itself): a new node asks to join, a member restarted at another address announces it (a
 * join of a member only updates its address). A standby node waits for `dynamo admin join`; a
 * node that left does not come back by itself.
 */
const joinOnOwnBehalf = (handle: NodeHandle, address: string): void => {
  const { options, driver } = handle
  if (options.mode._tag !== "Seeds") return
  const entry = entryOf(membersOf(driver.nodeState), options.id)
  if (entry?.status === "left") {
    handle.log("Warning", "this node left the cluster; it serves only until its hints are delivered (dynamo admin join to join again)")
    return
  }
  if (entry === undefined && options.mode.standby) {
    handle.log("Info", "standby: waiting for an operator's join (dynamo admin join ID)")
    return
  }
  if (entry === undefined) handle.log("Info", "asking to join the cluster", { address })
  driver.admin(options.zone === undefined ? { _tag: "Join", node: options.id, address } : { _tag: "Join", node: options.id, address, zone: options.zone })
}

/** Counts SIGINT/SIGTERM: the first stops the node (Effect's runtime); a second forces it. */
const countSignals = (): (() => boolean) => {
  let signals = 0
  const count = () => {
    signals += 1
  }
  process.on("SIGINT", count)
  process.on("SIGTERM", count)
  return () => signals >= 2
}

/** A stop requested while leaving waits until the leave is complete, unless forced. */
const holdWhileLeaving = (handle: NodeHandle, forced: () => boolean) =>
  Effect.gen(function*() {
    let loggedAt = 0
    for (;;) {
      const leave = leaveStatusOf(handle.driver.nodeState)
      if (leave.safeToStop) return
      if (forced()) {
        handle.log("Warning", "forced to stop before the leave completed: the cluster may miss writes only this node holds", { ...leave })
        return
      }
      if (Date.now() - loggedAt >= LEAVE_WAIT_LOG_INTERVAL_MS) {
        loggedAt = Date.now()
        handle.log("Warning", "refusing to stop: this node is leaving and still holds hand-overs or hints others need; it stops once done (send the signal again to force)", { ...leave })
      }
      yield* Effect.sleep(`${LEAVE_CHECK_INTERVAL_MS} millis`)
    }
  })

/** Tells the operator once when a leaving node has finished: it may be stopped. */
const watchLeave = (handle: NodeHandle) =>
  Effect.gen(function*() {
    let told = false
    for (;;) {
      const leave = leaveStatusOf(handle.driver.nodeState)
      if (leave.status === "left" && leave.safeToStop && !told) {
        told = true
        handle.log("Info", "left the cluster: no hints or hand-overs left; this node may be stopped now")
      }
      if (leave.status !== "left") told = false
      yield* Effect.sleep(`${LEAVE_CHECK_INTERVAL_MS} millis`)
    }
  })

