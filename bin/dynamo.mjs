#!/usr/bin/env node
// Entry point for `npx dynamo` (and every node process a cluster starts): runs the bundle built at
// install time (dist/dynamo.mjs, scripts/build.mjs) when it is newer than every file under src/
// and the lockfile; otherwise (a source edited since, or no build) the TypeScript CLI through
// tsx's loader, which compiles it at every start. Either way on the Node that npm put on PATH.
import { readdirSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const bundle = join(root, "dist", "dynamo.mjs")

/** The newest modification time among the files the bundle was built from (ms), or Infinity on error. */
const newestSource = () => {
  try {
    let newest = statSync(join(root, "package-lock.json")).mtimeMs
    for (const entry of readdirSync(join(root, "src"), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
    }
    return newest
  } catch {
    return Infinity
  }
}

const bundleTime = (() => {
  try {
    return statSync(bundle).mtimeMs
  } catch {
    return -Infinity
  }
})()

if (process.env.DYNAMO_NO_BUNDLE !== "1" && bundleTime > newestSource()) {
  await import(pathToFileURL(bundle).href)
} else {
  const { register } = await import("tsx/esm/api")
  register()
  await import(pathToFileURL(join(root, "src", "cli", "main.ts")).href)
}
