// The conform adapter for this project's HTTP API (README "HTTP API"): GET /kv/{key} returns
// the values (siblings) and a context, PUT and DELETE carry it back. Standalone on purpose: it
// speaks the documented wire format, as a user's own client would.
import { failed, indeterminate, jsonOf, ok, request, type Adapter, type Fetch, type GetResult, type Reply } from "../adapter.ts"
import type { ReadPromise } from "../history.ts"

const keyUrl = (base: string, key: string) => `${base.replace(/\/+$/, "")}/kv/${encodeURIComponent(key)}`

/**
 * A failed write's outcome: 400 (refused as malformed) and 409 (over the sibling limit) wrote
 * nothing; a 503 says so in its `outcome` field ("not-written" or "unknown"), and one without
 * it may have written a copy. Anything else (504, 500) may have too.
 */
export const writeOutcome = (status: number, body: unknown, header: string | null): Reply<void> => {
  if (status === 200) return ok(undefined)
  const fields = (typeof body === "object" && body !== null ? body : {}) as { error?: unknown; outcome?: unknown }
  const reason = `HTTP ${status}${typeof fields.error === "string" ? `: ${fields.error}` : ""}`
  if (status === 400 || status === 409) return failed(reason)
  const outcome = typeof fields.outcome === "string" ? fields.outcome : header
  if (status === 503 && outcome === "not-written") return failed(reason)
  return indeterminate(reason)
}

export const dynamoAdapter = (fetcher: Fetch = fetch): Adapter => ({
  name: "dynamo",

  async describe(url) {
    const answer = await request(fetcher, `${url.replace(/\/+$/, "")}/status`, {})
    if (answer._tag !== "Response" || answer.response.status !== 200) return { reads: { kind: "none" }, store: "dynamo (no status)" }
    const status = jsonOf(answer.body) as { n?: unknown; r?: unknown; w?: unknown; clock?: unknown; members?: ReadonlyArray<unknown> } | undefined
    const n = status?.n, r = status?.r, w = status?.w
    const reads: ReadPromise = typeof n === "number" && typeof r === "number" && typeof w === "number" ? { kind: "quorum", n, r, w } : { kind: "none" }
    const clock = typeof status?.clock === "string" ? status.clock : "unknown"
    return { reads, store: `dynamo-reference, ${status?.members?.length ?? "?"} nodes, N=${String(n)} R=${String(r)} W=${String(w)}, clock ${clock}` }
  },

  async ready(url, pid) {
    const answer = await request(fetcher, `${url.replace(/\/+$/, "")}/status`, {}, 1_000)
    if (answer._tag !== "Response" || answer.response.status !== 200) return false
    const status = jsonOf(answer.body) as { ready?: unknown; pid?: unknown } | undefined
    // A node that names another process is not the one started (its port was taken meanwhile).
    if (pid !== undefined && typeof status?.pid === "number" && status.pid !== pid) return false
    return status?.ready === true
  },

  async get(url, key): Promise<Reply<GetResult>> {
    const answer = await request(fetcher, keyUrl(url, key), {})
    if (answer._tag !== "Response") return failed(answer.reason)
    const body = jsonOf(answer.body) as { values?: unknown; context?: unknown; error?: unknown } | undefined
    const status = answer.response.status
    if ((status === 200 || status === 404) && typeof body?.context === "string") {
      const values = status === 200 && Array.isArray(body.values) ? body.values.filter((value): value is string => typeof value === "string") : []
      return ok({ values, context: body.context })
    }
    return failed(`HTTP ${status}${typeof body?.error === "string" ? `: ${body.error}` : ""}`)
  },

  async put(url, key, value, context) {
    const answer = await request(fetcher, keyUrl(url, key), {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(context === undefined ? { value } : { value, context })
    })
    if (answer._tag === "Unsent") return failed(answer.reason)
    if (answer._tag === "Lost") return indeterminate(answer.reason)
    return writeOutcome(answer.response.status, jsonOf(answer.body), answer.response.headers.get("x-dynamo-outcome"))
  },

  async delete(url, key, context) {
    const answer = await request(fetcher, keyUrl(url, key), {
      method: "DELETE",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ context: context ?? "" })
    })
    if (answer._tag === "Unsent") return failed(answer.reason)
    if (answer._tag === "Lost") return indeterminate(answer.reason)
    return writeOutcome(answer.response.status, jsonOf(answer.body), answer.response.headers.get("x-dynamo-outcome"))
  }
})
