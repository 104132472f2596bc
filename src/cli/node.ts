// `dynamo node`: run one node of a fixed-membership cluster in this process (src/net/node.ts).
// A node is given every member's id and address with --peers (the same list on every node is
// simplest: a node finds itself in it by --id), or learns them, and N, from running members
// with --seeds (src/net/seeds.ts). Prints `ready ID URL` once it serves.
import { Effect, Logger, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { NodeStartError, runNode, storageLayer } from "../net/node.ts"
import { MEMORY_DATA, nodeOptionsOf } from "../net/options.ts"
import { askSeeds, parseSeeds } from "../net/seeds.ts"
import type { ClockMode } from "../core/versions.ts"
import { BadArguments } from "./simulate.ts"

/** N when neither --n nor the seeds say. */
const N_DEFAULT = 3

/** Structured logs (logfmt) on stderr: stdout carries only the ready line and command output. */
export const stderrLogger = Logger.layer([Logger.withConsoleError(Logger.formatLogFmt)])

export const nodeCommand = Command.make(
  "node",
  {
    id: Flag.String("id").pipe(Flag.withDescription("this node's id, e.g. n1")),
    host: Flag.String("host").pipe(Flag.withDescription("address to listen on"), Flag.withDefault("127.0.0.1")),
    port: Flag.Int("port").pipe(Flag.withDescription("port of the client API and the peer endpoint (0: any free port)"), Flag.withDefault(7001)),
    data: Flag.String("data").pipe(Flag.withDescription(`data directory (SQLite), or ${MEMORY_DATA} for a disk that dies with the process`)),
    peers: Flag.String("peers").pipe(
      Flag.withDescription("every member as ID=HOST:PORT, comma-separated (this node may be listed too): n1=127.0.0.1:7001,n2=127.0.0.1:7002"),
      Flag.optional
    ),
    seeds: Flag.String("seeds").pipe(
      Flag.withDescription("instead of --peers: running members as HOST:PORT, comma-separated; the first that answers gives the members, their addresses and N"),
      Flag.optional
    ),
    n: Flag.Int("n").pipe(Flag.withDescription(`replicas per key (N; default ${N_DEFAULT}, or the seeds' N)`), Flag.optional),
    r: Flag.Int("r").pipe(Flag.withDescription("default read quorum (R)"), Flag.withDefault(2)),
    w: Flag.Int("w").pipe(Flag.withDescription("default write quorum (W)"), Flag.withDefault(2)),
    sync: Flag.Literals("sync", ["full", "normal"]).pipe(
      Flag.withDescription("SQLite synchronous mode: full fsyncs every commit; normal survives a process kill but not power loss"),
      Flag.withDefault("full")
    ),
    writer: Flag.Literals("writer", ["inline", "worker"]).pipe(
      Flag.withDescription("commit on the node's thread (inline), or on a writer thread that lets the node serve while the disk syncs (worker)"),
      Flag.withDefault("inline")
    ),
    clock: Flag.Literals("clock", ["dvv", "vv", "lww"]).pipe(
      Flag.withDescription("versions: dotted version vectors (dvv), the paper's per-server vector clocks (vv, loses a write when one coordinator serves two puts from one context) or last-writer-wins (lww, drops concurrent writes); every member must run the same; with --seeds, the seeds' mode"),
      Flag.optional
    ),
    record: Flag.String("record").pipe(Flag.withDescription("record this node's steps as a trace into FILE (journal in FILE.jsonl)"), Flag.optional),
    replicaTimeoutMs: Flag.Int("replica-timeout-ms").pipe(Flag.withDescription("wait for a silent replica before asking a fallback"), Flag.optional),
    requestTimeoutMs: Flag.Int("request-timeout-ms").pipe(Flag.withDescription("total time a request may take"), Flag.optional)
  },
  Effect.fnUntraced(function*(flags) {
    const cluster = yield* clusterOf(flags.id, flags.port, flags.peers, flags.seeds, flags.n, flags.clock)
    const options = nodeOptionsOf({
      ...flags,
      peers: cluster.peers,
      n: cluster.n,
      clock: cluster.clock,
      record: Option.getOrUndefined(flags.record),
      replicaTimeoutMs: Option.getOrUndefined(flags.replicaTimeoutMs),
      requestTimeoutMs: Option.getOrUndefined(flags.requestTimeoutMs)
    })
    if (typeof options === "string") return yield* new BadArguments({ message: options })
    return yield* Effect.scoped(runNode(options)).pipe(Effect.provide(storageLayer(options)), Effect.provide(stderrLogger))
  })
).pipe(Command.withDescription("Run one Dynamo node serving the client HTTP API"))

/**
 * The members (as a --peers list) and N: given with --peers, or learnt from the seeds. With
 * seeds this node must be one of the members they list, at the port it serves on.
 */
const clusterOf = (id: string, port: number, peers: Option.Option<string>, seeds: Option.Option<string>, n: Option.Option<number>, clock: Option.Option<ClockMode>) =>
  Effect.gen(function*() {
    if (Option.isSome(peers) === Option.isSome(seeds)) {
      return yield* new BadArguments({ message: "give either --peers (every member as ID=HOST:PORT) or --seeds (running members as HOST:PORT to learn them from)" })
    }
    if (Option.isSome(peers)) return { peers: peers.value, n: Option.getOrElse(n, () => N_DEFAULT), clock: Option.getOrUndefined(clock) }
    const addresses = parseSeeds(Option.getOrElse(seeds, () => ""))
    if (typeof addresses === "string") return yield* new BadArguments({ message: `--seeds: ${addresses}` })
    const view = yield* askSeeds(addresses).pipe(Effect.mapError((message) => new NodeStartError({ message })))
    const listed = view.members.map((member) => `${member.id}=${member.host}:${member.port}`).join(",")
    const self = view.members.find((member) => member.id === id)
    if (self === undefined) {
      return yield* new BadArguments({
        message: `${id} is not a member of the cluster ${view.seed} describes (${listed}): membership is fixed, so a node must be in the --peers list the members were started with`
      })
    }
    if (port !== 0 && self.port !== port) return yield* new BadArguments({ message: `${view.seed} lists ${id} at port ${self.port}, but --port is ${port}` })
    if (Option.isSome(n) && n.value !== view.n) return yield* new BadArguments({ message: `--n ${n.value}, but the cluster ${view.seed} describes has N=${view.n}` })
    if (Option.isSome(clock) && view.clock !== undefined && clock.value !== view.clock) {
      return yield* new BadArguments({ message: `--clock ${clock.value}, but the cluster ${view.seed} describes runs ${view.clock}` })
    }
    return { peers: listed, n: view.n, clock: Option.getOrUndefined(clock) ?? view.clock }
  })
