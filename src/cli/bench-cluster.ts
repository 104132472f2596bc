// `dynamo bench`: the local-cluster benchmark of bench/cluster.ts (five node processes, durable
// writes, 32 clients, 50% gets / 50% puts), for each (N,R,W), printed as one trade-off table.
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { BadArguments } from "./simulate.ts"

/** A benchmark is bounded in time: at most this many seconds per configuration. */
export const BENCH_SECONDS_MAX = 600

const parseConfigs = (text: string): ReadonlyArray<readonly [number, number, number]> | string => {
  const configs: Array<readonly [number, number, number]> = []
  for (const part of text.split(";").map((s) => s.trim()).filter((s) => s !== "")) {
    const numbers = part.split(",").map(Number)
    if (numbers.length !== 3 || numbers.some((x) => !Number.isInteger(x))) return `"${part}" is not N,R,W`
    const [n, r, w] = numbers as [number, number, number]
    if (n < 1 || n > 5 || r < 1 || r > n || w < 1 || w > n) return `"${part}": need 1 <= R, W <= N <= 5`
    configs.push([n, r, w])
  }
  return configs.length === 0 ? "no configuration given" : configs
}

export const benchCommand = Command.make(
  "bench",
  {
    seconds: Flag.Int("seconds").pipe(Flag.withDescription("seconds of the 32-client run per configuration"), Flag.withDefault(30)),
    clients: Flag.Int("clients").pipe(Flag.withDefault(32)),
    configs: Flag.String("configs").pipe(Flag.withDescription("N,R,W;N,R,W;..."), Flag.withDefault("3,2,2;3,3,1;3,1,3")),
    routing: Flag.Literals("routing", ["both", "any", "replica"]).pipe(
      Flag.withDescription("replica: each request to a replica of its key (client-driven); any: to a random node (server-driven); both: every configuration client-driven, the first also server-driven"),
      Flag.withDefault("both")
    ),
    sync: Flag.Literals("sync", ["full", "normal"]).pipe(Flag.withDefault("full")),
    writer: Flag.Literals("writer", ["auto", "inline", "worker", "async"]).pipe(Flag.withDefault("auto")),
    diskLoss: Flag.Boolean("disk-loss").pipe(Flag.withDescription("also measure the loss of one node's disk"), Flag.withDefault(true)),
    profile: Flag.String("profile").pipe(Flag.withDescription("write a CPU profile of every node into DIR"), Flag.optional)
  },
  Effect.fnUntraced(function*(flags) {
    if (flags.seconds < 1 || flags.seconds > BENCH_SECONDS_MAX) return yield* new BadArguments({ message: `--seconds must be in 1..${BENCH_SECONDS_MAX}, got ${flags.seconds}` })
    if (flags.clients < 1 || flags.clients > 1024) return yield* new BadArguments({ message: `--clients must be in 1..1024, got ${flags.clients}` })
    const configs = parseConfigs(flags.configs)
    if (typeof configs === "string") return yield* new BadArguments({ message: `--configs: ${configs}` })
    // Loaded on demand: every `dynamo node` process imports this file's command list.
    const { clusterBench } = yield* Effect.promise(() => import("../../bench/cluster.ts"))
    const table = yield* Effect.promise(() =>
      clusterBench({
        seconds: flags.seconds,
        clients: flags.clients,
        configs,
        routing: flags.routing,
        sync: flags.sync,
        writer: flags.writer,
        diskLoss: flags.diskLoss,
        ...(Option.isSome(flags.profile) ? { profileDir: flags.profile.value } : {})
      })
    )
    yield* Console.log(table)
  })
).pipe(Command.withDescription("Benchmark a local five-node cluster: throughput, latency, durability per N,R,W"))
