// Alternating runs compared round by round. On a shared or noisy machine two stores' totals can
// differ by more than either change being measured (a slow phase lands on one store's runs), so
// a comparison reads each round's pair on its own: the ratio in that round, how many rounds each
// side won, and the geometric mean of the ratios (a ratio of 2 and one of 0.5 cancel out).

/** One store's figures in one round. */
export interface RoundFigures {
  readonly round: number
  readonly opsPerSecond: number
  readonly cpuMicrosPerOp: number
  readonly p999Ms: number
}

export interface PairedComparison {
  /** Rounds both stores ran. */
  readonly rounds: number
  /** B's figure over A's, round by round, in round order. */
  readonly ops: ReadonlyArray<number>
  readonly cpu: ReadonlyArray<number>
  readonly p999: ReadonlyArray<number>
}

const geometricMean = (ratios: ReadonlyArray<number>): number =>
  ratios.length === 0 ? NaN : Math.exp(ratios.reduce((sum, ratio) => sum + Math.log(ratio), 0) / ratios.length)

/** Each round both ran, B's figures over A's. A round only one of them ran is left out. */
export const pairRounds = (a: ReadonlyArray<RoundFigures>, b: ReadonlyArray<RoundFigures>): PairedComparison => {
  const byRound = new Map(a.map((figures) => [figures.round, figures]))
  const pairs = b.filter((figures) => byRound.has(figures.round)).sort((x, y) => x.round - y.round).map((figures) => [byRound.get(figures.round)!, figures] as const)
  return {
    rounds: pairs.length,
    ops: pairs.map(([x, y]) => y.opsPerSecond / x.opsPerSecond),
    cpu: pairs.map(([x, y]) => y.cpuMicrosPerOp / x.cpuMicrosPerOp),
    p999: pairs.map(([x, y]) => y.p999Ms / x.p999Ms)
  }
}

const ratios = (values: ReadonlyArray<number>): string => values.map((value) => `${value.toFixed(2)}x`).join(" ")

/**
 * One line per figure, e.g. "ops/s 1.08x 0.95x 1.12x: more in 2 of 3 rounds, geometric mean
 * 1.05x". `better` says which way is better for that figure (more operations, less CPU, a lower
 * tail), so "ahead" always means B did better than A in that round.
 */
export const describePaired = (name: string, against: string, paired: PairedComparison): ReadonlyArray<string> => {
  if (paired.rounds === 0) return []
  const line = (label: string, values: ReadonlyArray<number>, better: "higher" | "lower") => {
    const ahead = values.filter((value) => (better === "higher" ? value > 1 : value < 1)).length
    return `  ${label} ${ratios(values)}: ${better === "higher" ? "more" : "less"} in ${ahead} of ${paired.rounds} rounds, geometric mean ${geometricMean(values).toFixed(2)}x`
  }
  return [
    `${name} against ${against}, round by round (each round's pair ran back to back):`,
    line("ops/s", paired.ops, "higher"),
    line("server CPU per op", paired.cpu, "lower"),
    line("p99.9", paired.p999, "lower")
  ]
}
