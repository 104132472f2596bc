// Simulator throughput: delivered messages per second on one core (target: 200,000), with and
// without the per-step invariant checks (without them the run keeps no oracle either: the
// simulator alone), over a long seeded run (best of RUNS runs).
import { pathToFileURL } from "node:url"
import { defaultSimOptions, generateScenario } from "../src/sim/scenario.ts"
import { World } from "../src/sim/world.ts"

/** Runs per case; the table gives the fastest. */
const RUNS = 3

const row = (cells: ReadonlyArray<string | number>) => `| ${cells.join(" | ")} |`

export async function simBench(): Promise<string> {
  const lines = [
    row(["scenario", "invariant checks", "client ops", "events", "messages delivered", "ms", "delivered msg/s", "events/s"]),
    row(["---", "---", "---:", "---:", "---:", "---:", "---:", "---:"])
  ]
  const cases = [
    { name: "5 nodes, no faults", options: { ...defaultSimOptions, keys: 50, clients: 16 }, steps: 40_000 },
    { name: "5 nodes, drop+dup+reorder+crash+partition", options: { ...defaultSimOptions, keys: 50, clients: 16, faults: ["drop", "dup", "reorder", "crash", "partition"] as const }, steps: 40_000 },
    { name: "10 nodes N=3, no faults", options: { ...defaultSimOptions, nodes: 10, keys: 200, clients: 32 }, steps: 40_000 }
  ]
  for (const c of cases) for (const checks of [true, false]) {
    const scenario = generateScenario(1, { ...c.options, faults: [...c.options.faults] }, c.steps)
    new World(generateScenario(2, { ...c.options, faults: [...c.options.faults] }, 2_000)).run() // warm-up
    // The best of a few runs: the same seed does the same work, so the fastest run is the one
    // least disturbed by whatever else shares the machine.
    let ms = Infinity
    let report: ReturnType<World["run"]> | undefined
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now()
      report = new World(scenario, false, checks).run()
      ms = Math.min(ms, performance.now() - started)
    }
    if (report === undefined) throw new Error("no run")
    if (report.violations.length > 0) throw new Error(`simulator bench run violated ${report.violations[0]!.invariant}`)
    lines.push(row([
      c.name, checks ? "on" : "off", c.steps, report.stats.events, report.stats.messagesDelivered, Math.round(ms),
      Math.round(report.stats.messagesDelivered / (ms / 1000)).toLocaleString("en-US"),
      Math.round(report.stats.events / (ms / 1000)).toLocaleString("en-US")
    ]))
  }
  return lines.join("\n")
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) console.log(await simBench())
