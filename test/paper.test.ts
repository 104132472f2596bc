// The paper's scenarios as stories: each is run in the simulator, checked against what the paper
// says, compared byte for byte with its committed trace, and that trace replayed through the core.
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { paperScenarios } from "../src/sim/paper.ts"
import { replayTrace } from "../src/sim/replay.ts"
import { decodeTrace, encodeTrace } from "../src/trace/format.ts"
import { traceOfReport } from "../src/sim/trace.ts"
import { World } from "../src/sim/world.ts"
import type { ClientReply } from "../src/core/io.ts"

const clock = (reply: ClientReply): string =>
  "context" in reply ? reply.context.map((e) => `(${e.node},${e.counter})`).join("") : reply.error

const run = (name: string) => {
  const entry = paperScenarios.find((p) => p.name === name)!
  const report = new World(entry.scenario, true).run()
  const replies = new Map(report.observations.map((o) => [o.reply.id, o.reply]))
  return { report, replies }
}

describe("the paper's scenarios", () => {
  test("Figure 3 (vv): D1..D5 carry the paper's clocks; D3 and D4 are siblings; D5 reconciles them", () => {
    const { report, replies } = run("figure3-vv")
    expect(report.violations).toEqual([])
    expect(clock(replies.get("c0.1")!)).toBe("(n1,1)") // D1 [(Sx,1)]
    expect(clock(replies.get("c0.2")!)).toBe("(n1,2)") // D2 [(Sx,2)]
    expect(clock(replies.get("c1.2")!)).toBe("(n1,2)(n2,1)") // D3 [(Sx,2),(Sy,1)]
    expect(clock(replies.get("c2.2")!)).toBe("(n1,2)(n3,1)") // D4 [(Sx,2),(Sz,1)]
    const read = replies.get("c0.3")!
    expect(read._tag === "GetOk" && read.values).toEqual(["c1.2", "c2.2"])
    expect(clock(replies.get("c0.4")!)).toBe("(n1,3)(n2,1)(n3,1)") // D5 [(Sx,3),(Sy,1),(Sz,1)]
    expect(report.finalReplicas.every((r) => r.values.join() === "c0.4")).toBe(true)
  })

  test("the DVVSet example: {a:1,[v1]}, then {a:2,[v2,v1]}, then {a:3,[v3,v2]}", () => {
    const { report, replies } = run("dvv-example")
    expect(report.violations).toEqual([])
    const v = (id: string) => {
      const r = replies.get(id)!
      return `${clock(r)} ${"siblings" in r ? r.siblings.map((s) => (s._tag === "Put" ? s.value : "tombstone")).join(",") : ""}`
    }
    expect(v("c0.1")).toBe("(n1,1) c0.1")
    expect(v("c1.1")).toBe("(n1,2) c1.1,c0.1")
    expect(v("c0.2")).toBe("(n1,3) c0.2,c1.1")
  })

  test("HINT-1 hinted handoff: the partitioned replica's copy goes to a fallback with a hint and comes home after the heal", () => {
    const { report, replies } = run("hinted-handoff")
    expect(report.violations).toEqual([])
    const put = replies.get("c0.1")!
    expect(put._tag === "PutOk" && put.nodes).toEqual(["n3", "n4"]) // n1 is cut off
    expect(report.stats.hintsStored).toBeGreaterThanOrEqual(1)
    expect(report.stats.hintsDelivered).toBeGreaterThanOrEqual(1)
    expect(report.finalReplicas.find((r) => r.node === "n1")?.values).toEqual(["c0.1"])
    // n2 took n1's place and held the hint: the trace shows the Replicate naming n1.
    const toFallback = report.trace.filter((s) => s.node === "n2" && s.event._tag === "Input" && s.event.input._tag === "Receive" && s.event.input.message._tag === "Replicate")
    expect(toFallback.some((s) => s.event._tag === "Input" && s.event.input._tag === "Receive" && s.event.input.message._tag === "Replicate" && s.event.input.message.hintFor === "n1")).toBe(true)
  })

  for (const { name, description, scenario } of paperScenarios) {
    test(`traces/paper/${name}.json is current and replays through the core`, () => {
      const committed = readFileSync(`traces/paper/${name}.json`, "utf8")
      const fresh = encodeTrace(traceOfReport(new World(scenario, true).run(), "simulator", description))
      expect(committed === fresh, `traces/paper/${name}.json is stale: run npx tsx scripts/write-paper-traces.ts`).toBe(true)
      const decoded = decodeTrace(committed)
      if (decoded._tag === "Error") throw new Error(decoded.message)
      const result = replayTrace(decoded.trace)
      expect(result.divergence).toBeUndefined()
      expect(result.replies).toBe(decoded.trace.observations.replies.length)
    })
  }
})
