// bench/paired.ts: a variant against the first cluster, round by round (versus-etcd's last lines).
// Catches: ratios taken the wrong way round (A over B), rounds paired out of order or with a
// round only one store ran, "ahead" counted the same way for every figure (more CPU or a higher
// tail counted as better), an arithmetic mean where the geometric one is meant (2x and 0.5x
// would read 1.25x instead of 1.00x).
import { describe, expect, test } from "vitest"
import { describePaired, pairRounds } from "../bench/paired.ts"

const figures = (round: number, opsPerSecond: number, cpuMicrosPerOp: number, p999Ms: number) => ({ round, opsPerSecond, cpuMicrosPerOp, p999Ms })

describe("paired rounds", () => {
  test("B over A per round, in round order, leaving out a round only one ran", () => {
    const a = [figures(2, 1000, 400, 80), figures(1, 2000, 300, 50), figures(3, 1000, 400, 60)]
    const b = [figures(1, 1000, 600, 100), figures(2, 2000, 200, 40), figures(4, 5000, 100, 10)]
    expect(pairRounds(a, b)).toEqual({ rounds: 2, ops: [0.5, 2], cpu: [2, 0.5], p999: [2, 0.5] })
  })

  test("each figure counts as ahead the way that is better for it, with the geometric mean", () => {
    const a = [figures(1, 1000, 400, 80), figures(2, 1000, 400, 80), figures(3, 1000, 400, 80)]
    const b = [figures(1, 2000, 200, 40), figures(2, 500, 800, 160), figures(3, 1100, 360, 72)]
    expect(describePaired("dynamo 3 B", "dynamo 3", pairRounds(a, b))).toEqual([
      "dynamo 3 B against dynamo 3, round by round (each round's pair ran back to back):",
      "  ops/s 2.00x 0.50x 1.10x: more in 2 of 3 rounds, geometric mean 1.03x",
      "  server CPU per op 0.50x 2.00x 0.90x: less in 2 of 3 rounds, geometric mean 0.97x",
      "  p99.9 0.50x 2.00x 0.90x: less in 2 of 3 rounds, geometric mean 0.97x"
    ])
  })

  test("no round in common, no lines", () => {
    expect(describePaired("b", "a", pairRounds([figures(1, 1, 1, 1)], [figures(2, 1, 1, 1)]))).toEqual([])
  })
})
