// The trace viewer's model (src/view/), for every kind of trace the project writes: the lanes, the
// arrows (each delivery matched to the step that sent it), the bands of crashes and partitions,
// and the lost write's path. Expectations come from the trace files themselves (which step holds
// which input), not from the viewer's own output.
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { defaultSimOptions, generateScenario } from "../../src/sim/scenario.ts"
import { decodeTrace, encodeTrace, type Trace } from "../../src/trace/format.ts"
import { traceOfReport } from "../../src/sim/trace.ts"
import { World } from "../../src/sim/world.ts"
import type { ViewModel } from "../../src/view/model.ts"
import { pageOf } from "../../src/view/page.ts"
import { modelOfFile, modelOfTrace, ViewInputError } from "../../src/view/sources.ts"

const SPEC = (): string => readFileSync("spec/dynamo.qnt", "utf8")
const load = (file: string): { readonly model: ViewModel; readonly trace: Trace } => {
  const text = readFileSync(file, "utf8")
  return { model: modelOfFile(text, file, SPEC), trace: JSON.parse(text) as Trace }
}

/** Index of the first step at `node` whose input is a client put of `value`. */
const putStep = (trace: Trace, node: string, value: string): number =>
  trace.steps.findIndex((s) => s.node === node && s.event._tag === "Input" && s.event.input._tag === "Client" && s.event.input.request._tag === "Put" && s.event.input.request.value === value)

/** Index of the first step at `node` receiving a message whose JSON mentions `value`. */
const receiveStep = (trace: Trace, node: string, tag: string, value: string): number =>
  trace.steps.findIndex((s) => s.node === node && s.event._tag === "Input" && s.event.input._tag === "Receive" && s.event.input.message._tag === tag && JSON.stringify(s.event.input.message).includes(`"${value}"`))

/** Every arrow with a delivery goes forward in time from a step of its sender to a step of its receiver. */
const arrowsAreWellFormed = (model: ViewModel): void => {
  for (const arrow of model.arrows) {
    if (arrow.status === "request" || arrow.status === "reply" || arrow.status === "unrecorded") continue
    expect(model.steps[arrow.from]!.lane, JSON.stringify(arrow)).toBe(arrow.fromLane)
    if (arrow.to >= 0) {
      expect(arrow.to).toBeGreaterThan(arrow.from)
      expect(model.steps[arrow.to]!.lane).toBe(arrow.toLane)
      expect(model.steps[arrow.to]!.tag).toBe(arrow.tag)
    }
  }
}

