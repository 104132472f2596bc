// A narrower StrykerJS run (issue 18): the mutants at the ranges listed in the file
// $STRYKER_RANGES (one `file:line:column-line:column` a line, as `npx tsx scripts/mutation-scores.ts
// --ranges KIND` prints them) against the test files in $STRYKER_TESTS (vitest.stryker.config.ts
// reads it; unset, the whole mutation subset), written to the JSON report $STRYKER_REPORT, which
// `mutation-scores.ts --with` folds in. $STRYKER_CONCURRENCY: test processes (default 1).
// Not incremental, so reports/stryker-incremental.json, the main run's record, is never touched.
// Run: STRYKER_RANGES=... STRYKER_TESTS=a.test.ts,b.test.ts STRYKER_REPORT=reports/narrow/x.json \
//   env -u DYNAMO_FC_SEED DYNAMO_FC_FIRST_FAILURE=1 nice -n 19 npx stryker run stryker.narrow.config.mjs
import { readFileSync } from "node:fs"
import base from "./stryker.config.mjs"

const required = (name) => {
  const value = process.env[name]
  if (value === undefined || value === "") throw new Error(`stryker.narrow.config.mjs: set ${name} (see the file's opening comment)`)
  return value
}
const mutate = readFileSync(required("STRYKER_RANGES"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l !== "")

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  ...base,
  mutate,
  incremental: false,
  reporters: ["json", "clear-text", "progress"],
  jsonReporter: { fileName: required("STRYKER_REPORT") },
  // One worker by default, at nice 19 (the command above): the machine is shared with other
  // sessions' measurements.
  concurrency: Number(process.env["STRYKER_CONCURRENCY"] ?? 1)
}
