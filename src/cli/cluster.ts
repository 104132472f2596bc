// `dynamo cluster --nodes K`: start K node processes on 127.0.0.1 (ports --port, --port+1, ...)
// through the seed path: each is given only n1's address and the cluster secret (DATA/cluster.secret,
// written on first use), n1 founds the cluster and the others join it. Waits until every join is
// complete and every node sees every other (its status shows each peer up, its link open), prints
// their addresses, and stops them all on Ctrl-C. `--membership peers` gives each node the whole
// member list instead (a fixed cluster). Node i keeps its data in DATA/n<i>, its logs in DATA/n<i>.log.
import { Console, Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { join } from "node:path"
import { mkdirSync } from "node:fs"
import { CONNECT_WAIT_MS, JOIN_WAIT_MS, LocalCluster } from "../net/cluster.ts"
import { ensureSecretFile, newClusterName } from "../net/secret.ts"
import { BadArguments } from "./simulate.ts"

/** A local cluster is a development tool: a handful of processes on one machine. */
export const CLUSTER_NODES_MAX = 16

export class ClusterStartError extends Schema.TaggedError<ClusterStartError>()("ClusterStartError", {
  message: Schema.String
}) {}

export const clusterCommand = Command.make(
  "cluster",
  {
    nodes: Flag.Int("nodes").pipe(Flag.withDescription("how many node processes"), Flag.withDefault(5)),
    port: Flag.Int("port").pipe(Flag.withDescription("port of n1; node i listens on port + i - 1"), Flag.withDefault(7001)),
    data: Flag.String("data").pipe(Flag.withDescription("data directory: node i uses DATA/n<i>"), Flag.withDefault("./data")),
    n: Flag.Int("n").pipe(Flag.withDefault(3)),
    r: Flag.Int("r").pipe(Flag.withDefault(2)),
    w: Flag.Int("w").pipe(Flag.withDefault(2)),
    sync: Flag.Literals("sync", ["full", "normal"]).pipe(Flag.withDefault("full")),
    clock: Flag.Literals("clock", ["dvv", "vv", "lww"]).pipe(Flag.withDescription("every node's clock mode (see dynamo node --help)"), Flag.withDefault("dvv")),
    record: Flag.String("record").pipe(Flag.withDescription("record each node's trace into DIR/n<i>.trace.json (needs --membership peers)"), Flag.optional),
    zones: Flag.Int("zones").pipe(Flag.withDescription("data centers: node i runs in zone z<((i-1) mod ZONES)+1> (dynamo node --zone); 1: no zones"), Flag.withDefault(1)),
    membership: Flag.Literals("membership", ["seeds", "peers"]).pipe(
      Flag.withDescription("seeds: every node is given n1's address and joins by gossip; peers: every node is given the whole member list"),
      Flag.withDefault("seeds")
    )
  },
  Effect.fnUntraced(function*(flags) {
    const problems: Array<string> = []
    if (flags.nodes < 1 || flags.nodes > CLUSTER_NODES_MAX) problems.push(`--nodes must be in 1..${CLUSTER_NODES_MAX}, got ${flags.nodes}`)
    if (flags.port < 1 || flags.port + flags.nodes - 1 > 65535) problems.push(`--port ${flags.port} leaves no room for ${flags.nodes} ports`)
    if (flags.n < 1 || flags.n > flags.nodes) problems.push(`--n must be in 1..nodes (${flags.nodes}), got ${flags.n}`)
    if (flags.r < 1 || flags.r > flags.n) problems.push(`--r must be in 1..N (${flags.n}), got ${flags.r}`)
    if (flags.w < 1 || flags.w > flags.n) problems.push(`--w must be in 1..N (${flags.n}), got ${flags.w}`)
    if (flags.zones < 1 || flags.zones > flags.nodes) problems.push(`--zones must be in 1..nodes (${flags.nodes}), got ${flags.zones}`)
    if (Option.isSome(flags.record) && flags.membership === "seeds") problems.push("--record needs --membership peers (a replay starts from the configured members)")
    if (problems.length > 0) return yield* new BadArguments({ message: problems.join("; ") })
    mkdirSync(flags.data, { recursive: true })
    const secretFile = join(flags.data, "cluster.secret")
    const secret = ensureSecretFile(secretFile, newClusterName())
    if (typeof secret === "string") return yield* new ClusterStartError({ message: secret })
    yield* Console.log(`starting ${flags.nodes} nodes (N=${flags.n} R=${flags.r} W=${flags.w}, clock ${flags.clock}${flags.zones > 1 ? `, ${flags.zones} zones` : ""}) of cluster ${secret.cluster} through ${flags.membership === "seeds" ? "the seed n1" : "a fixed member list"}, data in ${flags.data}, secret in ${secretFile} ...`)
    const cluster = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => LocalCluster.start({
          nodes: flags.nodes,
          basePort: flags.port,
          dataDir: flags.data,
          n: flags.n,
          r: flags.r,
          w: flags.w,
          extraArgs: ["--sync", flags.sync, "--clock", flags.clock],
          recordDir: Option.getOrUndefined(flags.record),
          logToFiles: true,
          membership: flags.membership,
          ...(flags.zones > 1 ? { zones: flags.zones } : {}),
          secretFile
        }),
        catch: (error) => new ClusterStartError({ message: `the cluster did not start: ${(error as Error).message}` })
      }),
      (cluster) =>
        Console.log("stopping every node ...").pipe(
          Effect.andThen(Effect.promise(() => cluster.stop())),
          Effect.andThen(Console.log("stopped"))
        )
    )
    if (flags.membership === "seeds") {
      const pending = yield* Effect.promise(() => cluster.waitMembers())
      yield* Console.log(pending.length === 0
        ? `every node joined (${cluster.nodes.map((node) => node.id).join(", ")} are members)`
        : `not every join completed after ${JOIN_WAIT_MS / 1000} s: ${pending.slice(0, 8).join(", ")} (see the logs, dynamo ring)`)
    }
    const unconnected = yield* Effect.promise(() => cluster.waitConnected())
    yield* Console.log(unconnected.length === 0
      ? "every node sees every other"
      : `not every node sees every other after ${CONNECT_WAIT_MS / 1000} s: ${unconnected.join(", ")} (see the logs)`)
    for (const node of cluster.nodes) {
      yield* Console.log(`ready ${node.id} ${node.url}`)
      void node.exited().then((exit) => {
        if (exit.signal !== "SIGTERM" && exit.code !== 130 && exit.code !== 0) {
          console.log(`${node.id} exited (${exit.code ?? exit.signal}); see ${flags.data}/${node.id}.log`)
        }
      })
    }
    yield* Console.log(`logs in ${flags.data}/n<i>.log. Try: npx dynamo put hello world --node ${cluster.nodes[0]!.url}`)
    yield* Console.log("Ctrl-C stops every node.")
    return yield* Effect.never
  }, Effect.scoped)
).pipe(Command.withDescription("Start a local cluster of K node processes"))
