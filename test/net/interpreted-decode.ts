// The oracle of test/net/schema-jit.test.ts, run in its own process: peer message lines decoded by
// Effect's Schema interpreter alone. This process imports the core's schemas and nothing of the
// network shell, which is where Effect's Schema JIT compiler is enabled (src/net/wire.ts), so no
// decoder here is generated. Reads JSON lines on stdin; writes one JSON array: per line,
// { ok: encoded message } or { reason }, in decodeLine's words.
import { readFileSync } from "node:fs"
import { Result, Schema } from "effect"
import { PeerMessageSchema } from "../../src/core/codec.ts"

const decode = Schema.decodeUnknownResult(PeerMessageSchema)
const encode = Schema.encodeSync(PeerMessageSchema)
const results = readFileSync(0, "utf8").split("\n").filter((line) => line !== "").map((line) => {
  let json: unknown
  try {
    json = JSON.parse(line)
  } catch (error) {
    return { reason: `not JSON (${(error as Error).message})` }
  }
  const decoded = decode(json)
  return Result.isSuccess(decoded)
    ? { ok: encode(decoded.success) }
    : { reason: `not a peer message (${decoded.failure.message.replace(/\s+/g, " ")})` }
})
process.stdout.write(JSON.stringify(results))
