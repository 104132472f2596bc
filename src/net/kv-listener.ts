// The hot path of the client API: GET, PUT and DELETE on /kv/{key}, answered from node:http's
// request event without a fiber, a router or a response object per request (issue 19: Effect's
// HTTP server cost more CPU per request than anything but the fsync). The server and its life
// (listen, drain, close) and every other route stay on Effect (src/net/node.ts, src/net/api.ts);
// this listener sees each request first and hands Effect's handler what it does not serve.
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import type { NodeHandle } from "./api.ts"
import type { RequestOutcome } from "./driver.ts"
import { badRequestResponse, internalErrorResponse, type KvResponse, noReplyResponse, type ReplyContext, replyResponse, shuttingDownResponse } from "./kv-reply.ts"
import { BadRequest, BODY_BYTES_MAX, bodyTooLarge, type KvRequest, parseGet, parseWriteBody, parseWriteTarget } from "./kv-request.ts"
import { Buffer } from "node:buffer"
import { performance } from "node:perf_hooks"

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void

/** Requests this listener serves; all else (other paths, methods, `Expect: 100-continue`) goes to Effect. */
export const isKvRequest = (request: IncomingMessage): boolean => {
  const method = request.method
  return (method === "GET" || method === "PUT" || method === "DELETE") && request.url !== undefined && request.url.startsWith("/kv/")
}

export const replyContextOf = (handle: NodeHandle): ReplyContext => ({
  id: handle.options.id,
  n: handle.options.config.n,
  siblingsMax: handle.options.config.versions.siblingsMax
})

const write = (handle: NodeHandle, response: ServerResponse, answer: KvResponse): void => {
  if (response.writableEnded || response.destroyed) return
  const text = JSON.stringify(answer.body)
  response.writeHead(answer.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...answer.headers,
    // A response sent while draining closes its connection (as on the Effect routes).
    ...(handle.draining ? { connection: "close" } : {})
  })
  response.end(text)
}

/** A defect (a bug) becomes a logged error and a 500 naming it, never a silent one. */
const defect = (handle: NodeHandle, reply: ReplyContext, request: IncomingMessage, response: ServerResponse, error: unknown): void => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
  handle.log("Error", "request failed unexpectedly", { method: request.method, url: (request.url ?? "").slice(0, 200), cause: message })
  try {
    write(handle, response, internalErrorResponse(reply, message.split("\n")[0]!))
  } catch {
    response.destroy()
  }
}

/**
 * Feeds the request to the core; the response is written when the core replies (or gives up).
 * Returns the request's id in the driver (serveKv's close listener abandons it).
 */
const coordinate = (handle: NodeHandle, reply: ReplyContext, request: IncomingMessage, response: ServerResponse, parsed: KvRequest): string => {
  const id = handle.driver.nextRequestId()
  handle.driver.submit({ ...parsed, id }, (outcome: RequestOutcome | undefined) => {
    // Called from inside the driver's step: nothing thrown here may reach it.
    try {
      write(handle, response, outcome === undefined ? noReplyResponse(reply, parsed._tag) : replyResponse(reply, outcome, parsed._tag))
    } catch (error) {
      defect(handle, reply, request, response, error)
    }
  })
  return id
}

/** Reads the body, at most BODY_BYTES_MAX bytes, as UTF-8 text. */
const readBody = (request: IncomingMessage, onText: (text: string | BadRequest) => void): void => {
  const chunks: Array<Buffer> = []
  let bytes = 0
  let over = false
  request.on("data", (chunk: Buffer) => {
    if (over) return
    bytes += chunk.length
    if (bytes > BODY_BYTES_MAX) {
      over = true
      chunks.length = 0
      onText(bodyTooLarge(bytes))
      return
    }
    chunks.push(chunk)
  })
  request.once("end", () => {
    if (!over) onText(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8"))
  })
  request.once("error", (error) => {
    if (!over) onText(new BadRequest(`cannot read the request body: ${error.message}`))
    over = true
  })
}

/** Serves one /kv request (isKvRequest). */
export const serveKv = (handle: NodeHandle, reply: ReplyContext, request: IncomingMessage, response: ServerResponse): void => {
  // Counted while active: shutdown waits for it. `close` follows the last byte, or the client
  // leaving: then a request the core has not answered is abandoned (its reply will be dropped).
  // One listener per request for both (a listener costs its closure and the emitter's upkeep).
  handle.requestsActive += 1
  handle.timings.mark("client request")
  let submitted: string | undefined
  response.once("close", () => {
    handle.requestsActive -= 1
    if (submitted !== undefined && !response.writableEnded) handle.driver.abandon(submitted)
  })
  try {
    if (handle.draining) return write(handle, response, shuttingDownResponse(reply))
    const url = request.url!
    if (request.method === "GET") {
      const parsing = performance.now()
      const parsed = parseGet(url, reply.n)
      if (parsed instanceof BadRequest) return write(handle, response, badRequestResponse(reply, parsed.message))
      handle.timings.record("client parse", parsing)
      submitted = coordinate(handle, reply, request, response, parsed)
      return
    }
    const kind = request.method === "PUT" ? "Put" : "Delete"
    const target = parseWriteTarget(url, reply.n)
    if (target instanceof BadRequest) return write(handle, response, badRequestResponse(reply, target.message))
    const length = Number(request.headers["content-length"] ?? 0)
    if (length > BODY_BYTES_MAX) return write(handle, response, badRequestResponse(reply, bodyTooLarge(length).message))
    readBody(request, (text) => {
      try {
        handle.timings.mark("client body")
        if (text instanceof BadRequest) return write(handle, response, badRequestResponse(reply, text.message))
        // Timed from here: reading the body waits for the network.
        const parsing = performance.now()
        const parsed = parseWriteBody(kind, target, text)
        if (parsed instanceof BadRequest) return write(handle, response, badRequestResponse(reply, parsed.message))
        handle.timings.record("client parse", parsing)
        submitted = coordinate(handle, reply, request, response, parsed)
      } catch (error) {
        defect(handle, reply, request, response, error)
      }
    })
  } catch (error) {
    defect(handle, reply, request, response, error)
  }
}

/**
 * The server as Effect's HTTP layer sees it: every call reaches `server` itself, except the
 * `request` handler Effect registers, which this listener calls for each request it does not serve.
 */
export const kvFirst = (server: Server, handle: NodeHandle): Server => {
  const reply = replyContextOf(handle)
  const effectHandlers = new Set<RequestListener>()
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    if (isKvRequest(request)) {
      serveKv(handle, reply, request, response)
      return
    }
    for (const handler of effectHandlers) handler(request, response)
  })
  const facade: Server = new Proxy(server, {
    get(target, property) {
      switch (property) {
        case "on":
        case "addListener":
          return (event: string, listener: (...args: Array<any>) => void) => {
            if (event === "request") effectHandlers.add(listener as RequestListener)
            else target.on(event, listener)
            return facade
          }
        case "off":
        case "removeListener":
          return (event: string, listener: (...args: Array<any>) => void) => {
            if (event === "request") effectHandlers.delete(listener as RequestListener)
            else target.off(event, listener)
            return facade
          }
        default: {
          const value: unknown = Reflect.get(target, property, target)
          return typeof value === "function" ? value.bind(target) : value
        }
      }
    }
  })
  return facade
}
