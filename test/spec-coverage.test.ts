// The specification's coverage table is a contract: every invariant of spec/README.md section 4
// has a row, every row names at least one check, and every file a row names exists and mentions
// the invariant's id (a property test names the id it checks; the Quint model names it too). The
// table is held to the invariants' list (src/invariants/index.ts): the same ids, the same kinds
// and checkpoints, and its simulator-and-checker column names exactly the files the list says
// judge each one.
import { existsSync, readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { SOMETIMES } from "../src/check/state.ts"
import { INVARIANTS, RUN_CHECKPOINTS, SOMETIMES_CASES } from "../src/invariants/index.ts"

const spec = readFileSync("spec/README.md", "utf8")
const section = (title: RegExp): string => {
  const start = spec.search(title)
  if (start < 0) throw new Error(`spec/README.md has no section matching ${title}`)
  const rest = spec.slice(start + 1)
  const next = rest.search(/\n## /)
  return next < 0 ? rest : rest.slice(0, next)
}

/** `**SIB-1.**` headings of the invariants section (one bullet may hold several: DVV-1 to DVV-3). */
const invariantIds = (): ReadonlyArray<string> =>
  Array.from(section(/^## 4\. Invariants/m).matchAll(/\*\*([A-Z]+-(?:\d+|n))\.\*\*/g), (m) => m[1]!)

interface Row { readonly id: string; readonly cells: ReadonlyArray<string> }
const coverageRows = (): ReadonlyArray<Row> =>
  section(/^## 5\. Coverage/m)
    .split("\n")
    .filter((line) => /^\| [A-Z]+-(\d+|n) \|/.test(line))
    .map((line) => {
      const cells = line.split("|").slice(1, -1).map((c) => c.trim())
      return { id: cells[0]!, cells: cells.slice(1) }
    })

/** Backquoted paths in a cell, e.g. `properties/ring.test.ts`; names like `sib1` are Quint invariants. */
const filesIn = (cell: string): ReadonlyArray<string> =>
  Array.from(cell.matchAll(/`([^`]+)`/g), (m) => m[1]!).filter((name) => name.includes("/"))
const quintNamesIn = (cell: string): ReadonlyArray<string> =>
  Array.from(cell.matchAll(/`([^`/]+)`/g), (m) => m[1]!)

describe("spec/README.md coverage table", () => {
  const ids = invariantIds()
  const rows = coverageRows()

  test("the invariants section lists the ids the project is built around", () => {
    for (const id of ["RING-1", "RING-2", "RING-3", "SIB-1", "SIB-2", "DUR-1", "CONV-1", "HINT-1", "QUORUM-1", "DEL-1", "TRUNC-1"]) {
      expect(ids, `section 4 lacks ${id}`).toContain(id)
    }
  })

  test("every invariant has a coverage row with at least one check", () => {
    for (const id of ids) {
      const row = rows.find((r) => r.id === id)
      expect(row, `no coverage row for ${id}`).toBeDefined()
      expect(row!.cells.some((c) => c.length > 0), `the coverage row of ${id} names no check`).toBe(true)
    }
  })

  test("every file a row names exists and mentions the invariant id", () => {
    for (const row of rows) {
      const id = row.id === "CLOCK-n" ? "CLOCK-" : row.id
      for (const file of row.cells.flatMap(filesIn)) {
        expect(existsSync(file), `${row.id}: ${file} does not exist`).toBe(true)
        expect(readFileSync(file, "utf8").includes(id), `${row.id}: ${file} never mentions ${id}`).toBe(true)
      }
    }
  })

  test("every Quint invariant a row names is defined in a model of spec/ (dynamo.qnt, ring.qnt) that mentions the id", () => {
    const models = ["spec/dynamo.qnt", "spec/ring.qnt"].map((file) => ({ file, text: readFileSync(file, "utf8") }))
    const quintColumn = 5
    for (const row of rows) {
      for (const name of quintNamesIn(row.cells[quintColumn - 1] ?? "")) {
        const home = models.find((model) => new RegExp(`val ${name}\\b`).test(model.text))
        expect(home, `${row.id}: no model of spec/ defines ${name}`).toBeDefined()
        expect(home!.text.includes(row.id), `${row.id}: ${home!.file} defines ${name} but never mentions ${row.id}`).toBe(true)
      }
    }
  })

  // Columns of a row after the id: kind, checked at, property tests, simulator and checker, Quint.
  const KIND = 0
  const CHECKED_AT = 1
  const INTERPRETERS = 3

  test("the list and section 4 hold the same invariants", () => {
    const listed = INVARIANTS.map((i) => i.id)
    expect(new Set(listed).size, "an id is listed twice").toBe(listed.length)
    expect([...listed].sort()).toEqual([...ids].sort())
  })

  test("each row's kind and checkpoints are the list's", () => {
    for (const invariant of INVARIANTS) {
      const row = rows.find((r) => r.id === invariant.id)!
      expect(row.cells[KIND], `${invariant.id}: kind`).toBe(invariant.kind)
      expect(row.cells[CHECKED_AT], `${invariant.id}: checked at`).toBe(invariant.checkpoints.join(", "))
    }
  })

  test("each row's simulator and checker column names exactly the src/ files the list says judge it", () => {
    for (const invariant of INVARIANTS) {
      const row = rows.find((r) => r.id === invariant.id)!
      const named = new Set(Array.from((row.cells[INTERPRETERS] ?? "").matchAll(/`(src\/[^`]+)`/g), (m) => m[1]!))
      const listed = new Set([invariant.check, ...(invariant.simulator ?? []), ...(invariant.checker ?? []), invariant.conform].filter((f) => f !== undefined))
      expect([...named].sort(), invariant.id).toEqual([...listed].sort())
    }
  })

  test("every file the list names exists and mentions its invariant", () => {
    for (const invariant of INVARIANTS) {
      for (const file of [invariant.check, ...(invariant.simulator ?? []), ...(invariant.checker ?? []), invariant.conform]) {
        if (file === undefined) continue
        expect(existsSync(file), `${invariant.id}: ${file} does not exist`).toBe(true)
        expect(readFileSync(file, "utf8").includes(invariant.id), `${invariant.id}: ${file} never mentions it`).toBe(true)
      }
    }
  })

  test("the model checker judges each invariant, or the list says why not", () => {
    for (const invariant of INVARIANTS) {
      expect((invariant.checker !== undefined) !== (invariant.notInChecker !== undefined), invariant.id).toBe(true)
    }
  })

  test("every Always checked on runs has a Sometimes, and the checker counts those the list says it does", () => {
    for (const invariant of INVARIANTS) {
      const onRuns = invariant.checkpoints.some((c) => RUN_CHECKPOINTS.includes(c))
      if (invariant.kind === "always" && onRuns) expect(invariant.sometimes, `${invariant.id} has no Sometimes`).toBeDefined()
    }
    for (const [name, declared] of Object.entries(SOMETIMES_CASES)) {
      expect((SOMETIMES as ReadonlyArray<string>).includes(name), `${name}: in the checker's Sometimes table`).toBe(declared.checker)
    }
  })
})

