// A client that leaves before its request is answered (src/net/kv-listener.ts): the node drops
// the waiter at once rather than at the request timeout.
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startCluster, until } from "./harness.ts"

/** Long enough that a waiter removed before it is the listener's doing, not the timeout's. */
const REQUEST_TIMEOUT_MS = 20_000

describe("a client that closes its connection while its put waits for a quorum (2 nodes, W=2)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("abandon", { nodes: 2, n: 2, r: 2, w: 2, extraArgs: ["--request-timeout-ms", String(REQUEST_TIMEOUT_MS), "--replica-timeout-ms", String(REQUEST_TIMEOUT_MS / 2)] })
  }, 60_000)
  afterAll(() => {
    env?.cluster.node("n2").signal("SIGCONT")
    env?.cleanup()
  })

  const inFlight = async (): Promise<number> => (await env.client("n1").status()).body.requestsInFlight as number

  // Catches: a close listener that no longer abandons the request (the waiter, holding the HTTP
  // request and response, would stay until the request timeout), or one that abandons before
  // the request was submitted (here it is submitted, so the count must first reach 1).
  it("drops the request's waiter when the connection closes", async () => {
    env.cluster.node("n2").signal("SIGSTOP")
    const put = request(`${env.url("n1")}/kv/left`, { method: "PUT", headers: { "content-type": "application/json" } })
    put.on("error", () => {})
    put.end(JSON.stringify({ value: "v" }))
    await until("the put waiting at n1", async () => ((await inFlight()) === 1 ? true : undefined), 10_000, 20)
    put.destroy()
    await until("the waiter dropped", async () => ((await inFlight()) === 0 ? true : undefined), 5_000, 20)
    env.cluster.node("n2").signal("SIGCONT")
  }, 30_000)
})
