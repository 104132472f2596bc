// The client as an Effect service over Effect's HttpClient: get, put and delete with contexts,
// a resolver that turns siblings into one write (the paper's "business logic specific
// reconciliation", 4.4), retries that never write twice unless told it is safe, and routing by
// client-driven coordination (section 6.4, src/client/routing.ts) or through any node.
import { Clock, Context, Effect, Layer, Result } from "effect"
import type { HttpClient } from "effect/http"
import { zoneNameProblem } from "../core/ring.ts"
import { ClusterUnknown, errorOfTransport, nothingWritten, type DynamoError, type Operation } from "./errors.ts"
import { deletedOf, readOf, writtenOf, type Deleted, type RawReply, type Read, type Written } from "./replies.ts"
import { entryTargets, replicaTargets, viewOfStatus, type ClusterView, type Target } from "./routing.ts"
import { Transport, type Method } from "./transport.ts"

/** The paper's clients poll a random node for the membership every 10 s (section 6.4). */
export const RING_REFRESH_INTERVAL_MS = 10_000
/** A routing error (a node unreachable, a request forwarded) refreshes the ring at most this often. */
export const RING_REFRESH_SPACING_MS_MIN = 1_000
/** Nodes asked for the ring in one refresh before giving up. */
export const STATUS_SOURCES_MAX = 8
/** One attempt's deadline: above the node's own bound (a forwarded request fails after 2 s). */
export const ATTEMPT_TIMEOUT_MS_DEFAULT = 5_000
/** Nodes tried for one request: a get and a put refused before any write move on to the next. */
export const ATTEMPTS_MAX_DEFAULT = 3
/** A node this client could not reach goes last in every list for this long. */
export const SUSPECT_MS = 10_000

/**
 * "client": each request goes to a node of its key's preference list, learnt from the ring (one
 * network hop fewer). "server": to one of the nodes given (or a load balancer in front of them),
 * which forwards it to a replica when it is not one.
 */
export type Coordination = "client" | "server"

export interface ClientOptions {
  /** Base URLs (`http://127.0.0.1:7001`): client-driven, where the ring is learnt; server-driven, where requests go. */
  readonly nodes: ReadonlyArray<string>
  /** Default "client". */
  readonly coordination?: Coordination | undefined
  readonly attemptTimeoutMs?: number | undefined
  readonly attemptsMax?: number | undefined
  readonly refreshIntervalMs?: number | undefined
  /**
   * The client's own zone (data center). Client-driven, a key's replicas in this zone are asked
   * first, so the coordinator is near; unset, every replica is equally near.
   */
  readonly zone?: string | undefined
  /** Picks the first replica to ask (load spreading); Math.random by default. */
  readonly random?: (() => number) | undefined
}

/** Siblings in, one value out: the application's merge (a union of carts, an OR-set, the latest by a field...). */
export type Resolver = (siblings: ReadonlyArray<string>) => string

export interface GetOptions {
  /** Read quorum for this request, 1..N. */
  readonly r?: number | undefined
}

export interface WriteOptions {
  /** Write quorum for this request, 1..N. */
  readonly w?: number | undefined
  /**
   * Retry on another node when the outcome is unknown (a 503 after the write started, a broken
   * connection, a timeout). Off by default: the first attempt may have been written, and the
   * retry carries the same context, which does not cover the first attempt's version, so the two
   * become siblings of each other: the same value twice, or, if the value was computed from what
   * was read, a stale copy beside a newer one. Say it is safe when your resolver merges such a
   * duplicate away (a union or an OR-set of adds does). Requests refused before any write are
   * always retried.
   */
  readonly safeToRetry?: boolean | undefined
}

export interface PutOptions extends WriteOptions {
  /** The context of the read this write supersedes; none for a blind write. */
  readonly context?: string | undefined
}

export interface DeleteOptions extends WriteOptions {
  /** The context of the read this delete supersedes: the tombstone covers exactly what it saw. */
  readonly context: string
}

export interface UpdateOptions extends WriteOptions, GetOptions {
  readonly resolver: Resolver
}

