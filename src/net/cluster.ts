// A local cluster of node processes on 127.0.0.1: each node is a child process running the
// same CLI (`node bin/dynamo.mjs node ...`) on the same Node binary. Used by `dynamo cluster`,
// the integration tests and the benchmark. Plain promises: the callers wrap it as they need.
import { spawn, type ChildProcess } from "node:child_process"
import { createWriteStream, mkdirSync, readFileSync, type WriteStream } from "node:fs"
import { createServer } from "node:net"
import { dirname, join, resolve } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { Result, Schema } from "effect"
import { MEMORY_DATA } from "./options.ts"

/** The CLI entry point children run: it loads the TypeScript sources through tsx. */
export const CLI_ENTRY = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "dynamo.mjs")
/** A node that has not printed its ready line by then failed to start. */
export const READY_TIMEOUT_MS = 30_000
/** A node still alive this long after SIGTERM is killed. */
export const STOP_TIMEOUT_MS = 10_000
/** What `waitConnected` reads of a node's `GET /status`: each member's state and link. */
const decodeLinks = Schema.decodeUnknownResult(Schema.Struct({
  members: Schema.Array(Schema.Struct({
    id: Schema.String,
    state: Schema.String,
    link: Schema.optionalKey(Schema.String),
    self: Schema.optionalKey(Schema.Boolean)
  }))
}))
/** How long `waitConnected` waits for every node to see every other. */
export const CONNECT_WAIT_MS = 15_000
/** How long `waitMembers` waits for every join to complete. */
export const JOIN_WAIT_MS = 60_000
/** What `waitMembers` reads of a node's `GET /status`: its membership view. */
const decodeView = Schema.decodeUnknownResult(Schema.Struct({
  view: Schema.Array(Schema.Struct({ id: Schema.String, status: Schema.String }))
}))

/** For each node, the ids its view does not show as members (or shows something else pending). */
export const membersMissing = async (nodes: ReadonlyArray<{ readonly id: string; readonly url: string }>, ids: ReadonlyArray<string>): Promise<ReadonlyArray<string>> => {
  const missing: Array<string> = []
  await Promise.all(nodes.map(async (node) => {
    try {
      const response = await fetch(`${node.url}/status`, { signal: AbortSignal.timeout(5_000) })
      const decoded = decodeView(await response.json())
      if (Result.isFailure(decoded)) throw new Error(`not a node status: ${decoded.failure.message.slice(0, 200)}`)
      const statuses = new Map(decoded.success.view.map((entry) => [entry.id, entry.status]))
      for (const id of ids) if (statuses.get(id) !== "member") missing.push(`${node.id} sees ${id} ${statuses.get(id) ?? "absent"}`)
      for (const entry of decoded.success.view) if (entry.status === "joining" || entry.status === "leaving") {
        if (!ids.includes(entry.id)) missing.push(`${node.id} sees ${entry.id} ${entry.status}`)
      }
    } catch (error) {
      missing.push(`${node.id} (no status: ${(error as Error).message})`)
    }
  }))
  return missing.sort()
}
/** Lines of a node's stderr kept in memory for diagnostics. */
const STDERR_LINES_KEPT = 300

export interface ClusterOptions {
  readonly nodes: number
  /** First port; node i gets basePort + i - 1. Undefined: free ports picked by the OS. */
  readonly basePort?: number | undefined
  /** Node i keeps its data in dataDir/n<i> (and its log in dataDir/n<i>.log). */
  readonly dataDir: string
  /** Keep every node's data in memory (--data :memory:) instead: nothing survives a restart. */
  readonly memory?: boolean
  readonly n?: number
  readonly r?: number
  readonly w?: number
  /** Extra flags for every `dynamo node` (e.g. --sync normal). */
  readonly extraArgs?: ReadonlyArray<string>
  /** Record node i's trace into recordDir/n<i>.trace.json. */
  readonly recordDir?: string | undefined
  /** Append each node's stderr (its logs) to dataDir/n<i>.log. */
  readonly logToFiles?: boolean
  /** Flags for the Node binary of every node (e.g. --cpu-prof). */
  readonly nodeArgs?: ReadonlyArray<string>
  /** The CLI every node runs: CLI_ENTRY unless a benchmark compares another build (another checkout's bin/dynamo.mjs). */
  readonly entry?: string | undefined
  /**
   * How the nodes find each other: "peers" (default) gives each the whole member list; "seeds"
   * gives each only n1's address, so n1 founds the cluster and the others join it by gossip.
   */
  readonly membership?: "peers" | "seeds"
  /** The cluster secret file every node is given (--secret-file). */
  readonly secretFile?: string | undefined
  /** Data centers: node i runs in zone `z<((i - 1) mod zones) + 1>` (--zone). Default: none. */
  readonly zones?: number
}

/** The zone `LocalCluster` gives node i (1-based) of a cluster of `zones` zones; none below two. */
export const clusterZoneOf = (i: number, zones: number | undefined): string | undefined =>
  zones === undefined || zones < 2 ? undefined : `z${((i - 1) % zones) + 1}`

