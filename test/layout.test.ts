// The import directions of src/ (README.md, layout): the core stands alone; the host and the trace
// format stand on the core; the invariants' checks (src/invariants/) on nothing but their oracle
// interface; the network shell, the checker and the conformance driver stand on core, host and
// trace only (the checker on the invariants too), so none of them drags in the simulator (or each other). Read from
// every import line of every file, so a new `from "../sim/..."` in src/net fails here.
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative } from "node:path"
import { describe, expect, test } from "vitest"

/** Directories of src/ each directory may import from, besides itself. */
const ALLOWED: Readonly<Record<string, ReadonlyArray<string>>> = {
  core: [],
  host: ["core"],
  trace: ["core", "host"],
  invariants: [],
  net: ["core", "host", "trace"],
  check: ["core", "host", "trace", "invariants"],
  conformance: ["core", "host", "trace"]
}
/** Directories that may use anything but the simulator (the viewer reads traces, not simulations). */
const NOT_SIM = ["view"]
/** Interpreters: they use the core through its one entry, src/core/index.ts, and nothing else of it. */
const INTERPRETERS = ["host", "trace", "invariants", "net", "sim", "check", "conformance", "view", "cli"]

/** STYLE.md: no file in src/ over this many lines (split by concept, not in halves). */
const FILE_LINES_MAX = 600

const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [])

/** The src/ directory each relative import of a file lands in (`import ... from`, `export ... from`, `import(...)`). */
const importedDirs = (file: string): ReadonlyArray<{ readonly dir: string; readonly spec: string; readonly path: string }> => {
  const text = readFileSync(file, "utf8")
  const specs = [
    ...Array.from(text.matchAll(/^\s*(?:import|export)\b[^"']*?\bfrom\s+["']([^"']+)["']/gms), (m) => m[1]!),
    ...Array.from(text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g), (m) => m[1]!)
  ]
  return specs.filter((spec) => spec.startsWith(".")).map((spec) => {
    const path = relative("src", join(dirname(file), spec))
    return { dir: path.split("/")[0]!, spec, path }
  })
}

const dirOf = (file: string): string => relative("src", file).split("/")[0]!

describe("import directions of src/", () => {
  const files = filesUnder("src")

  test("the scan sees the imports it judges", () => {
    // A regex that matched nothing would pass every rule below: the core imports itself, the
    // network shell imports the core, the simulator imports the trace format.
    const seen = (from: string, to: string) => files.some((f) => dirOf(f) === from && importedDirs(f).some((i) => i.dir === to))
    expect(seen("core", "core")).toBe(true)
    expect(seen("net", "core")).toBe(true)
    expect(seen("sim", "trace")).toBe(true)
  })

  for (const [dir, allowed] of Object.entries(ALLOWED)) {
    test(`src/${dir} imports only ${[dir, ...allowed].join(", ")}`, () => {
      const wrong = files.filter((f) => dirOf(f) === dir).flatMap((file) =>
        importedDirs(file).filter((i) => i.dir !== dir && !allowed.includes(i.dir)).map((i) => `${file}: ${i.spec}`))
      expect(wrong).toEqual([])
    })
  }

  test("interpreters import the core through src/core/index.ts only", () => {
    const wrong = files.filter((f) => INTERPRETERS.includes(dirOf(f))).flatMap((file) =>
      importedDirs(file).filter((i) => i.dir === "core" && i.path !== "core/index.ts").map((i) => `${file}: ${i.spec}`))
    expect(wrong).toEqual([])
  })

  test(`no file in src/ is over ${FILE_LINES_MAX} lines`, () => {
    const lines = (file: string) => readFileSync(file, "utf8").split("\n").length - 1
    // The scan must see the files it judges: src/core/node.ts has a few hundred lines.
    expect(lines("src/core/node.ts")).toBeGreaterThan(100)
    const over = files.filter((file) => lines(file) > FILE_LINES_MAX).map((file) => `${file}: ${lines(file)} lines`)
    expect(over).toEqual([])
  })

  for (const dir of NOT_SIM) {
    test(`src/${dir} does not import the simulator`, () => {
      const wrong = files.filter((f) => dirOf(f) === dir).flatMap((file) =>
        importedDirs(file).filter((i) => i.dir === "sim").map((i) => `${file}: ${i.spec}`))
      expect(wrong).toEqual([])
    })
  }
})
