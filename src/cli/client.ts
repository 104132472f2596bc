// `dynamo get | put | delete | status`: talk to a node's HTTP API. Prints the reply's JSON body
// on stdout and the coordinator and the nodes that answered on stderr; exits 1 when the reply is
// not a success (404 included).
import { Console, Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { FetchHttpClient } from "effect/http"
import { deleteKey, getKey, getStatus, NODE_URL_DEFAULT, putKey, type ApiReply } from "../net/client.ts"
import { BadArguments } from "./simulate.ts"

export class RequestFailed extends Schema.TaggedError<RequestFailed>()("RequestFailed", {
  message: Schema.String
}) {}

const nodeFlag = Flag.String("node").pipe(Flag.withDescription("the node to ask"), Flag.withDefault(NODE_URL_DEFAULT))
const contextFlag = Flag.String("context").pipe(Flag.withDescription("the context from an earlier get or put"), Flag.optional)
const quorumFlag = (name: "r" | "w") =>
  Flag.Int(name).pipe(Flag.withDescription(name === "r" ? "read quorum for this request, 1..N" : "write quorum for this request, 1..N"), Flag.optional)

const checkUrl = (node: string) =>
  /^https?:\/\/[^/\s]+\/?$/.test(node) ? Effect.void : Effect.fail(new BadArguments({ message: `--node must be a URL like ${NODE_URL_DEFAULT}, got ${JSON.stringify(node)}` }))

const report = (reply: ApiReply) =>
  Effect.gen(function*() {
    yield* Console.log(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body, null, 2))
    if (reply.coordinator !== undefined) {
      yield* Console.error(`status ${reply.status}, coordinator ${reply.coordinator}, nodes ${reply.nodes === "" ? "-" : reply.nodes ?? "-"}`)
    }
    if (reply.status < 200 || reply.status >= 300) {
      const error = (reply.body as { error?: unknown } | null)?.error
      return yield* new RequestFailed({ message: `HTTP ${reply.status}${typeof error === "string" ? `: ${error}` : ""}` })
    }
  })

const withClient = <A, E>(effect: Effect.Effect<A, E, import("effect/http").HttpClient.HttpClient>) => Effect.provide(effect, FetchHttpClient.layer)

export const getCommand = Command.make(
  "get",
  { key: Argument.String("key"), node: nodeFlag, r: quorumFlag("r") },
  Effect.fnUntraced(function*({ key, node, r }) {
    yield* checkUrl(node)
    const reply = yield* withClient(getKey(node, key, Option.getOrUndefined(r)))
    yield* report(reply)
  })
).pipe(Command.withDescription("Read a key through a node"))

export const putCommand = Command.make(
  "put",
  { key: Argument.String("key"), value: Argument.String("value"), context: contextFlag, node: nodeFlag, w: quorumFlag("w") },
  Effect.fnUntraced(function*({ key, value, context, node, w }) {
    yield* checkUrl(node)
    const reply = yield* withClient(putKey(node, key, value, Option.getOrUndefined(context), Option.getOrUndefined(w)))
    yield* report(reply)
  })
).pipe(Command.withDescription("Write a key through a node (with --context to supersede what you read)"))

export const deleteCommand = Command.make(
  "delete",
  { key: Argument.String("key"), context: contextFlag, node: nodeFlag, w: quorumFlag("w") },
  Effect.fnUntraced(function*({ key, context, node, w }) {
    yield* checkUrl(node)
    let known = Option.getOrUndefined(context)
    if (known === undefined) {
      // Without a context the tombstone would cover nothing: read the key first.
      const read = yield* withClient(getKey(node, key))
      const body = read.body as { context?: unknown } | null
      if (typeof body?.context !== "string") return yield* report(read)
      known = body.context
      yield* Console.error(`no --context given: deleting what a read returned just now`)
    }
    const reply = yield* withClient(deleteKey(node, key, known, Option.getOrUndefined(w)))
    yield* report(reply)
  })
).pipe(Command.withDescription("Delete a key through a node (a tombstone covering the context)"))

export const statusCommand = Command.make(
  "status",
  { node: nodeFlag },
  Effect.fnUntraced(function*({ node }) {
    yield* checkUrl(node)
    const reply = yield* withClient(getStatus(node))
    yield* report(reply)
  })
).pipe(Command.withDescription("Show a node's view of the cluster: members up/down, ring share, keys and hints"))
