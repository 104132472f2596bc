// A version set's JSON text, made once per set. A put's set goes to the coordinator's disk and in
// a Replicate to each other replica: three JSON.stringify calls over the same 1 KiB value before
// (issue 19). Sets are immutable values, so the text is remembered by identity, in a small ring
// of the last sets (below), never a second copy of every stored value.
import { Schema } from "effect"
import { type VersionSet, VersionSetSchema } from "../core/index.ts"
import { jsonEncoder } from "./plain-json.ts"

/**
 * Sets whose text is remembered at a time: a tick's writes, with room to spare. No more: a text
 * kept alive longer survives scavenges, and each scavenge copies what survives (1 KiB values).
 */
export const SET_JSON_MEMO_MAX = 64

const encode = jsonEncoder(VersionSetSchema.ast, Schema.encodeSync(VersionSetSchema))

// A ring of the last sets and their texts, searched by identity, overwritten in place. Not a
// JS Map: a Map's table, once in the old generation, is replaced on each clear or rehash and the
// replaced table keeps pointing at its texts, which the young-generation collector then treats
// as live and copies into the old generation (issue 19, eleventh round).
const sets: Array<VersionSet | undefined> = new Array(SET_JSON_MEMO_MAX).fill(undefined)
const texts: Array<string> = new Array(SET_JSON_MEMO_MAX).fill("")
let next = 0

/** `set` encoded by VersionSetSchema, as JSON text. */
export const setJson = (set: VersionSet): string => {
  // Newest first: a put's set is asked for again within its tick (the Replicates, then the disk).
  for (let back = 1; back <= SET_JSON_MEMO_MAX; back++) {
    const i = (next - back + SET_JSON_MEMO_MAX) % SET_JSON_MEMO_MAX
    if (sets[i] === set) return texts[i]!
  }
  const text = encode(set)
  rememberSetJson(set, text)
  return text
}

/**
 * `text` is `set` as JSON: a set a peer sent, decoded from that text by VersionSetSchema (the
 * wire, src/net/wire.ts). Its receiver's disk then writes the text it was sent, not a new one.
 */
export const rememberSetJson = (set: VersionSet, text: string): void => {
  sets[next] = set
  texts[next] = text
  next = (next + 1) % SET_JSON_MEMO_MAX
}
