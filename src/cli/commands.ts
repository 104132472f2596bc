// The subcommands of `dynamo`. Each lives with its interpreter; this list only assembles them.
import { Effect } from "effect"
import { Command } from "effect/cli"
import { CliError } from "effect/cli"
import { replayCommand } from "./replay.ts"
import { simulateCommand } from "./simulate.ts"

/** A subcommand whose interpreter has not landed yet: it says so and fails, never pretends. */
const pending = (name: string, description: string, issue: string) =>
  Command.make(name, {}, () =>
    Effect.fail(
      new CliError.UserError({ cause: `dynamo ${name} is not available yet (${issue})` })
    )).pipe(Command.withDescription(`${description} [not available yet: ${issue}]`))

export const subcommands = [
  pending("node", "Run one Dynamo node serving the client HTTP API", "network shell"),
  pending("cluster", "Start a local cluster of K node processes", "network shell"),
  pending("get", "Read a key through a node", "network shell"),
  pending("put", "Write a key through a node", "network shell"),
  pending("delete", "Delete a key through a node (a tombstone)", "network shell"),
  pending("status", "Show a node's view of the cluster", "network shell"),
  simulateCommand,
  pending("check", "Exhaustively model-check a small configuration", "model checker"),
  replayCommand,
  pending("bench", "Benchmark a local cluster", "network shell")
] as const
