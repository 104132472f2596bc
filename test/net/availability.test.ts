// AVAIL-1 on real processes (issue: "a put forwarded to a dead coordinator fails while two
// replicas are up"): five nodes, N=3 R=2 W=2, kill -9 of one, then puts with empty contexts
// round-robin through the four live nodes. Every put must be acknowledged: a node outside a key's
// top N whose first top-N node is the dead one coordinates the put itself once its forward goes
// unclaimed (or at once, when the closed link already told its failure detector).
// Mutation caught: restoring the old ForwardTimeout reply on an unclaimed forward (puts to those
// keys fail with 503), and a shell that no longer feeds closed links to the failure detector (the
// detection time below exceeds its bound: only request timeouts would mark the node down).
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { clusterRing, replicasOf, startCluster, until } from "./harness.ts"

const KEYS = 500
const PARALLEL = 8
/** Every peer must believe the killed node down within this long (a closed link is immediate). */
const DETECTION_MS_MAX = 2_000

describe("always writeable: kill -9 of one node of five (N=3 R=2 W=2)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("availability", { nodes: 5 })
  })
  afterAll(() => env?.cleanup())

  test("every peer believes it down at once, and 500 puts through the four live nodes all succeed", async () => {
    const victim = "n1"
    const live = ["n2", "n3", "n4", "n5"]
    const killedAt = performance.now()
    await env.cluster.node(victim).kill()
    const detectedMs = await Promise.all(live.map((id) =>
      until(`${id} believes ${victim} down`, async () => {
        const status = await env.client(id).status()
        const members = status.body.members as ReadonlyArray<{ readonly id: string; readonly state: string }>
        return members.some((m) => m.id === victim && m.state === "down") ? performance.now() - killedAt : undefined
      }, 10_000, 20)))
    console.log(`kill -9 to believed down, per peer: ${detectedMs.map((ms) => `${ms.toFixed(0)} ms`).join(", ")}`)
    for (const ms of detectedMs) expect(ms).toBeLessThan(DETECTION_MS_MAX)

    const ring = clusterRing(5)
    const keys = Array.from({ length: KEYS }, (_, i) => `cart:${i}`)
    // Sometimes: the case the issue reports does occur (received outside the top N, whose first
    // node is the dead one), or the test would pass without exercising the forward path.
    const strandedForwards = keys.filter((key, i) => {
      const top = replicasOf(ring, key)
      return !top.includes(live[i % live.length]!) && top[0] === victim
    })
    expect(strandedForwards.length).toBeGreaterThan(10)

    const failures: Array<string> = []
    const acknowledged = new Map<string, string>()
    for (let start = 0; start < KEYS; start += PARALLEL) {
      await Promise.all(keys.slice(start, start + PARALLEL).map(async (key, j) => {
        const node = live[(start + j) % live.length]!
        const value = `item-${start + j}`
        const reply = await env.client(node).put(key, value)
        if (reply.status === 200) acknowledged.set(key, value)
        else failures.push(`${key} via ${node}: ${reply.status} ${JSON.stringify(reply.body)}`)
      }))
    }
    expect(failures).toEqual([])
    // Every acknowledged put is read back (R=2) through another live node.
    for (const [i, key] of keys.entries()) {
      const read = await env.client(live[(i + 1) % live.length]!).get(key)
      expect(read.status, `get ${key}`).toBe(200)
      expect(read.body.values).toContain(acknowledged.get(key))
    }
  })
})
