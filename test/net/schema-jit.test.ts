// The peer wire decodes with decoders that Effect's Schema JIT compiler generates (src/net/wire.ts;
// unstable in Effect 4). This test holds them to Effect's Schema interpreter, which runs in a child
// process that never enables the compiler (test/net/interpreted-decode.ts). Each line is a valid
// message with up to three edits: a field replaced, removed or added. For every line, decodeLine
// must accept what the interpreter accepts and produce the same message, and refuse what it refuses
// with the same reason (an AntiEntropy line's reason names the exchange, as it always has).
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import fc from "fast-check"
import { Schema } from "effect"
import { describe, expect, test } from "vitest"
import { PeerMessageSchema } from "../../src/core/codec.ts"
import { foundingView, join as joinView } from "../../src/core/membership.ts"
import type { PeerMessage } from "../../src/core/messages.ts"
import { decodeLine, encodeLine, parseLine } from "../../src/net/wire.ts"

const dvv = { mode: "dvv", entries: [{ node: "n1", counter: 2, time: 1_700_000_000_000, values: [{ _tag: "Put", value: "v" }, { _tag: "Tombstone", id: "t1" }] }, { node: "n2", counter: 1, time: 5, values: [] }] } as const
const vv = { mode: "vv", siblings: [{ clock: [{ node: "n1", counter: 1, time: 3 }], value: { _tag: "Put", value: "x" } }] } as const
const lww = { mode: "lww", versions: [{ time: 4, actor: "n2", value: { _tag: "Put", value: "y" } }] } as const
const context = [{ node: "n1", counter: 1, time: 3 }, { node: "n2", counter: 4, time: 9 }]
const range = { start: 5n, end: 2n ** 127n + 3n }

const messages: ReadonlyArray<PeerMessage> = [
  { _tag: "Replicate", op: 7, epoch: 3, key: "k", set: dvv, hintFor: "n3" },
  { _tag: "Replicate", op: 8, epoch: 3, key: "k", set: vv },
  { _tag: "ReplicateAck", op: 7, epoch: 3, key: "k", hintFor: "n3" },
  { _tag: "Read", op: 9, epoch: 3, key: "k" },
  { _tag: "Read", op: 9, epoch: 3, key: "k", digest: "2:n1,2,5,1;" },
  { _tag: "ReadReply", op: 9, epoch: 3, key: "k", set: lww },
  { _tag: "ReadReply", op: 9, epoch: 3, key: "k" },
  { _tag: "Repair", key: "k", set: dvv },
  { _tag: "Forward", op: 1, epoch: 3, request: { _tag: "Put", id: "n1:5:1", key: "k", value: "v", context, w: 2 } },
  { _tag: "ForwardMinted", op: 1, epoch: 3, set: dvv },
  { _tag: "ForwardReply", op: 1, epoch: 3, reply: { _tag: "Failed", id: "n1:5:1", key: "k", error: "QuorumTimeout", acks: 1, nodes: ["n2"] } },
  { _tag: "HintDeliver", key: "k", set: dvv },
  { _tag: "Gossip", gossip: { _tag: "GossipView", view: joinView(foundingView("n1"), "n2", 2, "127.0.0.1:7001", "z1"), replyWanted: true } },
  { _tag: "Handoff", offer: "o-1", range, entries: [{ key: "k", set: dvv }], batch: 0, batches: 1 },
  { _tag: "HandoffPull", offers: ["o-1"] },
  { _tag: "Ping" },
  {
    _tag: "AntiEntropy",
    exchanges: [
      { _tag: "MerkleRoot", range, hash: 2n ** 100n + 7n },
      { _tag: "MerkleChildrenRequest", range, level: 1, indices: [0, 3] },
      { _tag: "MerkleChildren", range, level: 1, nodes: [{ index: 3, hashes: [0n, 7n] }] },
      { _tag: "MerkleLeafHashes", range, buckets: [4], entries: [{ key: "k", hash: 9n }] },
      { _tag: "MerkleSync", range, entries: [{ key: "k", set: dvv }], wanted: ["j"] }
    ]
  }
]
// A line as one JSON value (a set, if any, joined back to its message: parseLine): the edits apply to it.
const encoded: ReadonlyArray<unknown> = messages.map((message) => parseLine(encodeLine(message).slice(0, -1)).json)

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/** Every path into a JSON value, the value itself first. */
const pathsOf = (value: Json, at: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> => [
  at,
  ...(Array.isArray(value)
    ? value.flatMap((item, i) => pathsOf(item, [...at, i]))
    : value !== null && typeof value === "object"
    ? Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...at, key]))
    : [])
]

