// The exact checks that let the hot peer messages and a client's context skip their Schema
// (src/core/exact-json.ts, VClock.isExactClock) against the Schema itself: on values generated near
// the messages' shape (valid ones, and ones with a key missing or added, a field of the wrong type,
// a counter of 0, clock entries out of order, an unknown mode or tag), a guard accepts a value
// exactly when the Schema decodes it to an equal value. Catches a guard that accepts more than the
// Schema (a dropped type, key-count or canonical-form check: a node would take a malformed set as
// it is) and one that accepts less (always false: the fast path would never be taken).
import { fc } from "@fast-check/vitest"
import { Result, Schema } from "effect"
import { describe, expect, test } from "vitest"
import { isExactHotMessage, PeerMessageSchema } from "../src/core/index.ts"
import { decodeContext, encodeContext, VClockSchema } from "../src/core/versions.ts"

const RUNS = 3_000
/** At least this share of the generated messages must pass the guard (and the Schema), and as many fail. */
const SIDE_SHARE_MIN = 0.15

const decodeMessage = Schema.decodeUnknownResult(PeerMessageSchema)
const decodeContextBySchema = Schema.decodeUnknownResult(Schema.StringFromBase64Url.pipe(Schema.decodeTo(Schema.fromJsonString(VClockSchema))))

const nodeArb = fc.constantFrom("a", "b", "c")
/** Mostly valid numbers, sometimes not: 0 and -1 (not a counter), 1.5 (not an integer), a string. */
const counterArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, "1") })
const timeArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(0.5, "t", null) })
const stringArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 8, arbitrary: fc.constantFrom("k", "v", "") }, { weight: 1, arbitrary: fc.constantFrom(1, null) })

/** A JSON object with, sometimes, one key dropped or one extra key. */
const objectArb = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> =>
  fc.tuple(fc.record(fields), fc.nat({ max: 11 })).map(([object, change]) => {
    const keys = Object.keys(object)
    if (change === 0) {
      const copy: Record<string, unknown> = { ...object }
      delete copy[keys[keys.length - 1]!]
      return copy
    }
    if (change === 1) return { ...object, extra: 1 }
    return object
  })

const valueArb = fc.oneof(
  objectArb({ _tag: fc.constant("Put"), value: stringArb }),
  objectArb({ _tag: fc.constant("Tombstone"), id: stringArb }),
  objectArb({ _tag: fc.constant("Other"), value: stringArb })
)
const clockArb = fc.array(objectArb({ node: nodeArb, counter: counterArb, time: timeArb }), { maxLength: 3 })
const setArb = fc.oneof(
  objectArb({ mode: fc.constant("dvv"), entries: fc.array(objectArb({ node: nodeArb, counter: counterArb, time: timeArb, values: fc.array(valueArb, { maxLength: 2 }) }), { maxLength: 3 }) }),
  objectArb({ mode: fc.constant("vv"), siblings: fc.array(objectArb({ clock: clockArb, value: valueArb }), { maxLength: 2 }) }),
  objectArb({ mode: fc.constant("lww"), versions: fc.array(objectArb({ time: timeArb, actor: stringArb, value: valueArb }), { maxLength: 2 }) }),
  objectArb({ mode: fc.constant("other"), entries: fc.constant([]) })
)
const intArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 9 }) }, { weight: 1, arbitrary: fc.constantFrom(1.5, "1", null) })
const messageArb = fc.oneof(
  objectArb({ _tag: fc.constant("Read"), op: intArb, epoch: intArb, key: stringArb }),
  objectArb({ _tag: fc.constant("ReplicateAck"), op: intArb, epoch: intArb, key: stringArb }),
  objectArb({ _tag: fc.constant("ReplicateAck"), op: intArb, epoch: intArb, key: stringArb, hintFor: stringArb }),
  objectArb({ _tag: fc.constant("ReadReply"), op: intArb, epoch: intArb, key: stringArb, set: setArb }),
  objectArb({ _tag: fc.constant("Replicate"), op: intArb, epoch: intArb, key: stringArb, set: setArb }),
  objectArb({ _tag: fc.constant("Replicate"), op: intArb, epoch: intArb, key: stringArb, set: setArb, hintFor: stringArb }),
  objectArb({ _tag: fc.constant("Ping") }),
  fc.constantFrom(null, [], "Read", 3)
)

/** Whether the Schema decodes `value` to a value equal to it (nothing stripped, nothing rebuilt differently). */
const schemaTakesAsIs = (value: unknown): boolean => {
  const decoded = decodeMessage(value)
  if (Result.isFailure(decoded)) return false
  try {
    expect(decoded.success).toStrictEqual(value)
    return true
  } catch {
    return false
  }
}

describe("exact checks against the Schema", () => {
  test("a hot peer message passes the exact check iff the Schema decodes it unchanged", () => {
    let accepted = 0
    let refused = 0
    fc.assert(
      fc.property(messageArb, (message) => {
        const json = JSON.parse(JSON.stringify(message)) as unknown
        const exact = isExactHotMessage(json)
        const tag = typeof json === "object" && json !== null ? (json as Record<string, unknown>)["_tag"] : undefined
        const hot = tag === "Replicate" || tag === "ReplicateAck" || tag === "Read" || tag === "ReadReply"
        // Other messages are the Schema's alone; for the four, the check and the Schema agree.
        expect(exact).toBe(hot && schemaTakesAsIs(json))
        if (exact) accepted += 1
        else refused += 1
      }),
      { numRuns: RUNS }
    )
    expect(accepted).toBeGreaterThan(RUNS * SIDE_SHARE_MIN)
    expect(refused).toBeGreaterThan(RUNS * SIDE_SHARE_MIN)
  })

  test("a context decodes to what the Schema alone makes of it, valid, altered or garbage", () => {
    const contextArb = fc.oneof(
      clockArb.map((clock) => Buffer.from(JSON.stringify(clock)).toString("base64url")),
      fc.tuple(clockArb, fc.nat(), fc.constantFrom("A", "-", "_", "=", "!", "")).map(([clock, at, char]) => {
        const text = Buffer.from(JSON.stringify(clock)).toString("base64url")
        const i = text.length === 0 ? 0 : at % text.length
        return text.slice(0, i) + char + text.slice(i + 1)
      }),
      fc.string({ maxLength: 12 })
    )
    let valid = 0
    fc.assert(
      fc.property(contextArb, (text) => {
        const fast = decodeContext(text)
        if (text === "") return
        const slow = decodeContextBySchema(text)
        if (Result.isSuccess(slow)) {
          valid += 1
          expect(fast).toStrictEqual({ _tag: "Ok", context: slow.success })
          // What the node hands back decodes to the same clock.
          expect(decodeContext(encodeContext(slow.success))).toStrictEqual(fast)
        } else {
          expect(fast).toStrictEqual({ _tag: "Error", message: `invalid context: ${slow.failure.message}` })
        }
      }),
      { numRuns: RUNS }
    )
    expect(valid).toBeGreaterThan(RUNS * SIDE_SHARE_MIN)
  })
})
