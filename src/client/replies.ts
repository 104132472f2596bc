// What a client operation returns, and the Schemas of the HTTP API's success bodies (README "HTTP
// API") it is decoded from. Contexts stay opaque strings: the client passes back what it got.
import { Option, Result, Schema } from "effect"
import { errorOfReply, UnexpectedReply, type DynamoError, type Operation } from "./errors.ts"

/** A reply as it came off the wire: status, JSON body (or its text), and the coordinator's headers. */
export interface RawReply {
  readonly status: number
  readonly body: unknown
  /** `x-dynamo-coordinator`: the node that coordinated (the one asked, or the replica it forwarded to). */
  readonly coordinator: string
  /** `x-dynamo-nodes`: the replicas that acknowledged the write or answered the read. */
  readonly nodes: ReadonlyArray<string>
}

/** A get's answer. */
export interface Read {
  readonly key: string
  /** The live values; more than one are siblings (concurrent writes to reconcile); none: not found. */
  readonly values: ReadonlyArray<string>
  /** True when `values` holds more than one sibling. */
  readonly siblings: boolean
  /** False when no value is live (never written, or deleted): the context still matters for the next put. */
  readonly found: boolean
  /** Opaque causal context: pass it to the put or delete that supersedes what was read. */
  readonly context: string
  readonly coordinator: string
  readonly nodes: ReadonlyArray<string>
}

/** A put's answer: the coordinator's siblings after the write, and their context. */
export interface Written {
  readonly key: string
  readonly values: ReadonlyArray<string>
  readonly context: string
  readonly coordinator: string
  readonly nodes: ReadonlyArray<string>
}

/** A delete's answer: the tombstone's context. */
export interface Deleted {
  readonly key: string
  readonly context: string
  readonly coordinator: string
  readonly nodes: ReadonlyArray<string>
}

const GetBodySchema = Schema.Struct({ values: Schema.Array(Schema.String), context: Schema.String })
const NotFoundBodySchema = Schema.Struct({ error: Schema.Literal("not found"), context: Schema.String })
const PutBodySchema = Schema.Struct({ values: Schema.Array(Schema.String), context: Schema.String })
const DeleteBodySchema = Schema.Struct({ context: Schema.String })

const decodeGet = Schema.decodeUnknownOption(GetBodySchema)
const decodeNotFound = Schema.decodeUnknownOption(NotFoundBodySchema)
const decodePut = Schema.decodeUnknownOption(PutBodySchema)
const decodeDelete = Schema.decodeUnknownOption(DeleteBodySchema)

const malformed = (node: string, reply: RawReply, what: string) =>
  new UnexpectedReply({ node, status: reply.status, message: `the ${reply.status} reply's body is not ${what}: ${JSON.stringify(reply.body).slice(0, 200)}` })

/** A get's reply as a Read (200, or 404 with a context), or the error it means. */
export const readOf = (node: string, key: string, reply: RawReply): Result.Result<Read, DynamoError> => {
  if (reply.status === 200) {
    const body = Option.getOrUndefined(decodeGet(reply.body))
    if (body === undefined || body.values.length === 0) return Result.fail(malformed(node, reply, "{values: [string, ...], context}"))
    return Result.succeed({ key, values: body.values, siblings: body.values.length > 1, found: true, context: body.context, coordinator: reply.coordinator, nodes: reply.nodes })
  }
  if (reply.status === 404) {
    const body = Option.getOrUndefined(decodeNotFound(reply.body))
    if (body === undefined) return Result.fail(malformed(node, reply, `{error: "not found", context}`))
    return Result.succeed({ key, values: [], siblings: false, found: false, context: body.context, coordinator: reply.coordinator, nodes: reply.nodes })
  }
  return Result.fail(errorOfReply("get", node, reply.status, reply.body))
}

/** A put's reply as Written, or the error it means. */
export const writtenOf = (node: string, key: string, reply: RawReply): Result.Result<Written, DynamoError> => {
  if (reply.status !== 200) return Result.fail(errorOfReply("put", node, reply.status, reply.body))
  const body = Option.getOrUndefined(decodePut(reply.body))
  if (body === undefined) return Result.fail(malformed(node, reply, "{values, context}"))
  return Result.succeed({ key, values: body.values, context: body.context, coordinator: reply.coordinator, nodes: reply.nodes })
}

/** A delete's reply as Deleted, or the error it means. */
export const deletedOf = (node: string, key: string, reply: RawReply): Result.Result<Deleted, DynamoError> => {
  if (reply.status !== 200) return Result.fail(errorOfReply("delete", node, reply.status, reply.body))
  const body = Option.getOrUndefined(decodeDelete(reply.body))
  if (body === undefined) return Result.fail(malformed(node, reply, "{context}"))
  return Result.succeed({ key, context: body.context, coordinator: reply.coordinator, nodes: reply.nodes })
}

export type { Operation }
