// The conform adapters against replies in each store's documented format, through a fake fetch:
// Riak KV's HTTP API (no Riak runs here: 200, 300 Multiple Choices with multipart/mixed
// siblings, 404 with a tombstone's X-Riak-Vclock, 503), etcd's v3 JSON gateway, and this
// project's API. What matters is the classification: ok, failed (no effect), indeterminate.
import { describe, expect, test } from "vitest"
import type { Fetch } from "../../src/conform/adapter.ts"
import { dynamoAdapter, writeOutcome } from "../../src/conform/adapters/dynamo.ts"
import { etcdAdapter } from "../../src/conform/adapters/etcd.ts"
import { parseMultipart, riakAdapter } from "../../src/conform/adapters/riak.ts"

interface Seen {
  url: string
  init: RequestInit
}

/** A fetch that answers every request with `reply` and records what was sent. */
const fake = (reply: (url: string, init: RequestInit) => Response | Error) => {
  const seen: Array<Seen> = []
  const fetcher: Fetch = async (url, init) => {
    seen.push({ url, init })
    const answer = reply(url, init)
    if (answer instanceof Error) throw answer
    return answer
  }
  return { fetcher, seen }
}

const refused = () => Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED", message: "connect ECONNREFUSED" } })
const reset = () => Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET", message: "socket hang up" } })

// A get with siblings, as Riak's HTTP API documents it (Accept: multipart/mixed).
const RIAK_SIBLINGS = [
  "",
  "--YinLMzyUR9feB17okMytgKsylvh",
  "Content-Type: text/plain",
  "Link: </buckets/test>; rel=\"up\"",
  "Etag: 1iuITtFoL3qLRJFY2ujVF9",
  "Last-Modified: Fri, 30 Sep 2011 18:39:13 GMT",
  "",
  "{\"e\":\"c1.4\",\"d\":[\"a\"]}",
  "--YinLMzyUR9feB17okMytgKsylvh",
  "Content-Type: text/plain",
  "Etag: 6cQF7F7V5kqbf7oL2ENi0F",
  "",
  "{\"e\":\"c2.7\",\"d\":[\"b\"]}",
  "--YinLMzyUR9feB17okMytgKsylvh",
  "Content-Type: text/plain",
  "X-Riak-Deleted: true",
  "",
  "",
  "--YinLMzyUR9feB17okMytgKsylvh--",
  ""
].join("\r\n")

