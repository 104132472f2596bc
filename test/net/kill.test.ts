// A kill -9 and a restart (sections 4.6 and 4.9 on real processes): while n2 is dead, puts keep
// succeeding through fallbacks that keep hints for it; after the restart n2 has what its disk
// held, receives its hints, and every replica of every key holds the last acknowledged write.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { clusterRing, replicasOf, startCluster, until } from "./harness.ts"

const KEYS = 30
const keyName = (i: number) => `user:${i}`

describe("kill -9 of one node (4 nodes, N=3 R=2 W=2)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("kill", { nodes: 4 })
  })
  afterAll(() => env?.cleanup())

  test("puts succeed through fallbacks; after restart the node converges and no acknowledged write is lost", async () => {
    const ring = clusterRing(4)
    const victim = "n2"
    const survivors = ["n1", "n3", "n4"]
    /** The last acknowledged value of each key, with the context it returned. */
    const acked = new Map<string, { value: string; context: string }>()

    // Phase 1: every node up.
    for (let i = 0; i < KEYS; i++) {
      const reply = await env.client(`n${(i % 4) + 1}`).put(keyName(i), `v1-${i}`)
      expect(reply.status).toBe(200)
      acked.set(keyName(i), { value: `v1-${i}`, context: reply.body.context })
    }

    // Phase 2: kill -9 the victim, write every key again through the survivors, with W=3 so each
    // put needs a third durable copy: the victim's goes to a fallback, as a hint.
    await env.cluster.node(victim).kill()
    let firstTry = 0
    for (let i = 0; i < KEYS; i++) {
      const key = keyName(i)
      // Ask a survivor that is among the key's replicas, so no forward waits on the dead node.
      const coordinator = replicasOf(ring, key).find((node) => node !== victim)!
      const value = `v2-${i}`
      let reply = await env.client(coordinator).put(key, value, acked.get(key)!.context, 3)
      if (reply.status === 200) firstTry += 1
      for (let attempt = 0; reply.status !== 200 && attempt < 3; attempt++) {
        reply = await env.client(survivors[attempt % survivors.length]!).put(key, value, acked.get(key)!.context, 3)
      }
      expect(reply.status, `put ${key}: ${JSON.stringify(reply.body)}`).toBe(200)
      expect(reply.nodes).not.toContain(victim)
      expect(reply.nodes.length).toBe(3)
      acked.set(key, { value, context: reply.body.context })
    }
    expect(firstTry).toBe(KEYS)
    const hinted = await Promise.all(survivors.map(async (id) => (await env.client(id).status()).body.hints as number))
    expect(hinted.reduce((a, b) => a + b, 0)).toBeGreaterThan(0)

    // Phase 3: restart from the same disk. It still has what it held before the kill.
    await env.cluster.node(victim).start()
    const own = Array.from({ length: KEYS }, (_, i) => keyName(i)).filter((key) => replicasOf(ring, key).includes(victim))
    expect(own.length).toBeGreaterThan(0)
    for (const key of own) {
      const local = await env.client(victim).local(key)
      expect(local.body.held, `${victim} lost ${key} in the crash`).toBe(true)
    }

    // Hints drain, and every replica of every key holds exactly the last acknowledged write.
    await until("every hint delivered", async () => {
      const counts = await Promise.all(env.cluster.nodes.map(async (node) => (await env.client(node.id).status()).body.hints as number))
      return counts.every((count) => count === 0) ? true : undefined
    }, 20_000)
    for (const [key, write] of acked) {
      for (const replica of replicasOf(ring, key)) {
        const local = await env.client(replica).local(key)
        expect(local.body.values, `${replica}'s replica of ${key}`).toEqual([write.value])
      }
      const read = await env.client("n1").get(key, 3)
      expect(read.body.values).toEqual([write.value])
    }
  })
})
