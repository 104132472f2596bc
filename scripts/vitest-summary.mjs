// Prints the one-line CI summary from vitest's JSON report: `vitest: P passed, F failed`.
import { readFileSync } from "node:fs"

const file = process.argv[2]
if (!file) {
  console.error("usage: vitest-summary.mjs REPORT.json")
  process.exit(2)
}
const report = JSON.parse(readFileSync(file, "utf8"))
const passed = report.numPassedTests ?? 0
const failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0)
console.log(`vitest: ${passed} passed, ${failed} failed`)
