// `dynamo node --seeds HOST:PORT,...`: learn the cluster from a running member instead of being
// told every member with --peers. Membership is fixed (README "Network shell"): the seeds' view of
// the members, their addresses and N is the cluster this node must be part of, so a node whose
// id is not among them is refused with the list it was compared against.
import { Duration, Effect, Result, Schema } from "effect"
import { FetchHttpClient } from "effect/http"
import { getStatus } from "./client.ts"
import { MEMBERS_MAX, NODE_ID_PATTERN, type PeerAddress } from "./options.ts"

/** How long one seed may take to answer before the next is asked. */
export const SEED_TIMEOUT_MS = 3_000

/** What a node needs of a seed's `GET /status`: the members with their addresses, and N. */
const SeedStatusSchema = Schema.Struct({
  node: Schema.String,
  members: Schema.Array(Schema.Struct({ id: Schema.String, address: Schema.String })),
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
  readonly members: ReadonlyArray<PeerAddress>
  readonly n: number
  /** The seed's clock mode; undefined from a node that does not say. */
  readonly clock: "dvv" | "vv" | "lww" | undefined
}

/** Parses `127.0.0.1:7001,127.0.0.1:7002`; returns the problem as a string. */
export const parseSeeds = (text: string): ReadonlyArray<SeedAddress> | string => {
  const parts = text.split(",").map((part) => part.trim()).filter((part) => part !== "")
  if (parts.length === 0) return "no seed given (HOST:PORT, comma-separated)"
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

/** A seed's status body as a view of the cluster, or the problem. */
export const seedViewOf = (seed: string, body: unknown): SeedView | string => {
  const decoded = decodeSeedStatus(body)
  if (Result.isFailure(decoded)) return `${seed} did not answer with a node status (${decoded.failure.message.replace(/\s+/g, " ").slice(0, 200)})`
  const members: Array<PeerAddress> = []
  for (const member of decoded.success.members) {
    const match = /^(.+):(\d{1,5})$/.exec(member.address)
    if (!NODE_ID_PATTERN.test(member.id) || match === null) return `${seed} lists a member that is not ID at HOST:PORT: ${JSON.stringify(member)}`
    members.push({ id: member.id, host: match[1]!, port: Number(match[2]) })
  }
  if (members.length === 0 || members.length > MEMBERS_MAX) return `${seed} lists ${members.length} members`
  return { seed, members: members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), n: decoded.success.n, clock: decoded.success.clock }
}

/**
 * Asks the seeds in order for `GET /status` and returns the first view one gives, or every
 * seed's problem in one message.
 */
export const askSeeds = (seeds: ReadonlyArray<SeedAddress>): Effect.Effect<SeedView, string> =>
  Effect.gen(function*() {
    const problems: Array<string> = []
    for (const { host, port } of seeds) {
      const base = `http://${host}:${port}`
      const reply = yield* getStatus(base).pipe(
        Effect.timeoutOption(Duration.millis(SEED_TIMEOUT_MS)),
        Effect.result
      )
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
      const view = seedViewOf(base, answer.body)
      if (typeof view === "string") {
        problems.push(view)
        continue
      }
      return view
    }
    return yield* Effect.fail(`no seed described the cluster: ${problems.join("; ")}`)
  }).pipe(Effect.provide(FetchHttpClient.layer))
