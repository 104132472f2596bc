// The nemesis of `dynamo conform`: a cluster file names each node's URL and the commands that
// start it, kill it (-9), stop it (SIGSTOP) and continue it (SIGCONT). The kit starts every node,
// takes some down each round as the runner asks, brings them back, and stops them all at the end.
// A cluster file may also give setup and teardown commands and how to cut and mend the link
// between two nodes: the built-in dynamo-netns file puts each node in its own network namespace
// (root only) and cuts links with blackhole routes, so partitions need no firewall.
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { Result, Schema } from "effect"
import { freePorts } from "../net/cluster.ts"
import type { Adapter } from "./adapter.ts"
import type { Nemesis, Outcome } from "./runner.ts"

/** A node that does not answer this long after its start command failed to start. */
export const NODE_START_TIMEOUT_MS = 30_000
/** A node still alive this long after SIGTERM (at the end of the run) is killed. */
export const NODE_STOP_TIMEOUT_MS = 10_000
/** Polling interval while waiting for a node to answer. */
const READY_POLL_MS = 100
/** The clusters that come with the kit, by name (src/conform/clusters/NAME.json). */
export const BUILT_IN_CLUSTERS = ["dynamo", "dynamo-netns", "etcd"] as const

const CommandSchema = Schema.Array(Schema.String).check(Schema.isMinLength(1))

export const ClusterFileSchema = Schema.Struct({
  description: Schema.optionalKey(Schema.String),
  nodes: Schema.Array(Schema.Struct({
    id: Schema.String,
    /** The client URL the adapter uses for this node. */
    url: Schema.String,
    /** argv of a long-running process; the kit keeps it in its own process group. */
    start: CommandSchema,
    /** argv of a command that kills the node with -9 (default: SIGKILL to the started process group). */
    kill: Schema.optionalKey(CommandSchema),
    /** argv of a command that pauses it (default: SIGSTOP to the group). */
    stop: Schema.optionalKey(CommandSchema),
    /** argv of a command that resumes it (default: SIGCONT to the group). */
    cont: Schema.optionalKey(CommandSchema),
    /** The node's network address, for {to-address} in `cut` and `mend`. */
    address: Schema.optionalKey(Schema.String)
  })).check(Schema.isMinLength(1)),
  /** Commands run in order before any node starts (each must succeed). */
  setup: Schema.optionalKey(Schema.Array(CommandSchema)),
  /** Commands run in order once every node stopped, also after a failed start (failures ignored). */
  teardown: Schema.optionalKey(Schema.Array(CommandSchema)),
  /** Drops what node {from} sends to node {to} ({to-address}); run both ways for a cut. */
  cut: Schema.optionalKey(CommandSchema),
  /** Undoes `cut`. */
  mend: Schema.optionalKey(CommandSchema)
})
export type ClusterFile = typeof ClusterFileSchema.Type

export class ClusterFileError extends Schema.TaggedError<ClusterFileError>()("ClusterFileError", {
  message: Schema.String
}) {}

const here = dirname(fileURLToPath(import.meta.url))
/** The path of a built-in cluster file. */
export const builtInClusterPath = (name: string) => join(here, "clusters", `${name}.json`)

/** Values for the placeholders of a cluster file; `{port:NAME}` get free ports. */
export interface ClusterVars {
  readonly dir: string
  readonly clock: string
}

/**
 * Reads a cluster file (or a built-in one by name) and fills its placeholders: {node} (this
 * Node binary), {dynamo} (this project's CLI), {etcd} ($ETCD_BIN or /usr/bin/etcd), {dir} (the
 * run's data directory), {clock}, {port:NAME} (a free port per NAME, the same one wherever NAME
 * recurs), {run} (4 hex digits naming this run) and {subnet} (10.X.0, X drawn per run). {pid},
 * {from}, {to} and {to-address} are left for the commands that use them, filled when they run.
 */
