// Builds the `dynamo` command once, at install time (the `prepare` script, run by `npm install`
// and `npm ci`): src/cli/main.ts and everything it imports, dependencies included, bundled by
// esbuild into one ES module, dist/dynamo.mjs. bin/dynamo.mjs runs it when it is newer than every
// source file, and falls back to the TypeScript sources through tsx otherwise. The bundle starts
// in well under a second where tsx compiled the sources at every start (issue 19).
// Plain JavaScript, so it runs on the Node npm put on PATH with nothing compiled first.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { dirname, join, relative, sep } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
/** Where a checkout's bundle lives. */
const bundleIn = (checkout) => join(checkout, "dist", "dynamo.mjs")
export const BUNDLE = bundleIn(root)

/**
 * Modules that find files beside themselves (`new URL("./assets/...", import.meta.url)`, a worker
 * script, the CLI entry, the spec) must still find them from the bundle: in every source file,
 * `import.meta.url` becomes the URL of that source file, computed from the bundle's own URL, so
 * the answer stays right wherever the checkout is moved.
 */
const sourceUrls = (outfile) => ({
  name: "source-import-meta-url",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8")
      if (!text.includes("import.meta.url")) return { contents: text, loader: "ts" }
      const fromBundle = relative(dirname(outfile), args.path).split(sep).join("/")
      return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: "ts" }
    })
  }
})

/** The newest modification time among the files the bundle is built from (ms), or Infinity on error. */
const newestSource = (checkout) => {
  try {
    let newest = statSync(join(checkout, "package-lock.json")).mtimeMs
    for (const entry of readdirSync(join(checkout, "src"), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
    }
    return newest
  } catch {
    return Infinity
  }
}

/**
 * Whether `checkout`'s dist/dynamo.mjs (this checkout's unless a test names another) is newer than
 * every file under its src/ and its lockfile: bin/dynamo.mjs runs the bundle only then (else the
 * sources through tsx), and the benches rebuild it first otherwise, so that what they measure is
 * the bundle they name.
 */
export const bundleIsFresh = (checkout = root) => {
  let bundleTime
  try {
    bundleTime = statSync(bundleIn(checkout)).mtimeMs
  } catch {
    return false
  }
  return bundleTime > newestSource(checkout)
}

/** Bundles the CLI into `outfile` (dist/dynamo.mjs unless a test asks for another place). */
export const buildBundle = async (outfile = BUNDLE) => {
  const { build } = await import("esbuild")
  mkdirSync(dirname(outfile), { recursive: true })
  // Written beside the target and renamed over it: a node starting meanwhile reads the old bundle or the new, never half of one.
  const partial = `${outfile}.${process.pid}.tmp`
  await build({
    entryPoints: [join(root, "src", "cli", "main.ts")],
    outfile: partial,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    // Some dependencies are CommonJS and call require(): give the ES module one.
    banner: { js: "import { createRequire as __dynamoRequire } from 'node:module'; const require = __dynamoRequire(import.meta.url);" },
    plugins: [sourceUrls(outfile)],
    logLevel: "warning"
  })
  renameSync(partial, outfile)
}

// A failed build must not fail `npm install`: the command then runs from the sources through tsx
// (slower to start, same behaviour), and the message says why.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now()
  try {
    await buildBundle()
    console.log(`built ${relative(root, BUNDLE)} in ${Math.round(performance.now() - started)} ms`)
  } catch (error) {
    rmSync(`${BUNDLE}.${process.pid}.tmp`, { force: true })
    console.warn(`could not build ${relative(root, BUNDLE)} (${error instanceof Error ? error.message.split("\n")[0] : String(error)}): \`dynamo\` will compile its TypeScript sources at every start`)
  }
}
