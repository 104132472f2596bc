// `npx tsx scripts/mutation-scores.ts [REPORT.json] [--survivors]`: the StrykerJS score of each
// mutated file and in total (with --survivors, also the surviving mutants counted by kind of
// mutation and file, then listed with their line), read from a mutation-testing report (default: the incremental file `npm run mutate`
// keeps, reports/stryker-incremental.json, which also holds what an interrupted run finished).
// Score = detected / (detected + survived + no coverage), detected = killed + timed out; static
// mutants Stryker ignores (stryker.config.mjs) and mutants not yet run are counted apart.
import { readFileSync } from "node:fs"

interface Mutant {
  readonly status: string
  readonly mutatorName: string
  readonly replacement?: string
  readonly location: { readonly start: { readonly line: number } }
}
interface Report { readonly files: Record<string, { readonly mutants: ReadonlyArray<Mutant> }> }

const args = process.argv.slice(2)
const survivors = args.includes("--survivors")
const path = args.find((a) => !a.startsWith("--")) ?? "reports/stryker-incremental.json"
let report: Report
try {
  report = JSON.parse(readFileSync(path, "utf8")) as Report
} catch (error) {
  console.error(`cannot read a mutation report from ${path}: ${(error as Error).message}`)
  process.exit(2)
}
if (typeof report.files !== "object" || report.files === null) {
  console.error(`${path} is not a mutation-testing report: it has no "files" object`)
  process.exit(2)
}

const COLUMNS = ["Killed", "Timeout", "Survived", "NoCoverage", "Ignored", "Pending"] as const
type Counts = Record<(typeof COLUMNS)[number] | "other", number>
const empty = (): Counts => ({ Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, Pending: 0, other: 0 })

const score = (c: Counts): string => {
  const detected = c.Killed + c.Timeout
  const valid = detected + c.Survived + c.NoCoverage
  return valid === 0 ? "n/a" : `${((100 * detected) / valid).toFixed(1)}%`
}

const total = empty()
const rows: Array<ReadonlyArray<string>> = []
for (const file of Object.keys(report.files).sort()) {
  const counts = empty()
  for (const mutant of report.files[file]!.mutants) {
    const status = (COLUMNS as ReadonlyArray<string>).includes(mutant.status) ? (mutant.status as (typeof COLUMNS)[number]) : "other"
    counts[status] += 1
    total[status] += 1
  }
  rows.push([file, score(counts), ...COLUMNS.map((c) => String(counts[c])), String(counts.other)])
}
rows.push(["total", score(total), ...COLUMNS.map((c) => String(total[c])), String(total.other)])

const header = ["file", "score", "killed", "timed out", "survived", "no coverage", "ignored (static)", "not run", "errors"]
console.log(`| ${header.join(" | ")} |`)
console.log(`|${header.map(() => "---").join("|")}|`)
for (const row of rows) console.log(`| ${row.join(" | ")} |`)

if (survivors) {
  const byKind = new Map<string, Map<string, number>>()
  const listed: Array<string> = []
  for (const file of Object.keys(report.files).sort()) {
    for (const mutant of report.files[file]!.mutants) {
      if (mutant.status !== "Survived") continue
      const files = byKind.get(mutant.mutatorName) ?? new Map<string, number>()
      files.set(file, (files.get(file) ?? 0) + 1)
      byKind.set(mutant.mutatorName, files)
      listed.push(`${file}:${mutant.location.start.line} ${mutant.mutatorName}${mutant.replacement === undefined ? "" : ` -> ${mutant.replacement.replace(/\s+/g, " ").slice(0, 80)}`}`)
    }
  }
  console.log("\nsurvivors by kind of mutation:")
  for (const [kind, files] of [...byKind].sort((a, b) => a[0].localeCompare(b[0]))) {
    const count = [...files.values()].reduce((a, b) => a + b, 0)
    console.log(`- ${kind}: ${count} (${[...files].map(([f, n]) => `${f.replace(/^src\/core\//, "")} ${n}`).join(", ")})`)
  }
  console.log("\nsurvivors:")
  for (const line of listed) console.log(`  ${line}`)
}
