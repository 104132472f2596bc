// The peer wire: a node opens one connection to each peer (an HTTP/1.1 upgrade on the peer's
// client port, so a node has one address) and writes its messages to it as lines, one
// PeerMessage per line: JSON, except that a message carrying a version set is written as its
// other fields' JSON, a tab, and the set's JSON (a tab never occurs in JSON text outside its
// whitespace, which the writer emits none of). The receiver then holds the set's exact text: a
// replica stores the text it was sent instead of encoding the set again (docs/performance.md,
// thirteenth round). The receiver decodes every line with PeerMessageSchema; a line that does
// not decode (garbage, truncated) is logged and dropped, and the stream goes on.
import { Result, Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import { type PeerMessage, PeerMessageSchema } from "../core/index.ts"
import { decodeAntiEntropy, encodeAntiEntropy } from "./anti-entropy-wire.ts"
import { encodesToItself, tagOf } from "./plain-json.ts"
import { rememberSetJson, setJson } from "./set-json.ts"
import { Buffer } from "node:buffer"

export const PEER_PATH = "/peer"
/**
 * Version 3: the Merkle trees' key hashes are SHA-256 of a length-prefixed text (src/core/merkle-hash.ts);
 * version 2 (MD5) peers would find every tree different. Version 2 brought a set after a tab
 * (above). Earlier versions are refused at the upgrade.
 */
export const PEER_PROTOCOL = "dynamo-peer/3"
export const HEADER_FROM = "x-dynamo-from"
export const HEADER_CLUSTER = "x-dynamo-cluster"
/** The handshake's other headers: who connects from where, to whom, and its proof of the secret. */
export const HEADER_ADDRESS = "x-dynamo-address"
export const HEADER_CLUSTER_NAME = "x-dynamo-cluster-name"
export const HEADER_TO = "x-dynamo-to"
export const HEADER_TIME = "x-dynamo-time"
export const HEADER_NONCE = "x-dynamo-nonce"
export const HEADER_AUTH = "x-dynamo-auth"
/** A message line longer than this is a protocol error: the connection is dropped. */
export const PEER_LINE_BYTES_MAX = 64 * 1024 * 1024
const NEWLINE = 0x0a

const encodeMessage = Schema.encodeSync(PeerMessageSchema)
// Effect's Schema JIT compiler: decoders generated from the message schemas, 3-5 times faster
// than the interpreter on a put's or get's messages (docs/performance.md, eighth round). A line
// the generated decoder refuses is decoded again by the interpreter, so its error is the
// interpreter's. A decoder resolves its parser at its first use, so this applies to any made before.
SchemaJITCompiler.enable(PeerMessageSchema.ast)
const decodeMessage = Schema.decodeUnknownResult(PeerMessageSchema)

/**
 * Each message's own decoder, by its `_tag`: the union's decoder finds a line's member through
 * Schema's generic candidate search on every line, in the interpreter; the member's generated
 * decoder skips it (0.07 against 0.10 µs a ReplicateAck in a loop; under load within the noise:
 * docs/performance.md, twelfth round). Each member is JIT-enabled itself: a decoder made from a
 * member does not share the union's generated code. A line no member accepts (an unknown tag, a bad field) is
 * decoded by the union, whose error names what is wrong.
 */
const decodeByTag: ReadonlyMap<string, (input: unknown) => Result.Result<PeerMessage, Schema.SchemaError>> = new Map(
  PeerMessageSchema.members.flatMap((member) => {
    const tag = tagOf(member.ast)
    if (tag === undefined) return []
    SchemaJITCompiler.enable(member.ast)
    return [[tag, Schema.decodeUnknownResult(member as Schema.Codec<PeerMessage, unknown>)] as const]
  })
)

/** Messages whose Schema encodes them unchanged (src/net/plain-json.ts): every hot one. */
const PLAIN_TAGS: ReadonlySet<string> = new Set(
  PeerMessageSchema.members.filter((member) => encodesToItself(member.ast)).map((member) => tagOf(member.ast) ?? "")
)

/** The separator of a line's set from its other fields (see the header). */
const SET_SEPARATOR = "\t"

/**
 * A message its Schema would rebuild unchanged, as JSON: its version set, if it carries one, after
 * a tab, from setJson (made once per set, whichever replica or disk it goes to).
 */
const plainJson = (message: PeerMessage): string => {
  // A set field present but undefined (a read's answer built with `set: undefined`) is no set:
  // JSON.stringify leaves it out, as it would any undefined field.
  if (!("set" in message) || message.set === undefined) return JSON.stringify(message)
  const { set, ...rest } = message
  return `${JSON.stringify(rest)}${SET_SEPARATOR}${setJson(set)}`
}

/** A line whose parts are JSON but not a message's fields and its set. */
class LineFramingError extends Error {}

/** Messages whose receiver stores the set they carry: their set's text is kept for its disk. */
const STORED_SET_TAGS: ReadonlySet<string> = new Set(["Replicate", "Repair", "HintDeliver"])

/**
 * A line's JSON value and, for a line with a set after a tab, the set's text (the value then
 * carries the parsed set as its `set`, the field it would have been in one JSON object). Throws
 * what JSON.parse throws, or a LineFramingError when the fields before the tab are not an object.
 */
export const parseLine = (line: string): { readonly json: unknown; readonly setText: string | undefined } => {
  const separator = line.indexOf(SET_SEPARATOR)
  if (separator === -1) return { json: JSON.parse(line), setText: undefined }
  const head: unknown = JSON.parse(line.slice(0, separator))
  if (typeof head !== "object" || head === null || Array.isArray(head) || "set" in head) {
    throw new LineFramingError("the fields before the tab are not a JSON object without a set")
  }
  const setText = line.slice(separator + 1)
  ;(head as Record<string, unknown>)["set"] = JSON.parse(setText)
  return { json: head, setText }
}

/**
 * One message as a line: encoded through its Schema (ring positions become decimal strings), or,
 * for a message its Schema would rebuild unchanged, as plain JSON (plainJson); AntiEntropy
 * exchange by exchange (src/net/anti-entropy-wire.ts), the same bytes.
 */
export const encodeLine = (message: PeerMessage): string =>
  (PLAIN_TAGS.has(message._tag)
    ? plainJson(message)
    : message._tag === "AntiEntropy"
    ? encodeAntiEntropy(message)
    : JSON.stringify(encodeMessage(message))) + "\n"

export type Decoded =
  | { readonly _tag: "Message"; readonly message: PeerMessage }
  | { readonly _tag: "Invalid"; readonly reason: string }

/** Decodes one line: JSON, then PeerMessageSchema (AntiEntropy: its exchanges' Schema, one by one). Never throws. */
export const decodeLine = (line: string): Decoded => {
  let json: unknown
  let setText: string | undefined
  try {
    ;({ json, setText } = parseLine(line))
  } catch (error) {
    const what = error instanceof LineFramingError ? "not a message and its set" : "not JSON"
    return { _tag: "Invalid", reason: `${what} (${(error as Error).message})` }
  }
  if (typeof json === "object" && json !== null && (json as Record<string, unknown>)["_tag"] === "AntiEntropy") {
    const result = decodeAntiEntropy(json as Record<string, unknown>)
    return "message" in result
      ? { _tag: "Message", message: result.message }
      : { _tag: "Invalid", reason: `not a peer message (${result.reason.replace(/\s+/g, " ")})` }
  }
  const member = typeof json === "object" && json !== null ? decodeByTag.get(String((json as Record<string, unknown>)["_tag"])) : undefined
  if (member !== undefined) {
    const decoded = member(json)
    if (Result.isSuccess(decoded)) {
      const message = decoded.success
      // The set its receiver will store is the decoded one; its text decodes to it, as a stored
      // row is decoded at recovery (fields the Schema drops, if a peer sent any, stay inert there).
      if (setText !== undefined && "set" in message && STORED_SET_TAGS.has(message._tag)) rememberSetJson(message.set, setText)
      return { _tag: "Message", message }
    }
  }
  const decoded = decodeMessage(json)
  return Result.isSuccess(decoded)
    ? { _tag: "Message", message: decoded.success }
    : { _tag: "Invalid", reason: `not a peer message (${decoded.failure.message.replace(/\s+/g, " ")})` }
}

/**
 * Splits a byte stream into lines. Newline is a single byte that never occurs inside a UTF-8
 * sequence, so splitting bytes before decoding text is safe.
 */
export class LineSplitter {
  private parts: Array<Uint8Array> = []
  private partBytes = 0

  /** Calls `onLine` for each complete line; returns false when a line exceeds the limit. */
  push(chunk: Uint8Array, onLine: (line: string) => void): boolean {
    let start = 0
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start)
      if (end === -1) break
      const piece = chunk.subarray(start, end)
      if (this.parts.length === 0) {
        onLine(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString("utf8"))
      } else {
        this.parts.push(piece)
        onLine(Buffer.concat(this.parts).toString("utf8"))
        this.parts = []
        this.partBytes = 0
      }
      start = end + 1
    }
    if (start < chunk.length) {
      // Copy: the chunk's buffer may be reused by the stream once we return.
      this.parts.push(Uint8Array.prototype.slice.call(chunk, start))
      this.partBytes += chunk.length - start
    }
    return this.partBytes <= PEER_LINE_BYTES_MAX
  }

  /** Bytes of an unfinished line (a message cut off when the stream ends). */
  get pendingBytes(): number {
    return this.partBytes
  }
}
