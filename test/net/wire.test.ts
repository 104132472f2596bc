// The peer wire in isolation: every message kind round-trips through a line; lines split
// correctly however the stream is chunked; garbage is reported, never thrown.
import { Schema } from "effect"
import { describe, expect, test } from "vitest"
import { PeerMessageSchema } from "../../src/core/codec.ts"
import type { PeerMessage } from "../../src/core/messages.ts"
import { VersionSetSchema } from "../../src/core/versions.ts"
import { encodesToItself } from "../../src/net/plain-json.ts"
import { SET_JSON_MEMO_MAX, setJson } from "../../src/net/set-json.ts"
import { decodeLine, encodeLine, LineSplitter, parseLine } from "../../src/net/wire.ts"

const set = { mode: "dvv", entries: [{ node: "n1", counter: 2, time: 1_700_000_000_000, values: [{ _tag: "Put", value: "héllo\nworld ✓" }] }] } as const

const samples: ReadonlyArray<PeerMessage> = [
  { _tag: "Replicate", op: 7, epoch: 3, key: "k/1", set },
  { _tag: "Replicate", op: 8, epoch: 3, key: "k", set, hintFor: "n3" },
  { _tag: "ReplicateAck", op: 7, epoch: 3, key: "k/1" },
  { _tag: "Read", op: 9, epoch: 3, key: "ключ" },
  { _tag: "ReadReply", op: 9, epoch: 3, key: "ключ", set: { mode: "dvv", entries: [] } },
  // A Read naming the coordinator's versions, and the answer of a replica holding exactly them.
  { _tag: "Read", op: 10, epoch: 3, key: "ключ", digest: "2:n1,2,5,1;" },
  { _tag: "ReadReply", op: 10, epoch: 3, key: "ключ" },
  { _tag: "Repair", key: "k", set },
  { _tag: "Forward", op: 1, epoch: 3, request: { _tag: "Put", id: "n1:5:1", key: "k", value: "v", context: [{ node: "n2", counter: 1, time: 5 }], w: 2 } },
  { _tag: "ForwardReply", op: 1, epoch: 3, reply: { _tag: "Failed", id: "n1:5:1", key: "k", error: "QuorumTimeout", acks: 1, nodes: ["n2"] } },
  { _tag: "HintDeliver", key: "k", set },
  { _tag: "HintAck", key: "k", set },
  { _tag: "Handoff", offer: "offer-1", range: { start: 5n, end: 2n ** 127n + 3n }, entries: [{ key: "k", set }], batch: 0, batches: 1 },
  { _tag: "HandoffAck", offer: "offer-1" },
  { _tag: "Ping" },
  { _tag: "Pong" }
]