export const loadClusterFile = async (nameOrPath: string, vars: ClusterVars): Promise<Result.Result<ClusterFile, ClusterFileError>> => {
  const path = (BUILT_IN_CLUSTERS as ReadonlyArray<string>).includes(nameOrPath) ? builtInClusterPath(nameOrPath) : nameOrPath
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    return Result.fail(new ClusterFileError({ message: `cannot read the cluster file ${path}: ${(error as Error).message}` }))
  }
  const names = [...new Set([...text.matchAll(/\{port:([A-Za-z0-9_.-]+)\}/g)].map((match) => match[1]!))].sort()
  const ports = await freePorts(names.length)
  const portOf = new Map(names.map((name, i) => [name, String(ports[i])]))
  const fixed: Record<string, string> = {
    // A run's own names (network namespaces, interfaces) and subnet, so runs do not collide.
    run: Math.floor(Math.random() * 0xffff).toString(16).padStart(4, "0"),
    subnet: `10.${100 + Math.floor(Math.random() * 150)}.0`,
    node: process.execPath,
    dynamo: resolve(here, "..", "..", "bin", "dynamo.mjs"),
    etcd: process.env["ETCD_BIN"] ?? "/usr/bin/etcd",
    dir: vars.dir,
    clock: vars.clock
  }
  const fill = (value: string) =>
    value.replace(/\{port:([A-Za-z0-9_.-]+)\}/g, (_, name: string) => portOf.get(name)!).replace(/\{(run|subnet|node|dynamo|etcd|dir|clock)\}/g, (_, name: string) => fixed[name]!)
  let json: unknown
  try {
    json = JSON.parse(text, (_key, value) => (typeof value === "string" ? fill(value) : value))
  } catch (error) {
    return Result.fail(new ClusterFileError({ message: `${path} is not JSON: ${(error as Error).message}` }))
  }
  const decoded = Schema.decodeUnknownResult(ClusterFileSchema)(json)
  if (Result.isFailure(decoded)) return Result.fail(new ClusterFileError({ message: `${path} is not a cluster file: ${decoded.failure.message}` }))
  if (nameOrPath === "dynamo-netns" && process.getuid?.() !== 0) {
    return Result.fail(new ClusterFileError({ message: "the dynamo-netns cluster puts each node in a network namespace, which needs root; without it use --cluster dynamo (kill and stop, no partitions)" }))
  }
  const missing = decoded.success.nodes.map((node) => node.start[0]!).find((binary) => binary.startsWith("/") && !existsSync(binary))
  if (missing !== undefined) {
    const hint = missing === fixed["etcd"] ? ": install Debian's etcd-server (apt-get install -y etcd-server), or set ETCD_BIN to an etcd binary" : ""
    return Result.fail(new ClusterFileError({ message: `${path}: ${missing} does not exist${hint}` }))
  }
  const ids = decoded.success.nodes.map((node) => node.id)
  if (new Set(ids).size !== ids.length) return Result.fail(new ClusterFileError({ message: `${path} names a node twice` }))
  return Result.succeed(decoded.success)
}

interface Running {
  readonly child: ChildProcess
  readonly exited: Promise<void>
}

/** Runs one command to completion; the outcome names it when it fails. */
const runCommand = (argv: ReadonlyArray<string>): Outcome => {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: NODE_STOP_TIMEOUT_MS })
  if (result.status === 0) return { ok: true }
  const why = result.error?.message ?? `exit ${result.status ?? result.signal}${result.stderr ? `: ${result.stderr.trim().slice(0, 200)}` : ""}`
  return { ok: false, error: `${argv.join(" ")}: ${why}` }
}

/** The processes of a cluster file, owned by this kit; also the runner's Nemesis. */
export class ClusterProcesses implements Nemesis {
  readonly eligible: ReadonlyArray<number>
  readonly partitions: boolean
  private readonly running = new Map<number, Running>()
  /** Links cut, as [from, to] node indices, so heal mends exactly those. */
  private cuts: Array<readonly [number, number]> = []
  private tornDown = false
  private readonly cleanup = () => {
    this.killAll()
    this.teardown()
  }

  constructor(
    readonly file: ClusterFile,
    private readonly adapter: Adapter,
    private readonly logDir: string,
    /** Nodes the nemesis leaves alone (by index): with every client on node 0, node 0. */
    spared: ReadonlyArray<number> = []
  ) {
    this.eligible = file.nodes.map((_, i) => i).filter((i) => !spared.includes(i))
    this.partitions = file.cut !== undefined && file.mend !== undefined
    process.once("exit", this.cleanup)
  }

  /** Runs the setup commands, starts every node and waits until each answers. */
  async startAll(): Promise<void> {
    mkdirSync(this.logDir, { recursive: true })
    for (const command of this.file.setup ?? []) {
      const outcome = runCommand(command)
      if (!outcome.ok) {
        this.teardown()
        throw new Error(`cluster setup failed: ${outcome.error}`)
      }
    }
    const started = await Promise.all(this.file.nodes.map((_, i) => this.start(i)))
    const failures = started.filter((outcome) => !outcome.ok).map((outcome) => outcome.error)
    if (failures.length > 0) {
      await this.stopAll()
      throw new Error(failures.join("; "))
    }
  }

  private spawnNode(index: number): Running {
    const node = this.file.nodes[index]!
    const log = openSync(join(this.logDir, `${node.id}.log`), "a")
    const child = spawn(node.start[0]!, node.start.slice(1), { detached: true, stdio: ["ignore", log, log] })
    closeSync(log)
    const exited = new Promise<void>((done) => {
      child.once("exit", () => done())
      child.once("error", () => done())
    })
    const running = { child, exited }
    this.running.set(index, running)
    void exited.then(() => {
      if (this.running.get(index) === running) this.running.delete(index)
    })
    return running
  }

