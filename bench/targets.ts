// The performance targets (issue 19), judged from one versus-etcd run: each one met or not, with
// the figure it was judged on, so that a run answers "where do we stand" in its last lines rather
// than in arithmetic over its table. Pure: the bench gives each store's figures, this says.
//
// - Against etcd (three members; the issue sets this for three nodes, and a run of another size
//   says its size): at least 1.5x its operations per second, a p99.9 no higher than its own in
//   every round, and no errors from either store.
// - Against the floor (bench/floor-node.ts, same node count): at least 0.75x its operations per
//   second within 1.5x its server CPU per operation (the issue sets this for five nodes; a run
//   of another size is judged the same way and says its size), and a lone put's p50 within 1.5x
//   of its own.
// A target whose reference store did not run (--no-etcd, no --floor) is not listed.

export const ETCD_OPS_RATIO_MIN = 1.5
export const FLOOR_OPS_RATIO_MIN = 0.75
export const FLOOR_CPU_RATIO_MAX = 1.5
export const LONE_PUT_RATIO_MAX = 1.5

/** One store's figures over a run. */
export interface StoreFigures {
  readonly name: string
  /** Operations per second over all loaded rounds. */
  readonly opsPerSecond: number
  /** Server CPU per operation over all loaded rounds, µs. */
  readonly cpuMicrosPerOp: number
  /** p99.9 of each loaded round, by round number. */
  readonly p999ByRound: ReadonlyMap<number, number>
  /** Failed or timed-out requests over the loaded rounds. */
  readonly errors: number
  /** A lone put's p50 (ms), when the one-client run took place and put anything. */
  readonly lonePutP50Ms: number | undefined
}

export interface Verdict {
  readonly target: string
  readonly met: boolean
  readonly figure: string
}

// Three decimals: a ratio just past a bound must not print as the bound itself.
const x = (ratio: number): string => `${ratio.toFixed(3)}x`

/**
 * The targets `dynamo` is judged on against whichever of `etcd` and `floor` ran; `nodes` is the
 * cluster's size (the floor targets are the issue's for five).
 */
export const judgeTargets = (nodes: number, dynamo: StoreFigures, etcd: StoreFigures | undefined, floor: StoreFigures | undefined): ReadonlyArray<Verdict> => {
  const verdicts: Array<Verdict> = []
  if (etcd !== undefined) {
    const ratio = dynamo.opsPerSecond / etcd.opsPerSecond
    verdicts.push({ target: `${nodes} nodes: ops/s at least ${ETCD_OPS_RATIO_MIN}x etcd's`, met: ratio >= ETCD_OPS_RATIO_MIN, figure: x(ratio) })
    // Rounds both ran, in round order: a round only one of them ran proves nothing either way.
    const rounds = [...dynamo.p999ByRound.keys()].filter((round) => etcd.p999ByRound.has(round)).sort((a, b) => a - b)
    const within = rounds.filter((round) => dynamo.p999ByRound.get(round)! <= etcd.p999ByRound.get(round)!).length
    verdicts.push({
      target: `${nodes} nodes: p99.9 no higher than etcd's in every round`,
      met: rounds.length > 0 && within === rounds.length,
      figure: `${within} of ${rounds.length} rounds (${rounds.map((round) => `${dynamo.p999ByRound.get(round)!.toFixed(1)} against ${etcd.p999ByRound.get(round)!.toFixed(1)} ms`).join(", ")})`
    })
    verdicts.push({
      target: "no errors (dynamo and etcd)",
      met: dynamo.errors === 0 && etcd.errors === 0,
      figure: `${dynamo.errors} from dynamo, ${etcd.errors} from etcd`
    })
  }
  if (floor !== undefined) {
    const ops = dynamo.opsPerSecond / floor.opsPerSecond
    const cpu = dynamo.cpuMicrosPerOp / floor.cpuMicrosPerOp
    verdicts.push({
      target: `${nodes} nodes: ops/s at least ${FLOOR_OPS_RATIO_MIN}x the floor's within ${FLOOR_CPU_RATIO_MAX}x its CPU per op`,
      met: ops >= FLOOR_OPS_RATIO_MIN && cpu <= FLOOR_CPU_RATIO_MAX,
      figure: `${x(ops)} the ops/s at ${x(cpu)} the CPU`
    })
    if (dynamo.lonePutP50Ms !== undefined && floor.lonePutP50Ms !== undefined) {
      const ratio = dynamo.lonePutP50Ms / floor.lonePutP50Ms
      verdicts.push({
        target: `a lone put's p50 within ${LONE_PUT_RATIO_MAX}x the floor's`,
        met: ratio <= LONE_PUT_RATIO_MAX,
        figure: `${x(ratio)} (${dynamo.lonePutP50Ms.toFixed(2)} against ${floor.lonePutP50Ms.toFixed(2)} ms)`
      })
    }
  }
  return verdicts
}

/** The verdicts as lines under a heading naming the store judged. */
export const describeVerdicts = (name: string, verdicts: ReadonlyArray<Verdict>): ReadonlyArray<string> =>
  verdicts.length === 0 ? [] : [`${name}, the issue's targets in this run:`, ...verdicts.map((v) => `  ${v.met ? "met" : "not met"}: ${v.target}: ${v.figure}`)]
