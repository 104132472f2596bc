// AE-2 in the network shell: the foreground's latency (src/net/foreground.ts) gives the busy
// verdict an anti-entropy firing carries (paper 6.5), and `--admission-p99-ms` sets its target.
// The core's rule (what a verdict defers, and the bound) is checked in
// properties/antientropy-admission.test.ts; here, the shell's measurement and its wiring.
import { describe, expect, test } from "vitest"
import { defaultProtocolConfig } from "../../src/core/config.ts"
import { buildRing, RING_CONFIG_DEFAULT } from "../../src/core/ring.ts"
import { makeTimeoutTimers, NodeDriver } from "../../src/net/driver.ts"
import { ADMISSION_P99_MS_DEFAULT, ForegroundLatency } from "../../src/net/foreground.ts"
import { nodeOptionsOf, type NodeFlags } from "../../src/net/options.ts"
import { makeMemoryStorage } from "../../src/net/storage.ts"
import { Timings } from "../../src/net/timings.ts"
import { sleep } from "./harness.ts"

describe("the foreground's verdict", () => {
  // Catches: the percentile's edge moved (one slow request in a hundred made busy, or two not);
  // a request exactly at the target counted slow; a window never reset (one slow burst keeps
  // every later round yielding); an empty window reported busy (an idle node would skip rounds).
  test("busy exactly when more than 1% of the requests since the last verdict were slower than the target", () => {
    const meter = new ForegroundLatency(10)
    expect(meter.verdict()).toBe(false)
    for (let i = 0; i < 99; i++) meter.observe(1)
    meter.observe(50)
    expect(meter.verdict()).toBe(false)
    for (let i = 0; i < 98; i++) meter.observe(1)
    meter.observe(50)
    meter.observe(11)
    expect(meter.verdict()).toBe(true)
    expect(meter.verdict()).toBe(false)
    meter.observe(10)
    expect(meter.verdict()).toBe(false)
    meter.observe(10.5)
    expect(meter.verdict()).toBe(true)
    // GET /status's counters: six verdicts so far, two of them busy.
    expect([meter.verdicts, meter.busyVerdicts]).toEqual([6, 2])
  })

  test("a meter without a target is never busy", () => {
    const meter = new ForegroundLatency(undefined)
    for (let i = 0; i < 10; i++) meter.observe(10_000)
    expect(meter.verdict()).toBe(false)
  })
})

describe("--admission-p99-ms", () => {
  const flags: NodeFlags = {
    id: "n1", host: "127.0.0.1", port: 7001, data: ":memory:", peers: "n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003",
    n: 3, r: 2, w: 2, sync: "full", record: undefined
  }
  // Catches: the flag parsed and not passed on; 0 taken as a target of 0 ms (every round would
  // yield) instead of off; a negative or fractional target accepted, or refused without the flag's name.
  test("sets the target; 0 turns the verdict off; the default is the shell's", () => {
    const options = (admissionP99Ms?: number) => {
      const made = nodeOptionsOf(admissionP99Ms === undefined ? flags : { ...flags, admissionP99Ms })
      if (typeof made === "string") throw new Error(made)
      return made.admissionP99Ms
    }
    expect([options(), options(25), options(0)]).toEqual([ADMISSION_P99_MS_DEFAULT, 25, undefined])
    for (const bad of [-1, 1.5]) {
      expect(nodeOptionsOf({ ...flags, admissionP99Ms: bad })).toBe(`--admission-p99-ms must be a non-negative integer (0: anti-entropy never yields), got ${bad}`)
    }
  })
})

describe("the driver feeds the verdict to anti-entropy firings", () => {
  // n1 of three nodes whose peers never answer; W = 1, so its own commit acknowledges a put.
  // Anti-entropy fires every 10 ms. While idle, every firing sends a round; while puts are
  // answered slower than the target (0 ms: every one), three firings in four send nothing
  // (AE-2's bound, D = 3). Catches: the verdict not passed to the firing (every firing sends),
  // the verdict asked of another timer (it is reset before anti-entropy sees it), latencies
  // never observed (never busy).
  test("a busy foreground makes all but every fourth firing skip its round", async () => {
    const config = { ...defaultProtocolConfig, w: 1, r: 1, seeds: ["n1"], antiEntropyIntervalMs: 10, gossipIntervalMs: 7, hintScanIntervalMs: 7, probeIntervalMs: 7 }
    const rounds: Array<number> = []
    const timings = new Timings()
    const driver = new NodeDriver("n1", config, buildRing([{ id: "n1" }, { id: "n2" }, { id: "n3" }], RING_CONFIG_DEFAULT), {
      storage: makeMemoryStorage("n1"),
      links: {
        send: (_to, message) => {
          // A round's messages leave in one step: count a step once.
          const step = timings.snapshot().find((s) => s.stage === "core TimerFired AntiEntropy")?.count ?? 0
          if (message._tag === "AntiEntropy" && rounds.at(-1) !== step) rounds.push(step)
        },
        flush: () => {}
      },
      journal: undefined,
      now: Date.now,
      timers: makeTimeoutTimers(),
      log: () => {},
      onFatal: (message) => { throw new Error(message) },
      timings,
      foreground: new ForegroundLatency(0)
    }, 1_000)
    await driver.whenReady()
    const firings = () => timings.snapshot().find((s) => s.stage === "core TimerFired AntiEntropy")?.count ?? 0
    const roundsAfter = (from: number) => rounds.filter((firing) => firing > from).length

    const idleFrom = firings()
    await sleep(150)
    const idleFirings = firings() - idleFrom
    expect(idleFirings).toBeGreaterThan(3)
    expect(roundsAfter(idleFrom)).toBe(idleFirings)

    let putting = true
    let answered = 0
    const writer = (async () => {
      for (let i = 0; putting; i++) {
        await new Promise<void>((done) => driver.submit({ _tag: "Put", id: `c${i}`, key: `k${i % 50}`, value: "v", context: [] }, () => done()))
        answered += 1
        // The memory storage may answer at once: let timers run between puts.
        await new Promise((done) => setImmediate(done))
      }
    })()
    await sleep(15) // the first window under load
    const busyFrom = firings()
    await sleep(300)
    const busyFirings = firings() - busyFrom
    const busyRounds = roundsAfter(busyFrom)
    putting = false
    await writer
    await driver.stop()
    expect(answered).toBeGreaterThan(busyFirings)
    const background = driver.status().background
    expect(background.p99TargetMs).toBe(0)
    expect(background.busy).toBeGreaterThanOrEqual(busyFirings - 1)
    expect(busyFirings).toBeGreaterThan(8)
    // One round in four, give or take the phase; a loaded machine may leave a window with no put
    // answered (not busy, so one more round): a few are allowed, far from every firing's round.
    expect(busyRounds).toBeGreaterThanOrEqual(busyFirings / 4 - 1)
    expect(busyRounds).toBeLessThanOrEqual(busyFirings / 4 + 3)
  })
})
