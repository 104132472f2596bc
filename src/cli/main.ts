// The `dynamo` command: one entry point for every interpreter of the core (node, cluster,
// simulate, check, replay) and the client operations. Built on Effect's CLI module.
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { subcommands } from "./commands.ts"

const root = Command.make("dynamo").pipe(
  Command.withDescription(
    "A reference implementation of Amazon's Dynamo: run a node or a local cluster, talk to it, " +
      "simulate failure schedules, model-check small configurations, replay traces."
  ),
  Command.withSubcommands(subcommands)
)

root.pipe(
  Command.run({ version: "0.1.0" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
