// The operator's membership commands over HTTP (section 4.8: membership changes are explicit;
// Riak's staged changes: see the plan, then commit): `POST /admin/join` and `POST /admin/leave`
// with `{"node", "capacity"?, "address"?, "dryRun"?}`. A dry run answers with the plan the change
// would follow (which ranges move from which node to which, and the keys of the moves this node
// sends); otherwise the change is handed to the core, which applies it and spreads it by gossip.
import { Effect, Result, Schema } from "effect"
import { HttpServerResponse, type HttpServerRequest } from "effect/http"
import { CAPACITY_MAX, changePlan, configOf, entryOf, join, keysInRange, leave, type MembershipView, membersOf, nodeIdOf, type NodeState, type PlannedMove, servingRing } from "../core/index.ts"
import type { NodeHandle } from "./api.ts"
import { NODE_ID_PATTERN } from "./options.ts"

/** Admin bodies are small JSON objects. */
const ADMIN_BODY_BYTES_MAX = 4 * 1024

const AdminBodySchema = Schema.Struct({
  node: Schema.String,
  capacity: Schema.optionalKey(Schema.Finite),
  address: Schema.optionalKey(Schema.String),
  dryRun: Schema.optionalKey(Schema.Boolean)
})
const decodeAdminBody = Schema.decodeUnknownResult(Schema.fromJsonString(AdminBodySchema))

/** A move as JSON: ring positions as decimal strings; `keys` only where this node is the sender. */
export interface PlannedMoveJson {
  readonly offer: string
  readonly from: string
  readonly to: string
  readonly start: string
  readonly end: string
  readonly keys: number | null
}

const planJson = (state: NodeState, moves: ReadonlyArray<PlannedMove>): ReadonlyArray<PlannedMoveJson> =>
  moves.map((move) => ({
    offer: move.offer,
    from: move.from,
    to: move.to,
    start: move.range.start.toString(),
    end: move.range.end.toString(),
    keys: move.from === nodeIdOf(state) ? keysInRange(state, move.range) : null
  }))

const reply = (status: number, body: unknown) => Effect.succeed(HttpServerResponse.jsonUnsafe(body, { status }))

/** The plan of the view's pending changes plus `view` (the view once the command applies). */
const planOf = (state: NodeState, view: MembershipView) => planJson(state, changePlan(view, servingRing(state).config, configOf(state).n))

const readAdminBody = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const length = Number(request.headers["content-length"] ?? 0)
    if (length > ADMIN_BODY_BYTES_MAX) return `the body is ${length} bytes, over ${ADMIN_BODY_BYTES_MAX}`
    const text = yield* request.text.pipe(Effect.catch((error) => Effect.succeed(new Error(error.message))))
    if (text instanceof Error) return `cannot read the body: ${text.message}`
    const decoded = decodeAdminBody(text)
    if (Result.isFailure(decoded)) return `the body must be {"node": ID, "capacity"?: number, "address"?: "HOST:PORT", "dryRun"?: boolean}: ${decoded.failure.message.replace(/\s+/g, " ").slice(0, 200)}`
    const body = decoded.success
    if (!NODE_ID_PATTERN.test(body.node)) return `"${body.node}" is not a node id (letters, digits, . _ -, at most 64)`
    if (body.capacity !== undefined && !(body.capacity > 0 && body.capacity <= CAPACITY_MAX)) return `capacity must be in (0, ${CAPACITY_MAX}], got ${body.capacity}`
    if (body.address !== undefined && !/^.+:\d{1,5}$/.test(body.address)) return `address must be HOST:PORT, got ${JSON.stringify(body.address)}`
    return body
  })

/** `POST /admin/join`: join a node (a standby one, or this node itself). Already a member: a no-op. */
export const handleJoin = (handle: NodeHandle) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    if (handle.options.mode._tag === "Fixed") return yield* reply(409, { error: "this node's membership is fixed (--peers): start nodes with --seeds to join and leave" })
    const body = yield* readAdminBody(request)
    if (typeof body === "string") return yield* reply(400, { error: body })
    const state = handle.driver.nodeState
    const entry = entryOf(membersOf(state), body.node)
    if (entry !== undefined && entry.status !== "left") {
      return yield* reply(200, { accepted: true, change: "none", message: `${body.node} is already ${entry.status === "member" ? "a member" : entry.status}`, plan: planOf(state, state.membership) })
    }
    const self = body.node === state.id ? `${handle.options.host}:${handle.options.port}` : undefined
    const address = self ?? body.address ?? entry?.address ?? handle.links.status().find((link) => link.peer === body.node)?.address
    if (address === undefined) {
      return yield* reply(409, {
        error: `${nodeIdOf(state)} does not know where ${body.node} is: send the command to ${body.node} itself (its --standby node), or give its address`
      })
    }
    const view = join(membersOf(state), body.node, body.capacity, address)
    const plan = planOf(state, view)
    if (body.dryRun === true) return yield* reply(200, { accepted: false, dryRun: true, change: "join", node: body.node, address, plan })
    handle.driver.admin({ _tag: "Join", node: body.node, address, ...(body.capacity === undefined ? {} : { capacity: body.capacity }) })
    handle.log("Info", "an operator asked a node to join", { joining: body.node, address })
    return yield* reply(200, { accepted: true, change: "join", node: body.node, address, plan })
  })

/** `POST /admin/leave`: a member hands its ranges over and leaves. Already leaving or left: a no-op. */
export const handleLeave = (handle: NodeHandle) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    if (handle.options.mode._tag === "Fixed") return yield* reply(409, { error: "this node's membership is fixed (--peers): start nodes with --seeds to join and leave" })
    const body = yield* readAdminBody(request)
    if (typeof body === "string") return yield* reply(400, { error: body })
    const state = handle.driver.nodeState
    const entry = entryOf(membersOf(state), body.node)
    if (entry === undefined) return yield* reply(404, { error: `${body.node} is not in ${nodeIdOf(state)}'s view of the cluster` })
    if (entry.status === "leaving" || entry.status === "left") {
      return yield* reply(200, { accepted: true, change: "none", message: `${body.node} is already ${entry.status}`, plan: planOf(state, state.membership) })
    }
    const view = leave(membersOf(state), body.node)
    const members = view.filter((e) => e.status === "member" || e.status === "joining").length
    if (members === 0) return yield* reply(409, { error: `${body.node} is the last member: a cluster cannot leave itself` })
    const plan = planOf(state, view)
    if (body.dryRun === true) return yield* reply(200, { accepted: false, dryRun: true, change: "leave", node: body.node, plan })
    handle.driver.admin({ _tag: "Leave", node: body.node })
    handle.log("Info", "an operator asked a node to leave", { leaving: body.node })
    return yield* reply(200, { accepted: true, change: "leave", node: body.node, plan })
  })
