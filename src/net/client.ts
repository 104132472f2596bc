// A client of the node HTTP API (README "HTTP API") on Effect's HttpClient: what `dynamo get`,
// `put`, `delete` and `status` use. It returns the status, body and the coordinator's headers;
// interpreting them is the caller's business.
import { Effect, Schema } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { HEADER_COORDINATOR, HEADER_NODES } from "./api.ts"

export const NODE_URL_DEFAULT = "http://127.0.0.1:7001"

export class ClientError extends Schema.TaggedError<ClientError>()("ClientError", {
  message: Schema.String
}) {}

export interface ApiReply {
  readonly status: number
  readonly body: unknown
  readonly coordinator: string | undefined
  readonly nodes: string | undefined
}

/** The path of a key: every byte outside the unreserved set percent-encoded, `/` included. */
export const keyPath = (key: string): string => `/kv/${encodeURIComponent(key)}`

const send = (base: string, request: HttpClientRequest.HttpClientRequest) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const response = yield* client.execute(request)
    const text = yield* response.text
    let body: unknown = text
    try {
      body = text === "" ? null : JSON.parse(text)
    } catch {
      // not JSON: keep the text
    }
    return {
      status: response.status,
      body,
      coordinator: response.headers[HEADER_COORDINATOR],
      nodes: response.headers[HEADER_NODES]
    } satisfies ApiReply
  }).pipe(
    Effect.mapError((error) => new ClientError({ message: `cannot reach ${base}: ${error.message}` }))
  )

const url = (base: string, path: string, query: Record<string, number | undefined> = {}): string => {
  const params = Object.entries(query).filter(([, value]) => value !== undefined).map(([name, value]) => `${name}=${value}`)
  return `${base.replace(/\/+$/, "")}${path}${params.length === 0 ? "" : `?${params.join("&")}`}`
}

export const getKey = (base: string, key: string, r?: number) =>
  send(base, HttpClientRequest.get(url(base, keyPath(key), { r })))

export const putKey = (base: string, key: string, value: string, context?: string, w?: number) =>
  send(base, HttpClientRequest.put(url(base, keyPath(key), { w })).pipe(
    HttpClientRequest.bodyJsonUnsafe(context === undefined ? { value } : { value, context })
  ))

export const deleteKey = (base: string, key: string, context: string, w?: number) =>
  send(base, HttpClientRequest.delete(url(base, keyPath(key), { w })).pipe(HttpClientRequest.bodyJsonUnsafe({ context })))

export const getStatus = (base: string) => send(base, HttpClientRequest.get(url(base, "/status")))

/** `POST /admin/join` or `/admin/leave` (src/net/admin.ts). */
export const postAdmin = (
  base: string,
  change: "join" | "leave",
  body: { readonly node: string; readonly capacity?: number; readonly address?: string; readonly zone?: string; readonly dryRun?: boolean }
) => send(base, HttpClientRequest.post(url(base, `/admin/${change}`)).pipe(HttpClientRequest.bodyJsonUnsafe(body)))
