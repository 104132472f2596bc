// Where a client sends a request. Client-driven coordination (paper section 6.4): the client
// learns the members and the ring from a node's `GET /status` and sends each request to a node of
// the key's preference list, computed by the core's own ring functions. Server-driven: to one of
// the nodes it was given (or a load balancer), which forwards to a replica when it is not one.
import { Result, Schema } from "effect"
import { buildRing, extendedPreferenceList, preferenceList, zoneOf, type NodeId, type Ring } from "../core/ring.ts"

/** What the client reads of `GET /status` (src/net/api.ts `statusOf`). */
export const StatusSchema = Schema.Struct({
  node: Schema.String,
  members: Schema.Array(Schema.Struct({ id: Schema.String, address: Schema.String, state: Schema.Literals(["up", "down"]) })),
  ring: Schema.Struct({
    strategy: Schema.Literals(["tokens", "partitions"]),
    tokensPerNode: Schema.Int,
    partitions: Schema.Int,
    members: Schema.Array(Schema.Struct({ id: Schema.String, capacity: Schema.Number, zone: Schema.optionalKey(Schema.String) })),
    tokensTotal: Schema.Int
  }),
  n: Schema.Int
})
const decodeStatus = Schema.decodeUnknownResult(StatusSchema)

/** The cluster as one node described it: enough to compute any key's preference list. */
export interface ClusterView {
  /** The node whose status this is. */
  readonly source: NodeId
  readonly ring: Ring
  readonly n: number
  /** Every member's base URL (`http://host:port`). */
  readonly urls: ReadonlyMap<NodeId, string>
  /** The members the source's failure detector believes down. */
  readonly down: ReadonlySet<NodeId>
}

/** A node to send a request to. */
export interface Target {
  /** The node's id when the client knows it (client-driven), else its URL. */
  readonly node: string
  readonly url: string
}

/** A status body as a view of the cluster, or the problem with it. */
export const viewOfStatus = (url: string, body: unknown): ClusterView | string => {
  const decoded = decodeStatus(body)
  if (Result.isFailure(decoded)) return `${url} did not answer GET /status with a ring (${decoded.failure.message.replace(/\s+/g, " ").slice(0, 300)})`
  const status = decoded.success
  let ring: Ring
  try {
    ring = buildRing(status.ring.members, { strategy: status.ring.strategy, tokensPerNode: status.ring.tokensPerNode, partitions: status.ring.partitions })
  } catch (error) {
    return `${url} reported a ring this client cannot build: ${(error as Error).message}`
  }
  // A check that the ring computed here is the node's: the token count is cheap to compare.
  if (ring.tokens.length !== status.ring.tokensTotal) {
    return `${url} reported ${status.ring.tokensTotal} tokens, but the ring built from its configuration has ${ring.tokens.length}`
  }
  const urls = new Map(status.members.map((member) => [member.id, `http://${member.address}`]))
  const unaddressed = ring.nodes.filter((node) => !urls.has(node))
  if (unaddressed.length > 0) return `${url} reported ring members without an address: ${unaddressed.join(", ")}`
  const down = new Set(status.members.filter((member) => member.state === "down").map((member) => member.id))
  return { source: status.node, ring, n: status.n, urls, down }
}

/** `items` rotated to start at a random index: spreads load while keeping the order's meaning. */
const rotated = <A>(items: ReadonlyArray<A>, random: () => number): Array<A> => {
  if (items.length <= 1) return [...items]
  const start = Math.floor(random() * items.length)
  return [...items.slice(start), ...items.slice(0, start)]
}

/**
 * Client-driven: at most `limit` nodes for the key. Its top-N replicas believed up come first (in
 * a random rotation, so load spreads over them), then those believed down or suspected by this
 * client, then the rest of the ring in preference order: a node outside the top N still forwards
 * or, with every replica unreachable, coordinates on a sloppy quorum (section 4.6).
 *
 * With `zone` (the client's own data center), the nodes of that zone go first within each group:
 * the coordinator is then a round trip on the cheap link, and only its replication crosses zones
 * (section 4.6: clients and nodes of one data center talk over low-latency links). A zone that
 * holds none of the key's replicas changes nothing but the order of the fallbacks.
 */
export const replicaTargets = (view: ClusterView, key: string, suspects: ReadonlySet<string>, random: () => number, limit: number, zone?: string): ReadonlyArray<Target> => {
  const top = preferenceList(view.ring, key, view.n)
  const healthy = (node: NodeId) => !view.down.has(node) && !suspects.has(node)
  const local = (node: NodeId) => zone !== undefined && zoneOf(view.ring, node) === zone
  const order = [...rotated(top.filter((node) => healthy(node) && local(node)), random), ...rotated(top.filter((node) => healthy(node) && !local(node)), random)]
  for (const node of top) if (order.length < limit && !healthy(node)) order.push(node)
  if (order.length < limit) {
    // Rare (a replica down or suspected): the rest of the walk, healthy nodes first, local ones first among them.
    const beyond = extendedPreferenceList(view.ring, key, view.n).slice(top.length)
    order.push(...beyond.filter((node) => healthy(node) && local(node)), ...beyond.filter((node) => healthy(node) && !local(node)), ...beyond.filter((node) => !healthy(node)))
  }
  return order.slice(0, limit).map((node) => ({ node, url: view.urls.get(node)! }))
}

/** Server-driven: at most `limit` of the nodes given, from a random one, those this client suspects last. */
export const entryTargets = (urls: ReadonlyArray<string>, suspects: ReadonlySet<string>, random: () => number, limit: number): ReadonlyArray<Target> => {
  const order = rotated(urls.filter((url) => !suspects.has(url)), random)
  order.push(...urls.filter((url) => suspects.has(url)))
  return order.slice(0, limit).map((url) => ({ node: url, url }))
}
