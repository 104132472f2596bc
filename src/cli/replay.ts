// `dynamo replay FILE [--verbose]`: run a trace through the core step by step, print each step,
// check every recorded observation; exit 1 naming the first divergence, 2 on a bad file.
import { Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { readFileSync } from "node:fs"
import { counts, type NodeEffect, type NodeInput, openRequests, statusOf } from "../core/index.ts"
import { replayTrace, type ReplayStepInfo } from "../sim/replay.ts"
import { decodeTrace } from "../trace/format.ts"
import { BadArguments, InvariantViolated } from "./simulate.ts"

const describeInput = (input: NodeInput): string => {
  switch (input._tag) {
    case "Start":
      return `Start(epochFloor ${input.epochFloor})`
    case "Client": {
      const r = input.request
      return r._tag === "Get" ? `client Get ${r.id} ${r.key}` : r._tag === "Put" ? `client Put ${r.id} ${r.key}=${r.value}` : `client Delete ${r.id} ${r.key}`
    }
    case "Receive":
      return `from ${input.from}: ${input.message._tag}${"key" in input.message ? ` ${input.message.key}` : ""}${"op" in input.message ? ` op ${input.message.op}` : ""}${input.message._tag === "Gossip" || input.message._tag === "AntiEntropy" ? ` ${input.message._tag === "Gossip" ? input.message.gossip._tag : input.message.exchanges.map((e) => e._tag).join(",")}` : ""}`
    case "TimerFired":
      return `timer ${input.timer._tag}${"op" in input.timer ? ` op ${input.timer.op}` : ""}${input.pick === undefined ? "" : ` pick ${input.pick}`}${input.busy === true ? " busy" : ""}`
    case "PersistDone":
      return `persist done ${input.token}`
    case "Admin":
      return `admin ${input.command._tag} ${input.command.node}`
    case "PeerUnreachable":
      return `peer ${input.node} unreachable`
    case "Beliefs":
      return `beliefs: down [${input.down.join(",")}]`
  }
}

const describeEffect = (effect: NodeEffect): string => {
  switch (effect._tag) {
    case "Send":
      return `send ${effect.message._tag} to ${effect.to}`
    case "SetTimer":
      return `set timer ${effect.timer._tag} +${effect.afterMs} ms`
    case "CancelTimer":
      return `cancel timer ${effect.timer._tag}`
    case "Persist":
      return `persist #${effect.token} ${effect.record._tag}${"key" in effect.record ? ` ${effect.record.key}` : ""}`
    case "Reply":
      return `reply ${effect.reply._tag} ${effect.reply.id}`
  }
}

export const printStep = (info: ReplayStepInfo, verbose: boolean): string => {
  const head = `#${info.index} ${info.step.at} ms ${info.step.node} ${info.step.event._tag === "Input" ? describeInput(info.step.event.input) : info.step.event._tag}`
  const lines = [head, ...info.effects.map((e) => `    -> ${describeEffect(e)}`)]
  if (verbose && info.after !== undefined && info.before !== info.after) {
    const a = statusOf(info.after)
    const held = counts(info.after)
    lines.push(`    state: epoch ${a.epoch}, ready ${a.ready}, keys ${held.keys}, hints ${held.hints}, down [${a.down.join(",")}], requests ${openRequests(info.after).length}`)
  }
  return lines.join("\n")
}

export const replayCommand = Command.make(
  "replay",
  {
    file: Argument.String("file").pipe(Argument.withDescription("a trace file (spec/traces.md)")),
    verbose: Flag.Boolean("verbose").pipe(Flag.withDescription("print state changes"), Flag.withDefault(false)),
    quiet: Flag.Boolean("quiet").pipe(Flag.withDescription("print only the verdict"), Flag.withDefault(false))
  },
  Effect.fnUntraced(function*({ file, verbose, quiet }) {
    let text: string
    try {
      text = readFileSync(file, "utf8")
    } catch (error) {
      return yield* new BadArguments({ message: `cannot read ${file}: ${(error as Error).message}` })
    }
    const decoded = decodeTrace(text)
    if (decoded._tag === "Error") return yield* new BadArguments({ message: `${file} is not a valid trace: ${decoded.message}` })
    const lines: Array<string> = []
    const result = replayTrace(decoded.trace, quiet ? undefined : (info) => lines.push(printStep(info, verbose)))
    if (lines.length > 0) yield* Console.log(lines.join("\n"))
    if (result.divergence !== undefined) {
      yield* Console.log(`DIVERGED: ${result.divergence}`)
      return yield* new InvariantViolated({ invariant: "REPLAY", message: result.divergence })
    }
    const recorded = decoded.trace.observations.violations
    yield* Console.log(
      `replayed ${result.steps} steps, ${result.replies} replies matched` +
        (result.rerunViolations === undefined ? "" : `; re-run of the scenario reproduced ${result.rerunViolations.length === 0 ? "no violation" : result.rerunViolations.join("; ")}`)
    )
    if (recorded.length > 0) yield* Console.log(`recorded violation: ${recorded.map((v) => `${v.invariant}: ${v.message}`).join("; ")}`)
  })
).pipe(Command.withDescription("Replay a trace through the core step by step and check its observations"))
