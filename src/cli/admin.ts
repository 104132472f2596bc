// `dynamo admin join|leave ID --node URL [--dry-run]` and `dynamo ring --node URL`: the operator's
// membership commands (section 4.8; Riak's staged plan, then commit) and the ring as every node
// sees it: each member's state, address, share of the ring, hand-overs in progress (ranges and
// keys sent and left) and the hints it holds. Exit 0 once a change is accepted.
import { Console, Effect, Option, Result, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { FetchHttpClient } from "effect/http"
import { getStatus, NODE_URL_DEFAULT, postAdmin } from "../net/client.ts"
import { RequestFailed } from "./client.ts"
import { BadArguments } from "./simulate.ts"

const nodeFlag = Flag.String("node").pipe(Flag.withDescription("the node to send the command to"), Flag.withDefault(NODE_URL_DEFAULT))
const dryRunFlag = Flag.Boolean("dry-run").pipe(Flag.withDefault(false), Flag.withDescription("show the plan (which ranges move where, how many keys, from which node) without applying it"))

const MoveSchema = Schema.Struct({ offer: Schema.String, from: Schema.String, to: Schema.String, keys: Schema.NullOr(Schema.Number) })
const AdminReplySchema = Schema.Struct({
  accepted: Schema.Boolean,
  change: Schema.String,
  message: Schema.optionalKey(Schema.String),
  address: Schema.optionalKey(Schema.String),
  plan: Schema.Array(MoveSchema)
})
const decodeAdminReply = Schema.decodeUnknownResult(AdminReplySchema)

const ViewEntrySchema = Schema.Struct({
  id: Schema.String, status: Schema.String, address: Schema.NullOr(Schema.String),
  share: Schema.Number, targetShare: Schema.Number, state: Schema.String
})
const ProgressSchema = Schema.Struct({ to: Schema.String, ranges: Schema.Number, rangesConfirmed: Schema.Number, keysSent: Schema.Number, keysLeft: Schema.Number })
/** What `dynamo ring` reads of a node's `GET /status`. */
export const RingStatusSchema = Schema.Struct({
  node: Schema.String,
  cluster: Schema.String,
  n: Schema.Number,
  keys: Schema.Number,
  hints: Schema.Number,
  view: Schema.Array(ViewEntrySchema),
  handovers: Schema.Struct({
    outgoing: Schema.Array(ProgressSchema),
    incoming: Schema.NullOr(Schema.Struct({ expected: Schema.Number, received: Schema.Number }))
  }),
  hintsByNode: Schema.Array(Schema.Struct({ node: Schema.String, hints: Schema.Number })),
  leave: Schema.Struct({ status: Schema.NullOr(Schema.String), safeToStop: Schema.Boolean })
})
export type RingStatusBody = typeof RingStatusSchema.Type
const decodeRingStatus = Schema.decodeUnknownResult(RingStatusSchema)

const checkUrl = (node: string) =>
  /^https?:\/\/[^/\s]+\/?$/.test(node) ? Effect.void : Effect.fail(new BadArguments({ message: `--node must be a URL like ${NODE_URL_DEFAULT}, got ${JSON.stringify(node)}` }))

/** A node's status, decoded; undefined (with the problem) when it cannot be had. */
const ringStatusAt = (base: string) =>
  getStatus(base).pipe(
    Effect.timeout("3 seconds"),
    Effect.map((reply) => {
      const decoded = decodeRingStatus(reply.body)
      return Result.isSuccess(decoded) ? decoded.success : `${base} did not answer with a node status (${reply.status})`
    }),
    Effect.catch((error) => Effect.succeed(`${base}: ${(error as { message?: string }).message ?? String(error)}`))
  )

const pad = (text: string, width: number) => text.length >= width ? text : text + " ".repeat(width - text.length)
const percent = (share: number) => `${(share * 100).toFixed(1)}%`

/** The plan as lines: per (from, to), the ranges and keys moving (keys as counted by the sender). */
const planLines = (moves: ReadonlyArray<typeof MoveSchema.Type>): ReadonlyArray<string> => {
  if (moves.length === 0) return ["no range moves"]
  const pairs = new Map<string, { ranges: number; keys: number; counted: boolean }>()
  for (const move of moves) {
    const key = `${move.from} -> ${move.to}`
    const entry = pairs.get(key) ?? { ranges: 0, keys: 0, counted: true }
    entry.ranges += 1
    if (move.keys === null) entry.counted = false
    else entry.keys += move.keys
    pairs.set(key, entry)
  }
  const total = moves.reduce((sum, move) => sum + (move.keys ?? 0), 0)
  if (moves.every((move) => move.keys === null)) {
    return [...[...pairs].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([pair, entry]) => `  ${pad(pair, 16)} ${String(entry.ranges).padStart(5)} ranges`), `  ${moves.length} ranges in all (--dry-run counts their keys)`]
  }
  return [
    ...[...pairs].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([pair, entry]) =>
      `  ${pad(pair, 16)} ${String(entry.ranges).padStart(5)} ranges  ${entry.counted ? String(entry.keys).padStart(8) : "       ?"} keys`),
    `  ${moves.length} ranges, ${total} keys in all (each range from the one node that sends it; ? where that node did not answer)`
  ]
}

