// bench/targets.ts: the performance targets judged from one versus-etcd run.
// Catches: a ratio taken the wrong way round (etcd over dynamo), a bound off by its equality (a
// ratio exactly at 1.5x is within a "within 1.5x" target and meets an "at least 1.5x" one), a
// p99.9 judged on its mean or on some rounds instead of every round both stores ran, a round only
// one store ran counted, no rounds in common read as met, the floor's CPU bound or its ops bound
// dropped (either alone decides), errors of either store ignored, a target listed for a store
// that did not run, and a ratio printed with the bound's digits while it fails the bound.
import { describe, expect, test } from "vitest"
import { describeVerdicts, judgeTargets, type StoreFigures } from "../bench/targets.ts"

const store = (name: string, opsPerSecond: number, cpuMicrosPerOp: number, p999: ReadonlyArray<readonly [number, number]>, errors = 0, lonePutP50Ms?: number): StoreFigures =>
  ({ name, opsPerSecond, cpuMicrosPerOp, p999ByRound: new Map(p999), errors, lonePutP50Ms })

const metOf = (verdicts: ReturnType<typeof judgeTargets>) => Object.fromEntries(verdicts.map((v) => [v.target, v.met]))

describe("the targets against etcd", () => {
  test("1.5x etcd's operations is met at the bound and not below it; the ratio is dynamo over etcd", () => {
    const etcd = store("etcd", 4000, 370, [[1, 40]])
    const at = judgeTargets(3, store("dynamo 3", 6000, 200, [[1, 30]]), etcd, undefined)
    expect(at[0]).toEqual({ target: "3 nodes: ops/s at least 1.5x etcd's", met: true, figure: "1.500x" })
    const below = judgeTargets(3, store("dynamo 3", 5990, 200, [[1, 30]]), etcd, undefined)
    expect(below[0]).toMatchObject({ met: false, figure: "1.498x" })
    // Faster than etcd but short of the bound: etcd over dynamo (0.67) would also fail, so the
    // other way round is checked on a pair where only the right ratio passes.
    expect(judgeTargets(3, store("dynamo 3", 8000, 200, [[1, 30]]), etcd, undefined)[0]!.met).toBe(true)
  })

  test("the p99.9 is judged in every round both ran, and no round in common is not met", () => {
    const etcd = store("etcd", 4000, 370, [[1, 40], [2, 45], [3, 42]])
    const everyRound = judgeTargets(3, store("dynamo 3", 6000, 200, [[1, 40], [2, 30], [3, 41.9], [4, 99]]), etcd, undefined)
    expect(everyRound[1]).toEqual({
      target: "3 nodes: p99.9 no higher than etcd's in every round",
      met: true,
      figure: "3 of 3 rounds (40.0 against 40.0 ms, 30.0 against 45.0 ms, 41.9 against 42.0 ms)"
    })
    // Lower on average (mean 36.7 against 42.3) but above in one round: not met.
    const oneRoundAbove = judgeTargets(3, store("dynamo 3", 6000, 200, [[1, 20], [2, 50], [3, 40]]), etcd, undefined)
    expect(oneRoundAbove[1]).toMatchObject({ met: false, figure: expect.stringMatching(/^2 of 3 rounds/) })
    const noneInCommon = judgeTargets(3, store("dynamo 3", 6000, 200, [[7, 1]]), etcd, undefined)
    expect(noneInCommon[1]).toMatchObject({ met: false, figure: "0 of 0 rounds ()" })
  })

  test("an error from either store fails the no-errors target", () => {
    const clean = store("etcd", 4000, 370, [[1, 40]])
    expect(metOf(judgeTargets(3, store("dynamo 3", 6000, 200, [[1, 30]]), clean, undefined))["no errors (dynamo and etcd)"]).toBe(true)
    expect(metOf(judgeTargets(3, store("dynamo 3", 6000, 200, [[1, 30]], 1), clean, undefined))["no errors (dynamo and etcd)"]).toBe(false)
    expect(metOf(judgeTargets(3, store("dynamo 3", 6000, 200, [[1, 30]]), store("etcd", 4000, 370, [[1, 40]], 2), undefined))["no errors (dynamo and etcd)"]).toBe(false)
  })
})

describe("the targets against the floor", () => {
  const floor = store("floor 5", 8000, 200, [[1, 30]], 0, 0.6)

  test("0.75x the floor's operations and within 1.5x its CPU, both bounds inclusive and both needed", () => {
    const target = "5 nodes: ops/s at least 0.75x the floor's within 1.5x its CPU per op"
    expect(metOf(judgeTargets(5, store("dynamo 5", 6000, 300, [[1, 50]]), undefined, floor))[target]).toBe(true)
    expect(metOf(judgeTargets(5, store("dynamo 5", 5999, 300, [[1, 50]]), undefined, floor))[target]).toBe(false)
    expect(metOf(judgeTargets(5, store("dynamo 5", 7000, 301, [[1, 50]]), undefined, floor))[target]).toBe(false)
    expect(judgeTargets(5, store("dynamo 5", 3800, 520, [[1, 50]]), undefined, floor)[0]!.figure).toBe("0.475x the ops/s at 2.600x the CPU")
  })

  test("a lone put within 1.5x the floor's p50, judged only when both ran one", () => {
    const lone = (ms: number | undefined) => judgeTargets(3, store("dynamo 3", 6000, 300, [[1, 50]], 0, ms), undefined, floor)
      .find((v) => v.target === "a lone put's p50 within 1.5x the floor's")
    expect(lone(0.9)).toEqual({ target: "a lone put's p50 within 1.5x the floor's", met: true, figure: "1.500x (0.90 against 0.60 ms)" })
    // 0.903 / 0.6 = 1.505: printed with three decimals, so it does not read as the bound.
    expect(lone(0.903)).toMatchObject({ met: false, figure: "1.505x (0.90 against 0.60 ms)" })
    expect(lone(undefined)).toBeUndefined()
    expect(judgeTargets(3, store("dynamo 3", 6000, 300, [[1, 50]], 0, 0.8), undefined, store("floor 3", 8000, 200, [[1, 30]])).map((v) => v.target))
      .not.toContain("a lone put's p50 within 1.5x the floor's")
  })
})

describe("which targets are listed", () => {
  test("only those whose reference store ran, under a heading naming the cluster", () => {
    const dynamo = store("dynamo 3", 6000, 300, [[1, 50]], 0, 0.8)
    expect(judgeTargets(3, dynamo, undefined, undefined)).toEqual([])
    expect(describeVerdicts("dynamo 3", [])).toEqual([])
    const lines = describeVerdicts("dynamo 3", judgeTargets(3, dynamo, store("etcd", 4000, 370, [[1, 40]]), undefined))
    expect(lines).toEqual([
      "dynamo 3, the issue's targets in this run:",
      "  met: 3 nodes: ops/s at least 1.5x etcd's: 1.500x",
      "  not met: 3 nodes: p99.9 no higher than etcd's in every round: 0 of 1 rounds (50.0 against 40.0 ms)",
      "  met: no errors (dynamo and etcd): 0 from dynamo, 0 from etcd"
    ])
  })
})