describe("riak adapter (Riak KV HTTP API)", () => {
  // Catches: a parser that keeps the part headers in the value, misses the last part, or
  // returns a tombstone sibling as a value.
  test("300 Multiple Choices: every sibling of the multipart/mixed body, tombstones skipped, the vclock as context", async () => {
    const { fetcher, seen } = fake(() => new Response(RIAK_SIBLINGS, {
      status: 300,
      headers: { "content-type": "multipart/mixed; boundary=YinLMzyUR9feB17okMytgKsylvh", "x-riak-vclock": "a85hYGBgzGDKBVIcypz/fgaUHjmdwZTImMfKkD3z10m+LAA=" }
    }))
    const reply = await riakAdapter(fetcher).get("http://riak:8098", "k/1")
    expect(reply).toEqual({ _tag: "Ok", value: { values: ["{\"e\":\"c1.4\",\"d\":[\"a\"]}", "{\"e\":\"c2.7\",\"d\":[\"b\"]}"], context: "a85hYGBgzGDKBVIcypz/fgaUHjmdwZTImMfKkD3z10m+LAA=" } })
    expect(seen[0]!.url).toBe("http://riak:8098/types/default/buckets/dynamo-conform/keys/k%2F1?deletedvclock=true")
    expect(new Headers(seen[0]!.init.headers).get("accept")).toMatch(/^multipart\/mixed/)
  })

  test("200 is one value; 404 is none, keeping a tombstone's vclock; 503 and garbage are failed reads", async () => {
    const one = fake(() => new Response("{\"e\":\"c0.1\",\"d\":[]}", { status: 200, headers: { "x-riak-vclock": "abc=" } }))
    expect(await riakAdapter(one.fetcher).get("http://r", "k")).toEqual({ _tag: "Ok", value: { values: ["{\"e\":\"c0.1\",\"d\":[]}"], context: "abc=" } })
    const gone = fake(() => new Response("not found\n", { status: 404, headers: { "x-riak-vclock": "tomb=" } }))
    expect(await riakAdapter(gone.fetcher).get("http://r", "k")).toEqual({ _tag: "Ok", value: { values: [], context: "tomb=" } })
    const busy = fake(() => new Response("timeout\n", { status: 503 }))
    expect((await riakAdapter(busy.fetcher).get("http://r", "k"))._tag).toBe("Failed")
    const broken = fake(() => new Response("no parts", { status: 300, headers: { "content-type": "multipart/mixed" } }))
    expect(await riakAdapter(broken.fetcher).get("http://r", "k")).toMatchObject({ _tag: "Failed", reason: expect.stringMatching(/no boundary/) })
  })

  // Catches: a put that drops the context (every write would become a sibling of everything), or
  // calls a 503 (W not met, copies may spread) a clean failure.
  test("put and delete carry X-Riak-Vclock; 204 is ok, 400/412 failed, 503 indeterminate, a refused connection failed", async () => {
    const ok = fake(() => new Response(null, { status: 204 }))
    expect(await riakAdapter(ok.fetcher).put("http://r", "k", "v", "ctx=")).toEqual({ _tag: "Ok", value: undefined })
    expect(ok.seen[0]!.init.method).toBe("PUT")
    expect(new Headers(ok.seen[0]!.init.headers).get("x-riak-vclock")).toBe("ctx=")
    expect(ok.seen[0]!.init.body).toBe("v")
    expect(await riakAdapter(ok.fetcher).delete("http://r", "k", "ctx=")).toEqual({ _tag: "Ok", value: undefined })
    expect(ok.seen[1]!.init.method).toBe("DELETE")
    for (const [status, tag] of [[400, "Failed"], [412, "Failed"], [503, "Indeterminate"], [500, "Indeterminate"]] as const) {
      const answer = fake(() => new Response("x", { status }))
      expect((await riakAdapter(answer.fetcher).put("http://r", "k", "v", undefined))._tag, `HTTP ${status}`).toBe(tag)
    }
    expect((await riakAdapter(fake(() => refused()).fetcher).put("http://r", "k", "v", undefined))._tag).toBe("Failed")
    expect((await riakAdapter(fake(() => reset()).fetcher).put("http://r", "k", "v", undefined))._tag).toBe("Indeterminate")
  })

  test("the bucket's n_val, r and w become the read promise", async () => {
    const props = fake(() => Response.json({ props: { n_val: 3, r: "quorum", w: "quorum", allow_mult: true, last_write_wins: false } }))
    const described = await riakAdapter(props.fetcher).describe("http://r")
    expect(described.reads).toEqual({ kind: "quorum", n: 3, r: 2, w: 2 })
    expect(described.store).toMatch(/allow_mult true, last_write_wins false/)
    const one = fake(() => Response.json({ props: { n_val: 3, r: 1, w: "one" } }))
    expect((await riakAdapter(one.fetcher).describe("http://r")).reads).toEqual({ kind: "quorum", n: 3, r: 1, w: 1 })
  })

  test("multipart parsing: LF line ends and a quoted boundary", () => {
    const parts = parseMultipart("--b\nContent-Type: text/plain\n\nx\n--b\n\ny\n--b--\n", "multipart/mixed; boundary=\"b\"")
    expect(parts).toEqual([
      { headers: new Map([["content-type", "text/plain"]]), body: "x" },
      { headers: new Map(), body: "y" }
    ])
  })
})

