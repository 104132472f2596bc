// Where a bench's load generator sends a request to a dynamo cluster: to the node it drew
// ("server": any node, which coordinates a get and forwards a put it does not replicate, as
// behind a load balancer) or to a replica of the key ("client": the paper's client-driven
// coordination, section 6.4, as the project's client library routes by default). With five
// nodes and N=3, two requests in five land outside their key's replicas when server-driven.
import { preferenceList } from "../src/core/ring.ts"
import { viewOfStatus } from "../src/client/routing.ts"

export type Routing = "server" | "client"

/** `--NAME server|client`, undefined when absent; anything else stops the bench with a message. */
export const routingFlag = (name: string): Routing | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  if (index === -1) return undefined
  const value = process.argv[index + 1]
  if (value !== "server" && value !== "client") {
    console.error(`--${name} must be server or client, not ${JSON.stringify(value)}`)
    process.exit(2)
  }
  return value
}

/**
 * The client-driven route of a cluster whose nodes listen on `ports` (index i: the bench's node
 * i), from one node's `GET /status` body: a key's replicas computed by the core's own ring
 * functions, as the client library does, and one of them drawn per request (load spreads over
 * the replicas). Each key's replicas are computed once: a real client caches its ring too, and
 * the load generator shares the machine's cores with the nodes it measures.
 */
export const routerOf = (ports: ReadonlyArray<number>, status: unknown): ((key: string) => number) => {
  const view = viewOfStatus("the first node", status)
  if (typeof view === "string") throw new Error(`client-driven routing: ${view}`)
  const indexOf = new Map<string, number>()
  for (const [node, url] of view.urls) {
    const index = ports.indexOf(Number(new URL(url).port))
    if (index === -1) throw new Error(`client-driven routing: ${node} listens at ${url}, not on a port of this cluster (${ports.join(", ")})`)
    indexOf.set(node, index)
  }
  const replicas = new Map<string, ReadonlyArray<number>>()
  return (key) => {
    let indices = replicas.get(key)
    if (indices === undefined) {
      indices = preferenceList(view.ring, key, view.n).map((node) => indexOf.get(node)!)
      replicas.set(key, indices)
    }
    return indices[Math.floor(Math.random() * indices.length)]!
  }
}
