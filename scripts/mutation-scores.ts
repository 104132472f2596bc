// `npx tsx scripts/mutation-scores.ts [REPORT.json] [--with NARROW.json ...] [--survivors | --markdown]`:
// the StrykerJS score of each mutated file and in total, read from a mutation-testing report
// (default: the incremental file `npm run mutate` keeps, reports/stryker-incremental.json, which
// also holds what an interrupted run finished).
// - `--with NARROW.json`: also counts as detected every mutant a narrower run detected (a run over
//   a few files or lines, or with a few test files: `STRYKER_TESTS=... npx stryker run --mutate
//   ...`), matched by file, position and replacement. A narrower run can only add detections.
// - `--with-killed NARROW.json`: the same, but only its killed mutants count: its timeouts are
//   neither detections nor survivals (for a run taken under a load that ran out the clock).
// - `--ranges KIND`: Stryker mutate ranges of the survivors of one class (e.g. "added test"), for a
//   narrower run that re-tests just those (stryker.narrow.config.mjs).
// - `--survivors`: the surviving mutants counted by kind of mutation and file, then listed.
// - `--markdown [--instrumented N]`: docs/mutation-survivors.md: the scores, then every surviving
//   and uncovered mutant, grouped by what would kill it (scripts/mutation-classes.ts); N, the
//   number of mutants Stryker made (its log says), tells how much of a partial report is missing;
//   `--note TEXT` adds a paragraph under the score (how the run went: its wall time, the load).
// Score = detected / (detected + survived + no coverage), detected = killed + timed out; static
// mutants Stryker ignores (stryker.config.mjs) and mutants not yet run are counted apart.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { classify, KINDS, type Kind } from "./mutation-classes.ts"

interface Mutant {
  readonly id: string
  readonly status: string
  readonly mutatorName: string
  readonly replacement?: string
  readonly location: { readonly start: { readonly line: number; readonly column: number }; readonly end: { readonly line: number; readonly column: number } }
}
interface Report { readonly files: Record<string, { readonly mutants: ReadonlyArray<Mutant> }> }

const args = process.argv.slice(2)
const survivors = args.includes("--survivors")
const markdown = args.includes("--markdown")
const narrower = args.flatMap((a, i) => (args[i - 1] === "--with" || args[i - 1] === "--with-killed" ? [a] : []))
/** Narrower runs whose timeouts are not trusted (taken under heavy load). */
const killedOnly = new Set(args.flatMap((a, i) => (args[i - 1] === "--with-killed" ? [a] : [])))
const VALUED = ["--with", "--with-killed", "--instrumented", "--note", "--ranges"]
const path = args.find((a, i) => !a.startsWith("--") && !VALUED.includes(args[i - 1] ?? "")) ?? "reports/stryker-incremental.json"

const readReport = (file: string): Report => {
  let report: Report
  try {
    report = JSON.parse(readFileSync(file, "utf8")) as Report
  } catch (error) {
    console.error(`cannot read a mutation report from ${file}: ${(error as Error).message}`)
    process.exit(2)
  }
  if (typeof report.files !== "object" || report.files === null) {
    console.error(`${file} is not a mutation-testing report: it has no "files" object`)
    process.exit(2)
  }
  return report
}

const DETECTED = new Set(["Killed", "Timeout"])
const mutantKey = (file: string, m: Mutant): string =>
  `${file}:${m.location.start.line}:${m.location.start.column}-${m.location.end.line}:${m.location.end.column}:${m.mutatorName}:${m.replacement ?? ""}`

const report = readReport(path)
/** What the narrower runs detected, by mutant key, and what they found the mutant to be. */
const detectedElsewhere = new Map<string, string>()
/** Mutants a narrower run tested and that survived it (or that it did not cover). */
const survivedElsewhere = new Set<string>()
for (const file of narrower) {
  for (const [name, { mutants }] of Object.entries(readReport(file).files)) {
    for (const m of mutants) {
      if (m.status === "Timeout" && killedOnly.has(file)) continue
      if (DETECTED.has(m.status)) detectedElsewhere.set(mutantKey(name, m), m.status)
      else if (m.status === "Survived" || m.status === "NoCoverage") survivedElsewhere.add(mutantKey(name, m))
    }
  }
}
/** A mutant's status, a narrower run's detection taking precedence over a survival or no coverage. */
const statusOf = (file: string, m: Mutant): string =>
  (m.status === "Survived" || m.status === "NoCoverage") ? detectedElsewhere.get(mutantKey(file, m)) ?? m.status : m.status

const COLUMNS = ["Killed", "Timeout", "Survived", "NoCoverage", "Ignored", "Pending"] as const
type Counts = Record<(typeof COLUMNS)[number] | "other", number>
const empty = (): Counts => ({ Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, Ignored: 0, Pending: 0, other: 0 })

