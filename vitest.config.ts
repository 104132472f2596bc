import { defineConfig } from "vitest/config"

// CI sets VITEST_JSON_REPORT so .ci/run can print the `vitest: P passed, F failed` line.
const jsonReport = process.env["VITEST_JSON_REPORT"]

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "properties/**/*.test.ts"],
    // Every property runs from one fixed fast-check seed (properties/seed.ts): one outcome per run.
    setupFiles: ["properties/seed.ts"],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    reporters: jsonReport ? ["default", "json"] : ["default"],
    ...(jsonReport ? { outputFile: { json: jsonReport } } : {})
  }
})