export interface NodeExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/** The kernel's ephemeral ports (outgoing connections and port-0 listeners draw from them). */
const EPHEMERAL_RANGE_FILE = "/proc/sys/net/ipv4/ip_local_port_range"
/** Where local clusters take ports when the ephemeral range cannot be read (Linux's default starts at 32768). */
const CLUSTER_PORTS_DEFAULT = { low: 20_000, high: 32_767 } as const
/** The lowest port a local cluster takes (below it: well-known and registered services). */
const CLUSTER_PORT_MIN = 10_000
/** Attempts at a random port before giving up (each a bind that failed with EADDRINUSE). */
const PORT_ATTEMPTS_MAX = 200

/**
 * The ports local clusters take: below the ephemeral range. A node killed by a test or the
 * conformance kit restarts on the port it had; inside the ephemeral range any outgoing
 * connection of any process could take that port meanwhile (the restart then fails, or worse,
 * another run's node answers there).
 */
const clusterPortRange = (): { readonly low: number; readonly high: number } => {
  try {
    const low = Number(readFileSync(EPHEMERAL_RANGE_FILE, "utf8").trim().split(/\s+/)[0])
    if (Number.isInteger(low) && low - 1 - CLUSTER_PORT_MIN >= 1_000) return { low: CLUSTER_PORT_MIN, high: low - 1 }
  } catch {
    // Not Linux, or no /proc: the default range.
  }
  return CLUSTER_PORTS_DEFAULT
}

const listenOn = (port: number): Promise<ReturnType<typeof createServer> | undefined> =>
  new Promise((resolvePort) => {
    const server = createServer()
    server.once("error", () => resolvePort(undefined))
    server.listen(port, "127.0.0.1", () => resolvePort(server))
  })

/**
 * Finds `count` distinct free TCP ports on 127.0.0.1 below the ephemeral range (clusterPortRange),
 * each by binding it and releasing it once all are found.
 */
export const freePorts = async (count: number): Promise<ReadonlyArray<number>> => {
  const { low, high } = clusterPortRange()
  const held: Array<{ readonly port: number; readonly server: ReturnType<typeof createServer> }> = []
  try {
    for (let attempt = 0; held.length < count; attempt++) {
      if (attempt >= PORT_ATTEMPTS_MAX + count) throw new Error(`no free port found in ${low}-${high} after ${attempt} attempts`)
      const port = low + Math.floor(Math.random() * (high - low + 1))
      if (held.some((h) => h.port === port)) continue
      const server = await listenOn(port)
      if (server !== undefined) held.push({ port, server })
    }
    return held.map((h) => h.port)
  } finally {
    await Promise.all(held.map((h) => new Promise<void>((done) => h.server.close(() => done()))))
  }
}

export class ClusterNode {
  process: ChildProcess | undefined
  readonly stderr: Array<string> = []
  readonly stdout: Array<string> = []
  private exitPromise: Promise<NodeExit> = Promise.resolve({ code: 0, signal: null })
  private logFile: WriteStream | undefined

  constructor(
    readonly id: string,
    readonly port: number,
    readonly dataDir: string,
    /** Flags of `dynamo node`, without --id/--port/--data. */
    readonly args: ReadonlyArray<string>,
    private readonly logPath: string | undefined,
    private readonly nodeArgs: ReadonlyArray<string> = [],
    private readonly entry: string = CLI_ENTRY
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null
  }

  /** Spawns the node; resolves once it printed its ready line, rejects (with its stderr) if it exits first. */
  start(extraArgs: ReadonlyArray<string> = []): Promise<void> {
    const child = spawn(process.execPath, [
      ...this.nodeArgs, this.entry, "node", "--id", this.id, "--port", String(this.port), "--data", this.dataDir, ...this.args, ...extraArgs
    ], { stdio: ["ignore", "pipe", "pipe"] })
    this.process = child
    if (this.logPath !== undefined) this.logFile ??= createWriteStream(this.logPath, { flags: "a" })
    this.exitPromise = new Promise((done) => child.once("exit", (code, signal) => done({ code, signal })))
    createInterface({ input: child.stderr! }).on("line", (line) => {
      this.stderr.push(line)
      if (this.stderr.length > STDERR_LINES_KEPT) this.stderr.shift()
      this.logFile?.write(line + "\n")
    })
    return new Promise((ready, failed) => {
      const timer = setTimeout(() => failed(new Error(`${this.id} printed no ready line within ${READY_TIMEOUT_MS} ms\n${this.stderr.join("\n")}`)), READY_TIMEOUT_MS)
      createInterface({ input: child.stdout! }).on("line", (line) => {
        this.stdout.push(line)
        if (line.startsWith(`ready ${this.id} `)) {
          clearTimeout(timer)
          ready()
        }
      })
      void this.exitPromise.then((exit) => {
        clearTimeout(timer)
        failed(new Error(`${this.id} exited (${exit.code ?? exit.signal}) before it was ready\n${this.stderr.join("\n")}`))
      })
    })
  }

  /** Resolves when the process has exited. */
  exited(): Promise<NodeExit> {
    return this.exitPromise
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.process!.kill(signal)
  }