const score = (c: Counts): string => {
  const detected = c.Killed + c.Timeout
  const valid = detected + c.Survived + c.NoCoverage
  return valid === 0 ? "n/a" : `${((100 * detected) / valid).toFixed(1)}%`
}

const files = Object.keys(report.files).sort()
const total = empty()
const perFile = new Map<string, Counts>()
for (const file of files) {
  const counts = empty()
  for (const mutant of report.files[file]!.mutants) {
    const raw = statusOf(file, mutant)
    const status = (COLUMNS as ReadonlyArray<string>).includes(raw) ? (raw as (typeof COLUMNS)[number]) : "other"
    counts[status] += 1
    total[status] += 1
  }
  perFile.set(file, counts)
}

const HEADER = ["file", "score", "killed", "timed out", "survived", "no coverage", "ignored (static)", "not run", "errors"]
const row = (name: string, c: Counts): string => `| ${[name, score(c), ...COLUMNS.map((k) => String(c[k])), String(c.other)].join(" | ")} |`
const table = (): Array<string> => [
  `| ${HEADER.join(" | ")} |`,
  `|${HEADER.map(() => "---").join("|")}|`,
  ...files.map((file) => row(file, perFile.get(file)!)),
  row("total", total)
]

const describe = (m: Mutant): string => `${m.mutatorName}${m.replacement === undefined ? "" : ` -> ${m.replacement.replace(/\s+/g, " ").slice(0, 80)}`}`

/**
 * What would kill a surviving mutant: the first rule of scripts/mutation-classes.ts that matches
 * it, or, for a mutant an added test was meant for which a narrower run with that test let
 * survive, the rule's `after` (what it needs instead).
 */
function classOf(file: string, mutant: Mutant): { readonly kind: Kind; readonly reason: string } | undefined {
  const { start, end } = mutant.location
  const found = classify(file, start.line, mutant.mutatorName, {
    span: `${start.line}:${start.column}-${end.line}:${end.column}`,
    replacement: (mutant.replacement ?? "").replace(/\s+/g, " ")
  })
  return found?.kind === "added test" && survivedElsewhere.has(mutantKey(file, mutant))
    ? found.after ?? { kind: "missing test" as const, reason: `survives the added tests (${found.reason.split(":")[0]}); not yet read further` }
    : found
}

const rangesOf = args.flatMap((a, i) => (args[i - 1] === "--ranges" ? [a] : []))[0]
if (rangesOf !== undefined) {
  printRanges(rangesOf)
} else if (markdown) {
  printMarkdown()
} else {
  for (const line of table()) console.log(line)
  if (survivors) printSurvivors()
}

