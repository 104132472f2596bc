// `dynamo check`: exhaustive explicit-state model checking of a small configuration, through the
// core's own `step` (src/check/). Exits 0 when the space is exhausted with no violation (and
// every expected `Sometimes` seen), 1 with a counterexample (printed, and written as a trace with
// --out), 2 on bad arguments.
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { mkdirSync, writeFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { dirname } from "node:path"
import { formatRun, formatSwarm, MAX_STATES_DEFAULT, runCheck, runSwarm, type SwarmRun } from "../check/check.ts"
import { counterexampleText } from "../check/counterexample.ts"
import { ANOMALY_PRESETS, buildModel, PRESETS, type CheckOptions } from "../check/model.ts"
import { BadArguments, InvariantViolated } from "./simulate.ts"

/** Worker threads at most (each holds the protocol modules and its own caches). */
export const WORKERS_MAX = 64

const optionalInt = (name: string, description: string) => Flag.Int(name).pipe(Flag.withDescription(description), Flag.optional)

export const checkCommand = Command.make(
  "check",
  {
    preset: Flag.String("preset").pipe(
      Flag.withDescription(`a named model: ${Object.keys(PRESETS).join(", ")} (anomalies: ${ANOMALY_PRESETS.join(", ")})`),
      Flag.withDefault("small")
    ),
    nodes: optionalInt("nodes", "cluster size (regenerates the client scripts)"),
    keys: optionalInt("keys", "keys the scripts use"),
    clients: optionalInt("clients", "clients, each running a script"),
    ops: optionalInt("ops", "operations per client"),
    crashes: optionalInt("crashes", "crashes allowed in one execution"),
    diskLosses: optionalInt("disk-losses", "crashes that also lose the disk"),
    drops: optionalInt("drops", "messages that may be lost"),
    dups: optionalInt("dups", "messages that may be duplicated"),
    partitions: optionalInt("partitions", "partitions allowed (each healed at any later point)"),
    periodic: optionalInt("periodic", "periodic timer firings (hint scans, probes) allowed"),
    clock: Flag.Literals("clock", ["dvv", "vv", "lww"]).pipe(Flag.withDescription("the clock mode"), Flag.optional),
    timing: Flag.Literals("timing", ["async", "prompt"]).pipe(
      Flag.withDescription("async: timeouts may fire any time; prompt: only when nothing is in flight"),
      Flag.optional
    ),
    restart: Flag.Literals("restart", ["later", "at-once"]).pipe(
      Flag.withDescription("later: a crashed node restarts at any later moment; at-once: a crash is a reboot"),
      Flag.optional
    ),
    persistence: Flag.Literals("persistence", ["lazy", "eager"]).pipe(
      Flag.withDescription("lazy: every persist completes as its own action; eager: at once, after the last crash the bounds allow"),
      Flag.optional
    ),
    bfs: Flag.Boolean("bfs").pipe(Flag.withDescription("breadth-first, one thread: shortest counterexample"), Flag.withDefault(false)),
    noPor: Flag.Boolean("no-por").pipe(
      Flag.withDescription("no partial-order reduction: explore every enabled action (a message its receiver can only ignore is otherwise delivered first, once no fault is left; src/check/README.md)"),
      Flag.withDefault(false)
    ),
    noCanonical: Flag.Boolean("no-canonical").pipe(
      Flag.withDescription("no canonical form: fingerprint every field of a world, also those no future step and no judged invariant reads (persist tokens as numbers, acknowledgers when no disk loss can come; src/check/README.md)"),
      Flag.withDefault(false)
    ),
    dfs: Flag.Boolean("dfs").pipe(Flag.withDescription("depth-first: memory bounded by the depth; parallel with --workers"), Flag.withDefault(false)),
    maxStates: Flag.Int("max-states").pipe(Flag.withDescription("stop after this many distinct states"), Flag.withDefault(MAX_STATES_DEFAULT)),
    workers: optionalInt("workers", "worker threads for a depth-first search (default: every core)"),
    swarm: optionalInt("swarm", "instead of an exhaustive search, this many random walks, each under a fault budget drawn within the bounds; reports how many reached each Sometimes"),
    seed: Flag.Int("seed").pipe(Flag.withDescription("the seed of --swarm's walks"), Flag.withDefault(1)),
    out: Flag.String("out").pipe(Flag.withDescription("write the counterexample as a trace (spec/traces.md)"), Flag.optional)
  },
  Effect.fnUntraced(function*(flags) {
    const problems: Array<string> = []
    if (flags.bfs && flags.dfs) problems.push("--bfs and --dfs exclude each other")
    const workersGiven = Option.getOrUndefined(flags.workers)
    if (workersGiven !== undefined && (workersGiven < 1 || workersGiven > WORKERS_MAX)) problems.push(`--workers must be in 1..${WORKERS_MAX}, got ${workersGiven}`)
    if (flags.bfs && workersGiven !== undefined && workersGiven > 1) problems.push("--bfs runs on one thread (it keeps each level in memory); use --dfs with --workers")
    const swarmWalks = Option.getOrUndefined(flags.swarm)
    if (swarmWalks !== undefined) {
      if (swarmWalks < 1 || swarmWalks > SWARM_WALKS_MAX) problems.push(`--swarm must be in 1..${SWARM_WALKS_MAX}, got ${swarmWalks}`)
      if (flags.bfs || flags.dfs || workersGiven !== undefined) problems.push("--swarm runs random walks on one thread: no --bfs, --dfs or --workers")
    }
    if (flags.maxStates < 1 || flags.maxStates > 180_000_000) problems.push(`--max-states must be in 1..180000000, got ${flags.maxStates}`)
    const options: CheckOptions = {
      preset: flags.preset,
      ...defined("nodes", flags.nodes), ...defined("keys", flags.keys), ...defined("clients", flags.clients), ...defined("ops", flags.ops),
      ...defined("crashes", flags.crashes), ...defined("diskLosses", flags.diskLosses), ...defined("drops", flags.drops),
      ...defined("dups", flags.dups), ...defined("partitions", flags.partitions), ...defined("periodic", flags.periodic),
      ...defined("clock", flags.clock), ...defined("timing", flags.timing), ...defined("restart", flags.restart),
      ...defined("persistence", flags.persistence),
      ...(flags.noPor ? { por: false } : {}),
      ...(flags.noCanonical ? { canonical: false } : {})
    }
    const built = buildModel(options)
    if (built._tag === "Error") problems.push(built.message)
    if (problems.length > 0 || built._tag === "Error") return yield* new BadArguments({ message: problems.join("; ") })
    const model = built.model
    if (swarmWalks !== undefined) return yield* swarmReport(runSwarm(options, { walks: swarmWalks, seed: flags.seed, onProgress: (line) => process.stderr.write(`${line}\n`) }), flags.seed, Option.getOrUndefined(flags.out))
    // Anomaly presets want the shortest counterexample; exhaustive runs want every core.
    const order = flags.bfs ? "bfs" : flags.dfs ? "dfs" : model.expect !== undefined ? "bfs" : "dfs"
    const workers = order === "bfs" ? 1 : workersGiven ?? Math.min(availableParallelism(), WORKERS_MAX)
    const checked = yield* Effect.promise(() =>
      runCheck(options, { order, workers, maxStates: flags.maxStates, onProgress: (line) => process.stderr.write(`${line}\n`) })
    )
    yield* Console.log(formatRun(checked))
    const counterexample = checked.counterexample
    if (counterexample !== undefined) {
      const steps = counterexample.lines.filter((line) => /^\s*\d+\./.test(line)).length
      yield* Console.log(
        `\nVIOLATION of ${counterexample.violation.invariant} after ${steps} action(s)${counterexample.eventual ? " and heal-and-quiesce" : ""}:\n` +
          `${counterexample.lines.join("\n")}\n  => ${counterexample.violation.message}`
      )
      if (model.expect !== undefined) {
        yield* Console.log(model.expect === counterexample.violation.invariant
          ? `\nthis is the anomaly preset ${model.name} expects (${model.expect}): the caveat of the paper is real`
          : `\npreset ${model.name} expected ${model.expect}, but ${counterexample.violation.invariant} broke first`)
      }
      if (Option.isSome(flags.out)) {
        mkdirSync(dirname(flags.out.value), { recursive: true })
        writeFileSync(flags.out.value, counterexampleText(counterexample))
        yield* Console.log(`trace written to ${flags.out.value} (dynamo replay ${flags.out.value} re-runs it)`)
      }
      return yield* new InvariantViolated({ invariant: counterexample.violation.invariant, message: counterexample.violation.message })
    }
    if (checked.vacuous.length > 0) {
      return yield* new InvariantViolated({ invariant: "SOMETIMES", message: `never saw ${checked.vacuous.join(", ")}` })
    }
    if (model.expect !== undefined && checked.result.outcome === "exhausted") {
      yield* Console.log(`preset ${model.name} expected a counterexample of ${model.expect} and found none`)
      return yield* new InvariantViolated({ invariant: model.expect, message: "the expected counterexample was not found" })
    }
    yield* Console.log(checked.result.outcome === "exhausted"
      ? "no violation: every reachable state satisfies every invariant checked"
      : `no violation in the first ${checked.result.stats.distinct.toLocaleString("en")} states (bounded by --max-states: not exhausted)`)
  })
).pipe(Command.withDescription("Exhaustively model-check a small configuration through the core's step"))

function defined<K extends string, V>(key: K, value: Option.Option<V>): { [P in K]?: V } {
  return Option.isSome(value) ? ({ [key]: value.value } as { [P in K]?: V }) : {}
}

/** The most walks `--swarm` takes in one run. */
export const SWARM_WALKS_MAX = 100_000_000

const swarmReport = Effect.fnUntraced(function*(checked: SwarmRun, seed: number, out: string | undefined) {
  yield* Console.log(formatSwarm(checked, seed))
  const counterexample = checked.counterexample
  if (counterexample === undefined) {
    yield* Console.log(`no violation on ${checked.result.walks.toLocaleString("en")} walks (a bounded search: not exhausted)`)
    return
  }
  const steps = counterexample.lines.filter((line) => /^\s*\d+\./.test(line)).length
  yield* Console.log(
    `\nVIOLATION of ${counterexample.violation.invariant} after ${steps} action(s) of a random walk${counterexample.eventual ? " and heal-and-quiesce" : ""} ` +
      `(not the shortest: --bfs finds that):\n${counterexample.lines.join("\n")}\n  => ${counterexample.violation.message}`
  )
  if (out !== undefined) {
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, counterexampleText(counterexample))
    yield* Console.log(`trace written to ${out} (dynamo replay ${out} re-runs it)`)
  }
  return yield* new InvariantViolated({ invariant: counterexample.violation.invariant, message: counterexample.violation.message })
})