describe("checker counterexamples (traces/anomalies)", () => {
  // Catches: the oracle not consulted (every drop "superseded"), drops judged at the wrong step,
  // the path missing the origin or the replication that carried the write, a wrong detection step.
  test("lww-lost-write: DUR-1, c0.1 lost at n1 when n2's c1.1 arrives, then from n1's disk", () => {
    const { model, trace } = load("traces/anomalies/lww-lost-write.json")
    expect(model.lanes.map((l) => l.id)).toEqual(["n1", "n2", "n3", "client c0", "client c1"])
    expect(model.steps).toHaveLength(trace.steps.length)
    expect(model.focus).toMatchObject({ invariant: "DUR-1", write: "c0.1", key: "k1", step: trace.steps.length - 1 })
    const write = model.writes.find((w) => w.id === "c0.1")!
    const origin = putStep(trace, "n1", "c0.1")
    const overwritten = receiveStep(trace, "n1", "Replicate", "c1.1")
    expect(write.origin).toBe(origin)
    expect(write.steps).toContain(receiveStep(trace, "n2", "Replicate", "c0.1"))
    expect(write.drops).toContainEqual({ step: overwritten, lane: 0, kind: "lost" })
    expect(write.drops.find((d) => d.kind === "lost-from-disk")!.step).toBeGreaterThan(overwritten)
    // The ack n2 sent for c0.1 (which it never stored: lww kept c1.1) is on the path: it made the put succeed.
    const ack = model.arrows.findIndex((a) => a.tag === "ReplicateAck" && model.lanes[a.fromLane]!.id === "n2" && model.lanes[a.toLane]!.id === "n1")
    expect(write.arrows).toContain(ack)
    // The checker stopped before n3 got its copy: nothing on n1 -> n3 was ever delivered.
    const toN3 = model.arrows.find((a) => a.from === origin && model.lanes[a.toLane]!.id === "n3")!
    expect(toN3).toMatchObject({ tag: "Replicate", to: -1, status: "undelivered" })
    arrowsAreWellFormed(model)
  })

  test("lost-update-vv: SIB-1, n1 drops c0.1 when it coordinates c1.1 from the same context", () => {
    const { model, trace } = load("traces/anomalies/lost-update-vv.json")
    const write = model.writes.find((w) => w.id === "c0.1")!
    expect(model.focus).toMatchObject({ invariant: "SIB-1", write: "c0.1" })
    expect(write.drops).toEqual([{ step: putStep(trace, "n1", "c1.1"), lane: 0, kind: "lost" }])
    // c1.1 replaced nothing it had seen: it is never dropped.
    expect(model.writes.find((w) => w.id === "c1.1")!.drops).toEqual([])
  })

  test("no-read-repair-divergence: CONV-1, the Replicate to n3 dropped (later messages on that link arrived)", () => {
    const { model, trace } = load("traces/anomalies/no-read-repair-divergence.json")
    expect(model.focus).toMatchObject({ invariant: "CONV-1", key: "k1", write: "c0.1", nodes: ["n1", "n3"] })
    const origin = putStep(trace, "n1", "c0.1")
    const lost = model.arrows.findIndex((a) => a.from === origin && a.tag === "Replicate" && model.lanes[a.toLane]!.id === "n3")
    expect(model.arrows[lost]).toMatchObject({ to: -1, status: "dropped" })
    expect(model.writes.find((w) => w.id === "c0.1")!.arrows).toContain(lost)
    // The quiesce reads are a client lane of their own.
    expect(model.lanes.map((l) => l.id)).toContain("client quiesce")
    arrowsAreWellFormed(model)
  })

  test("sloppy-stale-read and truncation-false-siblings name the write the message is about", () => {
    expect(load("traces/anomalies/sloppy-stale-read.json").model.focus).toMatchObject({ invariant: "QUORUM-1", write: "c0.1", key: "k1" })
    // "PutOk c0.2 of k1 listed [c0.1] beside c0.2": the falsely listed sibling is c0.1, though c0.2 comes first.
    expect(load("traces/anomalies/truncation-false-siblings.json").model.focus).toMatchObject({ invariant: "SIB-1", write: "c0.1" })
  })
})

