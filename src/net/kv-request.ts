// A client's key-value request as the node reads it (README "HTTP API"): the key from the path,
// R or W from the query, the put or delete body decoded with Schema. Shared by both ways a request
// arrives (src/net/kv-listener.ts, the hot path, and the Effect router in src/net/api.ts), so a
// request is refused for the same reason, in the same words, whichever way it came.
import { Result, Schema, SchemaIssue } from "effect"
import { type ClientRequest, decodeContext } from "../core/index.ts"

/** Keys are UTF-8 strings of at most this many bytes. */
export const KEY_BYTES_MAX = 1024
/** Values are UTF-8 strings of at most this many bytes. */
export const VALUE_BYTES_MAX = 1024 * 1024
/** A request body larger than this is refused unread (a 1 MiB value escaped as JSON fits). */
export const BODY_BYTES_MAX = 8 * 1024 * 1024

export class BadRequest {
  constructor(readonly message: string) {}
}

/** A request before the driver gives it an id. */
export type KvRequest =
  | Omit<Extract<ClientRequest, { _tag: "Get" }>, "id">
  | Omit<Extract<ClientRequest, { _tag: "Put" }>, "id">
  | Omit<Extract<ClientRequest, { _tag: "Delete" }>, "id">

const PutBodySchema = Schema.Struct({ value: Schema.String, context: Schema.optionalKey(Schema.String) })
const DeleteBodySchema = Schema.Struct({ context: Schema.String })
// Compiled once: decoding a body runs the parser built here.
const decodePutBody = Schema.decodeUnknownResult(PutBodySchema)
const decodeDeleteBody = Schema.decodeUnknownResult(DeleteBodySchema)

/** The key of `/kv/{key}`: percent-decoded UTF-8, not empty, at most KEY_BYTES_MAX bytes. */
export const parseKey = (url: string): string | BadRequest => {
  const query = url.indexOf("?")
  const path = query === -1 ? url : url.slice(0, query)
  const raw = path.startsWith("/kv/") ? path.slice(4) : path === "/kv" ? "" : path
  if (raw === "") return new BadRequest("empty key: use /kv/{key} with a non-empty, URL-encoded key")
  let key: string
  try {
    key = raw.includes("%") ? decodeURIComponent(raw) : raw
  } catch {
    return new BadRequest("the key is not valid percent-encoded UTF-8")
  }
  // A UTF-8 character is at most 3 bytes per UTF-16 unit: short keys need no count.
  const bytes = key.length * 3 <= KEY_BYTES_MAX ? key.length : Buffer.byteLength(key, "utf8")
  if (bytes > KEY_BYTES_MAX) return new BadRequest(`key is ${bytes} bytes, over the ${KEY_BYTES_MAX}-byte (1 KiB) limit`)
  return key
}

/** `?r=` or `?w=`: absent, or an integer in 1..N. */
export const parseQuorum = (url: string, name: "r" | "w", n: number): number | undefined | BadRequest => {
  const query = url.indexOf("?")
  if (query === -1) return undefined
  const text = new URLSearchParams(url.slice(query + 1)).get(name)
  if (text === null) return undefined
  const value = /^\d{1,9}$/.test(text) ? Number(text) : NaN
  if (!(value >= 1 && value <= n)) {
    return new BadRequest(`${name.toUpperCase()} out of range: ${name} must be an integer in 1..${n} (N), got ${JSON.stringify(text)}`)
  }
  return value
}

const parseJsonBody = (text: string): unknown | BadRequest => {
  if (text.trim() === "") return new BadRequest("bad JSON: the request body is empty")
  try {
    return JSON.parse(text)
  } catch (error) {
    return new BadRequest(`bad JSON: ${(error as Error).message}`)
  }
}

const issuesOf = SchemaIssue.makeFormatterStandardSchemaV1()

/** The first problem Schema found in a body, named by its field. */
const schemaProblem = (issue: SchemaIssue.Issue): string => {
  const first = issuesOf(issue).issues[0]
  const field = first?.path?.[0]
  if (field === undefined) return `the body must be a JSON object: {"value": string, "context"?: string} (${first?.message ?? "invalid"})`
  if (first!.message.startsWith("Missing key")) return `missing ${String(field)}: the body must hold "${String(field)}" as a string`
  return `${String(field)} must be a string (${first!.message})`
}

const parseContext = (text: string | undefined) => {
  const decoded = decodeContext(text ?? "")
  return decoded._tag === "Ok" ? decoded.context : new BadRequest(`malformed context: ${decoded.message.replace(/\s+/g, " ")}`)
}

const valueProblem = (value: string): BadRequest | undefined => {
  // Checked by length first: a value of at most VALUE_BYTES_MAX / 3 UTF-16 units cannot exceed the limit.
  const bytes = value.length * 3 <= VALUE_BYTES_MAX ? value.length : Buffer.byteLength(value, "utf8")
  if (bytes > VALUE_BYTES_MAX) return new BadRequest(`value is ${bytes} bytes, over the ${VALUE_BYTES_MAX}-byte (1 MiB) limit`)
  if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) return new BadRequest("value is not well-formed Unicode (it holds a lone surrogate)")
  return undefined
}

/** A get of `url` (`/kv/{key}[?r=R]`) on a cluster of replication factor `n`. */
export const parseGet = (url: string, n: number): KvRequest | BadRequest => {
  const key = parseKey(url)
  if (key instanceof BadRequest) return key
  const r = parseQuorum(url, "r", n)
  if (r instanceof BadRequest) return r
  return r === undefined ? { _tag: "Get", key } : { _tag: "Get", key, r }
}

/** The key and W of a put or delete, checked before its body is read. */
export const parseWriteTarget = (url: string, n: number): { readonly key: string; readonly w: number | undefined } | BadRequest => {
  const key = parseKey(url)
  if (key instanceof BadRequest) return key
  const w = parseQuorum(url, "w", n)
  if (w instanceof BadRequest) return w
  return { key, w }
}

/** A put (`{"value", "context"?}`) or delete (`{"context"}`) of `target` with body `text`. */
export const parseWriteBody = (kind: "Put" | "Delete", target: { readonly key: string; readonly w: number | undefined }, text: string): KvRequest | BadRequest => {
  const body = parseJsonBody(text)
  if (body instanceof BadRequest) return body
  const { key, w } = target
  const quorum = w === undefined ? {} : { w }
  if (kind === "Put") {
    const decoded = decodePutBody(body)
    if (Result.isFailure(decoded)) return new BadRequest(schemaProblem(decoded.failure.issue))
    const problem = valueProblem(decoded.success.value)
    if (problem !== undefined) return problem
    const context = parseContext(decoded.success.context)
    if (context instanceof BadRequest) return context
    return { _tag: "Put", key, value: decoded.success.value, context, ...quorum }
  }
  const decoded = decodeDeleteBody(body)
  if (Result.isFailure(decoded)) return new BadRequest(schemaProblem(decoded.failure.issue))
  const context = parseContext(decoded.success.context)
  if (context instanceof BadRequest) return context
  return { _tag: "Delete", key, context, ...quorum }
}

/** The refusal of a body over BODY_BYTES_MAX, before reading it. */
export const bodyTooLarge = (bytes: number): BadRequest =>
  new BadRequest(`request body is ${bytes} bytes, over the ${BODY_BYTES_MAX}-byte limit (values are at most 1 MiB)`)
