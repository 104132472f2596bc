// `dynamo conform`: hold a Dynamo-style store (this project's, etcd, Riak) to the specification
// over its API while a nemesis kills and pauses its nodes (src/conform/). Writes the history, a
// JSON report and an HTML timeline; exit 1 when an anomaly is found. `--check FILE` re-checks a
// recorded history alone.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Console, Effect, Option, Result, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import type { Adapter } from "../conform/adapter.ts"
import { dynamoAdapter } from "../conform/adapters/dynamo.ts"
import { etcdAdapter } from "../conform/adapters/etcd.ts"
import { riakAdapter } from "../conform/adapters/riak.ts"
import { check } from "../conform/checker.ts"
import { decodeHistory, encodeHistory, type History } from "../conform/history.ts"
import { pageOf } from "../conform/html.ts"
import { ClusterProcesses, loadClusterFile } from "../conform/nemesis.ts"
import { reportOf, summaryOf } from "../conform/report.ts"
import { FAULT_KINDS, runConform, type FaultKind } from "../conform/runner.ts"
import { WORKLOADS, workloadOf, type WorkloadName } from "../conform/workloads.ts"
import { BadArguments, InvariantViolated } from "./simulate.ts"

/** The store could not be brought up (exit 1: a failure, not bad arguments). */
export class ConformRunError extends Schema.TaggedError<ConformRunError>()("ConformRunError", {
  message: Schema.String
}) {}

/** Bounds on the flags: a conform run is a test, not a load generator. */
const CLIENTS_MAX = 256
const KEYS_MAX = 10_000
const ROUNDS_MAX = 10_000

const adapterOf = (name: "dynamo" | "etcd" | "riak"): Adapter => {
  switch (name) {
    case "dynamo":
      return dynamoAdapter()
    case "etcd":
      return etcdAdapter()
    case "riak":
      return riakAdapter()
  }
}

const parseNemesis = (text: string): ReadonlyArray<FaultKind> | string => {
  if (text === "none") return []
  const kinds = text.split(",").map((part) => part.trim())
  const bad = kinds.filter((kind) => !(FAULT_KINDS as ReadonlyArray<string>).includes(kind))
  return bad.length > 0 ? `unknown fault ${JSON.stringify(bad[0])}: use none, or some of kill, stop, partition (comma-separated)` : [...new Set(kinds)].sort() as Array<FaultKind>
}

/** Writes report.json and timeline.html for a history into `out`; prints the summary. */
const judge = (history: History, out: string | undefined) =>
  Effect.gen(function*() {
    const result = check(history)
    const report = reportOf(history, result)
    if (out !== undefined) {
      writeFileSync(join(out, "report.json"), JSON.stringify(report, null, 2) + "\n")
      writeFileSync(join(out, "timeline.html"), pageOf(history, report))
    }
    yield* Console.log(summaryOf(report))
    if (out !== undefined) yield* Console.log(`\nwrote ${join(out, "history.jsonl")}, ${join(out, "report.json")}, ${join(out, "timeline.html")}`)
    if (report.verdict === "fail") {
      return yield* new InvariantViolated({ invariant: [...new Set(result.anomalies.map((anomaly) => anomaly.invariant))].join(","), message: "anomalies found" })
    }
  })