function printSurvivors(): void {
  const byKind = new Map<string, Map<string, number>>()
  const listed: Array<string> = []
  for (const file of files) {
    for (const mutant of report.files[file]!.mutants) {
      if (statusOf(file, mutant) !== "Survived") continue
      const kinds = byKind.get(mutant.mutatorName) ?? new Map<string, number>()
      kinds.set(file, (kinds.get(file) ?? 0) + 1)
      byKind.set(mutant.mutatorName, kinds)
      listed.push(`${file}:${mutant.location.start.line} ${describe(mutant)}`)
    }
  }
  console.log("\nsurvivors by kind of mutation:")
  for (const [kind, counts] of [...byKind].sort((a, b) => a[0].localeCompare(b[0]))) {
    const count = [...counts.values()].reduce((a, b) => a + b, 0)
    console.log(`- ${kind}: ${count} (${[...counts].map(([f, n]) => `${f.replace(/^src\/core\//, "")} ${n}`).join(", ")})`)
  }
  console.log("\nsurvivors:")
  for (const line of listed) console.log(`  ${line}`)
}

/**
 * `--ranges KIND`: the Stryker mutate range (file:line:column-line:column) of every surviving or
 * uncovered mutant of that class, one a line, for a narrower run of just those mutants
 * (stryker.narrow.config.mjs). Report columns start at 1, Stryker's range columns at 0, so each
 * range starts one column early; a range also takes in the mutants nested inside it.
 */
function printRanges(kind: string): void {
  if (![...KINDS.map((k) => k.name as string), "unclassified"].includes(kind)) {
    console.error(`--ranges takes a class of scripts/mutation-classes.ts (${KINDS.map((k) => k.name).join(", ")}, unclassified), not "${kind}"`)
    process.exit(2)
  }
  for (const file of files) {
    for (const mutant of report.files[file]!.mutants) {
      const status = statusOf(file, mutant)
      if (status !== "Survived" && status !== "NoCoverage") continue
      if ((classOf(file, mutant)?.kind ?? "unclassified") !== kind) continue
      const { start, end } = mutant.location
      console.log(`${file}:${start.line}:${start.column - 1}-${end.line}:${end.column}`)
    }
  }
}

function printMarkdown(): void {
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim()
  const date = new Date().toISOString().slice(0, 10)
  const detected = total.Killed + total.Timeout
  const out: Array<string> = []
  out.push("# Mutation testing of src/core: the score and every survivor")
  out.push("")
  const recorded = COLUMNS.reduce((sum, k) => sum + total[k], total.other)
  const instrumented = Number(args.flatMap((a, i) => (args[i - 1] === "--instrumented" ? [a] : []))[0] ?? recorded)
  out.push(`**Total score ${score(total)}** (${detected} detected of ${detected + total.Survived + total.NoCoverage} valid mutants), ${date}, commit ${commit}.` +
    (instrumented > recorded ? ` The report records ${recorded} of the ${instrumented} mutants Stryker makes of src/core; the other ${instrumented - recorded} were not run yet (an interrupted run: \`npm run mutate\` resumes).` : ""))
  for (const note of args.flatMap((a, i) => (args[i - 1] === "--note" ? [a] : []))) out.push("", note)
  out.push("")
  out.push("Generated by `npx tsx scripts/mutation-scores.ts --markdown" + narrower.map((f) => ` ${killedOnly.has(f) ? "--with-killed" : "--with"} ${f}`).join("") + " > docs/mutation-survivors.md`")
  out.push("from the StrykerJS report of `npm run mutate` (reports/stryker-incremental.json" + (narrower.length > 0 ? ", plus the narrower runs named, whose detections count too" : "") + ").")
  out.push("The grouping is scripts/mutation-classes.ts: a rule per stretch of code says what would kill its")
  out.push("survivors. Score = (killed + timed out) / (killed + timed out + survived + no coverage); static")
  out.push("mutants (module-level constants, run at import) are ignored by the configuration.")
  out.push("")
  out.push("What would kill a survivor, by kind:")
  for (const kind of KINDS) out.push(`- **${kind.name}**: ${kind.meaning}`)
  out.push("")
  out.push(...table())
  const groups = new Map<string, Map<string, Array<Mutant>>>()
  const kindTotals = new Map<Kind | "unclassified", number>()
  for (const file of files) {
    const byRule = new Map<string, Array<Mutant>>()
    for (const mutant of report.files[file]!.mutants) {
      const status = statusOf(file, mutant)
      if (status !== "Survived" && status !== "NoCoverage") continue
      const rule = classOf(file, mutant)
      const label = rule === undefined ? "unclassified|not yet read" : `${rule.kind}|${rule.reason}`
      byRule.set(label, [...(byRule.get(label) ?? []), mutant])
      const kind = rule?.kind ?? "unclassified"
      kindTotals.set(kind, (kindTotals.get(kind) ?? 0) + 1)
    }
    if (byRule.size > 0) groups.set(file, byRule)
  }
  out.push("")
  out.push("Survivors and uncovered mutants by kind: " + [...KINDS.map((k) => k.name), "unclassified" as const].map((k) => `${k} ${kindTotals.get(k) ?? 0}`).join(", ") + ".")
  for (const [file, byRule] of groups) {
    const c = perFile.get(file)!
    out.push("")
    out.push(`## ${file.replace(/^src\/core\//, "")}: ${score(c)}`)
    out.push("")
    out.push(`${c.Killed} killed, ${c.Timeout} timed out, ${c.Survived} survived, ${c.NoCoverage} no coverage, ${c.Ignored} static, ${c.Pending} not run.`)
    out.push("")
    const firstLine = (mutants: ReadonlyArray<Mutant>) => Math.min(...mutants.map((m) => m.location.start.line))
    for (const [label, mutants] of [...byRule].sort((a, b) => firstLine(a[1]) - firstLine(b[1]))) {
      const [kind, reason] = label.split("|") as [string, string]
      const ids = mutants
        .sort((a, b) => a.location.start.line - b.location.start.line || Number(a.id) - Number(b.id))
        // Stryker numbers mutants in some runs and names them by position in others (an id holding
        // the file, the span and a newline): then the line and column stand in for it.
        .map((m) => `${/^\d+$/.test(m.id) ? `${m.id} L${m.location.start.line}` : `L${m.location.start.line}:${m.location.start.column}`}${m.status === "NoCoverage" ? "*" : ""} ${m.mutatorName}`)
      out.push(`- **${kind}** (${mutants.length}): ${reason}`)
      out.push(`  ${ids.join(", ")}`)
    }
  }
  out.push("")
  out.push("Ids are Stryker's (reports/stryker-incremental.json holds each, and a completed run's HTML report, reports/mutation/mutation.html, shows it); a mutant recorded by position only is named by its line and column; `*` marks a mutant no test of the subset executed in the run that recorded it.")
  console.log(out.join("\n"))
}
