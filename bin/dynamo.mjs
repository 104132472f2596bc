#!/usr/bin/env node
// Entry point for `npx dynamo` (and every node process a cluster starts): runs the bundle built at
// install time (dist/dynamo.mjs, scripts/build.mjs) when it is newer than every file under src/
// and the lockfile; otherwise (a source edited since, or no build) the TypeScript CLI through
// tsx's loader, which compiles it at every start. Either way on the Node that npm put on PATH.
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { setFlagsFromString } from "node:v8"
import { BUNDLE, bundleIsFresh } from "../scripts/build.mjs"

// A node (`dynamo node`) runs with V8's allocation-site pretenuring off, set here before any of
// its code runs. Pretenuring allocates straight into the old generation at sites whose objects
// mostly survived, and a node's sites mix long-lived objects (stored versions, tree paths) with
// temporaries (merged answers, copied tables): the temporaries then fill the old generation and
// keep young objects alive through scavenges. Off, two A/Bs of 3 and 4 rounds gave 1.07x and
// 1.05x the operations at 0.93x and 0.95x the CPU, a lower p99.9 in 6 rounds of 7 (issue 19,
// docs/performance.md, eleventh round).
// It also asks TurboFan to optimise a function after 1,000 calls rather than V8's 3,000. The
// compiling is the same work, done sooner: a node of five under load was still compiling about
// 100 ms of every 2 s (5% of a core) 14 s after it started taking load, and 20-40 ms by 10 s with
// this; its steady state is unchanged (deopts: 75 in 30 s against 67 in 40 s). A/Bs: 1.02x the
// operations at 0.98x the CPU with three nodes (4 rounds; the first 1.06x at 0.93x, the others
// within noise), 1.05x at 0.95x with five (docs/performance.md, thirteenth round).
if (process.argv[2] === "node") setFlagsFromString("--no-allocation-site-pretenuring --invocation-count-for-turbofan=1000")

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

if (process.env.DYNAMO_NO_BUNDLE !== "1" && bundleIsFresh()) {
  await import(pathToFileURL(BUNDLE).href)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import(pathToFileURL(join(root, "src", "cli", "main.ts")).href)
}