describe("simulator traces", () => {
  test("the paper's Figure 3: no violation, one lane per client, the state of every replica", () => {
    const { model } = load("traces/paper/figure3-dvv.json")
    expect(model.focus).toBeUndefined()
    expect(model.divergence).toBeUndefined()
    expect(model.lanes.filter((l) => l.kind === "client").map((l) => l.id)).toEqual(["client c0", "client c1", "client c2", "client quiesce"])
    // Each node's last store of k1 lists the same writes the trace's finalReplicas record.
    const trace = JSON.parse(readFileSync("traces/paper/figure3-dvv.json", "utf8")) as Trace
    for (const expected of trace.observations.finalReplicas) {
      const lane = model.lanes.findIndex((l) => l.id === expected.node)
      const last = model.changes.filter((c) => c.lane === lane && c.field === `store:${expected.key}`).at(-1)!
      const shown = (last.value as { siblings: ReadonlyArray<{ write: string; tombstone: boolean }> }).siblings.filter((s) => !s.tombstone).map((s) => s.write)
      expect(shown.sort()).toEqual([...expected.values].sort())
    }
    arrowsAreWellFormed(model)
  })

  // Catches: crash bands not closed at the recovery, partitions not drawn, duplicates matched to a
  // send other than the one delivered before.
  test("a generated run with crashes, partitions and duplicates: bands and arrows", () => {
    const scenario = generateScenario(11, { ...defaultSimOptions, faults: ["drop", "dup", "partition", "crash"] }, 150)
    const trace = traceOfReport(new World(scenario, true).run(), "simulator")
    // Through the file format and back, as `dynamo view` reads it (the raw JSON is the encoded form).
    const decoded = decodeTrace(encodeTrace(trace))
    if (decoded._tag === "Error") throw new Error(decoded.message)
    const model = modelOfTrace(decoded.trace, "run.json")
    expect(model.divergence).toBeUndefined()
    const crashes = trace.steps.flatMap((s, i) => (s.event._tag === "Crash" ? [i] : []))
    expect(crashes.length).toBeGreaterThan(0)
    for (const crash of crashes) {
      const band = model.bands.find((b) => b.kind === "down" && b.from === crash)!
      const node = trace.steps[crash]!.node
      const recovery = trace.steps.findIndex((s, i) => i > crash && s.node === node && s.event._tag === "Recover")
      expect(band.to).toBe(recovery)
      expect(band.lanes).toEqual([model.lanes.findIndex((l) => l.id === node)])
    }
    const partitions = model.bands.filter((b) => b.kind === "partition")
    expect(partitions.length).toBe(scenario.faults.filter((f) => f._tag === "Partition").length)
    const duplicates = model.arrows.filter((a) => a.status === "duplicate")
    expect(duplicates.length).toBeGreaterThan(0)
    for (const dup of duplicates) {
      const original = model.arrows.find((a) => a.status === "delivered" && a.from === dup.from && a.toLane === dup.toLane && a.label === dup.label)!
      expect(original.to).toBeLessThan(dup.to)
    }
    expect(model.arrows.some((a) => a.status === "dropped" || a.status === "dropped-down")).toBe(true)
    arrowsAreWellFormed(model)
  })
})

describe("zones", () => {
  // Catches: zones dropped on the way to the page (lanes without zone, the config line without
  // them), and node lanes of one zone drawn apart.
  test("a run over two zones: each node lane names its zone, lanes of a zone side by side, the config line lists them", () => {
    const scenario = generateScenario(5, { ...defaultSimOptions, nodes: 4, zones: 2, faults: ["zone-down"] }, 40)
    const trace = traceOfReport(new World(scenario, true).run(), "simulator")
    const model = modelOfTrace(trace, "zones.json")
    expect(model.divergence).toBeUndefined()
    const nodes = model.lanes.filter((l) => l.kind === "node")
    expect(nodes.map((l) => [l.id, l.zone])).toEqual(
      Object.entries(trace.config.zones!).sort(([a, za], [b, zb]) => (za === zb ? (a < b ? -1 : 1) : za < zb ? -1 : 1))
    )
    const zonesSeen = nodes.map((l) => l.zone)
    expect(new Set(zonesSeen).size).toBe(2)
    // Side by side: the zone changes once along the node lanes.
    expect(zonesSeen.filter((z, i) => i > 0 && z !== zonesSeen[i - 1]).length).toBe(1)
    expect(model.config).toContain("zones z1: n1, n3; z2: n2, n4")
    arrowsAreWellFormed(model)
  })

  test("a trace without zones keeps its lanes in configuration order, with no zone", () => {
    const { model, trace } = load("traces/paper/figure3-dvv.json")
    expect(model.lanes.filter((l) => l.kind === "node").map((l) => l.id)).toEqual(trace.config.nodes)
    expect(model.lanes.every((l) => l.zone === undefined)).toBe(true)
    expect(model.config).not.toContain("zones")
  })
})

describe("a trace recorded by a real node (--record)", () => {
  // Recorded with `dynamo cluster --nodes 3 --record`: n1's own steps only.
  test("the other nodes are lanes; messages to and from them are unrecorded, not lost", () => {
    const { model, trace } = load("test/view/fixtures/shell-n1.trace.json")
    expect(trace.source).toBe("shell")
    expect(model.lanes.map((l) => l.id)).toEqual(["n1", "n2", "n3", "clients"])
    expect(model.steps.every((s) => s.lane === 0)).toBe(true)
    const peerArrows = model.arrows.filter((a) => a.status !== "request" && a.status !== "reply")
    expect(peerArrows.length).toBeGreaterThan(0)
    expect(peerArrows.every((a) => a.status === "unrecorded")).toBe(true)
    expect(model.arrows.filter((a) => a.status === "request")).toHaveLength(trace.steps.filter((s) => s.event._tag === "Input" && s.event.input._tag === "Client").length)
    expect(model.replay.upTo).toBe("npx dynamo replay test/view/fixtures/shell-n1.trace.json --verbose | sed '/^#{next} /,$d'")
  })
})

