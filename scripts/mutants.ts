// `npm run mutants [-- --dir DIR ...] [--only NN[,NN...]]`: applies each deliberate bug (a patch
// of src/core) in turn, runs the fast test subset against it, and prints a table: killed by an
// invariant check, killed only by a reference comparison (a committed trace or the Quint model
// replayed step by step: if the reference changed with the bug, nothing would notice), or
// survived. Patches come from ../shared/mutants/ and the project's own mutants/ by default; the
// first line of each is its one-line description. A patch of the first directory that no longer
// applies is replaced by the one of the same name in a later directory (re-made by hand after a
// refactor, same meaning). The working tree must be clean: every patch is reverted with
// `git checkout -- src/core` after its run.
//
// Two phases per mutant, each stopping at the first failing test (vitest --bail, fast-check
// without shrinking): the invariant checks first (properties/, test/check/), then, only for a
// mutant they did not kill, the references. A killed mutant costs seconds; a survivor the subset.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** The invariant checks of the fast subset: properties and the model checker. */
const INVARIANT_FILES = ["properties", "test/check"]
/**
 * Test files run side by side, so a mutant that a quick file kills is not first made to wait for
 * the slow ones (vitest runs one file at a time on two cores, longest first).
 */
const WORKERS_MAX = 3
/**
 * A property's time limit under a mutant: the machine is shared, and a test that times out has
 * found nothing, so it must not pass for a kill (timeouts are reported apart, never as kills).
 */
const TEST_TIMEOUT_MS = 1_800_000
/**
 * The model checker's targeted presets, pinned with no violation (src/check/MUTANTS.md):
 * run under every mutant, all of them, for the table's checker column.
 * Each exhausts in about a second; the heavy presets of test/check run in the invariant phase.
 */
const CHECKER_FILES = ["test/check/targeted.test.ts", "test/check/read-repair-preset.test.ts"]
/** The references: golden and paper traces, the Quint conformance driver. */
const REFERENCE_FILES = ["test/golden.test.ts", "test/paper.test.ts", "test/conformance.test.ts"]
/**
 * Tests that compare with a reference rather than check an invariant: the golden and paper
 * traces, the Quint conformance driver, and the regression traces' step-by-step replay.
 */
const isReference = (file: string, name: string): boolean =>
  /test\/(golden|paper|conformance)\.test\.ts$/.test(file) || /replayed through the core|replays? (through|step)/.test(name)

interface Failure { readonly file: string; readonly name: string; readonly invariant: string | undefined }
interface Outcome {
  readonly id: string
  readonly description: string
  readonly verdict: string
  readonly by: ReadonlyArray<string>
  /** What the checker's targeted presets found: the invariants, or "not caught". */
  readonly checker: string
  readonly seconds: number
}

const args = process.argv.slice(2)
const dirs: Array<string> = []
let only: ReadonlyArray<string> | undefined
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === "--dir" && args[i + 1] !== undefined) dirs.push(args[i + 1]!)
  else if (args[i] === "--only" && args[i + 1] !== undefined) only = args[i + 1]!.split(",")
  else {
    console.error(`unknown argument ${args[i]} (known: --dir DIR, --only NN[,NN...])`)
    process.exit(2)
  }
}
if (dirs.length === 0) dirs.push("../shared/mutants", "mutants")

const dirty = spawnSync("git", ["status", "--porcelain", "--", "src/core"], { encoding: "utf8" }).stdout.trim()
if (dirty !== "") {
  console.error(`src/core has uncommitted changes; commit or stash them first:\n${dirty}`)
  process.exit(2)
}

const applies = (path: string): boolean => spawnSync("git", ["apply", "--check", path], { encoding: "utf8" }).status === 0

/** Patch files by id (file name without .patch), in id order; the first directory's that applies wins. */
const byId = new Map<string, Array<string>>()
for (const dir of dirs.filter((d) => existsSync(d))) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".patch")).sort()) {
    const id = file.replace(/\.patch$/, "")
    byId.set(id, [...(byId.get(id) ?? []), join(dir, file)])
  }
}
const ids = [...byId.keys()].sort().filter((id) => only === undefined || only.some((o) => id.startsWith(o)))
if (ids.length === 0) {
  console.error(`no patches found in ${dirs.join(", ")}`)
  process.exit(2)
}

const scratch = mkdtempSync(join(tmpdir(), "dynamo-mutants-"))