export interface DynamoClientShape {
  readonly coordination: Coordination
  /** The live values (siblings when several) and the context; not found is a Read with no values. */
  readonly get: (key: string, options?: GetOptions) => Effect.Effect<Read, DynamoError>
  readonly put: (key: string, value: string, options?: PutOptions) => Effect.Effect<Written, DynamoError>
  readonly delete: (key: string, options: DeleteOptions) => Effect.Effect<Deleted, DynamoError>
  /** A get whose siblings, if any, are merged by `resolver` and written back with their context. */
  readonly resolve: (key: string, resolver: Resolver, options?: WriteOptions & GetOptions) => Effect.Effect<Read, DynamoError>
  /**
   * Read, merge siblings with `options.resolver`, apply `modify` (undefined when not found), and
   * write the result with the read's context.
   */
  readonly update: (key: string, modify: (current: string | undefined) => string, options: UpdateOptions) => Effect.Effect<Written, DynamoError>
  /** A node's `GET /status` body (the first given node that answers): an operator's view. */
  readonly status: (url?: string) => Effect.Effect<{ readonly url: string; readonly body: unknown }, DynamoError>
  /** Re-reads the ring now (client-driven); the periodic and routing-error refreshes call it. */
  readonly refresh: Effect.Effect<ClusterView, ClusterUnknown>
  /** The ring as last learnt (undefined when server-driven). */
  readonly view: () => ClusterView | undefined
}

export class DynamoClient extends Context.Service<DynamoClient, DynamoClientShape>()("dynamo/client/DynamoClient") {
  /** The client over the Transport in context. Client-driven, it fails unless some node gives the ring. */
  static readonly layer = (options: ClientOptions): Layer.Layer<DynamoClient, ClusterUnknown, Transport> =>
    Layer.effect(DynamoClient, make(options))

  /** The client on undici's keep-alive pools: the default on Node (src/client/transport.ts says why). */
  static readonly layerNode = (options: ClientOptions): Layer.Layer<DynamoClient, ClusterUnknown> =>
    DynamoClient.layer(options).pipe(Layer.provide(Transport.layerUndici))

  /** The client on Effect's HttpClient in context (FetchHttpClient, NodeHttpClient, with middleware). */
  static readonly layerHttpClient = (options: ClientOptions): Layer.Layer<DynamoClient, ClusterUnknown, HttpClient.HttpClient> =>
    DynamoClient.layer(options).pipe(Layer.provide(Transport.layerHttpClient))
}

const trimmed = (url: string) => url.replace(/\/+$/, "")

const keyPath = (key: string) => `/kv/${encodeURIComponent(key)}`
const withQuorum = (path: string, name: "r" | "w", value: number | undefined) => (value === undefined ? path : `${path}?${name}=${value}`)

const URL_PATTERN = /^https?:\/\/[^/\s]+\/?$/

/** What is wrong with the options, if anything. */
const optionsProblem = (options: ClientOptions): string | undefined => {
  const bad = options.nodes.find((url) => !URL_PATTERN.test(url))
  if (bad !== undefined) return `nodes must be base URLs like http://127.0.0.1:7001, got ${JSON.stringify(bad)}`
  if (options.attemptsMax !== undefined && !(Number.isInteger(options.attemptsMax) && options.attemptsMax >= 1)) return `attemptsMax must be a whole number of at least 1, got ${options.attemptsMax}`
  if (options.attemptTimeoutMs !== undefined && !(options.attemptTimeoutMs > 0)) return `attemptTimeoutMs must be positive, got ${options.attemptTimeoutMs}`
  if (options.refreshIntervalMs !== undefined && !(options.refreshIntervalMs > 0)) return `refreshIntervalMs must be positive, got ${options.refreshIntervalMs}`
  const zoneProblem = options.zone === undefined ? undefined : zoneNameProblem(options.zone)
  if (zoneProblem !== undefined) return `zone: ${zoneProblem}`
  return undefined
}

