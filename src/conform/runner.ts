// Runs a conform test: K clients run a workload against the store's nodes through an adapter
// while a nemesis takes nodes down and brings them back round after round; then every fault
// heals and each key is read through every node until they agree. Everything is recorded as a
// history (src/conform/history.ts); judging it is the checker's business.
import { Prng } from "../host/prng.ts"
import type { Adapter, Reply } from "./adapter.ts"
import type { FaultLine, History, MetaLine, OpLine, PhaseLine } from "./history.ts"
import { HISTORY_FORMAT, HISTORY_VERSION } from "./history.ts"
import { decodeValue, encodeValue, type ReadResult, type Session, type Workload } from "./workloads.ts"

/** After the run, how long the final reads may take to find every node agreeing. */
export const CONVERGE_TIMEOUT_MS = 30_000
/** Once every fault healed, the store gets this long before the first final reads (hints, repair). */
export const FINAL_SETTLE_MS = 1_000
/** Pause between two attempts of final reads. */
export const CONVERGE_POLL_MS = 1_000
/** A fault starts this far into its round and heals this far in: each round has quiet time. */
export const FAULT_START_FRACTION = 0.25
export const FAULT_END_FRACTION = 0.75

export type FaultKind = "kill" | "stop" | "partition"
export const FAULT_KINDS: ReadonlyArray<FaultKind> = ["kill", "partition", "stop"]

export interface Outcome {
  readonly ok: boolean
  readonly error?: string
}

/** What the runner needs of a nemesis: take nodes down, bring them back (src/conform/nemesis.ts). */
export interface Nemesis {
  /** Which nodes it may take down (by index into the node list). */
  readonly eligible: ReadonlyArray<number>
  /** Whether it can cut the network between nodes (partition). */
  readonly partitions: boolean
  down(kind: "kill" | "stop", node: number): Promise<Outcome>
  /** Undoes `kind` on `node`: restart after kill (resolves once it answers), SIGCONT after stop. */
  up(kind: "kill" | "stop", node: number): Promise<Outcome>
  /** Cuts every link between a node of `side` and a node outside it; clients reach both sides. */
  partition(side: ReadonlyArray<number>): Promise<Outcome>
  /** Mends every cut. */
  heal(): Promise<Outcome>
}

export interface RunOptions {
  readonly adapter: Adapter
  readonly adapterName: string
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly url: string }>
  readonly clients: number
  readonly keys: ReadonlyArray<string>
  readonly workloadName: string
  readonly workload: Workload
  readonly rounds: number
  readonly roundMs: number
  readonly faults: ReadonlyArray<FaultKind>
  readonly nemesis: Nemesis | undefined
  /** "one": every client sends every request to the first node; "any": client i starts at node i and moves on when it fails. */
  readonly coordinator: "one" | "any"
  readonly seed: number
  readonly convergeTimeoutMs?: number
  /** Default FINAL_SETTLE_MS. */
  readonly settleMs?: number
  readonly progress?: (line: string) => void
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, Math.max(0, ms)))
const statusOf = (reply: Reply<unknown>) => (reply._tag === "Ok" ? "ok" : reply._tag === "Failed" ? "failed" : "indeterminate") as OpLine["status"]

