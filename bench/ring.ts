// RING-3: key load balance of the paper's partitioning strategies 1 (T tokens per node) and 3
// (Q equal partitions), section 6.2. The paper's measure: a node is "imbalanced" when its load
// deviates more than 15% from the mean. Run directly with `npx tsx bench/ring.ts`.
import { pathToFileURL } from "node:url"
import { keyPosition } from "../src/core/hash.ts"
import { buildRing, preferenceListForPosition, type Ring, type RingConfig } from "../src/core/ring.ts"

const KEYS_COUNT = 1_000_000
const NODE_COUNTS = [5, 10, 50, 100] as const
const TOKENS_PER_NODE = 128
const PARTITION_COUNTS = [1024, 4096] as const
const REPLICAS_N = 3
/** The paper's threshold: a load more than 15% from the mean counts as imbalanced. */
const IMBALANCE_DEVIATION_MAX = 0.15

interface LoadSummary {
  /** Fraction of nodes whose load deviates from the mean by more than IMBALANCE_DEVIATION_MAX. */
  readonly imbalancedFraction: number
  readonly maxOverMean: number
}

function summarise(loads: Float64Array): LoadSummary {
  const mean = loads.reduce((sum, load) => sum + load, 0) / loads.length
  let imbalanced = 0
  let max = 0
  for (const load of loads) {
    if (Math.abs(load - mean) > IMBALANCE_DEVIATION_MAX * mean) imbalanced += 1
    max = Math.max(max, load)
  }
  return { imbalancedFraction: imbalanced / loads.length, maxOverMean: max / mean }
}

interface BenchRow {
  readonly strategy: string
  readonly nodes: number
  readonly tokens: number
  readonly buildMs: number
  readonly placeMs: number
  readonly primary: LoadSummary
  readonly replicas: LoadSummary
}

/** Place every key: the primary owner (first of the list) and the top-n replicas carry load. */
function measure(strategy: string, ring: Ring, buildMs: number, positions: readonly bigint[]): BenchRow {
  const slots = new Map(ring.nodes.map((node, slot) => [node, slot]))
  const primary = new Float64Array(ring.nodes.length)
  const replicas = new Float64Array(ring.nodes.length)
  const started = performance.now()
  for (const position of positions) {
    const list = preferenceListForPosition(ring, position, REPLICAS_N)
    list.forEach((node, rank) => {
      const slot = slots.get(node)!
      if (rank === 0) primary[slot]! += 1
      replicas[slot]! += 1
    })
  }
  const placeMs = performance.now() - started
  return {
    strategy,
    nodes: ring.nodes.length,
    tokens: ring.tokens.length,
    buildMs,
    placeMs,
    primary: summarise(primary),
    replicas: summarise(replicas)
  }
}

function formatTable(rows: readonly BenchRow[], hashMs: number): string {
  const header = ["strategy", "S", "tokens", "imbalanced(n=1)", "max/mean(n=1)", "imbalanced(n=3)",
    "max/mean(n=3)", "build ms", "place ms"]
  const body = rows.map((row) => [
    row.strategy,
    String(row.nodes),
    String(row.tokens),
    `${(row.primary.imbalancedFraction * 100).toFixed(1)}%`,
    row.primary.maxOverMean.toFixed(3),
    `${(row.replicas.imbalancedFraction * 100).toFixed(1)}%`,
    row.replicas.maxOverMean.toFixed(3),
    row.buildMs.toFixed(0),
    row.placeMs.toFixed(0)
  ])
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)))
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => (column < 1 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join(" | ")} |`
  return [
    `RING-3: ${KEYS_COUNT} keys (key-0 .. key-${KEYS_COUNT - 1}), MD5 hashed once in ${hashMs.toFixed(0)} ms;`,
    `imbalanced = fraction of nodes whose load is more than ${IMBALANCE_DEVIATION_MAX * 100}% from the mean.`,
    line(header),
    line(widths.map((width) => "-".repeat(width))),
    ...body.map(line)
  ].join("\n")
}

/** Runs RING-3 and returns the table; the caller prints it. */
export async function ringBench(): Promise<string> {
  const hashStarted = performance.now()
  // Hash once and reuse: every configuration sees the same keys, and MD5 dominates otherwise.
  const positions = Array.from({ length: KEYS_COUNT }, (_, i) => keyPosition(`key-${i}`))
  const hashMs = performance.now() - hashStarted
  const configs: { readonly label: string; readonly config: RingConfig }[] = [
    { label: `tokens T=${TOKENS_PER_NODE}`, config: { strategy: "tokens", tokensPerNode: TOKENS_PER_NODE } },
    ...PARTITION_COUNTS.map((partitions) => ({
      label: `partitions Q=${partitions}`,
      config: { strategy: "partitions", partitions } as const
    }))
  ]
  const rows: BenchRow[] = []
  for (const nodeCount of NODE_COUNTS) {
    const members = Array.from({ length: nodeCount }, (_, i) => ({ id: `node-${i}` }))
    for (const { label, config } of configs) {
      const started = performance.now()
      const ring = buildRing(members, config)
      rows.push(measure(label, ring, performance.now() - started, positions))
    }
  }
  return formatTable(rows, hashMs)
}

const entry = process.argv[1]
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  console.log(await ringBench())
}
