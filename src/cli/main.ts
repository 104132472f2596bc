// The `dynamo` command: one entry point for every interpreter of the core (node, cluster,
// simulate, check, replay) and the client operations. Built on Effect's CLI module.
// Exit codes: 0 success, 1 a finding (an invariant violated, a replay divergence), 2 bad arguments.
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { Command } from "effect/cli"
import { subcommands } from "./commands.ts"

const root = Command.make("dynamo").pipe(
  Command.withDescription(
    "A reference implementation of Amazon's Dynamo: run a node or a local cluster, talk to it, " +
      "simulate failure schedules, model-check small configurations, replay traces."
  ),
  Command.withSubcommands(subcommands)
)

const PARSE_ERRORS = new Set([
  "UnrecognizedOption", "DuplicateOption", "MissingOption", "MissingArgument", "UnexpectedArgument",
  "InvalidValue", "UnknownSubcommand", "ValidationError"
])

root.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.catch((error: { readonly _tag: string; readonly message?: string }) =>
    Effect.gen(function*() {
      if (error._tag === "ShowHelp") {
        // Help shown because parsing failed (a bad flag or value): that is a usage error.
        const errors = (error as { readonly errors?: ReadonlyArray<unknown> }).errors ?? []
        if (errors.length > 0) process.exitCode = 2
        return
      }
      if (error._tag === "BadArguments") {
        yield* Console.error(`error: ${error.message}`)
        process.exitCode = 2
        return
      }
      if (PARSE_ERRORS.has(error._tag)) {
        process.exitCode = 2
        return
      }
      if (error._tag === "InvariantViolated") {
        process.exitCode = 1
        return
      }
      yield* Console.error(`error: ${error.message ?? error._tag}`)
      process.exitCode = 1
    })
  ),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
