// Builds the `dynamo` command once, at install time (the `prepare` script, run by `npm install`
// and `npm ci`): src/cli/main.ts and everything it imports, dependencies included, bundled by
// esbuild into one ES module, dist/dynamo.mjs. bin/dynamo.mjs runs it when it is newer than every
// source file, and falls back to the TypeScript sources through tsx otherwise. The bundle starts
// in well under a second where tsx compiled the sources at every start (issue 19).
// Plain JavaScript, so it runs on the Node npm put on PATH with nothing compiled first.
import { build } from "esbuild"
import { mkdirSync, renameSync } from "node:fs"
import { readFile } from "node:fs/promises"
import { dirname, join, relative, sep } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
export const BUNDLE = join(root, "dist", "dynamo.mjs")

/**
 * Modules that find files beside themselves (`new URL("./assets/...", import.meta.url)`, a worker
 * script, the CLI entry, the spec) must still find them from the bundle: in every source file,
 * `import.meta.url` becomes the URL of that source file, computed from the bundle's own URL, so
 * the answer stays right wherever the checkout is moved.
 */
const sourceUrls = {
  name: "source-import-meta-url",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, "utf8")
      if (!text.includes("import.meta.url")) return { contents: text, loader: "ts" }
      const fromBundle = relative(dirname(BUNDLE), args.path).split(sep).join("/")
      return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: "ts" }
    })
  }
}

export const buildBundle = async () => {
  mkdirSync(dirname(BUNDLE), { recursive: true })
  // Written beside the target and renamed over it: a node starting meanwhile reads the old bundle or the new, never half of one.
  const partial = `${BUNDLE}.${process.pid}.tmp`
  await build({
    entryPoints: [join(root, "src", "cli", "main.ts")],
    outfile: partial,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    // Some dependencies are CommonJS and call require(): give the ES module one.
    banner: { js: "import { createRequire as __dynamoRequire } from 'node:module'; const require = __dynamoRequire(import.meta.url);" },
    plugins: [sourceUrls],
    logLevel: "warning"
  })
  renameSync(partial, BUNDLE)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now()
  await buildBundle()
  console.log(`built ${relative(root, BUNDLE)} in ${Math.round(performance.now() - started)} ms`)
}
