// The conform adapter for etcd v3 through its JSON gateway (/v3/kv/range, /v3/kv/put,
// /v3/kv/txn; keys and values base64): a linearizable store without siblings. Its context is
// the key's mod revision ("0" when absent), and a write with a context is a transaction that
// applies only if the key's mod revision is still that one, so a stale context fails cleanly.
import { conflict, failed, indeterminate, jsonOf, ok, request, type Adapter, type Fetch, type GetResult, type Reply } from "../adapter.ts"

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64")
const unb64 = (text: string) => Buffer.from(text, "base64").toString("utf8")
const endpoint = (base: string, path: string) => `${base.replace(/\/+$/, "")}${path}`

const post = (fetcher: Fetch, base: string, path: string, body: unknown) =>
  request(fetcher, endpoint(base, path), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

interface RangeReply {
  readonly kvs?: ReadonlyArray<{ readonly value?: string; readonly mod_revision?: string }>
}

/** The gateway's error body names the gRPC error; "etcdserver: ..." text. */
const errorOf = (status: number, body: string): string => {
  const parsed = jsonOf(body) as { error?: unknown; message?: unknown } | undefined
  const text = typeof parsed?.message === "string" ? parsed.message : typeof parsed?.error === "string" ? parsed.error : body.slice(0, 120)
  return `HTTP ${status}: ${text}`
}

/**
 * A write's outcome: 200 with `succeeded` (a transaction that applied), 200 without it (its
 * comparison failed: nothing written), 400 (refused as malformed); any other error, such as
 * "request timed out" or "leader changed", may still commit.
 */
const writeReply = (answer: Awaited<ReturnType<typeof request>>, transaction: boolean): Reply<void> => {
  if (answer._tag === "Unsent") return failed(answer.reason)
  if (answer._tag === "Lost") return indeterminate(answer.reason)
  const status = answer.response.status
  if (status === 200) {
    if (!transaction) return ok(undefined)
    const body = jsonOf(answer.body) as { succeeded?: unknown } | undefined
    return body?.succeeded === true ? ok(undefined) : conflict("the key changed since the read (mod revision differs)")
  }
  return status === 400 ? failed(errorOf(status, answer.body)) : indeterminate(errorOf(status, answer.body))
}

const guarded = (key: string, context: string | undefined) => ({
  compare: [{ key: b64(key), target: "MOD", result: "EQUAL", mod_revision: context ?? "0" }]
})

export const etcdAdapter = (fetcher: Fetch = fetch): Adapter => ({
  name: "etcd",

  async describe(url) {
    const answer = await request(fetcher, endpoint(url, "/version"), {})
    const version = answer._tag === "Response" ? (jsonOf(answer.body) as { etcdserver?: unknown } | undefined)?.etcdserver : undefined
    return { reads: { kind: "linearizable" }, store: `etcd ${typeof version === "string" ? version : "(version unknown)"}, linearizable reads, compare-and-swap on the mod revision` }
  },

  async ready(url) {
    const answer = await request(fetcher, endpoint(url, "/health"), {}, 1_000)
    return answer._tag === "Response" && answer.response.status === 200 && (jsonOf(answer.body) as { health?: unknown } | undefined)?.health === "true"
  },

  async get(url, key): Promise<Reply<GetResult>> {
    const answer = await post(fetcher, url, "/v3/kv/range", { key: b64(key) })
    if (answer._tag !== "Response") return failed(answer.reason)
    if (answer.response.status !== 200) return failed(errorOf(answer.response.status, answer.body))
    const body = jsonOf(answer.body) as RangeReply | undefined
    const kv = body?.kvs?.[0]
    if (kv === undefined) return ok({ values: [], context: "0" })
    return ok({ values: [unb64(kv.value ?? "")], context: kv.mod_revision ?? "0" })
  },

  async put(url, key, value, context) {
    if (context === undefined) return writeReply(await post(fetcher, url, "/v3/kv/put", { key: b64(key), value: b64(value) }), false)
    return writeReply(await post(fetcher, url, "/v3/kv/txn", {
      ...guarded(key, context),
      success: [{ request_put: { key: b64(key), value: b64(value) } }]
    }), true)
  },

  async delete(url, key, context) {
    return writeReply(await post(fetcher, url, "/v3/kv/txn", {
      ...guarded(key, context),
      success: [{ request_delete_range: { key: b64(key) } }]
    }), true)
  }
})