/** Run test files against the patched tree, stopping at the first failure when `bail`; the failed tests. */
const runTests = (files: ReadonlyArray<string>, bail: boolean, name: string): ReadonlyArray<Failure> => {
  const report = join(scratch, `${name}.json`)
  spawnSync("npx", ["vitest", "run", ...files, "--reporter=json", `--outputFile=${report}`, `--bail=${bail ? 1 : 0}`, `--maxWorkers=${WORKERS_MAX}`, `--testTimeout=${TEST_TIMEOUT_MS}`], {
    encoding: "utf8",
    env: { ...process.env, DYNAMO_NO_COUNTEREXAMPLES: "1", DYNAMO_FC_FIRST_FAILURE: "1" },
    stdio: ["ignore", "ignore", "ignore"]
  })
  if (!existsSync(report)) return [{ file: "(vitest)", name: "no report: the run crashed or did not compile", invariant: undefined }]
  const json = JSON.parse(readFileSync(report, "utf8")) as { testResults: ReadonlyArray<{ name: string; message?: string; assertionResults: ReadonlyArray<{ fullName: string; status: string; failureMessages?: ReadonlyArray<string> }> }> }
  const failed: Array<Failure> = []
  for (const file of json.testResults) {
    for (const test of file.assertionResults) {
      // The simulator's violations read "DUR-1 at 120 ms: ...", the checker's presets "the checker
      // found ACK-1: ..." (test/check/targeted.test.ts): name the invariant that fired.
      const messages = (test.failureMessages ?? []).join("\n")
      const match = /\b([A-Z]+-\d+) at \d+ ms|the checker found ([A-Z]+-\d+)/.exec(messages)
      const invariant = match?.[1] ?? match?.[2]
      const timedOut = (test.failureMessages ?? []).some((m) => m.startsWith("TestTimeoutError"))
      if (test.status === "failed" && timedOut) console.error(`  timed out, not counted: ${test.fullName.slice(0, 90)}`)
      else if (test.status === "failed") failed.push({ file: file.name, name: test.fullName, invariant })
    }
    // A file that failed to load (a type the patch broke at import) fails with no test results.
    if (file.assertionResults.length === 0 && file.message) failed.push({ file: file.name, name: `failed to load: ${file.message.split("\n")[0]}`, invariant: undefined })
  }
  return failed
}

const outcomes: Array<Outcome> = []
for (const id of ids) {
  const candidates = byId.get(id)!
  const patch = candidates.find(applies)
  const description = readFileSync(patch ?? candidates[0]!, "utf8").split("\n")[0]!.replace(/^#\s*/, "")
  if (patch === undefined) {
    outcomes.push({ id, description, verdict: "does not apply", by: candidates, checker: "-", seconds: 0 })
    continue
  }
  spawnSync("git", ["apply", patch])
  const started = performance.now()
  let failed: ReadonlyArray<Failure> = []
  let caught: ReadonlyArray<Failure> = []
  try {
    caught = runTests(CHECKER_FILES, false, `${id}.checker`)
    failed = runTests(INVARIANT_FILES, true, `${id}.invariants`)
    // With --bail the first failure may be a replay inside properties/: look again for an invariant.
    if (failed.length > 0 && failed.every((f) => isReference(f.file, f.name))) failed = runTests(INVARIANT_FILES, false, `${id}.invariants-all`)
    if (!failed.some((f) => !isReference(f.file, f.name))) failed = [...failed, ...runTests(REFERENCE_FILES, true, `${id}.references`)]
  } finally {
    spawnSync("git", ["checkout", "--", "src/core"])
  }
  const invariant = failed.filter((f) => !isReference(f.file, f.name))
  const verdict = invariant.length > 0 ? "killed by an invariant" : failed.length > 0 ? "killed only by a reference" : "survived"
  const by = (invariant.length > 0 ? invariant : failed).map((f) => `${f.invariant === undefined ? "" : `${f.invariant} in `}${f.file.split("/").slice(-2).join("/")}: ${f.name.slice(0, 70)}`)
  const seconds = (performance.now() - started) / 1000
  // Only a violation counts: a mutant may also move a preset's pinned count or starve a
  // Sometimes, which fails the test without any invariant having been broken.
  const found = [...new Set(caught.flatMap((f) => (f.invariant === undefined ? [] : [f.invariant])))]
  const checker = found.length > 0 ? `killed by the checker: ${found.join(", ")}` : caught.length > 0 ? "not caught (a pinned count or Sometimes moved)" : "not caught"
  outcomes.push({ id, description, verdict, by, checker, seconds })
  console.error(`${id}: ${verdict} (${seconds.toFixed(0)} s)${by[0] === undefined ? "" : `: ${by[0]}`}`)
}
rmSync(scratch, { recursive: true, force: true })

console.log(`| mutant | what it breaks | verdict | caught by (first) | checker's targeted presets |`)
console.log(`|---|---|---|---|---|`)
for (const o of outcomes) console.log(`| ${o.id} | ${o.description} | ${o.verdict} | ${o.by[0] ?? "-"}${o.by.length > 1 ? ` (+${o.by.length - 1})` : ""} | ${o.checker} |`)
const count = (verdict: string) => outcomes.filter((o) => o.verdict === verdict).length
console.log(`\n${outcomes.length} mutants: ${count("killed by an invariant")} killed by an invariant, ${count("killed only by a reference")} only by a reference, ${count("survived")} survived, ${count("does not apply")} did not apply; ${outcomes.filter((o) => o.checker.startsWith("killed")).length} killed by the checker's targeted presets`)
