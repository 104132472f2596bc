// The hash a Merkle leaf holds for one key (paper 4.7): a 128-bit digest (hash.ts digest128) of
// the key and the canonical text of its version set. Two replicas holding the same versions of a
// key must hash alike whatever order their objects' fields were written in, so the text is built
// field by field, not by JSON.stringify.
import { digest128 } from "./hash.ts"
import type { DvvEntry } from "./dvv.ts"
import type { VClock } from "./vclock.ts"
import { isEmptySet, type Value, type VersionSet } from "./versions.ts"

/** The hash of an empty subtree, an empty leaf, and a key without versions. */
export const EMPTY_HASH = 0n

/**
 * The 128-bit hash of a key and its versions: digest128 of the key and the set's canonical text;
 * EMPTY_HASH for an empty set (a key never written and a key with no versions look the same, as in
 * sameVersions). The key is inside the hashed text, so two keys with equal sets never cancel in
 * a leaf's XOR.
 */
export function keyVersionHash(key: string, set: VersionSet | undefined): bigint {
  if (set === undefined || isEmptySet(set)) return EMPTY_HASH
  // Not memoised per set: a leaf (or a small tree's list entry) caches its hash, so a set is
  // hashed again only when its leaf changed since the last exchange, and with the shell's 1,024
  // ranges a leaf holds about one key up to millions of keys per node. A WeakMap memo by set
  // (there until issue 19's twelfth round) held an ephemeron per stored set, which made every
  // full collection walk them (mark-compact pauses 190 against 48 ms over a run, the p99.9 0.82x
  // without it), and saved no measurable CPU. No memo by text either: looking a few hundred
  // characters up costs more than their digest.
  return digest128(`${JSON.stringify(key)}|${versionSetText(set)}`)
}

/**
 * A version set as text with every field written in a fixed order, so equal sets give equal text
 * whatever order a constructor or a decoder wrote their fields in (two replicas holding the same
 * versions must hash alike, or anti-entropy would never quiesce). Names are JSON-quoted and
 * values length-prefixed (valueText), so the text is unambiguous. Far cheaper than sorting the
 * keys of generic JSON on every write.
 */
export function versionSetText(set: VersionSet): string {
  // Plain loops and concatenation: this runs for every new set an exchange hashes.
  let text: string
  switch (set.mode) {
    case "dvv":
      text = "dvv["
      for (const e of set.entries) text += dvvEntryText(e)
      return `${text}]`
    case "vv":
      text = "vv["
      for (const s of set.siblings) text += `{${clockText(s.clock)}}${valueText(s.value)},`
      return `${text}]`
    case "lww":
      text = "lww["
      for (const v of set.versions) text += `${v.time}:${JSON.stringify(v.actor)}:${valueText(v.value)},`
      return `${text}]`
  }
}

/**
 * One DVV entry's text, built each time it is hashed and not kept: a memo by entry held a copy of
 * every hashed value for as long as its version lived, 1.2 KiB more heap per key of 1 KiB once
 * anti-entropy had hashed it (issue 19, tenth round), for no measurable speed.
 */
const dvvEntryText = (e: DvvEntry<Value>): string => {
  let text = `${JSON.stringify(e.node)}:${e.counter}:${e.time}:[`
  for (const v of e.values) text += `${valueText(v)},`
  text += "],"
  return text
}

/**
 * A value as its length in UTF-16 code units and its text as it is: no escaping pass over a
 * kilobyte (JSON.stringify took about a third of a key's hash). A string that is not well-formed
 * UTF-16 (a lone surrogate, which a client's JSON can carry) is JSON-quoted instead, under its
 * own letter: the digest reads UTF-8, where every lone surrogate becomes U+FFFD, and two such
 * values would otherwise hash alike.
 */
const valueText = (v: Value): string => {
  if (v._tag !== "Put") return `T${JSON.stringify(v.id)}`
  return v.value.isWellFormed() ? `P${v.value.length}:${v.value}` : `J${JSON.stringify(v.value)}`
}

const clockText = (c: VClock): string => {
  let text = ""
  for (const e of c) text += `${JSON.stringify(e.node)}:${e.counter}:${e.time},`
  return text
}
