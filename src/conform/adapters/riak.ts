// The conform adapter for Riak KV's HTTP API: a get asks for every sibling at once (Accept:
// multipart/mixed), answered 200 with one value, 300 Multiple Choices with a multipart/mixed body
// of siblings, or 404; the context is the X-Riak-Vclock header, sent back on put and delete.
// Unit-tested against responses in Riak's documented format (test/conform/adapters.test.ts).
import { failed, indeterminate, ok, request, jsonOf, type Adapter, type Fetch, type GetResult, type HttpAnswer, type Reply } from "../adapter.ts"
import type { ReadPromise } from "../history.ts"

export interface RiakOptions {
  readonly bucketType: string
  readonly bucket: string
}
export const RIAK_OPTIONS_DEFAULT: RiakOptions = { bucketType: "default", bucket: "dynamo-conform" }

const VCLOCK = "x-riak-vclock"

/** One part of a multipart/mixed body: its headers (lower-case names) and its body. */
export interface Part {
  readonly headers: ReadonlyMap<string, string>
  readonly body: string
}

/** Splits a multipart/mixed body (RFC 2046) by its boundary; lines end in CRLF or LF. */
export const parseMultipart = (body: string, contentType: string): ReadonlyArray<Part> | string => {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  if (match === null) return `no boundary in ${JSON.stringify(contentType)}`
  const boundary = match[1] ?? match[2]!
  const parts: Array<Part> = []
  const chunks = body.split(new RegExp(`(?:^|\\r?\\n)--${boundary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`))
  // chunks[0] is the preamble; the chunk after the closing delimiter starts with "--".
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith("--")) break
    const text = chunk.replace(/^[ \t]*\r?\n/, "")
    // Headers end at the first empty line; a part without headers starts with it.
    const split = /^\r?\n/.exec(text) ?? /\r?\n\r?\n/.exec(text)
    const head = split === null ? text : text.slice(0, split.index)
    const content = split === null ? "" : text.slice(split.index + split[0].length)
    const headers = new Map<string, string>()
    for (const line of head.split(/\r?\n/)) {
      const colon = line.indexOf(":")
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
    }
    parts.push({ headers, body: content })
  }
  return parts
}

/** Riak's quorum names for a bucket's r and w, as numbers given n_val. */
const quorumValue = (value: unknown, n: number): number | undefined => {
  if (typeof value === "number") return value
  switch (value) {
    case "quorum":
    case "default":
      return Math.floor(n / 2) + 1
    case "all":
      return n
    case "one":
      return 1
    default:
      return undefined
  }
}

const writeReply = (answer: HttpAnswer, deleting: boolean): Reply<void> => {
  if (answer._tag === "Unsent") return failed(answer.reason)
  if (answer._tag === "Lost") return indeterminate(answer.reason)
  const status = answer.response.status
  if (status === 200 || status === 204 || (deleting && status === 404)) return ok(undefined)
  const reason = `HTTP ${status}: ${answer.body.slice(0, 120).trim()}`
  // 400 (bad request) and 412 (a precondition failed) wrote nothing; a 503 ("timeout", W not
  // met) or a 500 may have left copies that spread.
  return status === 400 || status === 412 ? failed(reason) : indeterminate(reason)
}

export const riakAdapter = (fetcher: Fetch = fetch, options: RiakOptions = RIAK_OPTIONS_DEFAULT): Adapter => {
  const bucketPath = (base: string) => `${base.replace(/\/+$/, "")}/types/${encodeURIComponent(options.bucketType)}/buckets/${encodeURIComponent(options.bucket)}`
  const keyUrl = (base: string, key: string) => `${bucketPath(base)}/keys/${encodeURIComponent(key)}`
  return {
    name: "riak",

    async describe(url) {
      const answer = await request(fetcher, `${bucketPath(url)}/props`, {})
      const props = answer._tag === "Response" ? (jsonOf(answer.body) as { props?: Record<string, unknown> } | undefined)?.props : undefined
      if (props === undefined) return { reads: { kind: "none" }, store: "riak (bucket properties unavailable)" }
      const n = typeof props["n_val"] === "number" ? props["n_val"] : 3
      const r = quorumValue(props["r"], n)
      const w = quorumValue(props["w"], n)
      const reads: ReadPromise = r !== undefined && w !== undefined ? { kind: "quorum", n, r, w } : { kind: "none" }
      return { reads, store: `riak, bucket ${options.bucketType}/${options.bucket}: n_val ${n}, r ${String(props["r"])}, w ${String(props["w"])}, allow_mult ${String(props["allow_mult"])}, last_write_wins ${String(props["last_write_wins"])}` }
    },

    async ready(url) {
      const answer = await request(fetcher, `${url.replace(/\/+$/, "")}/ping`, {}, 1_000)
      return answer._tag === "Response" && answer.response.status === 200
    },

    async get(url, key): Promise<Reply<GetResult>> {
      // deletedvclock: a 404 over a tombstone still carries its clock, so a later put supersedes it.
      const answer = await request(fetcher, `${keyUrl(url, key)}?deletedvclock=true`, { headers: { accept: "multipart/mixed, */*;q=0.5" } })
      if (answer._tag !== "Response") return failed(answer.reason)
      const { response, body } = answer
      const context = response.headers.get(VCLOCK) ?? undefined
      switch (response.status) {
        case 200:
          return ok({ values: [body], context })
        case 404:
          return ok({ values: [], context })
        case 300: {
          const parts = parseMultipart(body, response.headers.get("content-type") ?? "")
          if (typeof parts === "string") return failed(`300 Multiple Choices without a readable multipart body: ${parts}`)
          // Tombstone siblings are marked X-Riak-Deleted; they hold no value.
          const values = parts.filter((part) => part.headers.get("x-riak-deleted") !== "true").map((part) => part.body)
          return ok({ values, context })
        }
        default:
          return failed(`HTTP ${response.status}: ${body.slice(0, 120).trim()}`)
      }
    },

    async put(url, key, value, context) {
      const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" }
      if (context !== undefined) headers[VCLOCK] = context
      return writeReply(await request(fetcher, keyUrl(url, key), { method: "PUT", headers, body: value }), false)
    },

    async delete(url, key, context) {
      return writeReply(await request(fetcher, keyUrl(url, key), { method: "DELETE", headers: context === undefined ? {} : { [VCLOCK]: context } }), true)
    }
  }
}
