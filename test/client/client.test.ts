// The client library against a scripted transport (no network): how each reply the HTTP API can
// give maps to a typed error, which failures move on to another node and which never do (a put
// whose outcome is unknown writes twice if retried), and when the ring is learnt again.
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, test } from "vitest"
import { buildRing, extendedPreferenceList, preferenceList, RING_CONFIG_DEFAULT, zoneOf } from "../../src/core/ring.ts"
import { DynamoClient, errorOfReply, replicaTargets, type ClientOptions, type ClusterView } from "../../src/client/index.ts"
import { RING_REFRESH_SPACING_MS_MIN } from "../../src/client/service.ts"
import { Transport, type Method } from "../../src/client/transport.ts"
import type { RawReply } from "../../src/client/replies.ts"

const MEMBERS = ["n1", "n2", "n3", "n4"]
const urlOf = (id: string) => `http://node-${id}`
const idOf = (url: string) => url.replace("http://node-", "")
const RING = buildRing(MEMBERS.map((id) => ({ id })), RING_CONFIG_DEFAULT)

/** What GET /status reports for the 4-node cluster (the fields src/net/api.ts statusOf gives). */
const statusBody = (node: string, down: ReadonlyArray<string> = []) => ({
  node,
  members: MEMBERS.map((id) => ({ id, address: `node-${id}`, state: down.includes(id) ? "down" : "up" })),
  ring: {
    strategy: RING.config.strategy,
    tokensPerNode: RING.config.tokensPerNode,
    partitions: RING.config.partitions,
    members: RING.members.map((member) => ({ id: member.id, capacity: member.capacity })),
    tokens: RING.tokens.filter((token) => token.owner === node).length,
    tokensTotal: RING.tokens.length
  },
  n: 3
})

interface Sent {
  readonly node: string
  readonly method: Method
  readonly path: string
  readonly body: string | undefined
}

type Answer = RawReply | { readonly fail: unknown }

/** A transport that records every request and answers from `answer` (status requests answer with the ring). */
const scripted = (answer: (sent: Sent, index: number) => Answer) => {
  const log: Array<Sent> = []
  const layer = Layer.succeed(Transport, Transport.of({
    send: (url, method, path, body) =>
      Effect.suspend(() => {
        const sent = { node: idOf(url), method, path, body }
        if (path === "/status") {
          log.push(sent)
          return Effect.succeed({ status: 200, body: statusBody(idOf(url)), coordinator: idOf(url), nodes: [] })
        }
        const index = log.filter((entry) => entry.path !== "/status").length
        log.push(sent)
        const reply = answer(sent, index)
        return "fail" in reply ? Effect.fail(reply.fail) : Effect.succeed(reply)
      })
  }))
  return { log, requests: () => log.filter((entry) => entry.path !== "/status"), statuses: () => log.filter((entry) => entry.path === "/status"), layer }
}

const ok = (sent: Sent, body: unknown): RawReply => ({ status: 200, body, coordinator: sent.node, nodes: [sent.node] })
const reply = (sent: Sent, status: number, body: unknown): RawReply => ({ status, body, coordinator: sent.node, nodes: [] })
const refused = { fail: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) }
const reset = { fail: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) }

/** Runs `effect` with a client on the scripted transport (first replica first unless `random` says otherwise), inside `outer`. */
const run = <A, E>(transport: ReturnType<typeof scripted>, effect: Effect.Effect<A, E, DynamoClient>, options: Partial<ClientOptions> = {}, outer: Layer.Layer<never> = Layer.empty) =>
  Effect.runPromise(Effect.provide(effect, DynamoClient.layer({ nodes: [urlOf("n1")], random: () => 0, ...options }).pipe(Layer.provide(transport.layer))).pipe(Effect.provide(outer), Effect.result))

const use = <A, E>(f: (client: DynamoClient["Service"]) => Effect.Effect<A, E>) => DynamoClient.use(f)

const QUORUM_503 = { error: "quorum not reached before the request timeout (1 of the replicas answered)", acks: 1 }

