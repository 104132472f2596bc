// The install-time bundle of the `dynamo` command (scripts/build.mjs, issue 19): built into a
// temporary directory, it must still find the files its modules locate beside their sources
// (import.meta.url): the trace viewer's assets, the CLI entry a cluster spawns, the spec.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

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