  private async start(index: number): Promise<{ readonly ok: boolean; readonly error?: string }> {
    const node = this.file.nodes[index]!
    if (!existsSync(node.start[0]!) && node.start[0]!.startsWith("/")) {
      return { ok: false, error: `${node.id}: ${node.start[0]} does not exist` }
    }
    const running = this.spawnNode(index)
    const deadline = Date.now() + NODE_START_TIMEOUT_MS
    let gone = false
    void running.exited.then(() => (gone = true))
    while (Date.now() < deadline && !gone) {
      if (await this.adapter.ready(node.url, running.child.pid)) return { ok: true }
      await new Promise((done) => setTimeout(done, READY_POLL_MS))
    }
    // An exit right after start is usually its port taken by another process (see the log).
    return { ok: false, error: `${node.id} ${gone ? "exited" : `did not answer as the process started (pid ${running.child.pid ?? "?"}) within ${NODE_START_TIMEOUT_MS} ms`} (see ${join(this.logDir, `${node.id}.log`)})` }
  }

  private signal(index: number, signal: NodeJS.Signals, command: ReadonlyArray<string> | undefined): { readonly ok: boolean; readonly error?: string } {
    const running = this.running.get(index)
    if (command !== undefined) {
      const argv = command.map((part) => part.replace("{pid}", String(running?.child.pid ?? "")))
      const result = spawnSync(argv[0]!, argv.slice(1), { stdio: "ignore", timeout: NODE_STOP_TIMEOUT_MS })
      return result.status === 0 ? { ok: true } : { ok: false, error: `${argv.join(" ")} exited ${result.status ?? result.signal}` }
    }
    if (running?.child.pid === undefined) return { ok: false, error: `${this.file.nodes[index]!.id} is not running` }
    try {
      process.kill(-running.child.pid, signal)
      return { ok: true }
    } catch (error) {
      return { ok: false, error: (error as Error).message }
    }
  }

  async down(kind: "kill" | "stop", index: number) {
    const node = this.file.nodes[index]!
    if (kind === "stop") return this.signal(index, "SIGSTOP", node.stop)
    const running = this.running.get(index)
    const outcome = this.signal(index, "SIGKILL", node.kill)
    if (outcome.ok && running !== undefined) await running.exited
    return outcome
  }

  async up(kind: "kill" | "stop", index: number) {
    const node = this.file.nodes[index]!
    if (kind === "stop") return this.signal(index, "SIGCONT", node.cont)
    return this.start(index)
  }

  private link(command: ReadonlyArray<string>, from: number, to: number): Outcome {
    const target = this.file.nodes[to]!
    return runCommand(command.map((part) =>
      part.replaceAll("{from}", this.file.nodes[from]!.id).replaceAll("{to}", target.id).replaceAll("{to-address}", target.address ?? "")))
  }

  async partition(side: ReadonlyArray<number>): Promise<Outcome> {
    if (this.file.cut === undefined) return { ok: false, error: "this cluster file has no cut command" }
    const others = this.file.nodes.map((_, i) => i).filter((i) => !side.includes(i))
    for (const a of side) {
      for (const b of others) {
        for (const [from, to] of [[a, b], [b, a]] as const) {
          const outcome = this.link(this.file.cut, from, to)
          if (!outcome.ok) return outcome
          this.cuts.push([from, to])
        }
      }
    }
    return { ok: true }
  }

  async heal(): Promise<Outcome> {
    const failures: Array<string> = []
    for (const [from, to] of this.cuts) {
      const outcome = this.link(this.file.mend!, from, to)
      if (!outcome.ok) failures.push(outcome.error ?? "failed")
    }
    this.cuts = []
    return failures.length === 0 ? { ok: true } : { ok: false, error: failures.join("; ") }
  }

  /** The teardown commands, once (failures ignored: what they remove may not exist). */
  private teardown(): void {
    if (this.tornDown) return
    this.tornDown = true
    for (const command of this.file.teardown ?? []) runCommand(command)
  }

  /** SIGCONT and SIGTERM to every node, SIGKILL to those still alive after NODE_STOP_TIMEOUT_MS, then the teardown. */
  async stopAll(): Promise<void> {
    const all = [...this.running.entries()]
    for (const [, running] of all) {
      for (const signal of ["SIGCONT", "SIGTERM"] as const) {
        try {
          process.kill(-running.child.pid!, signal)
        } catch {
          // already gone
        }
      }
    }
    const timer = setTimeout(() => this.killAll(), NODE_STOP_TIMEOUT_MS)
    await Promise.all(all.map(([, running]) => running.exited))
    clearTimeout(timer)
    this.teardown()
    process.removeListener("exit", this.cleanup)
  }

  private killAll(): void {
    for (const running of this.running.values()) {
      try {
        process.kill(-running.child.pid!, "SIGKILL")
      } catch {
        // already gone
      }
    }
  }
}