describe("Quint ITF traces", () => {
  // Catches: core steps not grouped under their model step, or the driver's steps not observed.
  test("coverage-1: every core step the conformance driver ran, grouped by model step", () => {
    const { model } = load("traces/quint/coverage-1.itf.json")
    const itf = JSON.parse(readFileSync("traces/quint/coverage-1.itf.json", "utf8")) as { states: ReadonlyArray<Record<string, unknown>> }
    expect(model.source).toBe("quint")
    expect(model.divergence).toBeUndefined()
    expect(model.lanes.filter((l) => l.kind === "node").map((l) => l.id)).toEqual(["n1", "n2", "n3", "n4"])
    // A DropMessage runs nothing on the core (its message shows as a dropped arrow); every other
    // model step is a group of the core steps it ran.
    const grouped = model.groups.map((g) => Number(/^model step (\d+):/.exec(g)![1]))
    const expected = itf.states.flatMap((s, i) => (s["mbt::actionTaken"] === "DropMessage" ? [] : [i]))
    expect(grouped).toEqual(expected)
    expect(model.arrows.some((a) => a.status === "dropped" || a.status === "dropped-down")).toBe(true)
    const groups = model.steps.map((s) => s.group!)
    expect(groups.every((g, i) => i === 0 || g >= groups[i - 1]!)).toBe(true)
    expect(model.groups[0]).toMatch(/^model step 0: init/)
    expect(model.writes.length).toBeGreaterThan(0)
    arrowsAreWellFormed(model)
  })
})

describe("admission control in the viewer (AE-2)", () => {
  // The steps whose anti-entropy firing carried a busy verdict, and only those, say so. Catches:
  // the verdict not shown (a skipped round then looks like a lost one), or shown on every firing.
  test("a firing reported busy is labelled so; the others are not", () => {
    const scenario = generateScenario(11, { ...defaultSimOptions, busyPercent: 50 }, 60)
    const trace = traceOfReport(new World(scenario, true).run(), "simulator")
    const model = modelOfTrace(trace, "busy.json")
    const busy = trace.steps.flatMap((s, i) => (s.event._tag === "Input" && s.event.input._tag === "TimerFired" && s.event.input.busy === true ? [i] : []))
    const firings = trace.steps.filter((s) => s.event._tag === "Input" && s.event.input._tag === "TimerFired" && s.event.input.timer._tag === "AntiEntropy").length
    expect(busy.length).toBeGreaterThan(0)
    expect(busy.length).toBeLessThan(firings)
    expect(model.steps.flatMap((step, i) => (step.label.includes("(foreground busy)") ? [i] : []))).toEqual(busy)
  })
})

describe("the page and bad input", () => {
  test("the same trace gives the same page, byte for byte", () => {
    const text = readFileSync("traces/anomalies/lost-update-vv.json", "utf8")
    const page = () => pageOf(modelOfFile(text, "x.json", SPEC), text, "x.json")
    const first = page()
    expect(page()).toBe(first)
    expect(first).not.toMatch(/https?:\/\/(?!www\.w3\.org)/) // nothing fetched from the network
  })

  test("a file that is no trace is refused, naming what is wrong", () => {
    expect(() => modelOfFile("{", "bad.json", SPEC)).toThrow(ViewInputError)
    expect(() => modelOfFile("{", "bad.json", SPEC)).toThrow(/bad.json is not JSON/)
    expect(() => modelOfFile(`{"hello":1}`, "odd.json", SPEC)).toThrow(/neither a trace .* nor a Quint ITF trace/)
    expect(() => modelOfFile(`{"format":"dynamo-trace","version":9}`, "v9.json", SPEC)).toThrow(/version 1, got 9/)
  })
})
