// The model checker's zone presets (src/check/zones.ts; paper 4.6): a crash takes down every node
// of a zone at once, a partition cuts one zone off, RING-4 places the key in both zones, and a
// bounded search of each preset finds no violation (AVAIL-1 included: the client of the
// surviving zone must get its put and get through). `npx dynamo check --preset zones` (and
// zones-cut) exhausts them; src/check/README.md has the figures.
import { describe, expect, test } from "vitest"
import { runCheck } from "../../src/check/check.ts"
import { buildModel, type CheckOptions } from "../../src/check/model.ts"
import { apply, compile, enabledActions, initialWorld } from "../../src/check/world.ts"
import { zoneOf } from "../../src/core/ring.ts"

const modelOf = (options: CheckOptions) => {
  const built = buildModel(options)
  if (built._tag === "Error") throw new Error(built.message)
  return built.model
}

describe("zones in the model checker", () => {
  // Mutations caught: a crash that takes only the chosen node (the zone's other node keeps
  // serving); every cut enumerated instead of the zone's (a cut splitting a zone); a ring built
  // without the model's zones (k1's three replicas could then sit two in one zone: here 2+2
  // nodes make any three span both, so the check is on the ring's members).
  test("a crash takes a whole zone, the one partition isolates a zone, the ring carries the zones", () => {
    const c = compile(modelOf({ preset: "zones" }))
    expect(c.ring.members.map((m) => m.zone)).toEqual(["z1", "z2", "z1", "z2"])
    expect(new Set(c.top[0]!.map((i) => zoneOf(c.ring, c.ids[i]!))).size).toBe(2)
    const start = initialWorld(c)
    const crash = enabledActions(c, start).find((a) => a._tag === "Crash" && a.node === 0)!
    const after = apply(c, start, crash).state
    expect(after.nodes.map((slot) => slot.state === undefined)).toEqual([true, false, true, false])
    const cut = compile(modelOf({ preset: "zones-cut" }))
    const partitions = enabledActions(cut, initialWorld(cut)).filter((a) => a._tag === "Partition")
    // n2 and n4 (z2) on one side, n1 and n3 (z1) on the other: one cut, named without node 0.
    expect(partitions).toEqual([{ _tag: "Partition", cut: 0b1010 }])
  })

  // A bounded search (the full ones take about 30 s each on one core): no violation, and the
  // zone's loss did happen with puts acknowledged and hints stored.
  test.each(["zones", "zones-cut"])("%s: a bounded search finds no violation", async (preset) => {
    const checked = await runCheck({ preset }, { order: "bfs", workers: 1, maxStates: 60_000 })
    expect(checked.counterexample?.violation).toBeUndefined()
    expect(checked.result.stats.distinct).toBeGreaterThan(50_000)
    expect(checked.result.sometimes["put-acknowledged"]).toBeGreaterThan(0)
    expect(checked.result.sometimes["hint-stored"]).toBeGreaterThan(0)
  })
})
