// The text scenarios of traces/scenarios/ (raft's testdata style, src/check/scenario.ts): each file
// is replayed command by command through the model checker's world and must print what it says.
// Catches any change of behaviour along these paths (a message not sent, an acknowledgement from
// other nodes, a violation that moved or vanished): a reference comparison, so each anomaly file
// also states its invariant and pins the length of the shortest counterexample the checker finds.
// `DYNAMO_REWRITE_SCENARIOS=1 npx vitest run test/scenarios.test.ts` rewrites the outputs instead.
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { search } from "../src/check/explore.ts"
import { ANOMALY_PRESETS, PRESETS } from "../src/check/model.ts"
import { formatScenario, parseScenario, runScenario, ScenarioError } from "../src/check/scenario.ts"

const DIR = "traces/scenarios"
const rewrite = process.env["DYNAMO_REWRITE_SCENARIOS"] === "1"
const files = readdirSync(DIR).filter((file) => file.endsWith(".txt")).sort()

/** Commands that are one action of the checker (what a counterexample's length counts). */
const isAction = (command: string): boolean => !/^(model|quiesce|stabilize|replicas|flight)\b/.test(command)

describe("text scenarios (traces/scenarios)", () => {
  test("every anomaly preset and the paper's scenarios have a file", () => {
    for (const name of [...ANOMALY_PRESETS, "figure3-vv", "hinted-handoff"]) expect(files).toContain(`${name}.txt`)
  })

  test.each(files)("%s replays and prints what it says", (file) => {
    const path = join(DIR, file)
    const text = readFileSync(path, "utf8")
    const cases = parseScenario(text, path)
    const actual = runScenario(cases)
    if (rewrite) {
      writeFileSync(path, formatScenario(text, actual).replace(/\n*$/, "\n"))
      return
    }
    cases.forEach((scenarioCase, i) => {
      expect(actual[i], `${path}:${scenarioCase.line}: ${scenarioCase.command}`).toBe(scenarioCase.expected)
    })
    // A scenario that stopped on an error would pass by printing that error: none does.
    expect(actual.filter((output) => output.startsWith("error:"))).toEqual([])
  })

  // Catches a change that makes a caveat of the paper harder (or easier) to reach, or that the
  // checker no longer finds it: the breadth-first search's shortest counterexample must be as long
  // as the committed one and break the preset's invariant at its last action.
  test.each(ANOMALY_PRESETS)("%s: the checker's shortest counterexample is the committed one's length", (name) => {
    const model = PRESETS[name]!.model()
    const result = search(model, { order: "bfs", maxStates: 2_000_000 })
    const cases = parseScenario(readFileSync(join(DIR, `${name}.txt`), "utf8"), name)
    expect(result.finding?.violation.invariant).toBe(model.expect)
    expect(result.finding?.actions.length).toBe(cases.filter((c) => isAction(c.command)).length)
    expect(cases.at(-1)!.expected).toContain(`VIOLATION ${model.expect}:`)
  })

  // Catches a parser that accepts a broken file or an error that does not say what is wrong.
  test("bad scenarios get errors that name the problem", () => {
    expect(() => parseScenario("model preset=small\n", "f.txt")).toThrow(ScenarioError)
    expect(() => parseScenario("model preset=small\n", "f.txt")).toThrow(/f\.txt:1: "model preset=small" has no "----" line/)
    const outputs = runScenario(parseScenario([
      "send c0", "----", "",
      "model preset=nope", "----", "",
      "model preset=lost-update-vv wobble=1", "----", "",
      "model preset=lost-update-vv", "c0: put k9@n1", "----", "",
      "model preset=lost-update-vv", "----", "",
      "deliver n1->n2", "----", "",
      "send c0", "----", "",
      "deliver n1->n2", "----", ""
    ].join("\n"), "g.txt"))
    expect(outputs[0]).toBe(`error: "send c0" before any "model" command`)
    expect(outputs[1]).toMatch(/^error: unknown preset "nope"; known: small,/)
    expect(outputs[2]).toMatch(/^error: model takes preset=\.\.\. .*got "wobble=1"/)
    expect(outputs[3]).toBe(`error: "k9" is not a key of the model (k1)`)
    expect(outputs[5]).toBe(`error: "deliver n1->n2" is not enabled here; enabled:\n  send c0\n  send c1`)
    expect(outputs[7]).toMatch(/^deliver n1 -> n2: Replicate k1 op 0/)
  })
})
