// A frozen node (SIGSTOP): its connections stay open but nothing answers, the case a failure
// detector driven by timeouts exists for (section 4.9). The others answer within the request
// timeout, routing around it through fallbacks; after SIGCONT it catches up from hints.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { REQUEST_TIMEOUT_MS_DEFAULT } from "../../src/core/config.ts"
import { clusterRing, replicasOf, startCluster, until } from "./harness.ts"

const KEYS = 16
const keyName = (i: number) => `order:${i}`
/** Scheduling slack on a loaded 2-core machine. */
const SLACK_MS = 1_500

describe("SIGSTOP of one node (4 nodes, N=3 R=2 W=2)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("sigstop", { nodes: 4 })
  })
  afterAll(() => env?.cleanup())

  // What `dynamo cluster` waits for. Catches: a wait that reports every node connected without
  // asking them (the frozen node cannot answer its status).
  test("every node sees every other; a frozen node is reported as not answering", async () => {
    expect(await env.cluster.waitConnected()).toEqual([])
    env.cluster.node("n4").signal("SIGSTOP")
    try {
      expect((await env.cluster.waitConnected(500)).join(", ")).toMatch(/n4 \(no status/)
    } finally {
      env.cluster.node("n4").signal("SIGCONT")
    }
    expect(await env.cluster.waitConnected()).toEqual([])
  })

  test("requests are answered within the timeout by the others; after SIGCONT the node catches up", async () => {
    const ring = clusterRing(4)
    const frozen = "n3"
    const keys = Array.from({ length: KEYS }, (_, i) => keyName(i))
    const contexts = new Map<string, string>()
    for (const key of keys) {
      const reply = await env.client("n1").put(key, `before-${key}`)
      expect(reply.status).toBe(200)
      contexts.set(key, reply.body.context)
    }

    env.cluster.node(frozen).signal("SIGSTOP")
    const latest = new Map<string, string>()
    for (const key of keys) {
      // A coordinator among the key's replicas that is not frozen: it routes around the silent one.
      const coordinator = replicasOf(ring, key).find((node) => node !== frozen)!
      const value = `during-${key}`
      const put = await env.client(coordinator).put(key, value, contexts.get(key), 3)
      expect(put.status, `put ${key} via ${coordinator}: ${JSON.stringify(put.body)}`).toBe(200)
      expect(put.ms).toBeLessThan(REQUEST_TIMEOUT_MS_DEFAULT + SLACK_MS)
      expect(put.nodes).not.toContain(frozen)
      latest.set(key, value)
      const get = await env.client(coordinator).get(key)
      expect(get.status).toBe(200)
      expect(get.ms).toBeLessThan(REQUEST_TIMEOUT_MS_DEFAULT + SLACK_MS)
      expect(get.body.values).toEqual([value])
    }
    // A request that lands on a node outside the key's replicas is forwarded; even one forwarded
    // to the frozen node gets an answer (a failure at worst) within two request timeouts.
    const outsider = keys.find((key) => !replicasOf(ring, key).includes("n1"))
    if (outsider !== undefined) {
      const forwarded = await env.client("n1").get(outsider)
      expect([200, 503]).toContain(forwarded.status)
      expect(forwarded.ms).toBeLessThan(2 * REQUEST_TIMEOUT_MS_DEFAULT + SLACK_MS)
    }

    env.cluster.node(frozen).signal("SIGCONT")
    const own = keys.filter((key) => replicasOf(ring, key).includes(frozen))
    expect(own.length).toBeGreaterThan(0)
    await until(`${frozen} to hold every write it missed`, async () => {
      for (const key of own) {
        const local = await env.client(frozen).local(key)
        if (JSON.stringify(local.body.values) !== JSON.stringify([latest.get(key)])) return undefined
      }
      return true
    }, 20_000)
    await until("every hint delivered", async () => {
      const counts = await Promise.all(env.cluster.nodes.map(async (node) => (await env.client(node.id).status()).body.hints as number))
      return counts.every((count) => count === 0) ? true : undefined
    }, 20_000)
    const status = await env.client(frozen).status()
    expect(status.body.ready).toBe(true)
  })
})
