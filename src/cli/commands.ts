// The subcommands of `dynamo`. Each lives with its interpreter; this list only assembles them.
import { Effect } from "effect"
import { Command } from "effect/cli"
import { CliError } from "effect/cli"
import { replayCommand } from "./replay.ts"
import { simulateCommand } from "./simulate.ts"
import { nodeCommand } from "./node.ts"
import { clusterCommand } from "./cluster.ts"
import { deleteCommand, getCommand, putCommand, statusCommand } from "./client.ts"
import { benchCommand } from "./bench-cluster.ts"
import { checkCommand } from "./check.ts"
import { scenarioCommand } from "./scenario.ts"
import { viewCommand } from "./view.ts"
import { conformCommand } from "./conform.ts"
import { adminCommand, ringCommand } from "./admin.ts"

/** A subcommand whose interpreter has not landed yet: it says so and fails, never pretends. */
const pending = (name: string, description: string, issue: string) =>
  Command.make(name, {}, () =>
    Effect.fail(
      new CliError.UserError({ cause: `dynamo ${name} is not available yet (${issue})` })
    )).pipe(Command.withDescription(`${description} [not available yet: ${issue}]`))

export const subcommands = [
  nodeCommand,
  clusterCommand,
  getCommand,
  putCommand,
  deleteCommand,
  statusCommand,
  adminCommand,
  ringCommand,
  simulateCommand,
  checkCommand,
  scenarioCommand,
  replayCommand,
  viewCommand,
  benchCommand,
  conformCommand
] as const
