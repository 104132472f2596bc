// The client's errors: one tagged error per kind of reply the HTTP API can give (README "HTTP
// API"), and the one function that maps a status and its body to them. Whether a write may have
// happened is part of the type: `Unavailable` and `Unreachable` mean nothing was written,
// `OutcomeUnknown` that it may have been (the caller decides whether a retry is safe).
import { Option, Predicate, Schema } from "effect"

/** The operation a reply answers: the same status means different things for a read and a write. */
export type Operation = "get" | "put" | "delete"

/** 400: the request is malformed (bad key, value, context, R or W); `message` is the node's. */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  node: Schema.String,
  message: Schema.String
}) {}

/** 409: the write would leave more siblings than the node allows; read, resolve, write with the context. */
export class TooManySiblings extends Schema.TaggedError<TooManySiblings>()("TooManySiblings", {
  node: Schema.String,
  message: Schema.String
}) {}

/** 503 before any work: the node is shutting down or not ready. Nothing was written; any other node may be asked. */
export class Unavailable extends Schema.TaggedError<Unavailable>()("Unavailable", {
  node: Schema.String,
  message: Schema.String
}) {}

/** No connection to the node (refused, unknown host, connect timeout): the request was never sent. */
export class Unreachable extends Schema.TaggedError<Unreachable>()("Unreachable", {
  node: Schema.String,
  message: Schema.String
}) {}

/** A get: fewer than R replicas answered in time (503), or no answer within the client's deadline. Nothing changed; retry. */
export class ReadFailed extends Schema.TaggedError<ReadFailed>()("ReadFailed", {
  node: Schema.String,
  message: Schema.String,
  acks: Schema.Number
}) {}

/**
 * A put or delete whose outcome is unknown: fewer than W replicas acknowledged in time (503),
 * the coordinator it was forwarded to did not answer, the node's core did not reply (504), the
 * connection broke after the request was sent, or the client's deadline passed. The write may be
 * durable on some replicas and may yet reach all of them (hinted handoff, anti-entropy).
 */
export class OutcomeUnknown extends Schema.TaggedError<OutcomeUnknown>()("OutcomeUnknown", {
  node: Schema.String,
  message: Schema.String,
  acks: Schema.Number
}) {}

/** A reply the API does not define (a 500, an unknown status, a body that is not what the status promises). */
export class UnexpectedReply extends Schema.TaggedError<UnexpectedReply>()("UnexpectedReply", {
  node: Schema.String,
  status: Schema.Number,
  message: Schema.String
}) {}

/** Client-driven coordination could not learn the ring: no node given answered `GET /status` with one. */
export class ClusterUnknown extends Schema.TaggedError<ClusterUnknown>()("ClusterUnknown", {
  message: Schema.String
}) {}

/** Every error a client operation can fail with. */
export type DynamoError = BadRequest | TooManySiblings | Unavailable | Unreachable | ReadFailed | OutcomeUnknown | UnexpectedReply | ClusterUnknown

/** The errors after which another node may be asked without risk of writing twice. */
export const nothingWritten = (error: DynamoError): boolean => {
  switch (error._tag) {
    case "Unavailable":
    case "Unreachable":
    case "ReadFailed":
      return true
    case "BadRequest":
    case "TooManySiblings":
    case "OutcomeUnknown":
    case "UnexpectedReply":
    case "ClusterUnknown":
      return false
  }
}

/**
 * 503 bodies that mean the node refused the request before any write, for nodes that do not say
 * so in `outcome` (older nodes; gets, which write nothing). A put or delete's 503 says it itself:
 * `outcome` is "not-written" or "unknown" (spec/README.md, section 2); without it, unknown.
 */
const REFUSED_BEFORE_WRITE: ReadonlyArray<RegExp> = [
  /^the node is shutting down/,
  /^the node is starting and cannot coordinate writes yet/
]

/** What a failed reply's body holds (`{error, acks?, outcome?}`); a body that does not decode reads as no text. */
const ErrorBodySchema = Schema.Struct({
  error: Schema.String,
  acks: Schema.optionalKey(Schema.Number),
  outcome: Schema.optionalKey(Schema.Literals(["not-written", "unknown"]))
})
const decodeErrorBody = Schema.decodeUnknownOption(ErrorBodySchema)

/**
 * The error a failed reply means: the single place where status codes and error texts become
 * types. `status` is not 200, nor 404 on a get (a value: not found, with its context).
 */
export const errorOfReply = (operation: Operation, node: string, status: number, body: unknown): DynamoError => {
  const decoded = Option.getOrUndefined(decodeErrorBody(body))
  const message = decoded?.error ?? (typeof body === "string" ? body.slice(0, 200) : "")
  const acks = decoded?.acks ?? 0
  switch (status) {
    case 400:
      return new BadRequest({ node, message })
    case 409:
      return new TooManySiblings({ node, message })
    case 503: {
      if (decoded?.outcome === "not-written") return new Unavailable({ node, message })
      if (decoded?.outcome === undefined && REFUSED_BEFORE_WRITE.some((pattern) => pattern.test(message))) return new Unavailable({ node, message })
      return operation === "get" ? new ReadFailed({ node, message, acks }) : new OutcomeUnknown({ node, message, acks })
    }
    case 504:
      return operation === "get" ? new ReadFailed({ node, message, acks }) : new OutcomeUnknown({ node, message, acks })
    default:
      return new UnexpectedReply({ node, status, message: message === "" ? `HTTP ${status}` : message })
  }
}

/** Connection errors that mean the request never left this process. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"])
/** The attempt's deadline passed (src/client/transport.ts): undici's, or the HttpClient transport's. */
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "DYNAMO_CLIENT_TIMEOUT"])

/** The first known `code` of an error or of its causes (undici nests the socket's error; Effect wraps undici's). */
const codeOf = (error: unknown, depth = 0): string | undefined => {
  if (!Predicate.isObject(error) || depth > 5) return undefined
  const code = (error as { code?: unknown }).code
  if (Predicate.isString(code) && (NOT_SENT_CODES.has(code) || TIMEOUT_CODES.has(code))) return code
  return codeOf((error as { cause?: unknown }).cause, depth + 1) ?? codeOf((error as { reason?: unknown }).reason, depth + 1)
}

/**
 * A transport failure: `Unreachable` when the connection was never made; otherwise the request
 * may have reached the node, so a write's outcome is unknown and a read failed.
 */
export const errorOfTransport = (operation: Operation, node: string, cause: unknown): DynamoError => {
  const code = codeOf(cause)
  if (code !== undefined && NOT_SENT_CODES.has(code)) return new Unreachable({ node, message: `cannot connect (${code})` })
  const detail = Predicate.isObject(cause) && Predicate.isString((cause as { message?: unknown }).message) ? (cause as { message: string }).message : String(cause)
  const message = code !== undefined ? `no reply in time (${code})` : `the connection failed after the request was sent: ${detail.slice(0, 300)}`
  return operation === "get" ? new ReadFailed({ node, message, acks: 0 }) : new OutcomeUnknown({ node, message, acks: 0 })
}