type Edit = { readonly kind: "replace" | "remove" | "add"; readonly path: number; readonly value: Json }

/** `value` with `edit` made at its `path`-th path (modulo their number); the root is only replaced. */
const edited = (value: Json, edit: Edit): Json => {
  const paths = pathsOf(value)
  const path = paths[edit.path % paths.length]!
  const at = (node: Json, depth: number): Json => {
    if (depth === path.length) {
      if (edit.kind === "replace" || depth === 0) return edit.value
      if (Array.isArray(node)) return edit.kind === "add" ? [...node, edit.value] : node.slice(1)
      if (node !== null && typeof node === "object") {
        const record = node as { readonly [key: string]: Json }
        if (edit.kind === "add") return { ...record, extra: edit.value }
        const [first] = Object.keys(record)
        if (first === undefined) return record
        const { [first]: _removed, ...rest } = record
        return rest
      }
      return edit.value
    }
    const step = path[depth]!
    if (Array.isArray(node)) return node.map((item, i) => (i === step ? at(item, depth + 1) : item))
    const record = node as { readonly [key: string]: Json }
    return { ...record, [step]: at(record[step as string]!, depth + 1) }
  }
  return at(value, 0)
}

/** Values near the ones a field holds: wrong types, fractions, zero, negatives, empty and long strings, tags. */
const nearValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 2 ** 53, "", "n1", "Put", "Tombstone", "dvv", "lww", "vv", [], {}, { _tag: "Put" }),
  fc.integer({ min: -3, max: 3 }),
  fc.string({ maxLength: 4 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>
)

const edit: fc.Arbitrary<Edit> = fc.record({ kind: fc.constantFrom("replace", "remove", "add"), path: fc.nat(), value: nearValue })

const lines = fc.tuple(fc.constantFrom(...encoded), fc.array(edit, { maxLength: 3 }))
  .map(([message, edits]) => JSON.stringify(edits.reduce<Json>(edited, message as Json)))

/** An AntiEntropy line is decoded exchange by exchange (src/net/anti-entropy-wire.ts), its refusals worded by exchange. */
const isAntiEntropy = (line: string): boolean => {
  try {
    const json: unknown = JSON.parse(line)
    return typeof json === "object" && json !== null && (json as Record<string, unknown>)["_tag"] === "AntiEntropy"
  } catch {
    return false
  }
}

const encodeMessage = Schema.encodeSync(PeerMessageSchema)

describe("peer wire: the generated decoders against the interpreter", () => {
  // Catches a generated decoder that skips a check (a counter of 0, a fractional epoch, an lww set
  // of two versions, an unsorted view), keeps a key the interpreter drops, reads an optional key as
  // required, or gives a refusal other words than the interpreter's.
  test("every edited message is accepted, decoded and refused as the interpreter does", () => {
    const sample = fc.sample(lines, { seed: fc.readConfigureGlobal().seed ?? 0, numRuns: 800 })
    const child = spawnSync(process.execPath, ["--import", "tsx", join(import.meta.dirname, "interpreted-decode.ts")], {
      input: sample.join("\n") + "\n",
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024
    })
    expect(child.status, child.stderr).toBe(0)
    const oracle = JSON.parse(child.stdout) as ReadonlyArray<{ readonly ok?: unknown; readonly reason?: string }>
    expect(oracle).toHaveLength(sample.length)
    let accepted = 0
    sample.forEach((line, i) => {
      const expected = oracle[i]!
      const decoded = decodeLine(line)
      if (decoded._tag === "Message") {
        accepted += 1
        expect(expected.reason, line).toBeUndefined()
        expect(JSON.parse(JSON.stringify(encodeMessage(decoded.message))), line).toEqual(expected.ok)
      } else if (isAntiEntropy(line)) {
        expect(expected.ok, line).toBeUndefined()
      } else {
        expect(decoded.reason, line).toBe(expected.reason)
      }
    })
    // Both outcomes are drawn often: a sample of only refusals (or only acceptances) would compare little.
    expect(accepted).toBeGreaterThan(sample.length / 10)
    expect(accepted).toBeLessThan(sample.length * 0.9)
  })
})
