// RING-3 per zone (paper 4.6, 6.2): how the zone rule of RING-4 spreads key replicas over data
// centers of equal and unequal sizes. Each zone carries about 1/Z of the replicas when N >= Z,
// whatever its size, so the nodes of a small zone carry more than those of a large one: the
// figure an operator sizing data centers needs. Run directly with `npx tsx bench/ring-zones.ts`.
import { pathToFileURL } from "node:url"
import { keyPosition } from "../src/core/hash.ts"
import { buildRing, preferenceListForPosition, zonesOf, type Member, type Ring, type RingConfig } from "../src/core/ring.ts"
import { plainTable } from "./table.ts"

const KEYS_COUNT = 200_000
const REPLICAS_N = 3
/** The paper's threshold: a load more than 15% from the mean counts as imbalanced. */
const IMBALANCE_DEVIATION_MAX = 0.15
/** Nodes per zone, per layout: equal zones, and unequal ones. */
const LAYOUTS: ReadonlyArray<ReadonlyArray<number>> = [[2, 2], [4, 4, 4], [2, 4, 6], [3, 5]]
const CONFIGS: ReadonlyArray<{ readonly label: string; readonly config: RingConfig }> = [
  { label: "partitions Q=1024", config: { strategy: "partitions", partitions: 1024 } },
  { label: "tokens T=128", config: { strategy: "tokens", tokensPerNode: 128 } }
]

const membersOf = (layout: ReadonlyArray<number>): Member[] =>
  layout.flatMap((size, z) => Array.from({ length: size }, (_, i) => ({ id: `z${z + 1}-n${i + 1}`, zone: `zone-${z + 1}` })))

/** Replica counts per node, and how many keys' top N span min(N, zones) zones. */
function place(ring: Ring, positions: readonly bigint[]): { readonly load: Map<string, number>; readonly spanning: number } {
  const zoneById = new Map(ring.members.map((m) => [m.id, m.zone]))
  const wanted = Math.min(REPLICAS_N, zonesOf(ring).length)
  const load = new Map(ring.nodes.map((node) => [node, 0]))
  let spanning = 0
  for (const position of positions) {
    const list = preferenceListForPosition(ring, position, REPLICAS_N)
    for (const node of list) load.set(node, load.get(node)! + 1)
    if (new Set(list.map((node) => zoneById.get(node))).size === wanted) spanning += 1
  }
  return { load, spanning }
}

const percent = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`

/** Runs the per-zone balance figures and returns the table; the caller prints it. */
export async function ringZonesBench(): Promise<string> {
  const positions = Array.from({ length: KEYS_COUNT }, (_, i) => keyPosition(`key-${i}`))
  const rows: string[][] = []
  for (const layout of LAYOUTS) {
    for (const { label, config } of CONFIGS) {
      const members = membersOf(layout)
      const zoned = buildRing(members, config)
      // The same ring without zones: how often the plain walk would leave a zone out.
      const plain = buildRing(members.map((m) => ({ id: m.id })), config)
      const { load, spanning } = place(zoned, positions)
      const plainList = (position: bigint) => preferenceListForPosition(plain, position, REPLICAS_N)
      const zoneById = new Map(members.map((m) => [m.id, m.zone!]))
      const wanted = Math.min(REPLICAS_N, layout.length)
      const plainSpanning = positions.filter((p) => new Set(plainList(p).map((node) => zoneById.get(node))).size === wanted).length
      const clusterMean = (KEYS_COUNT * REPLICAS_N) / members.length
      for (const zone of zonesOf(zoned)) {
        const loads = members.filter((m) => m.zone === zone).map((m) => load.get(m.id)!)
        const total = loads.reduce((sum, x) => sum + x, 0)
        const zoneMean = total / loads.length
        const imbalanced = loads.filter((x) => Math.abs(x - zoneMean) > IMBALANCE_DEVIATION_MAX * zoneMean).length
        rows.push([
          layout.join("+"), label, zone, String(loads.length),
          percent(total / (KEYS_COUNT * REPLICAS_N)),
          (zoneMean / clusterMean).toFixed(2),
          percent(imbalanced / loads.length),
          (Math.max(...loads) / zoneMean).toFixed(3),
          percent(spanning / KEYS_COUNT),
          percent(plainSpanning / KEYS_COUNT)
        ])
      }
    }
  }
  return [
    `${KEYS_COUNT} keys, N=${REPLICAS_N}. share = the zone's part of all replicas; node/cluster = its nodes' mean load over`,
    `the cluster's mean; imbalanced and max/mean within the zone (a node more than ${IMBALANCE_DEVIATION_MAX * 100}% from the zone's mean);`,
    `spanning = keys whose top ${REPLICAS_N} span min(N, zones) zones (RING-4), with the rule and with the plain walk.`,
    ...plainTable(["zones", "strategy", "zone", "nodes", "share", "node/cluster", "imbalanced", "max/mean", "spanning", "plain walk"], rows, 3)
  ].join("\n")
}

const entry = process.argv[1]
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  console.log(await ringZonesBench())
}
