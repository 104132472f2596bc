// A simulation scenario: the cluster's shape, the clients' operations and the timed faults.
// A scenario plus its seed (which draws message delays, drops and duplicates) is a whole run.
import type { ClockMode, RingConfig } from "../core/index.ts"
import { nodeIds } from "../trace/format.ts"
import { Prng } from "../host/prng.ts"
import { zoneFault } from "./zones.ts"

/** Message-level faults drawn from the seed, and the timed faults a schedule may contain. */
/** "zone-down" and "zone-cut" strike every node of one zone at once (src/sim/zones.ts). */
/** "pause" stops a node as SIGSTOP does: nothing reaches it until it resumes, then all at once. */
export const FAULT_KINDS = ["drop", "dup", "reorder", "partition", "crash", "disk", "join", "leave", "hintloss", "zone-down", "zone-cut", "pause"] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export interface SimOptions {
  readonly nodes: number
  /** Nodes beyond the initial members that Join faults can bring in (ids after the members'). */
  readonly spares?: number
  readonly n: number
  readonly r: number
  readonly w: number
  readonly clock: ClockMode
  /** vv only: keep at most this many clock entries (the paper's truncation). */
  readonly truncateAt?: number
  readonly readRepair: boolean
  /** Merkle anti-entropy (on unless a scenario shows what happens without it). */
  readonly antiEntropy?: boolean
  /** Quiescence reads every key (read repair); off to show anti-entropy converges on its own. */
  readonly quiesceReads?: boolean
  /**
   * false: start nodes with epoch floor 0, as an interpreter with no floor of its own would, so
   * only the core's rule makes epochs grow (EPOCH-1's shape; disk loss then reuses epochs).
   */
  readonly epochFloor?: boolean
  readonly ring: RingConfig
  readonly keys: number
  readonly clients: number
  readonly faults: ReadonlyArray<FaultKind>
  readonly dropPercent: number
  readonly dupPercent: number
  readonly delayMsMin: number
  /** With "reorder" the delay range widens, so later messages overtake earlier ones. */
  readonly delayMsMax: number
  readonly diskDelayMsMax: number
  /** A client gives up on a request after this long and moves on (outcome unknown). */
  readonly clientTimeoutMs: number
  /** Data centers (paper 4.6): nodes are spread over this many zones, round robin. Default: one. */
  readonly zones?: number
  /** A message between two zones takes this long (default: the delay inside a zone). */
  readonly interZoneDelayMsMin?: number
  readonly interZoneDelayMsMax?: number
  /**
   * Percent of anti-entropy firings on which a node's foreground is reported over its latency
   * target (admission control, section 6.5; AE-2 bounds what it defers). Default 0: never.
   */
  readonly busyPercent?: number
}

export const defaultSimOptions: SimOptions = {
  nodes: 5,
  n: 3,
  r: 2,
  w: 2,
  clock: "dvv",
  readRepair: true,
  ring: { strategy: "tokens", tokensPerNode: 8 },
  keys: 3,
  clients: 3,
  faults: [],
  dropPercent: 5,
  dupPercent: 5,
  delayMsMin: 1,
  delayMsMax: 10,
  diskDelayMsMax: 3,
  clientTimeoutMs: 3_000
}

export type OpKind = "get" | "put" | "blind" | "delete"

/** One client operation: wait `delayMs` after the previous one finished, then send it. */
export interface ClientOp {
  readonly client: number
  readonly delayMs: number
  readonly node: string
  readonly kind: OpKind
  readonly key: string
}