/** Builds the service: the state of the routing (ring, suspects) lives here, one per layer. */
const make = (options: ClientOptions) =>
  Effect.gen(function*() {
    if (options.nodes.length === 0) return yield* new ClusterUnknown({ message: "no node given: pass at least one base URL such as http://127.0.0.1:7001" })
    const misuse = optionsProblem(options)
    // Options are the program's, not the cluster's: a wrong one is a bug to fix, so a defect.
    if (misuse !== undefined) return yield* Effect.die(new Error(`dynamo client: ${misuse}`))
    const transport = yield* Transport
    const scope = yield* Effect.scope
    const coordination = options.coordination ?? "client"
    const seeds = options.nodes.map(trimmed)
    const zone = options.zone
    const attemptTimeoutMs = options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS_DEFAULT
    const attemptsMax = options.attemptsMax ?? ATTEMPTS_MAX_DEFAULT
    const random = options.random ?? Math.random
    let view: ClusterView | undefined
    /** When the ring was last asked for (successfully or not): routing-error refreshes are spaced from it. */
    let refreshTriedAtMs = -Infinity
    let refreshing = false
    /** Node (client-driven: id; server-driven: URL) -> until when it goes last. */
    const suspectedUntil = new Map<string, number>()
    const noSuspects: ReadonlySet<string> = new Set()

    const suspects = (nowMs: number): ReadonlySet<string> => {
      if (suspectedUntil.size === 0) return noSuspects
      for (const [node, untilMs] of [...suspectedUntil]) if (untilMs <= nowMs) suspectedUntil.delete(node)
      return new Set(suspectedUntil.keys())
    }

    /** One HTTP exchange with one node, bounded by the attempt deadline; a node that fails to answer becomes a suspect. */
    const send = (target: Target, operation: Operation, method: Method, path: string, body?: string) =>
      transport.send(target.url, method, path, body, attemptTimeoutMs).pipe(
        Effect.mapError((cause) => errorOfTransport(operation, target.node, cause)),
        Effect.tapError(() => Effect.map(Clock.currentTimeMillis, (nowMs) => void suspectedUntil.set(target.node, nowMs + SUSPECT_MS)))
      )

    /** Where to ask for the ring: the known members in a random order (the paper's "random node"), then the nodes given. */
    const statusSources = (): ReadonlyArray<string> => {
      const members = view === undefined ? [] : entryTargets([...view.urls.values()], noSuspects, random, STATUS_SOURCES_MAX).map((target) => target.url)
      return [...new Set([...members, ...seeds])].slice(0, STATUS_SOURCES_MAX)
    }

    const refresh: Effect.Effect<ClusterView, ClusterUnknown> = Effect.gen(function*() {
      refreshTriedAtMs = yield* Clock.currentTimeMillis
      const problems: Array<string> = []
      for (const url of statusSources()) {
        const sent = yield* Effect.result(send({ node: url, url }, "get", "GET", "/status"))
        if (Result.isFailure(sent)) {
          problems.push(`${url}: ${sent.failure.message}`)
          continue
        }
        const learnt = sent.success.status === 200 ? viewOfStatus(url, sent.success.body) : `${url} answered GET /status with ${sent.success.status}`
        if (typeof learnt === "string") {
          problems.push(learnt)
          continue
        }
        view = learnt
        return learnt
      }
      return yield* new ClusterUnknown({ message: `no node answered GET /status with the ring: ${problems.join("; ")}` })
    })

    /** A routing error (an unreachable replica, a request the node forwarded): refresh in the background, at most once a second. */
    const refreshSoon = Effect.gen(function*() {
      if (coordination === "server" || refreshing) return
      const nowMs = yield* Clock.currentTimeMillis
      if (nowMs - refreshTriedAtMs < RING_REFRESH_SPACING_MS_MIN) return
      refreshing = true
      yield* Effect.forkIn(refresh.pipe(Effect.ignore, Effect.ensuring(Effect.sync(() => void (refreshing = false)))), scope)
    })

    const targetsFor = (key: string) =>
      Effect.gen(function*() {
        const nowMs = yield* Clock.currentTimeMillis
        if (coordination === "server") return entryTargets(seeds, suspects(nowMs), random, attemptsMax)
        const known = view ?? (yield* refresh)
        return replicaTargets(known, key, suspects(nowMs), random, attemptsMax, zone)
      })

    /** Tries the key's targets in order until one answers, moving on only where that cannot write twice. */
    const attempt = <A>(
      operation: Operation,
      key: string,
      method: Method,
      path: string,
      body: string | undefined,
      interpret: (node: string, reply: RawReply) => Result.Result<A, DynamoError>,
      safeToRetry: boolean
    ): Effect.Effect<A, DynamoError> =>
      Effect.gen(function*() {
        const targets = yield* targetsFor(key)
        let last: DynamoError | undefined
        for (const target of targets) {
          const sent = yield* Effect.result(send(target, operation, method, path, body))
          if (Result.isSuccess(sent) && coordination === "client" && sent.success.coordinator !== target.node) yield* refreshSoon
          const outcome = Result.isSuccess(sent) ? interpret(target.node, sent.success) : Result.fail(sent.failure)
          if (Result.isSuccess(outcome)) return outcome.success
          last = outcome.failure
          if (last._tag === "Unreachable") yield* refreshSoon
          const retry = nothingWritten(last) || (safeToRetry && last._tag === "OutcomeUnknown")
          if (!retry) break
        }
        return yield* Effect.fail(last ?? new ClusterUnknown({ message: `no node to send ${JSON.stringify(key)} to` }))
      })

    const get = (key: string, options: GetOptions = {}) =>
      attempt("get", key, "GET", withQuorum(keyPath(key), "r", options.r), undefined, (node, reply) => readOf(node, key, reply), true)

    const put = (key: string, value: string, options: PutOptions = {}) =>
      attempt("put", key, "PUT", withQuorum(keyPath(key), "w", options.w),
        JSON.stringify(options.context === undefined ? { value } : { value, context: options.context }),
        (node, reply) => writtenOf(node, key, reply), options.safeToRetry === true)

    const remove = (key: string, options: DeleteOptions) =>
      attempt("delete", key, "DELETE", withQuorum(keyPath(key), "w", options.w), JSON.stringify({ context: options.context }),
        (node, reply) => deletedOf(node, key, reply), options.safeToRetry === true)

    const writeOptions = (options: WriteOptions, context: string): PutOptions => ({ context, w: options.w, safeToRetry: options.safeToRetry })

    const resolve = Effect.fnUntraced(function*(key: string, resolver: Resolver, options: WriteOptions & GetOptions = {}) {
      const read = yield* get(key, { r: options.r })
      if (!read.siblings) return read
      const written = yield* put(key, resolver(read.values), writeOptions(options, read.context))
      return { ...read, values: written.values, siblings: written.values.length > 1, context: written.context, coordinator: written.coordinator, nodes: written.nodes }
    })

    const update = Effect.fnUntraced(function*(key: string, modify: (current: string | undefined) => string, options: UpdateOptions) {
      const read = yield* get(key, { r: options.r })
      const current = read.values.length === 0 ? undefined : read.values.length === 1 ? read.values[0] : options.resolver(read.values)
      return yield* put(key, modify(current), writeOptions(options, read.context))
    })

    const status = Effect.fnUntraced(function*(url?: string) {
      const sources = url === undefined ? seeds : [trimmed(url)]
      let last: DynamoError | undefined
      for (const source of sources) {
        const sent = yield* Effect.result(send({ node: source, url: source }, "get", "GET", "/status"))
        if (Result.isSuccess(sent)) return { url: source, body: sent.success.body }
        last = sent.failure
      }
      return yield* Effect.fail(last!)
    })

    if (coordination === "client") {
      yield* refresh
      const interval = options.refreshIntervalMs ?? RING_REFRESH_INTERVAL_MS
      yield* Effect.forkIn(Effect.forever(Effect.andThen(Effect.sleep(interval), Effect.ignore(refresh))), scope)
    }

    return DynamoClient.of({ coordination, get, put, delete: remove, resolve, update, status, refresh, view: () => view })
  })

/** Runs `effect` with a client for `options` on undici, closed when it ends. */
export const withClient = <A, E, R>(options: ClientOptions, effect: Effect.Effect<A, E, R | DynamoClient>): Effect.Effect<A, E | ClusterUnknown, Exclude<R, DynamoClient>> =>
  Effect.provide(effect, DynamoClient.layerNode(options)) as Effect.Effect<A, E | ClusterUnknown, Exclude<R, DynamoClient>>

