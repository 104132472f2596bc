// bench/routing.ts: versus-etcd's client-driven route, a key's request to one of its replicas.
// Catches: a request routed to a node outside the key's top N (it would be forwarded, and the
// client-driven figures would measure server-driven coordination), always the same replica (the
// load would pile on one node of three), ports mapped to the wrong bench node, and a status body
// the client library rejects accepted silently.
import { describe, expect, test } from "vitest"
import { routerOf } from "../bench/routing.ts"
import { buildRing, preferenceList } from "../src/core/ring.ts"

const ids = ["n1", "n2", "n3", "n4", "n5"]
// Ports deliberately not in node order: node n1 is bench node 4, and so on.
const ports = [7005, 7003, 7001, 7004, 7002]
const portOf = (id: string) => 7000 + Number(id.slice(1))
const ring = buildRing(ids.map((id) => ({ id })), { strategy: "tokens", tokensPerNode: 16, partitions: 64 })
const status = {
  node: "n1",
  members: ids.map((id) => ({ id, address: `127.0.0.1:${portOf(id)}`, state: "up" })),
  ring: { strategy: "tokens", tokensPerNode: 16, partitions: 64, members: ids.map((id) => ({ id, capacity: 1 })), tokensTotal: ring.tokens.length },
  n: 3
}

describe("client-driven routing for the bench", () => {
  test("each request goes to a replica of its key, and every replica gets some", () => {
    const route = routerOf(ports, status)
    for (let k = 0; k < 50; k++) {
      const key = `key:${k}`
      const replicas = new Set(preferenceList(ring, key, 3).map((id) => ports.indexOf(portOf(id))))
      const drawn = new Set(Array.from({ length: 60 }, () => route(key)))
      expect(drawn).toEqual(replicas)
    }
  })

  test("a status without a ring, or a member on a port of another cluster, is refused by name", () => {
    expect(() => routerOf(ports, { node: "n1" })).toThrow(/client-driven routing: the first node did not answer GET \/status with a ring/)
    expect(() => routerOf(ports.slice(1), status)).toThrow(/n5 listens at http:\/\/127.0.0.1:7005, not on a port of this cluster/)
  })
})
