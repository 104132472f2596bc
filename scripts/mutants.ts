// `npm run mutants [-- --dir DIR ...] [--only NN]`: applies each deliberate bug (a patch of
// src/core) in turn, runs the fast test subset against it, and prints a table: killed by an
// invariant check, killed only by a reference comparison (a committed trace or the Quint model
// replayed step by step: if the reference changed with the bug, nothing would notice), or
// survived. Patches come from ../shared/mutants/ and the project's own mutants/ by default; the
// first line of each is its one-line description. The working tree must be clean: every patch
// is reverted with `git checkout -- src/core` after its run.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** The fast subset: properties and the checker (invariants), golden, paper and conformance (references). */
const SUBSET = ["properties", "test/check", "test/golden.test.ts", "test/paper.test.ts", "test/conformance.test.ts"]
/**
 * Tests that compare with a reference rather than check an invariant: the golden and paper
 * traces, the Quint conformance driver, and the regression traces' step-by-step replay.
 */
const isReference = (file: string, name: string): boolean =>
  /test\/(golden|paper|conformance)\.test\.ts$/.test(file) || /replayed through the core|replays? (through|step)/.test(name)

interface Outcome { readonly id: string; readonly description: string; readonly verdict: string; readonly by: ReadonlyArray<string> }

const args = process.argv.slice(2)
const dirs: Array<string> = []
let only: string | undefined
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === "--dir" && args[i + 1] !== undefined) dirs.push(args[i + 1]!)
  else if (args[i] === "--only" && args[i + 1] !== undefined) only = args[i + 1]
  else {
    console.error(`unknown argument ${args[i]} (known: --dir DIR, --only NN)`)
    process.exit(2)
  }
}
if (dirs.length === 0) dirs.push("../shared/mutants", "mutants")

const dirty = spawnSync("git", ["status", "--porcelain", "--", "src/core"], { encoding: "utf8" }).stdout.trim()
if (dirty !== "") {
  console.error(`src/core has uncommitted changes; commit or stash them first:\n${dirty}`)
  process.exit(2)
}

const patches = dirs.filter((dir) => existsSync(dir)).flatMap((dir) =>
  readdirSync(dir).filter((f) => f.endsWith(".patch")).sort().map((f) => join(dir, f)))
  .filter((path) => only === undefined || path.includes(`/${only}`))
if (patches.length === 0) {
  console.error(`no patches found in ${dirs.join(", ")}`)
  process.exit(2)
}

const scratch = mkdtempSync(join(tmpdir(), "dynamo-mutants-"))
const outcomes: Array<Outcome> = []
for (const patch of patches) {
  const id = patch.split("/").pop()!.replace(/\.patch$/, "")
  const description = readFileSync(patch, "utf8").split("\n")[0]!.replace(/^#\s*/, "")
  const check = spawnSync("git", ["apply", "--check", patch], { encoding: "utf8" })
  if (check.status !== 0) {
    outcomes.push({ id, description, verdict: "does not apply", by: [check.stderr.trim().split("\n")[0] ?? ""] })
    continue
  }
  spawnSync("git", ["apply", patch])
  const report = join(scratch, `${id}.json`)
  const started = performance.now()
  try {
    spawnSync("npx", ["vitest", "run", ...SUBSET, "--reporter=json", `--outputFile=${report}`, "--bail=0"], {
      encoding: "utf8",
      env: { ...process.env, DYNAMO_NO_COUNTEREXAMPLES: "1" },
      stdio: ["ignore", "ignore", "ignore"]
    })
  } finally {
    spawnSync("git", ["checkout", "--", "src/core"])
  }
  const failed: Array<{ file: string; name: string }> = []
  if (existsSync(report)) {
    const json = JSON.parse(readFileSync(report, "utf8")) as { testResults: ReadonlyArray<{ name: string; assertionResults: ReadonlyArray<{ fullName: string; status: string }> }> }
    for (const file of json.testResults) {
      for (const test of file.assertionResults) if (test.status === "failed") failed.push({ file: file.name, name: test.fullName })
    }
  }
  const invariant = failed.filter((f) => !isReference(f.file, f.name))
  const verdict = invariant.length > 0 ? "killed by an invariant" : failed.length > 0 ? "killed only by a reference" : "survived"
  const by = (invariant.length > 0 ? invariant : failed).map((f) => `${f.file.split("/").slice(-2).join("/")}: ${f.name.slice(0, 90)}`)
  outcomes.push({ id, description, verdict, by })
  console.error(`${id}: ${verdict} (${((performance.now() - started) / 1000).toFixed(0)} s)`)
}
rmSync(scratch, { recursive: true, force: true })

console.log(`| mutant | what it breaks | verdict | caught by (first) |`)
console.log(`|---|---|---|---|`)
for (const o of outcomes) console.log(`| ${o.id} | ${o.description} | ${o.verdict} | ${o.by[0] ?? "-"}${o.by.length > 1 ? ` (+${o.by.length - 1})` : ""} |`)
const count = (verdict: string) => outcomes.filter((o) => o.verdict === verdict).length
console.log(`\n${outcomes.length} mutants: ${count("killed by an invariant")} killed by an invariant, ${count("killed only by a reference")} only by a reference, ${count("survived")} survived, ${count("does not apply")} did not apply`)
