// `dynamo scenario FILE... [--rewrite]`: replays text scenarios (raft's testdata style,
// src/check/scenario.ts; the committed ones are in traces/scenarios/) through the model checker's
// world. Prints each file with the output its commands print now; exit 1 when an output differs
// from the one written in the file (naming the first such command), 2 on a file it cannot read or
// parse. `--rewrite` writes the outputs into the files instead (new scenarios start that way).
import { readFileSync, writeFileSync } from "node:fs"
import { Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { formatScenario, parseScenario, runScenario, ScenarioError } from "../check/scenario.ts"
import { BadArguments, InvariantViolated } from "./simulate.ts"

export const scenarioCommand = Command.make(
  "scenario",
  {
    files: Argument.String("file").pipe(Argument.withDescription("a text scenario (traces/scenarios/README.md)"), Argument.atLeast(1)),
    rewrite: Flag.Boolean("rewrite").pipe(Flag.withDescription("write the outputs into the files instead of comparing"), Flag.withDefault(false))
  },
  Effect.fnUntraced(function*({ files, rewrite }) {
    const differences: Array<string> = []
    for (const file of files) {
      let text: string
      try {
        text = readFileSync(file, "utf8")
      } catch (error) {
        return yield* new BadArguments({ message: `cannot read ${file}: ${(error as Error).message}` })
      }
      const parsed = yield* Effect.try({
        try: () => parseScenario(text, file),
        catch: (error) => new BadArguments({ message: error instanceof ScenarioError ? error.message : `cannot parse ${file}: ${String(error)}` })
      })
      const actual = runScenario(parsed)
      const written = formatScenario(text, actual).replace(/\n*$/, "\n")
      if (rewrite) {
        writeFileSync(file, written)
        yield* Console.log(`wrote ${file}: ${parsed.length} commands`)
        continue
      }
      yield* Console.log(written)
      const first = parsed.findIndex((scenarioCase, i) => actual[i] !== scenarioCase.expected)
      if (first >= 0) {
        const at = parsed[first]!
        differences.push(`${file}:${at.line}: "${at.command}" printed\n${actual[first]}\ninstead of\n${at.expected}`)
      }
    }
    if (differences.length > 0) {
      yield* Console.error(differences.join("\n\n"))
      return yield* new InvariantViolated({ invariant: "SCENARIO", message: `${differences.length} scenario(s) printed something else` })
    }
  })
).pipe(Command.withDescription("Replay text scenarios (a command per line, its expected output below) through the model checker's world"))
