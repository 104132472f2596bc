// The HTTP answer to a client's key-value request (README "HTTP API"), as plain data: status, JSON
// body and headers, from the core's ClientReply. Written to the socket by src/net/kv-listener.ts
// (the hot path) or wrapped as an Effect response by src/net/api.ts; one definition of what a
// client is told.
import { type ClientReply, type ClientRequest, encodeContext, failedWriteOutcome, type WriteOutcome } from "../core/index.ts"
import type { RequestOutcome } from "./driver.ts"

export const HEADER_NODES = "x-dynamo-nodes"
export const HEADER_COORDINATOR = "x-dynamo-coordinator"
/** On a failed put or delete: "not-written" or "unknown" (the body's `outcome` too). */
export const HEADER_OUTCOME = "x-dynamo-outcome"

export interface KvResponse {
  readonly status: number
  readonly body: unknown
  readonly headers: Record<string, string>
}

/** What the replies need to know about the node. */
export interface ReplyContext {
  readonly id: string
  readonly n: number
  readonly siblingsMax: number
}

export const errorHeaders = (node: ReplyContext): Record<string, string> => ({ [HEADER_NODES]: "", [HEADER_COORDINATOR]: node.id })

const failedStatus = (reply: Extract<ClientReply, { _tag: "Failed" }>): number => {
  switch (reply.error) {
    case "QuorumTimeout":
    case "ForwardTimeout":
    case "NotReady":
      return 503
    case "TooManySiblings":
      return 409
    case "BadQuorum":
      return 400
  }
}

const failedMessage = (reply: Extract<ClientReply, { _tag: "Failed" }>, node: ReplyContext): string => {
  switch (reply.error) {
    case "QuorumTimeout":
      return `quorum not reached before the request timeout (${reply.acks} of the replicas answered)`
    case "ForwardTimeout":
      return "the coordinator this request was forwarded to took it and did not answer"
    case "NotReady":
      return "the node is starting and cannot coordinate writes yet"
    case "TooManySiblings":
      return `the write would leave more than ${node.siblingsMax} siblings; read, merge and write with the context`
    case "BadQuorum":
      return `R and W must be in 1..${node.n}`
  }
}

/**
 * What a client may conclude from a failed put or delete (spec/README.md, section 2):
 * "not-written" (refused before anything was written: retrying cannot duplicate it) or
 * "unknown" (a copy may be durable and may spread: read before writing again).
 */
const writeOutcomeText = (outcome: WriteOutcome): "not-written" | "unknown" => (outcome === "NotWritten" ? "not-written" : "unknown")

/** The answer to a request the core replied to. */
export const replyResponse = (node: ReplyContext, outcome: RequestOutcome, kind: ClientRequest["_tag"]): KvResponse => {
  const reply = outcome.reply
  const headers = { [HEADER_NODES]: reply.nodes.join(","), [HEADER_COORDINATOR]: outcome.coordinator }
  switch (reply._tag) {
    case "GetOk": {
      const context = encodeContext(reply.context)
      return reply.values.length === 0
        ? { status: 404, body: { error: "not found", key: reply.key, context }, headers }
        : { status: 200, body: { key: reply.key, values: reply.values, context }, headers }
    }
    case "PutOk": {
      const context = encodeContext(reply.context)
      if (kind === "Delete") return { status: 200, body: { context }, headers }
      const values: Array<string> = []
      for (const sibling of reply.siblings) if (sibling._tag === "Put") values.push(sibling.value)
      return { status: 200, body: { context, values }, headers }
    }
    case "Failed": {
      const body = { error: failedMessage(reply, node), acks: reply.acks }
      // A failed get wrote nothing; a failed put or delete says whether it may have been written.
      if (kind === "Get") return { status: failedStatus(reply), body, headers }
      const written = writeOutcomeText(failedWriteOutcome(reply.error))
      return { status: failedStatus(reply), body: { ...body, outcome: written }, headers: { ...headers, [HEADER_OUTCOME]: written } }
    }
  }
}

/** The core did not answer within the driver's bound (REPLY_WAIT_TIMEOUTS_MAX request timeouts). */
export const noReplyResponse = (node: ReplyContext, kind: ClientRequest["_tag"]): KvResponse => ({
  status: 504,
  body: kind === "Get" ? { error: "no reply from the node's core in time", acks: 0 } : { error: "no reply from the node's core in time", acks: 0, outcome: "unknown" },
  headers: errorHeaders(node)
})

export const badRequestResponse = (node: ReplyContext, message: string): KvResponse => ({ status: 400, body: { error: message }, headers: errorHeaders(node) })

/** A request that arrives while the node drains: refused, nothing written, the connection closed. */
export const shuttingDownResponse = (node: ReplyContext): KvResponse => ({
  status: 503,
  body: { error: "the node is shutting down", acks: 0, outcome: "not-written" },
  headers: { ...errorHeaders(node), connection: "close", [HEADER_OUTCOME]: "not-written" }
})

/** A defect in the node (a bug): logged, and named to the client. */
export const internalErrorResponse = (node: ReplyContext, firstLine: string): KvResponse => ({
  status: 500,
  body: { error: `internal error: ${firstLine}` },
  headers: errorHeaders(node)
})
