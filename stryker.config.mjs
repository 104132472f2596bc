// StrykerJS over the pure core (issue 18): `npm run mutate` mutates every file of src/core
// (operators, literals, conditions) and runs, for each mutant, only the tests that execute it
// (coverage "perTest"), writing an HTML report to reports/mutation/mutation.html. Not in CI: a
// full run takes one to two hours on two shared cores. Incremental: reports/stryker-incremental.json
// (gitignored, a local cache) keeps every result, so an interrupted run resumes where it stopped
// and a re-run tests only mutants whose code or covering tests changed. Narrow a run with
// `npm run mutate -- --mutate src/core/vclock.ts`.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  packageManager: "npm",
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.stryker.config.ts" },
  mutate: ["src/core/**/*.ts"],
  // "perTest": each mutant runs only the tests that executed its code in the dry run, matched by
  // name. That needs test names that are the same in every run: properties/seed.ts fixes the one
  // fast-check seed that @fast-check/vitest writes into a property's name, and `npm run mutate`
  // unsets DYNAMO_FC_SEED, so each mutant run finds the dry run's names again.
  coverageAnalysis: "perTest",
  // A static mutant (a module-level constant: table sizes, default configs) runs at import time,
  // so no test can be said to cover it and Stryker would run every test for each: ~10% of the
  // mutants, more than half the time. They are reported as ignored, and counted apart.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["html", "json", "clear-text", "progress"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  // Two test processes: one per core of the two-core machine. The run is long and the dry run's
  // per-test coverage keeps each mutant's work small, so two workers roughly halve its wall time
  // (the machine is shared: expect it to slow other work while it runs; `--concurrency 1` to spare it).
  concurrency: 2,
  // A mutant that loops is cut off by Stryker's hit limit (perTest counts how often each mutant
  // runs); this timeout, added to the dry run's time for its tests x timeoutFactor, is for the
  // rest. Every timed-out mutant costs all of it (a timeout counts as detected).
  timeoutMS: 10_000,
  // A mutant's tests may take three times as long as in the dry run: the machine is shared, and a
  // load that triples between the dry run and a mutant otherwise turns survivors into timeouts
  // (counted as detected). Seen: at factor 1.5, equivalent mutants of an assertion timed out.
  timeoutFactor: 3,
  tempDirName: ".stryker-tmp",
  // Vitest runs the TypeScript as is; Stryker's tsconfig rewrite does not know this TypeScript.
  tsconfigFile: ""
}