export const runConform = async (options: RunOptions): Promise<History> => {
  const started = performance.now()
  const now = () => Math.round((performance.now() - started) * 100) / 100
  const description = await options.adapter.describe(options.nodes[0]!.url)
  const meta: MetaLine = {
    type: "meta", format: HISTORY_FORMAT, version: HISTORY_VERSION,
    adapter: options.adapterName, workload: options.workloadName, clients: options.clients, keys: options.keys,
    nodes: options.nodes.map((node) => ({ id: node.id, url: node.url })),
    reads: description.reads, nemesis: options.nemesis === undefined ? [] : options.faults, seed: options.seed,
    store: description.store, startedAt: new Date().toISOString()
  }
  const ops: Array<OpLine> = []
  const faults: Array<FaultLine> = []
  const phases: Array<PhaseLine> = []
  let nextOp = 0
  const runMs = options.rounds * options.roundMs

  /** Performs one operation and makes its history line; `base` holds what is known before the call. */
  const perform = async <A>(client: number, node: number, base: Omit<OpLine, "type" | "id" | "client" | "node" | "start" | "end" | "status">, call: () => Promise<Reply<A>>) => {
    const id = nextOp++
    const start = now()
    const reply = await call()
    const line: OpLine = {
      type: "op", id, client, node: options.nodes[node]!.id, start, end: now(), status: statusOf(reply), ...base,
      ...(reply._tag === "Ok" ? {} : { error: reply.reason }),
      ...(reply._tag === "Failed" && reply.conflict === true ? { conflict: true } : {})
    }
    return { id, reply, line }
  }

  const readOp = async (client: number, node: number, key: string, phase: OpLine["phase"], attempt?: number) => {
    const { id, reply, line } = await perform(client, node, { phase, f: "read", key, ...(attempt === undefined ? {} : { attempt }) }, () => options.adapter.get(options.nodes[node]!.url, key))
    if (reply._tag !== "Ok") {
      ops.push(line)
      return { reply, result: undefined }
    }
    const values: Array<{ event: string; payload: unknown }> = []
    const foreign: Array<string> = []
    for (const value of reply.value.values) {
      const decoded = decodeValue(value)
      if (decoded === undefined) foreign.push(value)
      else values.push(decoded)
    }
    ops.push({ ...line, values: values.map((value) => value.event), ...(foreign.length === 0 ? {} : { foreign }) })
    return { reply, result: { op: id, values, context: reply.value.context } satisfies ReadResult }
  }

  const client = async (index: number) => {
    const prng = new Prng(options.seed * 1_000 + index)
    let node = options.coordinator === "one" ? 0 : index % options.nodes.length
    let sequence = 0
    const moveOn = (reply: Reply<unknown>) => {
      if (reply._tag !== "Ok" && !(reply._tag === "Failed" && reply.conflict === true) && options.coordinator === "any") node = (node + 1) % options.nodes.length
    }
    const write = async (f: "write" | "delete", key: string, payload: unknown, after: ReadResult | undefined) => {
      const event = `c${index}.${sequence++}`
      const base = { phase: "run" as const, f, key, event, ...(after === undefined ? {} : { after: after.op }) }
      const url = options.nodes[node]!.url
      const { reply, line } = await perform(index, node, base, () =>
        f === "write" ? options.adapter.put(url, key, encodeValue(event, payload), after?.context) : options.adapter.delete(url, key, after?.context))
      ops.push(line)
      moveOn(reply)
    }
    const session: Session = {
      client: index,
      prng,
      unique: () => `c${index}.${sequence}`,
      read: async (key) => {
        const { reply, result } = await readOp(index, node, key, "run")
        moveOn(reply)
        return result
      },
      write: (key, payload, after) => write("write", key, payload, after),
      delete: (key, after) => write("delete", key, undefined, after)
    }
    while (now() < runMs) {
      await options.workload(session, prng.pick(options.keys))
      // Yield to the timers between operations, so in-process stores interleave clients too.
      await new Promise<void>((done) => setImmediate(done))
    }
  }

  const down = new Map<number, "kill" | "stop">()
  let partitioned = false
  const mend = async () => {
    if (!partitioned) return
    const outcome = await options.nemesis!.heal()
    faults.push({ type: "fault", at: now(), action: "heal", node: "", ok: outcome.ok, ...(outcome.error === undefined ? {} : { error: outcome.error }) })
    if (outcome.ok) partitioned = false
    options.progress?.(`  healed the partition${outcome.ok ? "" : ` (failed: ${outcome.error})`}`)
  }
  const heal = async (node: number) => {
    const kind = down.get(node)!
    const outcome = await options.nemesis!.up(kind, node)
    faults.push({ type: "fault", at: now(), action: kind === "kill" ? "start" : "cont", node: options.nodes[node]!.id, ok: outcome.ok, ...(outcome.error === undefined ? {} : { error: outcome.error }) })
    if (outcome.ok) down.delete(node)
    options.progress?.(`  ${kind === "kill" ? "started" : "continued"} ${options.nodes[node]!.id}${outcome.ok ? "" : ` (failed: ${outcome.error})`}`)
  }
  const nemesis = async () => {
    const nemesisOf = options.nemesis
    if (nemesisOf === undefined || options.faults.length === 0) return
    const prng = new Prng(options.seed)
    const downMax = Math.min(nemesisOf.eligible.length, options.nodes.length - 1)
    for (let round = 0; round < options.rounds && downMax > 0; round++) {
      await sleep(round * options.roundMs + options.roundMs * FAULT_START_FRACTION - now())
      // A slow restart can push the schedule past the end of the run: no fault once clients stopped.
      if (now() >= runMs) break
      const kind = prng.pick(options.faults)
      // A partition isolates the smaller side: 1 to half of the nodes.
      const count = prng.int(1, kind === "partition" ? Math.max(1, Math.floor(options.nodes.length / 2)) : downMax)
      const pool = [...nemesisOf.eligible]
      const chosen: Array<number> = []
      for (let i = 0; i < count; i++) chosen.push(pool.splice(prng.int(0, pool.length - 1), 1)[0]!)
      chosen.sort((a, b) => a - b)
      options.progress?.(`round ${round + 1}/${options.rounds}: ${kind} ${chosen.map((node) => options.nodes[node]!.id).join(", ")}`)
      if (kind === "partition") {
        // A fault that takes something away is dated when it was begun: it can take effect
        // before the nemesis returns (a cut is many route changes), and a read in that gap is
        // not owed QUORUM-1. One that gives back is dated when it returned, for the same reason.
        const begun = now()
        const outcome = await nemesisOf.partition(chosen)
        faults.push({ type: "fault", at: begun, action: "partition", node: chosen.map((node) => options.nodes[node]!.id).join(","), ok: outcome.ok, ...(outcome.error === undefined ? {} : { error: outcome.error }) })
        partitioned = outcome.ok
        await sleep(round * options.roundMs + options.roundMs * FAULT_END_FRACTION - now())
        await mend()
        continue
      }
      for (const node of chosen) {
        const begun = now()
        const outcome = await nemesisOf.down(kind, node)
        faults.push({ type: "fault", at: begun, action: kind, node: options.nodes[node]!.id, ok: outcome.ok, ...(outcome.error === undefined ? {} : { error: outcome.error }) })
        if (outcome.ok) down.set(node, kind)
      }
      await sleep(round * options.roundMs + options.roundMs * FAULT_END_FRACTION - now())
      await Promise.all([...down.keys()].sort((a, b) => a - b).map(heal))
    }
  }

  await Promise.all([nemesis(), ...Array.from({ length: options.clients }, (_, i) => client(i))])
  await Promise.all([...down.keys()].sort((a, b) => a - b).map(heal))
  await mend()

  // Final reads: each key through every node, until they agree or the deadline passes.
  await sleep(options.settleMs ?? FINAL_SETTLE_MS)
  phases.push({ type: "phase", name: "final", at: now() })
  const deadline = now() + (options.convergeTimeoutMs ?? CONVERGE_TIMEOUT_MS)
  let pending = [...options.keys]
  for (let attempt = 0; pending.length > 0; attempt++) {
    const stillDiffering: Array<string> = []
    for (const key of pending) {
      const seen = new Set<string>()
      let answered = 0
      for (let node = 0; node < options.nodes.length; node++) {
        const { result } = await readOp(-1, node, key, "final", attempt)
        if (result === undefined) continue
        answered += 1
        seen.add(JSON.stringify(result.values.map((value) => value.event).sort()))
      }
      if (answered < options.nodes.length || seen.size > 1) stillDiffering.push(key)
    }
    pending = stillDiffering
    if (pending.length === 0 || now() >= deadline) break
    await sleep(CONVERGE_POLL_MS)
  }
  phases.push({ type: "phase", name: "end", at: now() })
  return { meta, ops: ops.sort((a, b) => a.id - b.id), faults, phases }
}