export type TimedFault =
  | { readonly _tag: "Crash"; readonly at: number; readonly node: string }
  /** From `at` on, crash the node right after its next write step: after it replied or acked, before the write is durable or sent. */
  | { readonly _tag: "CrashMidWrite"; readonly at: number; readonly node: string }
  | { readonly _tag: "Restart"; readonly at: number; readonly node: string }
  /** Crash and lose the disk: the node restarts empty. */
  | { readonly _tag: "DiskLoss"; readonly at: number; readonly node: string }
  /** Cut `isolated` off from every other node, both ways. */
  | { readonly _tag: "Partition"; readonly at: number; readonly isolated: ReadonlyArray<string> }
  | { readonly _tag: "Heal"; readonly at: number }
  /**
   * SIGSTOP: the node takes no step; messages, timer expiries and disk completions for it wait
   * (nothing is lost: its sockets and disk keep them) until Resume, when it handles them at once,
   * expired timers first, as Node's event loop does after SIGCONT.
   */
  | { readonly _tag: "Pause"; readonly at: number; readonly node: string }
  | { readonly _tag: "Resume"; readonly at: number; readonly node: string }
  /** Start a spare node and have an administrator join it (section 4.8). */
  | { readonly _tag: "Join"; readonly at: number; readonly node: string }
  /** An administrator removes a member; it hands its ranges over, then leaves. */
  | { readonly _tag: "Leave"; readonly at: number; readonly node: string }
  /** Hint loss: the node holding the most hints (if any) loses its disk, and restarts after `downMs`. */
  | { readonly _tag: "HintLoss"; readonly at: number; readonly downMs: number }

export interface Scenario {
  readonly seed: number
  readonly options: SimOptions
  readonly ops: ReadonlyArray<ClientOp>
  readonly faults: ReadonlyArray<TimedFault>
}

export { nodeIds }
export const keyNames = (count: number): ReadonlyArray<string> => Array.from({ length: count }, (_, i) => `k${i + 1}`)

const OP_KINDS: ReadonlyArray<OpKind> = ["get", "get", "put", "put", "blind", "delete"]
const FAULT_SPACING_MS = 400

/** A scenario drawn from a seed: `steps` client operations and faults of the enabled kinds. */
export const generateScenario = (seed: number, options: SimOptions, steps: number): Scenario => {
  const prng = new Prng(seed ^ 0x5eed)
  const nodes = nodeIds(options.nodes)
  const keys = keyNames(options.keys)
  const ops: Array<ClientOp> = []
  for (let i = 0; i < steps; i++) {
    ops.push({
      client: prng.int(0, options.clients - 1),
      delayMs: prng.int(0, 50),
      node: prng.pick(nodes),
      kind: prng.pick(OP_KINDS),
      key: prng.pick(keys)
    })
  }
  const faults: Array<TimedFault> = []
  const horizonMs = Math.max(1_000, Math.ceil((steps / Math.max(1, options.clients)) * 40))
  const timed = options.faults.filter((f) => f === "crash" || f === "disk" || f === "partition" || f === "hintloss" || f === "zone-down" || f === "zone-cut" || f === "pause")
  // Ring changes: at most one join of each spare and one leave, early, so work runs during them.
  const spares = nodeIds(options.nodes + (options.spares ?? 0)).slice(options.nodes)
  if (options.faults.includes("join")) spares.forEach((node, i) => faults.push({ _tag: "Join", at: prng.int(100, 800) + i * 300, node }))
  if (options.faults.includes("leave") && options.nodes > options.n) faults.push({ _tag: "Leave", at: prng.int(200, 1_200), node: prng.pick(nodes) })
  for (let at = prng.int(50, FAULT_SPACING_MS); at < horizonMs && timed.length > 0; at += prng.int(FAULT_SPACING_MS, 3 * FAULT_SPACING_MS)) {
    const kind = prng.pick(timed)
    const node = prng.pick(nodes)
    const until = at + prng.int(100, 1_500)
    if (kind === "hintloss") {
      faults.push({ _tag: "HintLoss", at, downMs: until - at })
    } else if (kind === "zone-down" || kind === "zone-cut") {
      faults.push(...zoneFault(prng, kind, nodes, Math.max(1, options.zones ?? 1), at, until))
    } else if (kind === "pause") {
      faults.push({ _tag: "Pause", at, node }, { _tag: "Resume", at: until, node })
    } else if (kind === "partition") {
      const isolated = nodes.filter(() => prng.chance(40))
      faults.push({ _tag: "Partition", at, isolated: isolated.length === 0 ? [node] : isolated })
      faults.push({ _tag: "Heal", at: until })
    } else {
      faults.push(kind === "crash" ? (prng.chance(50) ? { _tag: "Crash", at, node } : { _tag: "CrashMidWrite", at, node }) : { _tag: "DiskLoss", at, node })
      faults.push({ _tag: "Restart", at: until, node })
    }
  }
  faults.sort((a, b) => a.at - b.at)
  return { seed, options, ops, faults }
}
