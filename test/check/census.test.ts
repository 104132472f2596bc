// The census of a model's state space (src/check/census.ts, issue 23): level by level it finds
// exactly the worlds the search finds, attributes each to the kind of action that reached it
// first, and says when it stopped short.
import { describe, expect, test } from "vitest"
import { census } from "../../src/check/census.ts"
import { search } from "../../src/check/explore.ts"
import { buildModel, type CheckOptions } from "../../src/check/model.ts"

const modelOf = (options: CheckOptions) => {
  const built = buildModel(options)
  if (built._tag === "Error") throw new Error(built.message)
  return built.model
}

describe("census: states per level and where they come from", () => {
  // Catches: a census that skips or double-counts worlds (its total would differ from the
  // search's exhaustive count), levels that do not add up to the total, a new world attributed to
  // no kind of action or to two, and a fault kind reported where the bounds allow none.
  test("fault-free small: the census finds the search's states, level by level", () => {
    const model = modelOf({ preset: "small", crashes: 0, drops: 0 })
    const counted = census(model, Number.MAX_SAFE_INTEGER)
    const searched = search(model, { order: "bfs", maxStates: 10_000_000 })
    expect(searched.outcome).toBe("exhausted")
    expect(counted.exhausted).toBe(true)
    expect(counted.distinct).toBe(searched.stats.distinct)
    expect(counted.levels.length).toBe(searched.stats.depth)
    expect(1 + counted.levels.reduce((sum, level) => sum + level.fresh, 0)).toBe(counted.distinct)
    for (const level of counted.levels) {
      expect(Object.values(level.firstBy).reduce((a, b) => a + b, 0)).toBe(level.fresh)
      expect(level.generated).toBeGreaterThanOrEqual(level.fresh)
    }
    const kinds = new Set(counted.levels.flatMap((level) => Object.keys(level.firstBy)))
    expect(kinds.has("Issue")).toBe(true)
    expect([...kinds].some((kind) => kind.startsWith("deliver "))).toBe(true)
    for (const fault of ["Crash", "Drop", "Partition", "Duplicate", "LoseDisk"]) expect(kinds.has(fault)).toBe(false)
  })

  // Catches: a truncated census reported as exhausted, or one that runs past its bound.
  test("a truncated census says so", () => {
    const model = modelOf({ preset: "small" })
    const counted = census(model, 20_000)
    expect(counted.exhausted).toBe(false)
    expect(counted.distinct).toBe(20_000)
  })
})
