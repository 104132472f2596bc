// Shared by the reduction tests (reductions.test.ts, canonical.test.ts): an anomaly preset searched
// breadth-first with a reduction off and on must find the same invariant at the same shortest
// length, and each counterexample's trace must replay through the core.
import { expect } from "vitest"
import { runCheck } from "../../src/check/check.ts"
import { counterexampleText } from "../../src/check/counterexample.ts"
import type { CheckOptions } from "../../src/check/model.ts"
import { replayTrace } from "../../src/sim/replay.ts"
import { decodeTrace } from "../../src/trace/format.ts"

/** Runs `preset` once per option set in `variants` (off, then on) and compares their counterexamples. */
export const expectSameCounterexample = async (preset: string, variants: ReadonlyArray<Partial<CheckOptions>>): Promise<void> => {
  const lengths: Array<number> = []
  for (const variant of variants) {
    const label = JSON.stringify(variant)
    const checked = await runCheck({ ...variant, preset }, { order: "bfs", workers: 1, maxStates: 2_000_000 })
    const counterexample = checked.counterexample
    expect(counterexample, label).toBeDefined()
    expect(counterexample!.violation.invariant, label).toBe(checked.model.expect)
    lengths.push(checked.result.finding!.actions.length)
    const decoded = decodeTrace(counterexampleText(counterexample!))
    expect(decoded._tag, label).toBe("Ok")
    if (decoded._tag === "Ok") expect(replayTrace(decoded.trace).divergence, label).toBeUndefined()
  }
  for (const length of lengths) expect(length).toBe(lengths[0])
}
