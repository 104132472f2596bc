// The client library on a real 4-node cluster, imported the way a user imports it (the package's
// "./client" export). Client-driven coordination (paper 6.4) sends every request to a replica, so
// no node forwards; server-driven through one node, that node forwards what it does not
// replicate. With a node killed, gets and puts still succeed: a refused connection is retried on
// the next replica, and the ring refreshed.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Effect, Layer } from "effect"
import { FetchHttpClient } from "effect/http"
import { Client, DynamoClient } from "dynamo-reference/client"
import { clusterRing, replicasOf, startCluster } from "./harness.ts"

const NODES = 4
const KEYS = Array.from({ length: 24 }, (_, i) => `client:${i}`)

describe("the client library on a real cluster (4 nodes, N=3 R=2 W=2)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("client", { nodes: NODES, memory: true })
  })
  afterAll(() => env?.cleanup())

  /** Forward messages received by every node so far (GET /status timings). */
  const forwardsReceived = async (): Promise<number> => {
    let total = 0
    for (const node of env.cluster.nodes) {
      if (!node.running) continue
      const timings = (await env.client(node.id).status()).body.timings as ReadonlyArray<{ stage: string; count: number }>
      total += timings.find((entry) => entry.stage === "core Receive Forward")?.count ?? 0
    }
    return total
  }

  // Catches: a client-driven client that sends requests to the node it was given or to any node
  // (forwards happen), a ring computed differently from the nodes' (coordinators outside the
  // preference list), server-driven requests that do not go to the node given, a get forwarded
  // (any node coordinates a read, paper 6.4), or a put not forwarded (only a top-N node mints).
  test("client-driven requests go straight to a replica; server-driven ones through the node given, which coordinates gets and forwards puts", async () => {
    const ring = clusterRing(NODES)
    const direct = await Client.connect({ nodes: [env.url("n1")] })
    const before = await forwardsReceived()
    for (const key of KEYS) {
      const written = await direct.put(key, `v-${key}`)
      expect(replicasOf(ring, key)).toContain(written.coordinator)
      const read = await direct.get(key)
      expect(read.values).toEqual([`v-${key}`])
      expect(replicasOf(ring, key)).toContain(read.coordinator)
    }
    expect(await forwardsReceived()).toBe(before)
    await direct.close()

    const through = await Client.connect({ nodes: [env.url("n1")], coordination: "server" })
    const notOnN1 = KEYS.filter((key) => !replicasOf(ring, key).includes("n1"))
    expect(notOnN1.length).toBeGreaterThan(0)
    const contexts = new Map<string, string>()
    for (const key of notOnN1) {
      const read = await through.get(key)
      expect(read.values).toEqual([`v-${key}`])
      expect(read.coordinator).toBe("n1")
      contexts.set(key, read.context)
    }
    expect(await forwardsReceived()).toBe(before)
    // The same value again over what was read, so the keys' values stay as the next test expects.
    for (const key of notOnN1) {
      const written = await through.put(key, `v-${key}`, { context: contexts.get(key)! })
      expect(replicasOf(ring, key)).toContain(written.coordinator)
    }
    expect(await forwardsReceived()).toBe(before + notOnN1.length)
    await through.close()
  })

  // Catches: a get or put that gives up when the first replica refuses the connection; a put
  // refused before it was sent treated as an unknown outcome.
  test("with a replica killed, gets and puts of its keys are retried on the next replica", async () => {
    const ring = clusterRing(NODES)
    const victim = "n4"
    const keys = KEYS.filter((key) => replicasOf(ring, key)[0] === victim)
    expect(keys.length).toBeGreaterThan(0)
    // random: () => 0 asks the replicas in preference order: the victim first.
    const client = await Client.connect({ nodes: [env.url("n1")], random: () => 0 })
    await env.cluster.node(victim).kill()
    for (const key of keys) {
      const read = await client.get(key)
      expect(read.values).toEqual([`v-${key}`])
      expect(read.coordinator).not.toBe(victim)
      const written = await client.put(key, `after-${key}`, { context: read.context })
      expect(written.values).toEqual([`after-${key}`])
    }
    await client.close()
  })

  // Catches: the Effect face or the HttpClient transport broken (only the Promise face on undici
  // is used elsewhere), e.g. a body sent without its JSON or headers read under the wrong name.
  test("the Effect service on Effect's HttpClient (fetch) reads and writes like the Promise face", async () => {
    const program = Effect.gen(function*() {
      const client = yield* DynamoClient
      const written = yield* client.put("effect:1", "via fetch")
      const read = yield* client.get("effect:1")
      const missing = yield* client.get("effect:absent")
      return { written, read, missing }
    })
    const layer = DynamoClient.layerHttpClient({ nodes: [env.url("n2")] }).pipe(Layer.provide(FetchHttpClient.layer))
    const { written, read, missing } = await Effect.runPromise(Effect.provide(program, layer))
    expect(written.values).toEqual(["via fetch"])
    expect(read.values).toEqual(["via fetch"])
    expect(read.context).toBe(written.context)
    expect(replicasOf(clusterRing(NODES), "effect:1")).toContain(read.coordinator)
    expect(read.nodes.length).toBeGreaterThanOrEqual(2)
    expect(missing.found).toBe(false)
  })
})
