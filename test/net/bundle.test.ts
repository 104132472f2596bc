// The install-time bundle of the `dynamo` command (scripts/build.mjs, issue 19): built into a
// temporary directory, it must still find the files its modules locate beside their sources
// (import.meta.url): the trace viewer's assets, the CLI entry a cluster spawns, the spec.
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundleIsFresh } from "../../scripts/build.mjs"

const ROOT = resolve(import.meta.dirname, "..", "..")
const BUILD_TIMEOUT_MS = 60_000

describe("the install-time bundle", () => {
  const dir = mkdtempSync(join(tmpdir(), "dynamo-bundle-"))
  const bundle = join(dir, "nested", "dynamo.mjs")

  beforeAll(() => {
    const built = spawnSync(process.execPath, [
      "--input-type=module", "-e", "const { buildBundle } = await import(process.argv[1]); await buildBundle(process.argv[2])",
      join(ROOT, "scripts", "build.mjs"), bundle
    ], { encoding: "utf8", timeout: BUILD_TIMEOUT_MS })
    expect(built.status, built.stderr).toBe(0)
  }, BUILD_TIMEOUT_MS)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  // Catches: dropping the build's import.meta.url rewrite (the viewer would look for its assets
  // beside the bundle, in a directory that has none, and fail), or bundling without the CLI.
  it("renders a trace with the viewer's assets found beside their source", () => {
    const page = join(dir, "page.html")
    const run = spawnSync(process.execPath, [bundle, "view", join(ROOT, "traces", "paper", "figure3-dvv.json"), "--out", page], { encoding: "utf8", timeout: 60_000 })
    expect(run.status, run.stderr).toBe(0)
    const html = readFileSync(page, "utf8")
    const css = readFileSync(join(ROOT, "src", "view", "assets", "viewer.css"), "utf8")
    expect(html).toContain(css.slice(0, 200))
  }, 60_000)

  // Catches: a bundle whose modules resolve paths from the bundle's own URL (a cluster would
  // spawn dist/../../bin/dynamo.mjs, outside the checkout) instead of their source file's.
  it("resolves each module's import.meta.url to its source file", () => {
    const source = join(ROOT, "src", "net", "cluster.ts")
    const fromBundle = relative(dirname(bundle), source).split(sep).join("/")
    expect(readFileSync(bundle, "utf8")).toContain(`new URL(${JSON.stringify(fromBundle)}, import.meta.url)`)
    expect(fileURLToPath(new URL(fromBundle, pathToFileURL(bundle)))).toBe(source)
  })
})

// bin/dynamo.mjs runs the bundle only while it is fresh, and `npm run bench` rebuilds it first
// otherwise. Catches: a check that looks at the lockfile only (an edited source would run a stale
// bundle), at the top of src/ only (an edited module below it likewise), or that calls a missing
// bundle fresh.
describe("whether the bundle is fresh", () => {
  const checkout = mkdtempSync(join(tmpdir(), "dynamo-fresh-"))
  afterAll(() => rmSync(checkout, { recursive: true, force: true }))
  const at = (path: string, seconds: number) => {
    mkdirSync(dirname(join(checkout, path)), { recursive: true })
    writeFileSync(join(checkout, path), "")
    utimesSync(join(checkout, path), seconds, seconds)
  }

  it("is newer than the lockfile and every file under src/, however deep", () => {
    at("package-lock.json", 1_000)
    at("src/cli/main.ts", 1_000)
    expect(bundleIsFresh(checkout)).toBe(false) // no bundle
    at("dist/dynamo.mjs", 2_000)
    expect(bundleIsFresh(checkout)).toBe(true)
    at("src/core/deep/module.ts", 3_000)
    expect(bundleIsFresh(checkout)).toBe(false)
    at("dist/dynamo.mjs", 4_000)
    expect(bundleIsFresh(checkout)).toBe(true)
    at("package-lock.json", 5_000)
    expect(bundleIsFresh(checkout)).toBe(false)
  })
})
