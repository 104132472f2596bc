// Regenerates traces/paper/*.json from src/sim/paper.ts. test/paper.test.ts fails when a
// committed trace no longer matches what the code produces, naming this script.
import { mkdirSync, writeFileSync } from "node:fs"
import { paperScenarios } from "../src/sim/paper.ts"
import { encodeTrace } from "../src/trace/format.ts"
import { traceOfReport } from "../src/sim/trace.ts"
import { World } from "../src/sim/world.ts"

mkdirSync("traces/paper", { recursive: true })
for (const { name, description, scenario } of paperScenarios) {
  const report = new World(scenario, true).run()
  const file = `traces/paper/${name}.json`
  writeFileSync(file, encodeTrace(traceOfReport(report, "simulator", description)))
  console.log(`${file}: ${report.trace.length} steps, ${report.observations.length} replies, ${report.violations.length} violations`)
}