export const conformCommand = Command.make(
  "conform",
  {
    adapter: Flag.Literals("adapter", ["dynamo", "etcd", "riak"]).pipe(Flag.withDescription("how to talk to the store"), Flag.withDefault("dynamo")),
    urls: Flag.String("urls").pipe(Flag.withDescription("the nodes' client URLs, comma-separated (not needed with --cluster)"), Flag.optional),
    cluster: Flag.String("cluster").pipe(
      Flag.withDescription("a cluster file (commands to start, kill, stop, continue each node, cut links), or a built-in one: dynamo (five nodes), dynamo-netns (five nodes in network namespaces, partitions; root), etcd (three members)"),
      Flag.optional
    ),
    clock: Flag.Literals("clock", ["dvv", "vv", "lww"]).pipe(Flag.withDescription("the clock mode of the built-in dynamo cluster ({clock} in a cluster file)"), Flag.withDefault("dvv")),
    clients: Flag.Int("clients").pipe(Flag.withDefault(8)),
    keys: Flag.Int("keys").pipe(Flag.withDefault(20)),
    workload: Flag.Literals("workload", WORKLOADS).pipe(Flag.withDefault("set" as WorkloadName)),
    rounds: Flag.Int("rounds").pipe(Flag.withDefault(20)),
    roundSeconds: Flag.Finite("round-seconds").pipe(Flag.withDefault(10)),
    nemesis: Flag.String("nemesis").pipe(Flag.withDescription("none, or some of kill (-9, then restart), stop (SIGSTOP, then SIGCONT), partition (cut the network, as the cluster file says), comma-separated; needs --cluster"), Flag.withDefault("none")),
    coordinator: Flag.Literals("coordinator", ["one", "any"]).pipe(
      Flag.withDescription("one: every client sends every request to the first node (which the nemesis spares); any: client i starts at node i and moves on when it fails"),
      Flag.withDefault("any")
    ),
    seed: Flag.Int("seed").pipe(Flag.withDefault(1)),
    out: Flag.String("out").pipe(Flag.withDescription("directory for history.jsonl, report.json, timeline.html (and the cluster's data and logs)"), Flag.optional),
    check: Flag.String("check").pipe(Flag.withDescription("only check a recorded history.jsonl (nothing is run)"), Flag.optional)
  },
  Effect.fnUntraced(function*(flags) {
    const out = Option.getOrUndefined(flags.out)
    if (Option.isSome(flags.check)) {
      let text: string
      try {
        text = readFileSync(flags.check.value, "utf8")
      } catch (error) {
        return yield* new BadArguments({ message: `cannot read ${flags.check.value}: ${(error as Error).message}` })
      }
      const decoded = decodeHistory(text)
      if (Result.isFailure(decoded)) return yield* new BadArguments({ message: `${flags.check.value}: ${decoded.failure.message}` })
      if (out !== undefined) {
        mkdirSync(out, { recursive: true })
        writeFileSync(join(out, "history.jsonl"), text)
      }
      return yield* judge(decoded.success, out)
    }

    const problems: Array<string> = []
    if (flags.clients < 1 || flags.clients > CLIENTS_MAX) problems.push(`--clients must be in 1..${CLIENTS_MAX}`)
    if (flags.keys < 1 || flags.keys > KEYS_MAX) problems.push(`--keys must be in 1..${KEYS_MAX}`)
    if (flags.rounds < 1 || flags.rounds > ROUNDS_MAX) problems.push(`--rounds must be in 1..${ROUNDS_MAX}`)
    if (!(flags.roundSeconds > 0 && flags.roundSeconds <= 3_600)) problems.push("--round-seconds must be in (0, 3600]")
    const faults = parseNemesis(flags.nemesis)
    if (typeof faults === "string") problems.push(`--nemesis: ${faults}`)
    else if (faults.length > 0 && Option.isNone(flags.cluster)) problems.push("--nemesis needs --cluster (the commands that kill, stop and restart nodes)")
    if (Option.isNone(flags.cluster) && Option.isNone(flags.urls)) problems.push("give --urls (the nodes to test) or --cluster (nodes the kit starts)")
    const urls = Option.isSome(flags.urls) ? flags.urls.value.split(",").map((url) => url.trim()).filter((url) => url !== "") : []
    for (const url of urls) if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) problems.push(`--urls: ${JSON.stringify(url)} is not a URL like http://127.0.0.1:7001`)
    if (problems.length > 0 || typeof faults === "string") return yield* new BadArguments({ message: problems.join("; ") })

    const dir = out ?? join("conform-out", new Date().toISOString().replace(/[:.]/g, "-"))
    mkdirSync(dir, { recursive: true })
    const adapter = adapterOf(flags.adapter)
    let nodes = urls.map((url, i) => ({ id: `node${i + 1}`, url }))
    let processes: ClusterProcesses | undefined
    const clusterName = Option.getOrUndefined(flags.cluster)
    if (clusterName !== undefined) {
      const file = yield* Effect.promise(() => loadClusterFile(clusterName, { dir: join(dir, "data"), clock: flags.clock }))
      if (Result.isFailure(file)) return yield* new BadArguments({ message: file.failure.message })
      nodes = file.success.nodes.map((node) => ({ id: node.id, url: node.url }))
      processes = new ClusterProcesses(file.success, adapter, join(dir, "logs"), flags.coordinator === "one" ? [0] : [])
      if (faults.includes("partition") && !processes.partitions) {
        return yield* new BadArguments({ message: `--nemesis partition: the cluster file ${clusterName} has no cut and mend commands (the built-in dynamo-netns has, as root)` })
      }
      yield* Console.log(`starting ${nodes.length} nodes (${file.success.description ?? clusterName}) ...`)
      yield* Effect.tryPromise({ try: () => processes!.startAll(), catch: (error) => new ConformRunError({ message: `the cluster did not start: ${(error as Error).message}` }) })
    }
    const keyPrefix = `conform-${Date.now().toString(36)}`
    const history = yield* Effect.promise(() =>
      runConform({
        adapter, adapterName: flags.adapter, nodes, clients: flags.clients,
        keys: Array.from({ length: flags.keys }, (_, i) => `${keyPrefix}-${i}`),
        workloadName: flags.workload, workload: workloadOf(flags.workload),
        rounds: flags.rounds, roundMs: flags.roundSeconds * 1000, faults: processes === undefined ? [] : faults,
        nemesis: processes, coordinator: flags.coordinator, seed: flags.seed,
        progress: (line) => console.log(line)
      }).finally(() => processes?.stopAll()))
    writeFileSync(join(dir, "history.jsonl"), encodeHistory(history))
    return yield* judge(history, dir)
  })
).pipe(Command.withDescription("Hold a Dynamo-style store to the specification over its API, under kills and pauses: lost writes, false siblings, resurrected deletes, stale reads, convergence"))