/** Asks every sender of the plan for its own key counts (a dry run on each), fills them in. */
const countKeys = (change: "join" | "leave", body: { readonly node: string; readonly capacity?: number; readonly address?: string }, statusBase: RingStatusBody, moves: ReadonlyArray<typeof MoveSchema.Type>) =>
  Effect.gen(function*() {
    const counts = new Map<string, number>()
    for (const move of moves) if (move.keys !== null) counts.set(move.offer, move.keys)
    const senders = [...new Set(moves.filter((m) => m.keys === null).map((m) => m.from))].sort()
    for (const sender of senders) {
      const address = statusBase.view.find((entry) => entry.id === sender)?.address
      if (address === null || address === undefined) continue
      const reply = yield* postAdmin(`http://${address}`, change, { ...body, dryRun: true }).pipe(Effect.timeout("5 seconds"), Effect.option)
      if (Option.isNone(reply)) continue
      const decoded = decodeAdminReply(reply.value.body)
      if (Result.isFailure(decoded)) continue
      for (const move of decoded.success.plan) if (move.from === sender && move.keys !== null) counts.set(move.offer, move.keys)
    }
    return moves.map((move) => ({ ...move, keys: counts.get(move.offer) ?? null }))
  })

const adminChange = (change: "join" | "leave") =>
  Effect.fnUntraced(function*(flags: { readonly id: string; readonly node: string; readonly dryRun: boolean; readonly capacity?: Option.Option<number>; readonly address?: Option.Option<string>; readonly zone?: Option.Option<string> }) {
    yield* checkUrl(flags.node)
    const body = {
      node: flags.id,
      ...(flags.capacity !== undefined && Option.isSome(flags.capacity) ? { capacity: flags.capacity.value } : {}),
      ...(flags.address !== undefined && Option.isSome(flags.address) ? { address: flags.address.value } : {}),
      ...(flags.zone !== undefined && Option.isSome(flags.zone) ? { zone: flags.zone.value } : {})
    }
    const reply = yield* postAdmin(flags.node, change, { ...body, dryRun: flags.dryRun })
    const decoded = decodeAdminReply(reply.body)
    if (reply.status !== 200 || Result.isFailure(decoded)) {
      const error = (reply.body as { error?: unknown } | null)?.error
      return yield* new RequestFailed({ message: `HTTP ${reply.status}: ${typeof error === "string" ? error : JSON.stringify(reply.body)}` })
    }
    const answer = decoded.success
    if (answer.change === "none") {
      yield* Console.log(`no change: ${answer.message ?? ""}`)
      return
    }
    let plan = answer.plan
    if (flags.dryRun) {
      const status = yield* ringStatusAt(flags.node)
      const withAddress = answer.address === undefined ? body : { ...body, address: answer.address }
      if (typeof status !== "string") plan = yield* countKeys(change, withAddress, status, plan)
    }
    yield* Console.log(`${flags.dryRun ? "plan (not applied)" : "accepted"}: ${change} ${flags.id}`)
    for (const line of planLines(plan)) yield* Console.log(line)
    if (!flags.dryRun) yield* Console.log(`follow it with: dynamo ring --node ${flags.node}`)
  }, Effect.provide(FetchHttpClient.layer))

