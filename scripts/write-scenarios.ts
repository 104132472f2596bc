// `npx tsx scripts/write-scenarios.ts`: writes traces/scenarios/ANOMALY.txt for each anomaly preset
// from the shortest counterexample a breadth-first `dynamo check` finds, one command per action,
// and fills in (rewrites) the output of every scenario file in traces/scenarios/, hand-written
// ones included. Review the diff: a changed output is a changed behaviour.
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { search } from "../src/check/explore.ts"
import { ANOMALY_PRESETS, PRESETS } from "../src/check/model.ts"
import { commandOf, formatScenario, parseScenario, runScenario } from "../src/check/scenario.ts"
import { apply, compile, initialWorld } from "../src/check/world.ts"

const DIR = "traces/scenarios"
const only = process.argv.slice(2)

for (const name of ANOMALY_PRESETS) {
  if (only.length > 0 && !only.includes(name)) continue
  const model = PRESETS[name]!.model()
  const result = search(model, { order: "bfs", maxStates: 2_000_000 })
  if (result.finding === undefined) throw new Error(`${name}: no counterexample found (${result.outcome})`)
  const c = compile(model)
  let world = initialWorld(c)
  const commands: Array<string> = []
  for (const action of result.finding.actions) {
    commands.push(commandOf(c, world, action))
    world = apply(c, world, action).state
  }
  if (result.finding.eventual) commands.push("quiesce")
  const text = [
    `# ${name}: ${model.description}.`,
    `# The shortest counterexample \`dynamo check --preset ${name} --bfs\` finds: ${result.finding.actions.length} actions${result.finding.eventual ? ", then heal and quiesce" : ""}; it breaks ${result.finding.violation.invariant}.`,
    `# Written by scripts/write-scenarios.ts; test/scenarios.test.ts replays it and pins its length.`,
    "",
    `model preset=${name}`,
    "----",
    "",
    ...commands.flatMap((command) => [command, "----", ""])
  ].join("\n")
  writeFileSync(join(DIR, `${name}.txt`), text)
}

for (const file of readdirSync(DIR).filter((f) => f.endsWith(".txt")).sort()) {
  if (only.length > 0 && !only.some((name) => file.startsWith(name))) continue
  const path = join(DIR, file)
  const text = readFileSync(path, "utf8")
  writeFileSync(path, formatScenario(text, runScenario(parseScenario(text, path))).replace(/\n*$/, "\n"))
  console.log(`wrote ${path}`)
}