  /** SIGTERM (graceful), then SIGKILL if it is still alive after `timeoutMs`. */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<NodeExit> {
    if (!this.running) return this.exitPromise
    this.process!.kill("SIGCONT") // a stopped process cannot handle SIGTERM
    this.process!.kill("SIGTERM")
    const timer = setTimeout(() => this.signal("SIGKILL"), timeoutMs)
    const exit = await this.exitPromise
    clearTimeout(timer)
    return exit
  }

  /** kill -9. */
  async kill(): Promise<NodeExit> {
    this.signal("SIGKILL")
    return this.exitPromise
  }

  closeLog(): void {
    this.logFile?.end()
    this.logFile = undefined
  }
}

export class LocalCluster {
  private constructor(readonly nodes: ReadonlyArray<ClusterNode>) {}

  /** Starts every node and waits until each has printed its ready line. */
  static async start(options: ClusterOptions): Promise<LocalCluster> {
    const ids = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`)
    const ports = options.basePort === undefined ? await freePorts(options.nodes) : ids.map((_, i) => options.basePort! + i)
    const zoneOf = (i: number) => clusterZoneOf(i + 1, options.zones)
    const peers = ids.map((id, i) => `${id}=127.0.0.1:${ports[i]}${zoneOf(i) === undefined ? "" : `@${zoneOf(i)}`}`).join(",")
    mkdirSync(options.dataDir, { recursive: true })
    if (options.recordDir !== undefined) mkdirSync(options.recordDir, { recursive: true })
    const seeds = options.membership === "seeds"
    const nodes = ids.map((id, i) => {
      const args = [
        ...(seeds ? ["--seeds", `127.0.0.1:${ports[0]}`] : ["--peers", peers]),
        ...(zoneOf(i) === undefined ? [] : ["--zone", zoneOf(i)!]),
        ...(options.secretFile === undefined ? [] : ["--secret-file", options.secretFile]),
        "--n", String(options.n ?? 3), "--r", String(options.r ?? 2), "--w", String(options.w ?? 2),
        ...(options.recordDir === undefined ? [] : ["--record", join(options.recordDir, `${id}.trace.json`)]),
        ...(options.extraArgs ?? [])
      ]
      return new ClusterNode(id, ports[i]!, options.memory ? MEMORY_DATA : join(options.dataDir, id), args, options.logToFiles ? join(options.dataDir, `${id}.log`) : undefined, options.nodeArgs, options.entry)
    })
    const cluster = new LocalCluster(nodes)
    try {
      await Promise.all(nodes.map((node) => node.start()))
    } catch (error) {
      await cluster.stop()
      throw error
    }
    return cluster
  }

  /**
   * Waits until every node sees every other: each node's `GET /status` shows every peer up with
   * an open link (links open at the first message, gossip's within about a second). Resolves
   * with the pairs still not connected when `timeoutMs` runs out: empty when all are.
   */
  async waitConnected(timeoutMs = CONNECT_WAIT_MS): Promise<ReadonlyArray<string>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const missing: Array<string> = []
      await Promise.all(this.nodes.map(async (node) => {
        try {
          const response = await fetch(`${node.url}/status`, { signal: AbortSignal.timeout(2_000) })
          const decoded = decodeLinks(await response.json())
          if (Result.isFailure(decoded)) throw new Error(`not a node status: ${decoded.failure.message.slice(0, 200)}`)
          for (const member of decoded.success.members) {
            if (member.self !== true && (member.state !== "up" || member.link !== "open")) missing.push(`${node.id}->${member.id}`)
          }
        } catch (error) {
          missing.push(`${node.id} (no status: ${(error as Error).message})`)
        }
      }))
      if (missing.length === 0 || Date.now() >= deadline) return missing.sort()
      await new Promise((done) => setTimeout(done, 100))
    }
  }

  /**
   * Waits until every running node's view shows each of `ids` as a member (joins complete) and
   * nothing else pending. Resolves with what is still missing when `timeoutMs` runs out.
   */
  async waitMembers(ids: ReadonlyArray<string> = this.nodes.map((node) => node.id), timeoutMs = JOIN_WAIT_MS): Promise<ReadonlyArray<string>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const missing = await membersMissing(this.nodes.filter((node) => node.running), ids)
      if (missing.length === 0 || Date.now() >= deadline) return missing
      await new Promise((done) => setTimeout(done, 200))
    }
  }

  node(id: string): ClusterNode {
    const node = this.nodes.find((candidate) => candidate.id === id)
    if (node === undefined) throw new Error(`no node ${id} in this cluster`)
    return node
  }

  /** Stops every node gracefully (SIGTERM, then SIGKILL after the timeout). */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<ReadonlyArray<NodeExit>> {
    const exits = await Promise.all(this.nodes.map((node) => node.stop(timeoutMs)))
    for (const node of this.nodes) node.closeLog()
    return exits
  }

  /** kill -9 of every node still running (test clean-up). */
  killAll(): void {
    for (const node of this.nodes) {
      node.signal("SIGCONT")
      node.signal("SIGKILL")
      node.closeLog()
    }
  }
}
