// StrykerJS over the pure core (issue 18): `npm run mutate` mutates src/core (operators, literals,
// conditions) and runs the fast, pure properties against each mutant, writing an HTML report to
// reports/mutation/mutation.html. Not in CI: a full run takes hours on two cores. Incremental:
// reports/stryker-incremental.json (gitignored, a local cache) lets a re-run test only mutants
// whose code or tests changed. Narrow a run with `npm run mutate -- --mutate src/core/vclock.ts`.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  packageManager: "npm",
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.stryker.config.ts" },
  mutate: ["src/core/**/*.ts"],
  // Not "perTest": @fast-check/vitest renames a property's test as it runs ("... (with seed=N)"),
  // so a per-test rerun by name finds no test and every mutant would pass for survived. Every
  // mutant runs the whole subset instead, stopping at the first failure.
  coverageAnalysis: "off",
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  reporters: ["html", "json", "clear-text", "progress"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  // Two shared cores: one test process, so a run does not starve the other work on the machine.
  concurrency: 1,
  timeoutMS: 60_000,
  tempDirName: ".stryker-tmp",
  // Vitest runs the TypeScript as is; Stryker's tsconfig rewrite does not know this TypeScript.
  tsconfigFile: ""
}
