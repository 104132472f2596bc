// `dynamo node --seeds HOST:PORT,...`: how a node finds its cluster (paper 4.8: seeds known to
// all). It asks the other seeds for their membership view (`GET /status`); the first that answers
// gives the members and their addresses, from which the core gossips on. A node that finds no
// other running seed and is the first seed listed founds a cluster of one; the other seeds and
// every non-seed wait for one to answer. A node with a view on disk starts from it when no seed
// answers (a restart needs only its data directory and its seeds).
import { Duration, Effect, Result, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { type MembershipView, MembershipViewSchema } from "../core/index.ts"
import { getStatus } from "./client.ts"

/** How long one seed may take to answer before the next is asked. */
export const SEED_TIMEOUT_MS = 3_000
/** Between two rounds over the seeds while none answers. */
export const SEED_RETRY_MS = 250
/** A node that must learn its cluster gives up after this long (exit 1, naming each seed's problem). */
export const SEED_WAIT_MS_DEFAULT = 60_000
/** Seeds listed at most (a handful is usual: Cassandra advises two or three per data center). */
export const SEEDS_MAX = 64

/** What a node needs of a seed's `GET /status`: its view with addresses, its cluster and N. */
const SeedStatusSchema = Schema.Struct({
  node: Schema.String,
  cluster: Schema.String,
  membership: MembershipViewSchema,
  n: Schema.Number,
  /** Absent from nodes older than the --clock flag (they ran dvv). */
  clock: Schema.optionalKey(Schema.Literals(["dvv", "vv", "lww"]))
})
const decodeSeedStatus = Schema.decodeUnknownResult(SeedStatusSchema)

export interface SeedAddress {
  readonly host: string
  readonly port: number
}

/** The cluster as a seed described it. */
export interface SeedView {
  readonly seed: string
  readonly node: string
  readonly view: MembershipView
  readonly n: number
  /** The seed's clock mode; undefined from a node that does not say. */
  readonly clock: "dvv" | "vv" | "lww" | undefined
}

export type Discovery =
  /** No other seed answered and this node is the first seed listed: a new cluster of one. */
  | { readonly _tag: "Found" }
  | { readonly _tag: "Learned"; readonly from: SeedView }
  /** No seed answered; the node's own view on disk will do. */
  | { readonly _tag: "OwnView"; readonly problems: string }

/** Parses `127.0.0.1:7001,127.0.0.1:7002`; returns the problem as a string. */
export const parseSeeds = (text: string): ReadonlyArray<SeedAddress> | string => {
  const parts = text.split(",").map((part) => part.trim()).filter((part) => part !== "")
  if (parts.length === 0) return "no seed given (HOST:PORT, comma-separated)"
  if (parts.length > SEEDS_MAX) return `at most ${SEEDS_MAX} seeds, got ${parts.length}`
  const seeds: Array<SeedAddress> = []
  for (const part of parts) {
    const match = /^(.+):(\d{1,5})$/.exec(part)
    if (match === null) return `"${part}" is not HOST:PORT`
    const port = Number(match[2])
    if (port < 1 || port > 65535) return `port ${port} of "${part}" is out of range`
    seeds.push({ host: match[1]!, port })
  }
  return seeds
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"])

/** Whether a seed address is this node's own (loopback names are one host). */
export const isSelf = (seed: SeedAddress, self: SeedAddress): boolean =>
  seed.port === self.port && (seed.host === self.host || (LOOPBACK.has(seed.host) && LOOPBACK.has(self.host)))

/** A seed's status body as a view of the cluster, or the problem. */
export const seedViewOf = (seed: string, body: unknown, cluster: string): SeedView | string => {
  const decoded = decodeSeedStatus(body)
  if (Result.isFailure(decoded)) return `${seed} did not answer with a node status (${decoded.failure.message.replace(/\s+/g, " ").slice(0, 200)})`
  if (decoded.success.cluster !== cluster) return `${seed} (${decoded.success.node}) belongs to cluster ${JSON.stringify(decoded.success.cluster)}, not ${JSON.stringify(cluster)}`
  const view = decoded.success.membership
  if (!view.some((entry) => entry.status === "member" || entry.status === "leaving")) return `${seed} (${decoded.success.node}) is not part of a cluster yet`
  return { seed, node: decoded.success.node, view, n: decoded.success.n, clock: decoded.success.clock }
}

/** One round over `seeds`: the first view one gives, or every seed's problem. */
const askOnce = (seeds: ReadonlyArray<SeedAddress>, cluster: string): Effect.Effect<SeedView, string> =>
  Effect.gen(function*() {
    const problems: Array<string> = []
    for (const { host, port } of seeds) {
      const base = `http://${host}:${port}`
      const reply = yield* getStatus(base).pipe(Effect.timeoutOption(Duration.millis(SEED_TIMEOUT_MS)), Effect.result)
      if (Result.isFailure(reply)) {
        problems.push(reply.failure.message)
        continue
      }
      if (reply.success._tag === "None") {
        problems.push(`${base} did not answer within ${SEED_TIMEOUT_MS} ms`)
        continue
      }
      const answer = reply.success.value
      if (answer.status !== 200) {
        problems.push(`${base} answered ${answer.status}`)
        continue
      }
      const view = seedViewOf(base, answer.body, cluster)
      if (typeof view === "string") {
        problems.push(view)
        continue
      }
      return view
    }
    return yield* Effect.fail(problems.join("; "))
  }).pipe(Effect.provide(FetchHttpClient.layer))

export interface DiscoveryOptions {
  readonly seeds: ReadonlyArray<SeedAddress>
  /** This node's advertised address (to find itself among the seeds). */
  readonly self: SeedAddress
  readonly cluster: string
  /** The node has a membership view on disk: it need not wait for a seed. */
  readonly hasView: boolean
  readonly waitMs?: number
  readonly onWaiting?: (problems: string) => void
}

/**
 * Finds the cluster: asks the other seeds until one answers (or, for a node with a view on disk,
 * once). Fails with every seed's problem when none answered within the wait.
 */
export const discover = (options: DiscoveryOptions): Effect.Effect<Discovery, string> =>
  Effect.gen(function*() {
    const others = options.seeds.filter((seed) => !isSelf(seed, options.self))
    const founder = options.seeds.length > 0 && isSelf(options.seeds[0]!, options.self)
    const deadline = Date.now() + (options.waitMs ?? SEED_WAIT_MS_DEFAULT)
    let problems = "no other seed listed"
    for (let round = 0; ; round++) {
      if (others.length > 0) {
        const answer = yield* Effect.result(askOnce(others, options.cluster))
        if (Result.isSuccess(answer)) return { _tag: "Learned", from: answer.success } as const
        problems = answer.failure
      }
      if (options.hasView) return { _tag: "OwnView", problems } as const
      if (founder) return { _tag: "Found" } as const
      if (Date.now() >= deadline) return yield* Effect.fail(`no seed described the cluster within ${options.waitMs ?? SEED_WAIT_MS_DEFAULT} ms: ${problems}`)
      if (round === 0) options.onWaiting?.(problems)
      yield* Effect.sleep(Duration.millis(SEED_RETRY_MS))
    }
  })
