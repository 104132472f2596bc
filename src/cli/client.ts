// `dynamo get | put | delete | status`: talk to a cluster through the client library
// (src/client/). Prints the reply (the API's JSON body) on stdout and the coordinator and the
// nodes that answered on stderr; exits 1 when the reply is not a success (not found included).
import { Console, Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { DynamoClient, withClient, type Coordination, type DynamoError } from "../client/index.ts"
import { NODE_URL_DEFAULT } from "../net/client.ts"
import { BadArguments } from "./simulate.ts"

export class RequestFailed extends Schema.TaggedError<RequestFailed>()("RequestFailed", {
  message: Schema.String
}) {}

const nodeFlag = Flag.String("node").pipe(Flag.withDescription("the node to ask (client-driven: the node the ring is learnt from)"), Flag.withDefault(NODE_URL_DEFAULT))
const contextFlag = Flag.String("context").pipe(Flag.withDescription("the context from an earlier get or put"), Flag.optional)
const quorumFlag = (name: "r" | "w") =>
  Flag.Int(name).pipe(Flag.withDescription(name === "r" ? "read quorum for this request, 1..N" : "write quorum for this request, 1..N"), Flag.optional)
const coordinationFlag = Flag.Literals("coordination", ["server", "client"]).pipe(
  Flag.withDescription("server: the node given coordinates or forwards to a replica; client: learn the ring from it and ask a replica of the key (paper 6.4)"),
  Flag.withDefault("server" as Coordination)
)

const checkUrl = (node: string) =>
  /^https?:\/\/[^/\s]+\/?$/.test(node) ? Effect.void : Effect.fail(new BadArguments({ message: `--node must be a URL like ${NODE_URL_DEFAULT}, got ${JSON.stringify(node)}` }))

/** Prints a successful reply: its body on stdout, who answered on stderr. */
const report = (status: number, body: unknown, answered?: { readonly coordinator: string; readonly nodes: ReadonlyArray<string> }) =>
  Effect.gen(function*() {
    yield* Console.log(JSON.stringify(body, null, 2))
    if (answered !== undefined) yield* Console.error(`status ${status}, coordinator ${answered.coordinator}, nodes ${answered.nodes.length === 0 ? "-" : answered.nodes.join(",")}`)
  })

/** A failed operation: its error on stdout as the API would say it, and exit 1 naming its kind. */
const failed = (error: DynamoError) =>
  Effect.gen(function*() {
    yield* Console.log(JSON.stringify({ error: error.message }, null, 2))
    return yield* new RequestFailed({ message: `${error._tag}${"node" in error ? ` (${error.node})` : ""}: ${error.message}` })
  })

/** Runs one client operation against `node`, its errors reported by `failed`. */
const withNode = <A>(node: string, coordination: Coordination, operation: Effect.Effect<A, DynamoError | RequestFailed, DynamoClient>) =>
  Effect.andThen(checkUrl(node), withClient({ nodes: [node], coordination }, operation).pipe(
    Effect.catch((error) => (error._tag === "RequestFailed" ? Effect.fail(error) : failed(error)))
  ))

export const getCommand = Command.make(
  "get",
  { key: Argument.String("key"), node: nodeFlag, r: quorumFlag("r"), coordination: coordinationFlag },
  ({ key, node, r, coordination }) =>
    withNode(node, coordination, Effect.gen(function*() {
      const client = yield* DynamoClient
      const read = yield* client.get(key, { r: Option.getOrUndefined(r) })
      if (read.found) return yield* report(200, { key, values: read.values, context: read.context }, read)
      yield* report(404, { error: "not found", key, context: read.context }, read)
      return yield* new RequestFailed({ message: "HTTP 404: not found" })
    }))
).pipe(Command.withDescription("Read a key through a node"))

export const putCommand = Command.make(
  "put",
  { key: Argument.String("key"), value: Argument.String("value"), context: contextFlag, node: nodeFlag, w: quorumFlag("w"), coordination: coordinationFlag },
  ({ key, value, context, node, w, coordination }) =>
    withNode(node, coordination, Effect.gen(function*() {
      const client = yield* DynamoClient
      const written = yield* client.put(key, value, { context: Option.getOrUndefined(context), w: Option.getOrUndefined(w) })
      yield* report(200, { context: written.context, values: written.values }, written)
    }))
).pipe(Command.withDescription("Write a key through a node (with --context to supersede what you read)"))

export const deleteCommand = Command.make(
  "delete",
  { key: Argument.String("key"), context: contextFlag, node: nodeFlag, w: quorumFlag("w"), coordination: coordinationFlag },
  ({ key, context, node, w, coordination }) =>
    withNode(node, coordination, Effect.gen(function*() {
      const client = yield* DynamoClient
      let known = Option.getOrUndefined(context)
      if (known === undefined) {
        // Without a context the tombstone would cover nothing: read the key first.
        const read = yield* client.get(key)
        if (!read.found) {
          yield* report(404, { error: "not found", key, context: read.context }, read)
          return yield* new RequestFailed({ message: "HTTP 404: not found" })
        }
        known = read.context
        yield* Console.error(`no --context given: deleting what a read returned just now`)
      }
      const deleted = yield* client.delete(key, { context: known, w: Option.getOrUndefined(w) })
      yield* report(200, { context: deleted.context }, deleted)
    }))
).pipe(Command.withDescription("Delete a key through a node (a tombstone covering the context)"))

export const statusCommand = Command.make(
  "status",
  { node: nodeFlag },
  ({ node }) =>
    withNode(node, "server", Effect.gen(function*() {
      const client = yield* DynamoClient
      const status = yield* client.status()
      yield* report(200, status.body)
    }))
).pipe(Command.withDescription("Show a node's view of the cluster: members up/down, ring share, keys and hints"))
