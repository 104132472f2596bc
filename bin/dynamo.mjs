#!/usr/bin/env node
// Entry point for `npx dynamo` (and every node process a cluster starts): runs the bundle built at
// install time (dist/dynamo.mjs, scripts/build.mjs) when it is newer than every file under src/
// and the lockfile; otherwise (a source edited since, or no build) the TypeScript CLI through
// tsx's loader, which compiles it at every start. Either way on the Node that npm put on PATH.
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { setFlagsFromString } from "node:v8"
import { BUNDLE, bundleIsFresh } from "../scripts/build.mjs"
import { RESTARTED_ENV, restartArgs, RUNTIME_FLAGS } from "./node-flags.mjs"

// A node (`dynamo node`) runs with the V8 flags of bin/node-flags.mjs: those that shape the heap
// are read only at start, so the process first replaces itself with itself started with them
// (process.execve: the same pid, signals and stdio; where there is no execve, it runs without
// them); the others are set here, before any of its code runs.
if (process.argv[2] === "node") {
  const restart = restartArgs(process.execPath, process.execArgv, process.argv, process.env)
  if (restart !== undefined && typeof process.execve === "function") {
    process.execve(process.execPath, restart, { ...process.env, [RESTARTED_ENV]: "1" })
  }
  setFlagsFromString(RUNTIME_FLAGS)
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..")

if (process.env.DYNAMO_NO_BUNDLE !== "1" && bundleIsFresh()) {
  await import(pathToFileURL(BUNDLE).href)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import(pathToFileURL(join(root, "src", "cli", "main.ts")).href)
}
