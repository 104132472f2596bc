// Simulator throughput: delivered messages per second on one core (target: 200,000), with and
// without the per-step invariant checks' share, over a long seeded run.
import { pathToFileURL } from "node:url"
import { defaultSimOptions, generateScenario } from "../src/sim/scenario.ts"
import { World } from "../src/sim/world.ts"

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
    const started = performance.now()
    const report = new World(scenario, false, checks).run()
    const ms = performance.now() - started
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
