// Graceful shutdown: SIGTERM while a node coordinates a burst of writes. Requests it had received
// finish (200), later ones are refused (503), none is cut off, and every write it acknowledged is
// on its disk when it comes back.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { sleep, startCluster } from "./harness.ts"

const WRITES = 40

describe("SIGTERM during a burst of writes (3 nodes)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("shutdown", { nodes: 3 })
  })
  afterAll(() => env?.cleanup())

  test("in-flight requests finish, new ones are refused, acknowledged writes are durable", async () => {
    const n1 = env.client("n1")
    // Open the connections first, so the burst is on the wire when the signal lands.
    await Promise.all(Array.from({ length: WRITES }, () => n1.status()))
    const burst = Array.from({ length: WRITES }, (_, i) => n1.put(`burst:${i}`, `v${i}`).then((reply) => reply.status, (error) => `error: ${String(error.cause?.code ?? error)}`))
    await sleep(5)
    const exit = await env.cluster.node("n1").stop()
    const statuses = await Promise.all(burst)
    expect(exit.signal).toBeNull()
    expect(statuses.filter((status) => status !== 200 && status !== 503)).toEqual([])
    expect(env.cluster.node("n1").stderr.join("\n")).toMatch(/stopped serving.*abandoned=0/)

    await env.cluster.node("n1").start()
    for (let i = 0; i < WRITES; i++) {
      if (statuses[i] !== 200) continue
      const local = await n1.local(`burst:${i}`)
      expect(local.body.values, `burst:${i}`).toEqual([`v${i}`])
    }
  })
})
