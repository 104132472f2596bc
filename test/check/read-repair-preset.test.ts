// The `read-repair-alone` preset (src/check/model.ts): read repair on, anti-entropy off, so after
// a lost Replicate only read repair (in the search, or heal-and-quiesce's reads) can bring the
// stale replica up to date. The default protocol converges; without read repair the same model
// breaks CONV-1, which is what the preset is there to notice (mutant 03 of ../shared/mutants,
// read repair that skips the stale replicas, is caught by it: src/check/MUTANTS.md).
import { describe, expect, test } from "vitest"
import { search } from "../../src/check/explore.ts"
import { buildModel } from "../../src/check/model.ts"

const preset = () => {
  const built = buildModel({ preset: "read-repair-alone" })
  if (built._tag === "Error") throw new Error(built.message)
  return built.model
}

describe("read-repair-alone", () => {
  // Catches: a read repair that leaves a stale replica (CONV-1 would fire here), a model in which
  // the message is never lost or no read repair ever runs (a vacuous pass), and a change of the
  // model that changes its space (the pinned count).
  test("exhausts with no violation; the lost message and read repairs happen", () => {
    const result = search(preset(), { order: "dfs", maxStates: 100_000 })
    // Named so that `npm run mutants` reports which invariant the checker found.
    const found = result.finding?.violation
    expect(found === undefined ? "none" : `the checker found ${found.invariant}: ${found.message}`).toBe("none")
    expect(result.outcome).toBe("exhausted")
    // 305 with every field fingerprinted (--no-canonical); the canonical form merges worlds that
    // differ only in persist tokens and acknowledgers (src/check/README.md, "Canonical form").
    expect(result.stats.distinct).toBe(272)
    for (const name of preset().sometimes) expect(result.sometimes[name as keyof typeof result.sometimes], name).toBeGreaterThan(0)
  })

  // Catches: a preset whose convergence does not depend on read repair (anti-entropy left on, or
  // heal-and-quiesce converging replicas some other way): then it could not notice a broken one.
  test("with read repair off, the same model diverges (CONV-1)", () => {
    const model = preset()
    const result = search({ ...model, protocol: { ...model.protocol, readRepair: false } }, { order: "bfs", maxStates: 100_000 })
    expect(result.outcome).toBe("violation")
    expect(result.finding!.violation.invariant).toBe("CONV-1")
  })
})
