// `dynamo node`: run one node in this process (src/net/node.ts). With --seeds it finds its
// cluster through them (or founds one), learns the members and their addresses by gossip and
// joins on its own behalf (--standby: waits for `dynamo admin join`); with --peers it is one of a
// fixed list of members. Prints `ready ID URL` once it serves.
import { Effect, Logger, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { runNode, storageLayer } from "../net/node.ts"
import { LISTEN_DEFAULT, MEMORY_DATA, nodeOptionsOf, SHELL_HANDOFF_KEYS_IN_FLIGHT_MAX, type MembershipMode } from "../net/options.ts"
import { ADMISSION_P99_MS_DEFAULT } from "../net/foreground.ts"
import { readSecretFile } from "../net/secret.ts"
import { parseZoneDelays } from "../net/zone-delay.ts"
import { parseSeeds, SEED_WAIT_MS_DEFAULT } from "../net/seeds.ts"
import type { ClockMode } from "../core/index.ts"
import { BadArguments } from "./simulate.ts"

/** N when neither --n nor the seeds say. */
const N_DEFAULT = 3

/** Structured logs (logfmt) on stderr: stdout carries only the ready line and command output. */
export const stderrLogger = Logger.layer([Logger.withConsoleError(Logger.formatLogFmt)])

export const nodeCommand = Command.make(
  "node",
  {
    id: Flag.String("id").pipe(Flag.withDescription("this node's id, e.g. n1")),
    host: Flag.String("host").pipe(Flag.withDescription("address peers reach this node at (announced in the membership view); default: --listen, or 127.0.0.1"), Flag.optional),
    zone: Flag.String("zone").pipe(Flag.withDescription("this node's data center (paper 4.6): preference lists span zones, fallbacks stay in the down node's zone; with --peers, give every member's as ID=HOST:PORT@ZONE"), Flag.optional),
    zoneDelayMs: Flag.String("zone-delay-ms").pipe(Flag.withDescription("for benchmarks without a network emulator: delay every peer message to a node of zone Z by MS, as Z=MS,... (a wide-area link, one way)"), Flag.optional),
    listen: Flag.String("listen").pipe(Flag.withDescription(`address the port (client API and peer endpoint) is bound to`), Flag.withDefault(LISTEN_DEFAULT)),
    port: Flag.Int("port").pipe(Flag.withDescription("port of the client API and the peer endpoint (0: any free port)"), Flag.withDefault(7001)),
    data: Flag.String("data").pipe(Flag.withDescription(`data directory (SQLite), or ${MEMORY_DATA} for a disk that dies with the process`)),
    peers: Flag.String("peers").pipe(
      Flag.withDescription("every member as ID=HOST:PORT, comma-separated (this node may be listed too): n1=127.0.0.1:7001,n2=127.0.0.1:7002"),
      Flag.optional
    ),
    seeds: Flag.String("seeds").pipe(
      Flag.withDescription("instead of --peers: seed nodes as HOST:PORT, comma-separated; the node learns the cluster from the first that answers and joins it (the first seed listed, finding no other, founds the cluster)"),
      Flag.optional
    ),
    seedWaitMs: Flag.Int("seed-wait-ms").pipe(Flag.withDescription("with --seeds: how long to wait for a seed to answer before giving up (exit 1)"), Flag.withDefault(SEED_WAIT_MS_DEFAULT)),
    standby: Flag.Boolean("standby").pipe(Flag.withDefault(false), Flag.withDescription("with --seeds: learn the cluster but wait for `dynamo admin join ID` instead of joining")),
    secretFile: Flag.String("secret-file").pipe(Flag.withDescription("the cluster's secret file (written by `dynamo cluster` or `dynamo secret`): peers must prove they know it"), Flag.optional),
    n: Flag.Int("n").pipe(Flag.withDescription(`replicas per key (N; default ${N_DEFAULT}, or the seeds' N)`), Flag.optional),
    r: Flag.Int("r").pipe(Flag.withDescription("default read quorum (R)"), Flag.withDefault(2)),
    w: Flag.Int("w").pipe(Flag.withDescription("default write quorum (W)"), Flag.withDefault(2)),
    sync: Flag.Literals("sync", ["full", "normal"]).pipe(
      Flag.withDescription("SQLite synchronous mode: full fsyncs every commit; normal survives a process kill but not power loss"),
      Flag.withDefault("full")
    ),
    writer: Flag.Literals("writer", ["auto", "inline", "worker", "async"]).pipe(
      Flag.withDescription("commit on the node's thread waiting for the disk (inline), on a writer thread (worker), or on the node's thread with the fsync on Node's I/O threads (async); auto times the disk's fsync at start and takes inline when it is fast, async otherwise; every one acknowledges only durable writes"),
      Flag.withDefault("auto")
    ),
    clock: Flag.Literals("clock", ["dvv", "vv", "lww"]).pipe(
      Flag.withDescription("versions: dotted version vectors (dvv), the paper's per-server vector clocks (vv, loses a write when one coordinator serves two puts from one context) or last-writer-wins (lww, drops concurrent writes); every member must run the same; with --seeds, the seeds' mode"),
      Flag.optional
    ),
    record: Flag.String("record").pipe(Flag.withDescription("record this node's steps as a trace into FILE (journal in FILE.jsonl)"), Flag.optional),
    replicaTimeoutMs: Flag.Int("replica-timeout-ms").pipe(Flag.withDescription("wait for a silent replica before asking a fallback"), Flag.optional),
    requestTimeoutMs: Flag.Int("request-timeout-ms").pipe(Flag.withDescription("total time a request may take"), Flag.optional),
    admissionP99Ms: Flag.Int("admission-p99-ms").pipe(
      Flag.withDescription(`admission control (paper 6.5): anti-entropy rounds yield, a bounded number in a row, while the p99 of this node's client requests since the last round is above this many ms (default ${ADMISSION_P99_MS_DEFAULT}; 0: rounds never yield)`),
      Flag.optional
    ),
    handoffKeysInFlight: Flag.Int("handoff-keys-in-flight").pipe(
      Flag.withDescription(`keys this node sends at most at once when the ring changes (default ${SHELL_HANDOFF_KEYS_IN_FLIGHT_MAX}): lower it to make a hand-over lighter on a loaded cluster`),
      Flag.optional
    )
  },
  Effect.fnUntraced(function*(flags) {
    if (Option.isSome(flags.peers) === Option.isSome(flags.seeds)) {
      return yield* new BadArguments({ message: "give either --peers (every member as ID=HOST:PORT, a fixed cluster) or --seeds (seed nodes as HOST:PORT)" })
    }
    let mode: MembershipMode = { _tag: "Fixed" }
    if (Option.isSome(flags.seeds)) {
      const seeds = parseSeeds(flags.seeds.value)
      if (typeof seeds === "string") return yield* new BadArguments({ message: `--seeds: ${seeds}` })
      if (Option.isSome(flags.record)) return yield* new BadArguments({ message: "--record needs --peers: a replay starts from the configured members, not a view learnt from seeds" })
      if (flags.seedWaitMs < 0) return yield* new BadArguments({ message: `--seed-wait-ms must be >= 0, got ${flags.seedWaitMs}` })
      mode = { _tag: "Seeds", seeds, standby: flags.standby, waitMs: flags.seedWaitMs }
    } else if (flags.standby) {
      return yield* new BadArguments({ message: "--standby needs --seeds (a fixed cluster has no joins)" })
    }
    const secret = Option.isSome(flags.secretFile) ? readSecretFile(flags.secretFile.value) : undefined
    if (typeof secret === "string") return yield* new BadArguments({ message: `--secret-file: ${secret}` })
    const advertised = Option.getOrElse(flags.host, () => (flags.listen === "0.0.0.0" || flags.listen === "::" ? "127.0.0.1" : flags.listen))
    const zoneDelays = Option.isSome(flags.zoneDelayMs) ? parseZoneDelays(flags.zoneDelayMs.value) : undefined
    if (typeof zoneDelays === "string") return yield* new BadArguments({ message: `--zone-delay-ms: ${zoneDelays}` })
    const options = nodeOptionsOf({
      ...flags,
      host: advertised,
      zone: Option.getOrUndefined(flags.zone),
      zoneDelays,
      listen: flags.listen,
      mode,
      secret,
      peers: Option.getOrElse(flags.peers, () => ""),
      n: Option.getOrElse(flags.n, () => N_DEFAULT),
      nGiven: Option.isSome(flags.n),
      record: Option.getOrUndefined(flags.record),
      clock: Option.getOrUndefined(flags.clock),
      replicaTimeoutMs: Option.getOrUndefined(flags.replicaTimeoutMs),
      requestTimeoutMs: Option.getOrUndefined(flags.requestTimeoutMs),
      handoffKeysInFlight: Option.getOrUndefined(flags.handoffKeysInFlight),
      admissionP99Ms: Option.getOrUndefined(flags.admissionP99Ms)
    })
    if (typeof options === "string") return yield* new BadArguments({ message: options })
    return yield* Effect.scoped(runNode(options)).pipe(Effect.provide(storageLayer(options)), Effect.provide(stderrLogger))
  })
).pipe(Command.withDescription("Run one Dynamo node serving the client HTTP API"))