describe("errorOfReply: one place maps status and error text to a type", () => {
  // Catches: a 503 on a put mapped to a retriable error (writes twice), a shutdown 503 mapped to
  // an unknown outcome (needless failure), 504 or 409 or 400 confused.
  test.each([
    ["get", 400, { error: "empty key" }, "BadRequest"],
    ["put", 409, { error: "the write would leave more than 100 siblings" }, "TooManySiblings"],
    ["get", 503, QUORUM_503, "ReadFailed"],
    ["put", 503, QUORUM_503, "OutcomeUnknown"],
    ["delete", 503, { error: "the coordinator this request was forwarded to did not answer", acks: 0 }, "OutcomeUnknown"],
    ["put", 503, { error: "something new the API says", acks: 0 }, "OutcomeUnknown"],
    ["put", 503, { error: "the node is shutting down", acks: 0 }, "Unavailable"],
    ["put", 503, { error: "the node is starting and cannot coordinate writes yet", acks: 0 }, "Unavailable"],
    // The node's own word wins over the text: `outcome` (spec/README.md, section 2).
    ["put", 503, { error: "any wording", acks: 0, outcome: "not-written" }, "Unavailable"],
    ["put", 503, { error: "the node is shutting down", acks: 0, outcome: "unknown" }, "OutcomeUnknown"],
    ["delete", 503, { error: "quorum not reached", acks: 1, outcome: "unknown" }, "OutcomeUnknown"],
    ["get", 504, { error: "no reply from the node's core in time", acks: 0 }, "ReadFailed"],
    ["put", 504, { error: "no reply from the node's core in time", acks: 0 }, "OutcomeUnknown"],
    ["put", 500, { error: "internal error: boom" }, "UnexpectedReply"],
    ["put", 503, "<html>proxy error</html>", "OutcomeUnknown"]
  ] as const)("%s %i %j -> %s", (operation, status, body, tag) => {
    expect(errorOfReply(operation, "n1", status, body)._tag).toBe(tag)
  })
})

describe("routing: client-driven coordination (paper 6.4)", () => {
  // Catches: a client that sends to the node it was given (or any node) instead of a replica.
  test("every request goes to a node of its key's preference list, computed from /status", async () => {
    const transport = scripted((sent) => ok(sent, { values: ["v"], context: "c" }))
    const keys = Array.from({ length: 40 }, (_, i) => `key:${i}`)
    const result = await run(transport, use((client) => Effect.forEach(keys, (key) => client.get(key))), { random: Math.random })
    expect(result._tag).toBe("Success")
    transport.requests().forEach((sent, i) => expect(preferenceList(RING, keys[i]!, 3)).toContain(sent.node))
    // Some key's first replica is not n1: the client did not just use the node it was given.
    expect(transport.requests().some((sent) => sent.node !== "n1")).toBe(true)
  })

  test("server-driven: every request goes to a node given, whatever the key", async () => {
    const transport = scripted((sent) => ok(sent, { values: ["v"], context: "c" }))
    const result = await run(transport, use((client) => Effect.forEach(["a", "b", "c", "d"], (key) => client.get(key))), { coordination: "server" })
    expect(result._tag).toBe("Success")
    expect(transport.requests().map((sent) => sent.node)).toEqual(["n1", "n1", "n1", "n1"])
    expect(transport.statuses()).toEqual([])
  })

  // Catches: no refresh on a routing error (a stale ring forwards every request for ever).
  test("a reply coordinated by another node than the one asked (a forward) makes the client learn the ring again", async () => {
    const transport = scripted((sent) => ({ ...ok(sent, { values: ["v"], context: "c" }), coordinator: "elsewhere" }))
    // Refreshes on routing errors are at most once a second: a test clock moves past that.
    const program = Effect.gen(function*() {
      const client = yield* DynamoClient
      yield* client.get("k")
      const early = transport.statuses().length
      yield* TestClock.adjust(RING_REFRESH_SPACING_MS_MIN)
      yield* client.get("k")
      yield* TestClock.withLive(Effect.sleep(20))
      return [early, transport.statuses().length]
    })
    const result = await run(transport, program, {}, TestClock.layer())
    expect(result._tag === "Success" && result.success).toEqual([1, 2])
  })

  // Catches: the periodic refresh missing (a client that never learns of a ring change).
  test("the ring is read again every refresh interval", async () => {
    const transport = scripted((sent) => ok(sent, { values: ["v"], context: "c" }))
    const result = await run(transport, use(() => Effect.sleep(130)), { refreshIntervalMs: 50 })
    expect(result._tag).toBe("Success")
    expect(transport.statuses().length).toBeGreaterThanOrEqual(3)
  })
})

