// Cheap acceptance of the JSON values that cross the hottest boundaries (issue 19): a client's
// context and the peer messages of every put and get (Replicate, ReplicateAck, Read, ReadReply).
// Each guard accepts a parsed JSON value only when it has exactly the shape its Schema describes
// (codec.ts, versions.ts: no extra key, every field of its type, every canonical-form check the
// Schema runs), so the value is what the Schema would decode it to and is used as it is. Anything
// else is left to the Schema, which decodes it or names what is wrong: the guards never accept
// more than the Schema (properties/exact-json.test.ts compares them on generated and mutated values).
import { isCanonicalVersionSet, type Value, type VersionSet } from "./versions.ts"
import * as VClock from "./vclock.ts"
import type { PeerMessage } from "./messages.ts"

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

/** Whether `object` has exactly `required` keys plus, at most, `optional`. */
const hasKeys = (object: Json, required: number, optional?: string): boolean => {
  let count = 0
  for (const key in object) {
    count += 1
    if (count > required + (optional === undefined ? 0 : 1)) return false
  }
  return count === required || (optional !== undefined && count === required + 1 && object[optional] !== undefined)
}

const isInt = (value: unknown): value is number => Number.isSafeInteger(value)
const isCounter = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1
const isFiniteNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value)
const isString = (value: unknown): value is string => typeof value === "string"

const isValue = (value: unknown): value is Value =>
  isObject(value) && hasKeys(value, 2) &&
  (value["_tag"] === "Put" ? isString(value["value"]) : value["_tag"] === "Tombstone" && isString(value["id"]))

const isExactClock = VClock.isExactClock

const isDvvEntry = (entry: unknown): boolean =>
  isObject(entry) && hasKeys(entry, 4) && isString(entry["node"]) && isCounter(entry["counter"]) && isFiniteNumber(entry["time"]) &&
  Array.isArray(entry["values"]) && entry["values"].every(isValue)

const isVvSibling = (sibling: unknown): boolean => isObject(sibling) && hasKeys(sibling, 2) && isExactClock(sibling["clock"]) && isValue(sibling["value"])

const isLwwVersion = (version: unknown): boolean =>
  isObject(version) && hasKeys(version, 3) && isFiniteNumber(version["time"]) && isString(version["actor"]) && isValue(version["value"])

/** A version set in canonical form, in any mode, exactly as VersionSetSchema decodes it. */
export const isExactVersionSet = (value: unknown): value is VersionSet => {
  if (!isObject(value) || !hasKeys(value, 2)) return false
  switch (value["mode"]) {
    case "dvv":
      if (!Array.isArray(value["entries"]) || !value["entries"].every(isDvvEntry)) return false
      break
    case "vv":
      if (!Array.isArray(value["siblings"]) || !value["siblings"].every(isVvSibling)) return false
      break
    case "lww":
      if (!Array.isArray(value["versions"]) || !value["versions"].every(isLwwVersion)) return false
      break
    default:
      return false
  }
  return isCanonicalVersionSet(value as unknown as VersionSet)
}

/** The peer messages the guard knows: the ones every put and get sends. */
export const EXACT_MESSAGE_TAGS: ReadonlyArray<PeerMessage["_tag"]> = ["Replicate", "ReplicateAck", "Read", "ReadReply"]

/**
 * A Replicate, ReplicateAck, Read or ReadReply exactly as PeerMessageSchema decodes it; false
 * for every other value, including every other message (the Schema decodes those).
 */
export const isExactHotMessage = (value: unknown): value is PeerMessage => {
  if (!isObject(value) || !isInt(value["op"]) || !isInt(value["epoch"]) || !isString(value["key"])) return false
  switch (value["_tag"]) {
    case "Read":
      return hasKeys(value, 4)
    case "ReplicateAck":
      return hasKeys(value, 4, "hintFor") && (value["hintFor"] === undefined || isString(value["hintFor"]))
    case "ReadReply":
      return hasKeys(value, 5) && isExactVersionSet(value["set"])
    case "Replicate":
      return hasKeys(value, 5, "hintFor") && (value["hintFor"] === undefined || isString(value["hintFor"])) && isExactVersionSet(value["set"])
    default:
      return false
  }
}
