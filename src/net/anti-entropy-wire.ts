// The AntiEntropy peer message on the wire, exchange by exchange, with the exchanges that repeat
// remembered (paper 4.7; issue 19). Every anti-entropy round opens up to 64 exchanges with a
// MerkleRoot (a range and its root hash, both 128-bit numbers as decimal text), and a range whose
// tree did not change sends the same root round after round: on an idle node, coding those roots
// through Schema was most of the work the node did. Each exchange is still encoded and decoded by
// its Schema (AntiEntropyMessageSchema, the one PeerMessageSchema uses); a MerkleRoot coded once
// is looked up instead of coded again. The bytes are those of the whole message's encoding.
import { Result, Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"
import { type AntiEntropyMessage, AntiEntropyMessageSchema, type KeyRange, type PeerMessage } from "../core/index.ts"

/** Decoded MerkleRoot exchanges remembered by their text; the table is emptied when full. */
export const DECODED_ROOTS_MAX = 8192

const encodeExchange = Schema.encodeSync(AntiEntropyMessageSchema)
// Generated decoders (Effect's Schema JIT compiler), as for every peer message (wire.ts).
SchemaJITCompiler.enable(AntiEntropyMessageSchema.ast)
const decodeExchange = Schema.decodeUnknownResult(AntiEntropyMessageSchema)

/** The last encoded MerkleRoot per range object (a tree keeps its range object for life). */
const encodedRoots = new WeakMap<KeyRange, { readonly hash: bigint; readonly text: string }>()

const exchangeText = (exchange: AntiEntropyMessage): string => {
  if (exchange._tag !== "MerkleRoot") return JSON.stringify(encodeExchange(exchange))
  const known = encodedRoots.get(exchange.range)
  if (known !== undefined && known.hash === exchange.hash) return known.text
  const text = JSON.stringify(encodeExchange(exchange))
  encodedRoots.set(exchange.range, { hash: exchange.hash, text })
  return text
}

/** The JSON text of an AntiEntropy message: the same bytes as JSON.stringify of its Schema encoding. */
export const encodeAntiEntropy = (message: Extract<PeerMessage, { _tag: "AntiEntropy" }>): string =>
  `{"_tag":"AntiEntropy","exchanges":[${message.exchanges.map(exchangeText).join(",")}]}`

const decodedRoots = new Map<string, AntiEntropyMessage>()

/** The text of a MerkleRoot's fields when each is a string, as the Schema wants (else undefined: decode it). */
const rootKey = (exchange: Record<string, unknown>): string | undefined => {
  const range = exchange["range"] as Record<string, unknown> | null | undefined
  if (typeof range !== "object" || range === null) return undefined
  const start = range["start"]
  const end = range["end"]
  const hash = exchange["hash"]
  return typeof start === "string" && typeof end === "string" && typeof hash === "string" ? `${start}:${end}:${hash}` : undefined
}

/**
 * Decodes the exchanges of a parsed AntiEntropy message (its `_tag` already read), each through
 * AntiEntropyMessageSchema unless an identical MerkleRoot was decoded before. Returns the message,
 * or the reason it is not one.
 */
export const decodeAntiEntropy = (json: Record<string, unknown>): { readonly message: PeerMessage } | { readonly reason: string } => {
  const exchanges = json["exchanges"]
  if (!Array.isArray(exchanges)) return { reason: "AntiEntropy: exchanges is not an array" }
  const decoded: Array<AntiEntropyMessage> = []
  for (let i = 0; i < exchanges.length; i++) {
    const exchange: unknown = exchanges[i]
    const key = typeof exchange === "object" && exchange !== null && (exchange as Record<string, unknown>)["_tag"] === "MerkleRoot"
      ? rootKey(exchange as Record<string, unknown>)
      : undefined
    const known = key === undefined ? undefined : decodedRoots.get(key)
    if (known !== undefined) {
      decoded.push(known)
      continue
    }
    const result = decodeExchange(exchange)
    if (Result.isFailure(result)) return { reason: `AntiEntropy: exchanges[${i}]: ${result.failure.message}` }
    if (key !== undefined) {
      if (decodedRoots.size >= DECODED_ROOTS_MAX) decodedRoots.clear()
      decodedRoots.set(key, result.success)
    }
    decoded.push(result.success)
  }
  return { message: { _tag: "AntiEntropy", exchanges: decoded } }
}
