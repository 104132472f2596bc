// The test subset StrykerJS (stryker.config.mjs) runs against each mutant of src/core: the pure
// properties of the core's modules and the core-level scenario, handoff and trace tests, seconds
// each, not the simulator's schedule properties (minutes; `npm run mutants` runs those against the
// hand-made mutants). Each property stops at its first counterexample (DYNAMO_FC_FIRST_FAILURE,
// set by `npm run mutate`).
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // STRYKER_TESTS=a.test.ts,b.test.ts narrows a run to the properties of the files mutated.
    include: process.env["STRYKER_TESTS"]?.split(",") ?? [
      "properties/clocks.test.ts",
      "properties/versions.test.ts",
      "properties/ring.test.ts",
      "properties/membership.test.ts",
      "properties/merkle.test.ts",
      "properties/antientropy.test.ts",
      "properties/config.test.ts",
      "test/core-queries.test.ts",
      "test/handoff-window.test.ts",
      "test/scenarios.test.ts",
      "test/golden.test.ts",
      "test/paper.test.ts",
      // Forwarding, a dead coordinator and hand-overs: a fast simulator property and the
      // handshake step by step (forward.ts and handoff.ts had no other covering test).
      "properties/forwarding.test.ts",
      "test/forward.test.ts",
      // The order a node's work shows in (sorts of durable.ts, antientropy.ts, hints.ts).
      "properties/order.test.ts",
      // Requests refused before anything is written (BadQuorum, NotReady, TooManySiblings).
      "test/refusals.test.ts",
      // Milliseconds each: the lww mode's unit tests (the only ones of that mode), the helpers of
      // versions.ts, and the receiving side of anti-entropy.
      "test/check/lww.test.ts",
      "test/versions-helpers.test.ts",
      "test/antientropy-receive.test.ts",
      // A gossip exchange's replies and a peer's malformed view.
      "test/gossip-exchange.test.ts"
    ],
    setupFiles: ["properties/seed.ts"],
    // One worker kept across Stryker's runs: a mutant costs its few covering tests, not a fresh
    // import of the core per test file (import was most of a mutant's time, measured on hints.ts:
    // about 4 s a mutant instead of 11, under load). Safe: the instrumented core reads the
    // active mutant at each call, so a module loaded once serves every mutant.
    isolate: false,
    testTimeout: 180_000,
    hookTimeout: 60_000
  }
})
