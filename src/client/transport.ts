// How the client exchanges one request with one node: a small service with two layers. On
// Effect's HttpClient (any platform, any middleware), or on undici's keep-alive pools directly,
// the default on Node: one client against a 3-node cluster on the shared 2-vCPU VM, Effect's
// HttpClient over undici spent about 100 µs more CPU per request (~230 against ~125 µs, three
// alternating runs), which a load generator sharing the cores with the nodes cannot afford.
import { Context, Effect, Layer } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import { Pool } from "undici"
import { HEADER_COORDINATOR, HEADER_NODES } from "../net/api.ts"
import type { RawReply } from "./replies.ts"

export type Method = "GET" | "PUT" | "DELETE"

/** The code of the error the HttpClient transport fails with when `timeoutMs` passes. */
export const TIMEOUT_CODE = "DYNAMO_CLIENT_TIMEOUT"

/** Keep-alive connections per node at most (undici's pool); requests beyond wait for one. */
export const CONNECTIONS_PER_NODE_MAX = 64

export interface TransportShape {
  /**
   * Sends `method path` with an optional JSON body to the node at `url` and reads the whole
   * reply within `timeoutMs`. Fails with the transport's own error, which the caller classifies
   * by its code (src/client/errors.ts); a deadline that passed has code TIMEOUT_CODE or undici's.
   */
  readonly send: (url: string, method: Method, path: string, body: string | undefined, timeoutMs: number) => Effect.Effect<RawReply, unknown>
}

export class Transport extends Context.Service<Transport, TransportShape>()("dynamo/client/Transport") {
  /** Over the HttpClient in context (FetchHttpClient, NodeHttpClient, with any middleware). */
  static readonly layerHttpClient: Layer.Layer<Transport, never, HttpClient.HttpClient> = Layer.effect(
    Transport,
    Effect.gen(function*() {
      const http = yield* HttpClient.HttpClient
      const send = (url: string, method: Method, path: string, body: string | undefined, timeoutMs: number) => {
        const request = HttpClientRequest.make(method)(url + path)
        return http.execute(body === undefined ? request : HttpClientRequest.bodyText(request, body, "application/json")).pipe(
          Effect.flatMap((response) => Effect.map(response.text, (text) => rawReplyOf(response.status, response.headers, text))),
          Effect.timeoutOrElse({ duration: timeoutMs, orElse: () => Effect.fail({ code: TIMEOUT_CODE, message: `no reply within ${timeoutMs} ms` }) })
        )
      }
      return Transport.of({ send })
    })
  )

  /** On undici: one keep-alive pool per node (and deadline), closed with the layer. */
  static readonly layerUndici: Layer.Layer<Transport> = Layer.effect(
    Transport,
    Effect.gen(function*() {
      // Pools are made on first use; the deadline is a pool option (set once, not per request).
      const pools = yield* Effect.acquireRelease(
        Effect.sync(() => new Map<string, Pool>()),
        (pools) => Effect.promise(() => Promise.all([...pools.values()].map((pool) => pool.destroy())))
      )
      const poolFor = (url: string, timeoutMs: number): Pool => {
        const name = `${timeoutMs} ${url}`
        let pool = pools.get(name)
        if (pool === undefined) {
          pool = new Pool(url, { connections: CONNECTIONS_PER_NODE_MAX, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
          pools.set(name, pool)
        }
        return pool
      }
      const send = (url: string, method: Method, path: string, body: string | undefined, timeoutMs: number) =>
        Effect.tryPromise({
          // No abort signal (an AbortController and a listener per request): an interrupted
          // request finishes in the background, bounded by the pool's timeouts.
          try: async () => {
            const response = await poolFor(url, timeoutMs).request(body === undefined ? { path, method } : { path, method, body, headers: JSON_HEADERS })
            const text = await response.body.text()
            return rawReplyOf(response.statusCode, response.headers as Readonly<Record<string, string | undefined>>, text)
          },
          catch: (cause) => cause
        })
      return Transport.of({ send })
    })
  )
}

const JSON_HEADERS = { "content-type": "application/json" }

const parseBody = (text: string): unknown => {
  if (text === "") return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A reply's status, JSON body (or its text when it is not JSON) and the coordinator's headers. */
export const rawReplyOf = (status: number, headers: Readonly<Record<string, string | undefined>>, text: string): RawReply => {
  const nodes = headers[HEADER_NODES]
  return { status, body: parseBody(text), coordinator: headers[HEADER_COORDINATOR] ?? "", nodes: nodes === undefined || nodes === "" ? [] : nodes.split(",") }
}