describe("routing with zones: the client's own data center first (paper 4.6)", () => {
  // Six nodes over three zones, N=3: under RING-4 every key has one replica in each zone.
  const zoned = buildRing(["a1", "a2", "b1", "b2", "c1", "c2"].map((id) => ({ id, zone: `z${id[0]}` })), RING_CONFIG_DEFAULT)
  const view = (down: ReadonlyArray<string> = []): ClusterView => ({
    source: "a1", ring: zoned, n: 3, urls: new Map(zoned.nodes.map((id) => [id, urlOf(id)])), down: new Set(down)
  })
  const keys = Array.from({ length: 60 }, (_, i) => `key:${i}`)
  const zoneOfTarget = (node: string) => zoneOf(zoned, node)

  // Catches: a zone option that is ignored (the first target a replica of another zone, in about
  // two thirds of the keys with a random start).
  test("a key's replica in the client's zone is asked first, the others after it", () => {
    for (const key of keys) {
      const targets = replicaTargets(view(), key, new Set(), Math.random, 3, "zb")
      expect(zoneOfTarget(targets[0]!.node)).toBe("zb")
      expect(new Set(targets.map((target) => target.node))).toEqual(new Set(preferenceList(zoned, key, 3)))
    }
  })

  // Catches: zone preference that overrides health (a local replica believed down asked first).
  test("a local replica believed down goes after every healthy one; local fallbacks come first among the rest", () => {
    for (const key of keys) {
      const top = preferenceList(zoned, key, 3)
      const local = top.find((node) => zoneOfTarget(node) === "zb")!
      const targets = replicaTargets(view([local]), key, new Set(), () => 0, 6, "zb").map((target) => target.node)
      expect(targets.slice(0, 2).sort()).toEqual(top.filter((node) => node !== local).sort())
      expect(targets[2]).toBe(local)
      // The rest of the walk: the healthy node of zb outside the top N comes before the others.
      const beyond = extendedPreferenceList(zoned, key, 3).slice(3)
      expect(targets.slice(3)).toEqual([...beyond.filter((node) => zoneOfTarget(node) === "zb"), ...beyond.filter((node) => zoneOfTarget(node) !== "zb")])
    }
  })

  // Catches: a zone changing the order for a client that names none (the plain rotation).
  test("without a zone, the order is the plain rotation of the healthy replicas", () => {
    for (const key of keys) {
      const plain = replicaTargets(view(), key, new Set(), () => 0, 3).map((target) => target.node)
      expect(plain).toEqual(preferenceList(zoned, key, 3))
    }
  })

  test("a zone name that is not one is refused, naming it", async () => {
    const transport = scripted((sent) => ok(sent, { values: ["v"], context: "c" }))
    const result = await run(transport, use((client) => client.get("k")), { zone: "bad zone" }).catch((error: unknown) => error)
    expect(String(result)).toMatch(/zone: zone "bad zone"/)
  })
})