const joinCommand = Command.make(
  "join",
  {
    id: Argument.String("id").pipe(Argument.withDescription("the node to join (a --standby node, or one the cluster has heard from)")),
    node: nodeFlag,
    dryRun: dryRunFlag,
    capacity: Flag.Finite("capacity").pipe(Flag.withDescription("ring weight (virtual nodes) of the joining node; default 1"), Flag.optional),
    address: Flag.String("address").pipe(Flag.withDescription("HOST:PORT of the joining node, when the node asked does not know it"), Flag.optional),
    zone: Flag.String("zone").pipe(Flag.withDescription("data center of the joining node (default: the node's own --zone when it is asked itself, else none)"), Flag.optional)
  },
  adminChange("join")
).pipe(Command.withDescription("Join a node to the cluster (section 4.8); joining a member is a no-op"))

const leaveCommand = Command.make(
  "leave",
  { id: Argument.String("id").pipe(Argument.withDescription("the node to leave")), node: nodeFlag, dryRun: dryRunFlag },
  adminChange("leave")
).pipe(Command.withDescription("Make a node hand its ranges over and leave the cluster"))

export const adminCommand = Command.make("admin").pipe(
  Command.withDescription("Membership changes: join and leave, with --dry-run to see the plan first"),
  Command.withSubcommands([joinCommand, leaveCommand])
)

/** The table `dynamo ring` prints, from the node asked and every node of its view that answered. */
export const ringTable = (asked: RingStatusBody, statuses: ReadonlyMap<string, RingStatusBody | string>): ReadonlyArray<string> => {
  const lines = [`cluster ${asked.cluster}, N=${asked.n}; membership as ${asked.node} sees it`]
  lines.push(`${pad("node", 8)} ${pad("status", 8)} ${pad("address", 22)} ${pad("share", 7)} ${pad("target", 7)} ${pad("state", 6)} ${pad("keys", 8)} ${pad("hints", 6)} hand-overs`)
  for (const entry of asked.view) {
    const status = statuses.get(entry.id)
    const known = typeof status === "object" ? status : undefined
    const handovers = known === undefined
      ? (typeof status === "string" ? `(no status: ${status.slice(0, 60)})` : "")
      : [
        ...known.handovers.outgoing.map((h) => `-> ${h.to} ${h.rangesConfirmed}/${h.ranges} ranges, ${h.keysSent} keys sent, ${h.keysLeft} left`),
        ...(known.handovers.incoming === null ? [] : [`<- ${known.handovers.incoming.received}/${known.handovers.incoming.expected} ranges received`]),
        ...(known.leave.status === "left" ? [known.leave.safeToStop ? "left: may be stopped" : "left: delivering hints, keep running"] : [])
      ].join("; ")
    lines.push(
      `${pad(entry.id, 8)} ${pad(entry.status, 8)} ${pad(entry.address ?? "-", 22)} ${pad(percent(entry.share), 7)} ${pad(percent(entry.targetShare), 7)} ${pad(entry.state, 6)} ${pad(known === undefined ? "-" : String(known.keys), 8)} ${pad(known === undefined ? "-" : String(known.hints), 6)} ${handovers}`
    )
  }
  return lines
}

export const ringCommand = Command.make(
  "ring",
  { node: Flag.String("node").pipe(Flag.withDescription("a node of the cluster"), Flag.withDefault(NODE_URL_DEFAULT)), json: Flag.Boolean("json").pipe(Flag.withDefault(false), Flag.withDescription("print every node's status as JSON")) },
  Effect.fnUntraced(function*({ node, json }) {
    yield* checkUrl(node)
    const asked = yield* ringStatusAt(node)
    if (typeof asked === "string") return yield* new RequestFailed({ message: asked })
    const statuses = new Map<string, RingStatusBody | string>()
    for (const entry of asked.view) {
      if (entry.status === "left" && entry.address === null) continue
      statuses.set(entry.id, entry.id === asked.node ? asked : entry.address === null ? "no address" : yield* ringStatusAt(`http://${entry.address}`))
    }
    if (json) {
      yield* Console.log(JSON.stringify(Object.fromEntries(statuses), null, 2))
      return
    }
    for (const line of ringTable(asked, statuses)) yield* Console.log(line)
  }, Effect.provide(FetchHttpClient.layer))
).pipe(Command.withDescription("Show every member's state, ring share, hand-overs in progress and hints held"))