describe("etcd adapter (v3 JSON gateway)", () => {
  const b64 = (text: string) => Buffer.from(text).toString("base64")

  // Catches: a context that is not the mod revision, or a write with a context that is not a
  // transaction guarded by it (a stale read-modify-write would overwrite a newer value).
  test("range gives the value and its mod revision; a write with a context is a guarded transaction", async () => {
    const range = fake(() => Response.json({ header: { revision: "9" }, kvs: [{ key: b64("k"), value: b64("hello"), mod_revision: "7", create_revision: "2" }], count: "1" }))
    expect(await etcdAdapter(range.fetcher).get("http://e", "k")).toEqual({ _tag: "Ok", value: { values: ["hello"], context: "7" } })
    expect(range.seen[0]!.url).toBe("http://e/v3/kv/range")
    const empty = fake(() => Response.json({ header: { revision: "9" } }))
    expect(await etcdAdapter(empty.fetcher).get("http://e", "k")).toEqual({ _tag: "Ok", value: { values: [], context: "0" } })

    const txn = fake(() => Response.json({ header: {}, succeeded: true }))
    expect((await etcdAdapter(txn.fetcher).put("http://e", "k", "v", "7"))._tag).toBe("Ok")
    expect(txn.seen[0]!.url).toBe("http://e/v3/kv/txn")
    expect(JSON.parse(String(txn.seen[0]!.init.body))).toEqual({
      compare: [{ key: b64("k"), target: "MOD", result: "EQUAL", mod_revision: "7" }],
      success: [{ request_put: { key: b64("k"), value: b64("v") } }]
    })
    const lostRace = fake(() => Response.json({ header: {} }))
    expect(await etcdAdapter(lostRace.fetcher).put("http://e", "k", "v", "7")).toMatchObject({ _tag: "Failed", conflict: true })
    expect(await etcdAdapter(lostRace.fetcher).delete("http://e", "k", "7")).toMatchObject({ _tag: "Failed", conflict: true })
    expect(JSON.parse(String(lostRace.seen[1]!.init.body)).success).toEqual([{ request_delete_range: { key: b64("k") } }])
  })

  test("a blind put is a plain put; a timeout error may still commit; a refused connection did nothing", async () => {
    const put = fake(() => Response.json({ header: {} }))
    expect((await etcdAdapter(put.fetcher).put("http://e", "k", "v", undefined))._tag).toBe("Ok")
    expect(put.seen[0]!.url).toBe("http://e/v3/kv/put")
    const timedOut = fake(() => Response.json({ error: "etcdserver: request timed out", code: 14 }, { status: 503 }))
    expect(await etcdAdapter(timedOut.fetcher).put("http://e", "k", "v", "3")).toMatchObject({ _tag: "Indeterminate", reason: expect.stringMatching(/request timed out/) })
    expect((await etcdAdapter(fake(() => refused()).fetcher).put("http://e", "k", "v", "3"))._tag).toBe("Failed")
  })
})

describe("dynamo adapter (this project's HTTP API)", () => {
  // Catches: calling every 503 a clean failure (a write whose copy may spread would then be
  // expected never to appear), or the reverse.
  test("a failed write's outcome: 503 not-written and 409 failed; 503 unknown, without outcome, or 504 indeterminate", () => {
    expect(writeOutcome(200, {}, null)._tag).toBe("Ok")
    expect(writeOutcome(503, { error: "quorum", outcome: "not-written" }, null)._tag).toBe("Failed")
    expect(writeOutcome(503, { error: "quorum" }, "not-written")._tag).toBe("Failed")
    expect(writeOutcome(503, { error: "quorum", outcome: "unknown" }, null)._tag).toBe("Indeterminate")
    expect(writeOutcome(503, { error: "quorum" }, null)._tag).toBe("Indeterminate")
    expect(writeOutcome(409, { error: "too many siblings" }, null)._tag).toBe("Failed")
    expect(writeOutcome(504, {}, null)._tag).toBe("Indeterminate")
  })

  test("a get: 200 values and context, 404 no values but the context, 503 a failed read", async () => {
    const found = fake(() => Response.json({ key: "k", values: ["a", "b"], context: "ctx" }))
    expect(await dynamoAdapter(found.fetcher).get("http://d/", "a b")).toEqual({ _tag: "Ok", value: { values: ["a", "b"], context: "ctx" } })
    expect(found.seen[0]!.url).toBe("http://d/kv/a%20b")
    const missing = fake(() => Response.json({ error: "not found", key: "k", context: "tomb" }, { status: 404 }))
    expect(await dynamoAdapter(missing.fetcher).get("http://d", "k")).toEqual({ _tag: "Ok", value: { values: [], context: "tomb" } })
    const busy = fake(() => Response.json({ error: "quorum not reached", acks: 1 }, { status: 503 }))
    expect((await dynamoAdapter(busy.fetcher).get("http://d", "k"))._tag).toBe("Failed")
  })
})