describe("retries: never write twice unless told it is safe", () => {
  const firstReplica = preferenceList(RING, "cart", 3)[0]!

  // Catches: a get that gives up on the first replica that fails.
  test("a get whose replica fails (503, a reset, a refused connection) is retried on the next replica", async () => {
    const transport = scripted((sent, i) => (i === 0 ? reply(sent, 503, QUORUM_503) : i === 1 ? reset : ok(sent, { values: ["milk"], context: "c" })))
    const result = await run(transport, use((client) => client.get("cart")))
    expect(result._tag === "Success" && result.success.values).toEqual(["milk"])
    const nodes = transport.requests().map((sent) => sent.node)
    expect(nodes).toEqual(preferenceList(RING, "cart", 3))
  })

  // Catches: a put retried after an unknown outcome when the caller did not say it is safe.
  test("a put whose outcome is unknown fails with OutcomeUnknown and is sent once", async () => {
    const transport = scripted((sent) => reply(sent, 503, QUORUM_503))
    const result = await run(transport, use((client) => client.put("cart", "milk", { context: "c" })))
    expect(result._tag === "Failure" && result.failure._tag).toBe("OutcomeUnknown")
    expect(transport.requests().length).toBe(1)
    expect(transport.requests()[0]!.node).toBe(firstReplica)
  })

  test("a broken connection after sending a put is an unknown outcome too, not retried", async () => {
    const transport = scripted(() => reset)
    const result = await run(transport, use((client) => client.put("cart", "milk")))
    expect(result._tag === "Failure" && result.failure._tag).toBe("OutcomeUnknown")
    expect(transport.requests().length).toBe(1)
  })

  // Catches: safeToRetry ignored.
  test("with safeToRetry, a put whose outcome is unknown is retried on the next replica", async () => {
    const transport = scripted((sent, i) => (i === 0 ? reply(sent, 503, QUORUM_503) : ok(sent, { values: ["milk"], context: "c2" })))
    const result = await run(transport, use((client) => client.put("cart", "milk", { context: "c", safeToRetry: true })))
    expect(result._tag === "Success" && result.success.context).toBe("c2")
    expect(transport.requests().map((sent) => sent.body)).toEqual([JSON.stringify({ value: "milk", context: "c" }), JSON.stringify({ value: "milk", context: "c" })])
  })

  // Catches: a put refused before any write (nothing to duplicate) treated as unknown.
  test("a put refused before any write (a node shutting down, a refused connection) is retried without being told", async () => {
    const transport = scripted((sent, i) => (i === 0 ? reply(sent, 503, { error: "the node is shutting down", acks: 0 }) : i === 1 ? refused : ok(sent, { values: ["milk"], context: "c2" })))
    const result = await run(transport, use((client) => client.put("cart", "milk")))
    expect(result._tag).toBe("Success")
    expect(transport.requests().length).toBe(3)
  })

  test("a malformed request and a sibling overflow are not retried", async () => {
    for (const [status, tag] of [[400, "BadRequest"], [409, "TooManySiblings"]] as const) {
      const transport = scripted((sent) => reply(sent, status, { error: "no" }))
      const result = await run(transport, use((client) => client.put("cart", "milk")))
      expect(result._tag === "Failure" && result.failure._tag).toBe(tag)
      expect(transport.requests().length).toBe(1)
    }
  })

  // Catches: a node that refused a connection asked first again on the next request.
  test("a node that could not be reached goes last for the next requests", async () => {
    const transport = scripted((sent) => (sent.node === firstReplica ? refused : ok(sent, { values: ["v"], context: "c" })))
    const result = await run(transport, use((client) => Effect.andThen(client.get("cart"), client.get("cart"))))
    expect(result._tag).toBe("Success")
    expect(transport.requests().map((sent) => sent.node)).toEqual([firstReplica, preferenceList(RING, "cart", 3)[1], preferenceList(RING, "cart", 3)[1]])
  })
})

describe("resolver: siblings in, one write out", () => {
  // Catches: update writing without the read's context (the siblings would stay), or calling the
  // resolver on a single value.
  test("update merges siblings with the resolver and writes with the read's context", async () => {
    const transport = scripted((sent) =>
      sent.method === "GET" ? ok(sent, { values: ["milk", "eggs"], context: "ctx-of-both" }) : ok(sent, { values: [JSON.parse(sent.body!).value], context: "after" }))
    const result = await run(transport, use((client) => client.update("cart", (current) => `${current},bread`, { resolver: (values) => [...values].sort().join(",") })))
    expect(result._tag === "Success" && result.success.values).toEqual(["eggs,milk,bread"])
    expect(JSON.parse(transport.requests()[1]!.body!)).toEqual({ value: "eggs,milk,bread", context: "ctx-of-both" })
  })

  test("resolve writes back only when there are siblings", async () => {
    const transport = scripted((sent) => ok(sent, { values: ["milk"], context: "c" }))
    const result = await run(transport, use((client) => client.resolve("cart", () => {
      throw new Error("the resolver must not run on one value")
    })))
    expect(result._tag === "Success" && result.success.values).toEqual(["milk"])
    expect(transport.requests().length).toBe(1)
  })
})

describe("options", () => {
  // Catches: a node address without a scheme accepted (every request would fail later, unclearly).
  test("a node that is not a base URL is refused, naming it", async () => {
    const transport = scripted((sent) => ok(sent, { values: ["v"], context: "c" }))
    await expect(run(transport, use((client) => client.get("k")), { nodes: ["127.0.0.1:7001"] })).rejects.toThrow(/base URLs like http:\/\/127\.0\.0\.1:7001, got "127\.0\.0\.1:7001"/)
    expect(transport.log).toEqual([])
  })
})