describe("peer wire", () => {
  test("every message survives encode, split and decode unchanged", () => {
    const splitter = new LineSplitter()
    const text = samples.map(encodeLine).join("")
    const bytes = Buffer.from(text, "utf8")
    const decoded: Array<PeerMessage> = []
    // Feed in 7-byte chunks: lines and multi-byte characters are cut everywhere.
    for (let i = 0; i < bytes.length; i += 7) {
      splitter.push(bytes.subarray(i, i + 7), (line) => {
        const result = decodeLine(line)
        if (result._tag !== "Message") throw new Error(result.reason)
        decoded.push(result.message)
      })
    }
    expect(splitter.pendingBytes).toBe(0)
    expect(decoded).toEqual(samples)
    for (const line of text.split("\n").slice(0, -1)) expect(line).not.toContain("\n")
  })

  // Catches: the set's text asked for when the field is there but undefined (setJson of
  // undefined threw, so a read's answer built with `set: undefined` could not be sent).
  test("a read's answer whose set field is undefined goes as one without a set", () => {
    const answer = { _tag: "ReadReply", op: 1, epoch: 2, key: "k", set: undefined } as unknown as PeerMessage
    const line = encodeLine(answer)
    expect(line).toBe(`${JSON.stringify({ _tag: "ReadReply", op: 1, epoch: 2, key: "k" })}\n`)
    expect(decodeLine(line.slice(0, -1))).toEqual({ _tag: "Message", message: { _tag: "ReadReply", op: 1, epoch: 2, key: "k" } })
  })

  test("a line written with JSON.stringify alone is the line the Schema encoder writes", () => {
    const encodeMessage = Schema.encodeSync(PeerMessageSchema)
    for (const message of samples) {
      expect(parseLine(encodeLine(message).slice(0, -1)).json, message._tag).toEqual(JSON.parse(JSON.stringify(encodeMessage(message))))
    }
  })

  // Catches: a replica's disk writing a text of its own for a set it was sent (the text not
  // remembered), remembering it for a message whose receiver does not store it (a read's answer),
  // or remembering another text than the set's (the whole line, the fields before the tab). The
  // peer's text here has spaces our encoder never writes, so which text the disk gets shows.
  test("a replica's disk gets the set's text as the peer sent it, which decodes to the set it stores", () => {
    const decodeStored = Schema.decodeUnknownSync(Schema.fromJsonString(VersionSetSchema))
    const text = `{ "mode": "dvv", "entries": [ { "node": "n1", "counter": 3, "time": 9, "values": [ { "_tag": "Put", "value": "v" } ] } ] }`
    const head = (tag: string) => JSON.stringify(tag === "Repair" || tag === "HintDeliver" ? { _tag: tag, key: "k" } : { _tag: tag, op: 1, epoch: 2, key: "k" })
    for (const [tag, stored] of [["Replicate", true], ["Repair", true], ["HintDeliver", true], ["ReadReply", false], ["HintAck", false]] as const) {
      const decoded = decodeLine(`${head(tag)}\t${text}`)
      if (decoded._tag !== "Message" || !("set" in decoded.message)) throw new Error(`${tag}: ${JSON.stringify(decoded)}`)
      const set = decoded.message.set
      expect(setJson(set), tag).toBe(stored ? text : JSON.stringify(set))
      expect(decodeStored(setJson(set)), tag).toEqual(set)
    }
  })

  // Catches: a set's remembered text keyed by anything but the set itself (the key, the op), or
  // a ring slot's text not the text of the set in the same slot (written at another index, or
  // kept once the slot was overwritten), which would send one set's versions for another's.
  test("each message carries its own set's text, however many sets were encoded before", () => {
    const setOf = (i: number) => ({ mode: "dvv", entries: [{ node: "n1", counter: i + 1, time: i, values: [{ _tag: "Put", value: `v${i}` }] }] }) as const
    for (let i = 0; i < SET_JSON_MEMO_MAX * 2 + 3; i++) {
      const sent: PeerMessage = { _tag: "Replicate", op: 1, epoch: 1, key: "same key", set: setOf(i) }
      const again: PeerMessage = { _tag: "ReadReply", op: 2, epoch: 1, key: "same key", set: sent.set }
      for (const message of [sent, again, sent]) {
        const decoded = decodeLine(encodeLine(message).slice(0, -1))
        expect(decoded._tag === "Message" && decoded.message).toEqual(message)
      }
    }
  })

  test("only schemas without transformations count as encoding to themselves", () => {
    expect(encodesToItself(VersionSetSchema.ast)).toBe(true)
    expect(encodesToItself(Schema.Struct({ key: Schema.String, op: Schema.Int, tags: Schema.Array(Schema.Literal("a")) }).ast)).toBe(true)
    expect(encodesToItself(Schema.BigIntFromString.ast)).toBe(false)
    expect(encodesToItself(Schema.Struct({ key: Schema.String, at: Schema.Array(Schema.BigIntFromString) }).ast)).toBe(false)
    const handoff = PeerMessageSchema.members.find((member) => member.ast._tag === "Objects" && member.ast.propertySignatures.some((p) => p.name === "range"))
    expect(handoff !== undefined && encodesToItself(handoff.ast)).toBe(false)
  })

  test("garbage, wrong shapes and non-canonical sets are reported, not thrown", () => {
    for (const line of ["", "nope", "{", "[]", "{\"_tag\":\"Ping\"", "{\"_tag\":\"Replicate\",\"op\":1.5,\"key\":\"k\",\"set\":{\"mode\":\"dvv\",\"entries\":[]}}", "{\"_tag\":\"Read\",\"op\":1}"]) {
      expect(decodeLine(line)._tag, line).toBe("Invalid")
    }
    // The framing: a set after a tab that is not JSON; fields before it that are not an object, or that carry a set too.
    const framed = {
      "{\"_tag\":\"Repair\",\"key\":\"k\"}\t{\"mode\":": /^not JSON \(/,
      "[]\t{\"mode\":\"dvv\",\"entries\":[]}": /^not a message and its set \(/,
      "{\"_tag\":\"Repair\",\"key\":\"k\",\"set\":{}}\t{\"mode\":\"dvv\",\"entries\":[]}": /^not a message and its set \(/,
      "{\"_tag\":\"Repair\",\"key\":\"k\"}\t{\"mode\":\"dvv\",\"entries\":[{\"node\":\"a\",\"counter\":0,\"time\":0,\"values\":[]}]}": /^not a peer message \(/
    }
    for (const [line, reason] of Object.entries(framed)) {
      const decoded = decodeLine(line)
      expect(decoded._tag === "Invalid" && decoded.reason, line).toMatch(reason)
    }
  })

  test("a near miss of a put's or get's message is refused by the Schema, or decoded by it with its extra key dropped", () => {
    // One wrong field each (a hintFor that is a number, a fractional epoch, a zero counter, LWW versions
    // not in canonical form, a value without its field): the Schema names the problem.
    const refused = [
      `{"_tag":"ReplicateAck","op":1,"epoch":2,"key":"k","hintFor":5}`,
      `{"_tag":"Read","op":1,"epoch":1.5,"key":"k"}`,
      `{"_tag":"Read","op":1,"epoch":2,"key":"k","digest":5}`,
      `{"_tag":"ReadReply","op":1,"epoch":2,"key":"k","set":null}`,
      `{"_tag":"Replicate","op":1,"epoch":2,"key":"k","set":{"mode":"dvv","entries":[{"node":"a","counter":0,"time":0,"values":[]}]}}`,
      `{"_tag":"ReadReply","op":1,"epoch":2,"key":"k","set":{"mode":"lww","versions":[{"time":1,"actor":"a","value":{"_tag":"Put","value":"x"}},{"time":2,"actor":"b","value":{"_tag":"Put","value":"y"}}]}}`,
      `{"_tag":"ReadReply","op":1,"epoch":2,"key":"k","set":{"mode":"dvv","entries":[{"node":"a","counter":1,"time":0,"values":[{"_tag":"Put"}]}]}}`
    ]
    for (const line of refused) {
      const decoded = decodeLine(line)
      expect(decoded._tag, line).toBe("Invalid")
      if (decoded._tag === "Invalid") expect(decoded.reason, line).toMatch(/^not a peer message \(/)
    }
    const decoded = decodeLine(`{"_tag":"Read","op":1,"epoch":2,"key":"k","extra":true}`)
    expect(decoded).toStrictEqual({ _tag: "Message", message: { _tag: "Read", op: 1, epoch: 2, key: "k" } })
  })

  test("an unfinished line is held, and reported by its size", () => {
    const splitter = new LineSplitter()
    const lines: Array<string> = []
    splitter.push(Buffer.from("{\"_tag\":\"Ping\"}\n{\"_tag\":\"Po"), (line) => lines.push(line))
    expect(lines).toEqual(["{\"_tag\":\"Ping\"}"])
    expect(splitter.pendingBytes).toBe(11)
  })
})

describe("AntiEntropy on the wire, exchange by exchange (src/net/anti-entropy-wire.ts)", () => {
  const schemaLine = (message: PeerMessage) => JSON.stringify(Schema.encodeSync(PeerMessageSchema)(message)) + "\n"
  const schemaDecode = Schema.decodeUnknownSync(PeerMessageSchema)
  const range = { start: 5n, end: 2n ** 127n + 3n }
  const other = { start: 2n ** 127n + 3n, end: 5n }
  const message: PeerMessage = {
    _tag: "AntiEntropy",
    exchanges: [
      { _tag: "MerkleRoot", range, hash: 2n ** 128n - 1n },
      { _tag: "MerkleInSync", range: other },
      { _tag: "MerkleChildrenRequest", range, level: 1, indices: [0, 3] },
      { _tag: "MerkleChildren", range, level: 1, nodes: [{ index: 3, hashes: [0n, 7n] }] },
      { _tag: "MerkleLeafRequest", range, buckets: [2] },
      { _tag: "MerkleLeafHashes", range, buckets: [2], entries: [{ key: "k", hash: 9n }] },
      { _tag: "MerkleSync", range, entries: [{ key: "k", set }], wanted: ["j"] },
      { _tag: "MerkleSyncReply", range, entries: [{ key: "j", set }] },
      { _tag: "MerkleRoot", range: other, hash: 0n }
    ]
  }

  // Catches: a remembered root served for a range whose hash changed, or bytes that differ from
  // the Schema encoding of the whole message (a field order or an exchange dropped).
  test("writes the bytes the Schema encoder writes, before and after its roots are remembered", () => {
    expect(encodeLine(message)).toBe(schemaLine(message))
    expect(encodeLine(message)).toBe(schemaLine(message))
    const changed: PeerMessage = { _tag: "AntiEntropy", exchanges: [{ _tag: "MerkleRoot", range, hash: 42n }] }
    expect(encodeLine(changed)).toBe(schemaLine(changed))
    expect(encodeLine(changed)).toContain('"hash":"42"')
  })

  // Catches: a remembered decode returned for input that is not the same text (a number where
  // the Schema wants a string), or an exchange let through without its Schema.
  test("reads what the Schema reads, and refuses what it refuses, remembered roots or not", () => {
    const line = schemaLine(message).trimEnd()
    for (let round = 0; round < 2; round++) {
      const decoded = decodeLine(line)
      expect(decoded).toEqual({ _tag: "Message", message: schemaDecode(JSON.parse(line)) })
    }
    const root = { _tag: "MerkleRoot", range: { start: "5", end: "9" }, hash: "7" }
    expect(decodeLine(JSON.stringify({ _tag: "AntiEntropy", exchanges: [root] }))._tag).toBe("Message")
    const bad = [
      { ...root, hash: 7 },
      { ...root, hash: (2n ** 128n).toString() },
      { ...root, range: { start: "-1", end: "9" } },
      { _tag: "MerkleRoot", range: { start: "5", end: "9" } },
      { _tag: "MerkleNothing", range: { start: "5", end: "9" } }
    ]
    for (const exchange of bad) {
      const decoded = decodeLine(JSON.stringify({ _tag: "AntiEntropy", exchanges: [root, exchange] }))
      expect(decoded._tag, JSON.stringify(exchange)).toBe("Invalid")
      if (decoded._tag === "Invalid") expect(decoded.reason).toMatch(/exchanges\[1\]/)
    }
    expect(decodeLine(JSON.stringify({ _tag: "AntiEntropy", exchanges: "none" }))._tag).toBe("Invalid")
  })
})
