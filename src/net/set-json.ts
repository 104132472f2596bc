// A version set's JSON text, made once per set. A put's set goes to the coordinator's disk and in
// a Replicate to each other replica: three JSON.stringify calls over the same 1 KiB value before
// (issue 19). Sets are immutable values, so the text is remembered by identity, in a small memo
// table (cleared when full), never a second copy of every stored value.
import { Schema } from "effect"
import { memoised, type VersionSet, VersionSetSchema } from "../core/index.ts"
import { jsonEncoder } from "./plain-json.ts"

/**
 * Sets whose text is remembered at a time: a tick's writes, with room to spare. No more: a text
 * kept alive longer survives scavenges, and each scavenge copies what survives (1 KiB values).
 */
export const SET_JSON_MEMO_MAX = 64

const encode = jsonEncoder(VersionSetSchema.ast, Schema.encodeSync(VersionSetSchema))
const memo = new Map<VersionSet, string>()

/** `set` encoded by VersionSetSchema, as JSON text. */
export const setJson = (set: VersionSet): string => memoised(memo, set, encode, SET_JSON_MEMO_MAX)
