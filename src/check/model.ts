// What the model checker explores: a small cluster running the core's `step`, client scripts,
// fault bounds and the invariants to check; the named presets (the default `small`, larger
// ones, and the anomaly catalogue, one preset per caveat of the paper); and the flags that
// override a preset. Everything here is plain data, so worker threads rebuild the same model.
import { buildRing, type ClockMode, defaultProtocolConfig, defaultVersionsConfig, type Member, preferenceList, type ProtocolConfig, type RingConfig, validateProtocolConfig } from "../core/index.ts"

export type ScriptOpKind = "get" | "put" | "blind" | "delete"

/**
 * One client operation, sent to `node`. "put" and "delete" carry the context of the client's
 * last reply for the key (a read-modify-write); "blind" is a put with the empty context.
 */
export interface ScriptOp {
  readonly kind: ScriptOpKind
  readonly key: string
  readonly node: string
}

/** How many faults of each kind one execution may contain. */
export interface CheckBounds {
  readonly crashes: number
  /** Crashes that also wipe the disk (counted apart from `crashes`). */
  readonly diskLosses: number
  readonly drops: number
  readonly dups: number
  readonly partitions: number
  /**
   * Firings of the periodic timers (HintScan, Probe) per execution. They re-arm forever, so
   * fired freely they would make the space infinite; a firing is enabled only when it would send
   * something (a hint to a node not believed down, a probe to a node believed down) and counts
   * against this bound. Heal-and-quiesce fires them without bound.
   */
  readonly periodic: number
}

/**
 * When a one-shot timer (request and forward timeouts) may fire. "async": at any moment, so a
 * replica can be suspected while its answer is in flight (false suspicions, late replies).
 * "prompt": only when no message is in flight and no persist is pending, i.e. timeouts are far
 * longer than message and disk latency, so a timeout means a fault (a crash, a loss, a cut).
 */
export type Timing = "async" | "prompt"

/**
 * When a crashed node restarts. "later": at any later moment (a separate action), so the
 * cluster runs on without it meanwhile. "at-once": the crash is a reboot, the node restarts from
 * its disk in the same action (volatile state, un-persisted records and the messages in flight to
 * it are lost all the same); far fewer interleavings.
 */
export type Restart = "later" | "at-once"

/**
 * When a persist becomes durable. "lazy": whenever the search chooses (an action of its own),
 * so a crash can fall between persisting and acknowledging. "eager": with the step that emitted
 * it, once the execution can crash no more (its crash and disk-loss bounds are used up), for
 * then a pending persist is invisible but for the acknowledgements it holds back, and the network
 * can still delay those arbitrarily; until then, lazy.
 */
export type Persistence = "lazy" | "eager"

/** Which invariant checks run; each names the invariant of spec/README.md it checks. */
export interface CheckChecks {
  /** SIB-1: a replica never replaces a version by versions that have not seen it. */
  readonly sibDrop: boolean
  /** SIB-1: a replica never keeps a version beside a version that has seen it. */
  readonly sibStoreAntichain: boolean
  /** SIB-1: a reply never lists a version beside a version that has seen it. */
  readonly sibReplyAntichain: boolean
  /** DUR-1: every acknowledged write is on some disk, or a version that has seen it is. */
  readonly dur: boolean
  /** DEL-1: after quiescence no live value is in the causal past of an acknowledged delete. */
  readonly del: boolean
  /** HINT-1: a hint is deleted only when its intended node's own store covers it; none left at the end. */
  readonly hint: boolean
  /** CONV-1: after heal-and-quiesce every replica of a key holds the same versions. */
  readonly conv: boolean
  /**
   * QUORUM-1 under faults: a get issued after a put was acknowledged, and answered by home
   * replicas only, sees the put (R + W > N). Sloppy quorums break it: expected to fail.
   */
  readonly quorum: boolean
  /**
   * AVAIL-1, AVAIL-2 (bounded, under "prompt" timing): in an execution with no lost message and
   * no partition, a put, delete or get that fails while at least W (R) nodes have run without a
   * crash since the start, its contact node among them, is a violation. A ForwardTimeout is
   * excused: with no loss and prompt timeouts it means the coordinator that took the request
   * crashed while holding it, which the invariant's premise excludes.
   */
  readonly avail: boolean
  /**
   * ACK-1 and ACK-2 (acks.ts): a PutOk names W distinct replicas that held the write durably; a
   * replica acknowledges a Replicate only once every record it persisted for it is durable.
   */
  readonly ack: boolean
  /**
   * READ-2 and READ-3 (reads.ts): a get's reply names as answerers only its coordinator and nodes
   * whose answer to that very get reached this incarnation, and covers what each one answered.
   */
  readonly read: boolean
}

export interface CheckModel {
  readonly name: string
  readonly description: string
  readonly nodes: ReadonlyArray<string>
  /**
   * The zone (data center, paper 4.6) of each node, index for index with `nodes`; absent: one
   * zone. With zones, a zone is the unit of failure: a crash takes down every running node of the
   * crashed node's zone at once, and a partition cuts one zone off from the others.
   */
  readonly zones?: ReadonlyArray<string>
  readonly ring: RingConfig
  readonly protocol: ProtocolConfig
  readonly keys: ReadonlyArray<string>
  /** One script per client, run in order; a client waits for each reply (or gives up). */
  readonly clients: ReadonlyArray<ReadonlyArray<ScriptOp>>
  readonly bounds: CheckBounds
  readonly timing: Timing
  readonly restart: Restart
  readonly persistence: Persistence
  /**
   * Whether the search may fire AntiEntropy timers (within `periodic`). Off by default: one
   * round exchanges Merkle trees range by range, many messages whose interleavings swamp a
   * small model. Heal-and-quiesce runs anti-entropy whenever the protocol has it on.
   */
  readonly searchAntiEntropy: boolean
  readonly checks: CheckChecks
  /**
   * Partial-order reduction (por.ts, README "late messages first"): absent or true, on; false
   * (`--no-por`), every enabled action is explored.
   */
  readonly por?: boolean
  /**
   * Canonical form of worlds before fingerprinting (README, "Canonical form": fields no future step and no invariant reads):
   * absent or true, on; false (`--no-canonical`), every field told apart.
   */
  readonly canonical?: boolean
  /** For an anomaly preset: the invariant its counterexample breaks (the run must find it). */
  readonly expect?: string
  /**
   * Things an exhaustive run must see at least once (Stateright's `Sometimes`), or its
   * invariants may hold vacuously: names from SOMETIMES in world.ts.
   */
  readonly sometimes: ReadonlyArray<string>
}

/** Writes are bits of a 32-bit mask in the oracle; more than this many is refused. */
export const WRITES_MAX = 30
export const NODES_MAX = 8
export const CLIENTS_MAX = 8
export const OPS_PER_CLIENT_MAX = 6
export const KEYS_MAX = 4

/**
 * Two tokens per node: preference lists are as varied as with more tokens for a handful of
 * keys, and each node keeps few Merkle trees (one per range), which keeps steps cheap.
 */
export const RING_CONFIG: RingConfig = { strategy: "tokens", tokensPerNode: 2 }

const defaultChecks: CheckChecks = {
  sibDrop: true, sibStoreAntichain: true, sibReplyAntichain: true, dur: true, del: true, hint: true, conv: true, quorum: false, avail: true, ack: true, read: true
}

/** What the zones preset must see: a put acknowledged and a get answered with a zone gone, hints. */
const ZONES_SOMETIMES: ReadonlyArray<string> = ["siblings", "put-acknowledged", "get-answered", "hint-stored", "hint-delivered", "message-lost", "settled"]

const noFaults: CheckBounds = { crashes: 0, diskLosses: 0, drops: 0, dups: 0, partitions: 0, periodic: 0 }

export const nodeNames = (count: number): ReadonlyArray<string> => Array.from({ length: count }, (_, i) => `n${i + 1}`)
export const keyNames = (count: number): ReadonlyArray<string> => Array.from({ length: count }, (_, i) => `k${i + 1}`)

const protocol = (n: number, r: number, w: number, mode: ClockMode, extra: Partial<ProtocolConfig> = {}, truncateAt?: number): ProtocolConfig => ({
  ...defaultProtocolConfig,
  n, r, w,
  versions: { ...defaultVersionsConfig, mode, ...(truncateAt === undefined ? {} : { truncateAt }) },
  ...extra
})

/** The ring members of a model's nodes, each with its zone when the model has zones. */
export const modelMembers = (nodes: ReadonlyArray<string>, zones?: ReadonlyArray<string>): ReadonlyArray<Member> =>
  nodes.map((id, i) => (zones === undefined ? { id } : { id, zone: zones[i]! }))

/** The key's preference list in a cluster of `nodes` nodes, to aim scripts at its replicas. */
export const preferenceOf = (nodes: number, key: string, n: number, zones?: ReadonlyArray<string>): ReadonlyArray<string> =>
  preferenceList(buildRing(modelMembers(nodeNames(nodes), zones), RING_CONFIG), key, n)

/** Two zones of two nodes: n1 and n3 in z1, n2 and n4 in z2. */
const TWO_BY_TWO_ZONES: ReadonlyArray<string> = ["z1", "z2", "z1", "z2"]

/**
 * The zone presets (paper 4.6): RING-4 puts k1's three replicas in both zones; one client puts
 * through the key's first node, the other reads and writes through a node of the other zone, so
 * whichever zone is lost, one client talks to the survivors (W=2 of them: AVAIL-1 is owed).
 * A crash and a cut each take a whole zone; one hint-scan firing lets a hint travel back.
 */
const zonesModel = (name: string, bounds: CheckBounds, sometimes: ReadonlyArray<string>): CheckModel => {
  const nodes = nodeNames(4)
  const [a, b, c] = preferenceOf(4, "k1", 3, TWO_BY_TWO_ZONES) as [string, string, string]
  const zoneOf = (node: string) => TWO_BY_TWO_ZONES[nodes.indexOf(node)]
  const other = [b, c].find((node) => zoneOf(node) !== zoneOf(a))!
  return base(name, PRESETS[name]!.description, {
    nodes,
    zones: TWO_BY_TWO_ZONES,
    clients: [[{ kind: "put", key: "k1", node: a }], [{ kind: "get", key: "k1", node: other }, { kind: "put", key: "k1", node: other }]],
    bounds,
    sometimes
  })
}

/**
 * Generic scripts for `clients` clients of `ops` operations over `keys` keys: client 0 starts
 * with a put (nothing read yet: the empty context), every other client reads before it writes
 * with what it read; client c talks to node c (mod the cluster), so with more nodes than N some
 * requests are forwarded.
 */
export const genericScripts = (nodes: number, keys: number, clients: number, ops: number): ReadonlyArray<ReadonlyArray<ScriptOp>> => {
  const names = nodeNames(nodes)
  const keyList = keyNames(keys)
  return Array.from({ length: clients }, (_, c) =>
    Array.from({ length: ops }, (_, j): ScriptOp => {
      const key = keyList[(c + Math.floor(j / 2)) % keyList.length]!
      const node = names[c % names.length]!
      const first = c === 0 ? j % 2 === 0 : j % 2 === 1
      return { kind: ops === 1 || first ? "put" : "get", key, node }
    }))
}

interface Preset {
  readonly description: string
  readonly model: () => CheckModel
}

const base = (name: string, description: string, over: Partial<CheckModel> & Pick<CheckModel, "clients">): CheckModel => ({
  name,
  description,
  nodes: nodeNames(3),
  ring: RING_CONFIG,
  protocol: protocol(3, 2, 2, "dvv"),
  keys: ["k1"],
  bounds: noFaults,
  timing: "prompt",
  restart: "later",
  persistence: "eager",
  searchAntiEntropy: false,
  checks: defaultChecks,
  sometimes: ["put-acknowledged", "settled"],
  ...over
})

/** The presets, by name. The anomaly presets each expect one counterexample. */
export const PRESETS: Readonly<Record<string, Preset>> = {
  small: {
    description: "3 nodes, N=3 R=2 W=2, 1 key; a put against a read-then-put; at most 1 crash and 1 lost message",
    model: () => {
      const [a, , c] = preferenceOf(3, "k1", 3) as [string, string, string]
      return base("small", PRESETS["small"]!.description, {
        clients: [[{ kind: "put", key: "k1", node: a }], [{ kind: "get", key: "k1", node: c }, { kind: "put", key: "k1", node: c }]],
        bounds: { ...noFaults, crashes: 1, drops: 1 },
        sometimes: ["siblings", "put-acknowledged", "get-answered", "crash-before-ack", "message-lost", "read-repair", "settled"]
      })
    }
  },
  "small-delete": {
    description: "as small, but the second client deletes what it read (DEL-1), with a duplicated message instead of a loss",
    model: () => {
      const [a, , c] = preferenceOf(3, "k1", 3) as [string, string, string]
      return base("small-delete", PRESETS["small-delete"]!.description, {
        clients: [[{ kind: "put", key: "k1", node: a }], [{ kind: "get", key: "k1", node: c }, { kind: "delete", key: "k1", node: c }]],
        bounds: { ...noFaults, crashes: 1, dups: 1 },
        sometimes: ["siblings", "put-acknowledged", "get-answered", "crash-before-ack", "duplicate-delivered", "settled"]
      })
    }
  },
  handoff: {
    description: "4 nodes, N=3 R=2 W=2, 1 key: sloppy quorum and hinted handoff under a crash or a partition",
    model: () => {
      const [a, b] = preferenceOf(4, "k1", 3) as [string, string, string]
      return base("handoff", PRESETS["handoff"]!.description, {
        nodes: nodeNames(4),
        clients: [[{ kind: "put", key: "k1", node: a }], [{ kind: "get", key: "k1", node: b }, { kind: "put", key: "k1", node: b }]],
        bounds: { ...noFaults, crashes: 1, partitions: 1, periodic: 2 },
        sometimes: ["siblings", "put-acknowledged", "get-answered", "hint-stored", "hint-delivered", "message-lost", "settled"]
      })
    }
  },
  "handoff-partition": {
    description: "4 nodes, N=3 R=2 W=2, 1 key: a put and a read-then-put while one partition may cut any set of nodes off; sloppy quorum, hints handed home after the heal",
    model: () => {
      const [a, b] = preferenceOf(4, "k1", 3) as [string, string, string]
      return base("handoff-partition", PRESETS["handoff-partition"]!.description, {
        nodes: nodeNames(4),
        clients: [[{ kind: "put", key: "k1", node: a }], [{ kind: "get", key: "k1", node: b }, { kind: "put", key: "k1", node: b }]],
        // No crash: a partition alone sends writes to the fallback and the heal brings them home,
        // and this keeps the space exhaustible (3,728,047 states; with a crash too, see handoff).
        bounds: { ...noFaults, partitions: 1, periodic: 2 },
        sometimes: ["siblings", "put-acknowledged", "get-answered", "hint-stored", "hint-delivered", "message-lost", "read-repair", "settled"]
      })
    }
  },
  medium: {
    description: "4 nodes, N=3 R=2 W=2, 1 key, 2 clients of 2 operations; 1 crash, 1 loss, 1 partition, async timeouts",
    model: () => {
      const [a, b] = preferenceOf(4, "k1", 3) as [string, string, string]
      return base("medium", PRESETS["medium"]!.description, {
        nodes: nodeNames(4),
        clients: [[{ kind: "put", key: "k1", node: a }, { kind: "get", key: "k1", node: a }], [{ kind: "get", key: "k1", node: b }, { kind: "put", key: "k1", node: b }]],
        bounds: { ...noFaults, crashes: 1, drops: 1, partitions: 1, periodic: 2 },
        timing: "async",
        sometimes: ["siblings", "put-acknowledged", "get-answered", "hint-stored", "hint-delivered", "message-lost", "settled"]
      })
    }
  },
  "read-repair-alone": {
    description: "3 nodes, N=3 R=2 W=2, read repair on and no anti-entropy: a put and a later get, one lost message; only read repair can bring a stale replica up to date (CONV-1)",
    model: () => {
      const [a] = preferenceOf(3, "k1", 3) as [string]
      return base("read-repair-alone", PRESETS["read-repair-alone"]!.description, {
        // Anti-entropy off, so heal-and-quiesce converges the replicas by its reads alone: a read
        // repair that skips the stale replicas (mutant 03 of ../shared/mutants) breaks CONV-1.
        protocol: protocol(3, 2, 2, "dvv", { readRepair: true, antiEntropy: false }),
        clients: [[{ kind: "put", key: "k1", node: a }, { kind: "get", key: "k1", node: a }]],
        bounds: { ...noFaults, drops: 1 },
        sometimes: ["put-acknowledged", "get-answered", "message-lost", "read-repair", "settled"]
      })
    }
  },
  zones: {
    description: "2 zones of 2 nodes, N=3 R=2 W=2, 1 key, a put against a read-then-put from the other zone; a whole zone crashes (both nodes at once) and restarts",
    model: () => zonesModel("zones", { ...noFaults, crashes: 1, periodic: 1 }, [...ZONES_SOMETIMES, "crash-before-ack"])
  },
  "zones-cut": {
    description: "as zones, but a whole zone is cut off from the other and healed",
    model: () => zonesModel("zones-cut", { ...noFaults, partitions: 1, periodic: 1 }, ZONES_SOMETIMES)
  },
  // Targeted presets: each sets up the one situation a class of bug needs (src/check/MUTANTS.md),
  // small enough to exhaust in seconds.
  "stale-ack": {
    description: "3 nodes, N=3 R=2 W=2: one client puts twice through one node, which may crash and restart between the puts while an acknowledgement of the first is in flight (ACK-1: an earlier incarnation's ack counted)",
    model: () => {
      const [a] = preferenceOf(3, "k1", 3) as [string]
      return base("stale-ack", PRESETS["stale-ack"]!.description, {
        // The client gives up on the first put when its node restarts, then puts again through
        // the restarted node, whose request numbers start over: a ReplicateAck of the first put,
        // sent to the new incarnation, names the same op as the second.
        clients: [[{ kind: "put", key: "k1", node: a }, { kind: "put", key: "k1", node: a }]],
        bounds: { ...noFaults, crashes: 1 },
        sometimes: ["put-acknowledged", "crash-before-ack", "restart", "settled"]
      })
    }
  },
  "stale-read": {
    description: "3 nodes, N=3 R=2 W=2: one client gets twice through one node, which may crash and restart between the gets while a Read of the first is in flight (READ-3: an earlier incarnation's answer counted)",
    model: () => {
      const [a] = preferenceOf(3, "k1", 3) as [string]
      return base("stale-read", PRESETS["stale-read"]!.description, {
        // The reader gives up on its first get when its node restarts, then gets again through
        // the restarted node, whose request numbers start over: a replica answering the first
        // get's Read after the restart sends a ReadReply naming the same op as the second get.
        // No put: READ-3 is about who answered, not what (a put made the space 330 times larger).
        clients: [[{ kind: "get", key: "k1", node: a }, { kind: "get", key: "k1", node: a }]],
        bounds: { ...noFaults, crashes: 1 },
        sometimes: ["get-answered", "restart", "settled"]
      })
    }
  },
  "dup-ack": {
    description: "3 nodes, N=3 R=1 W=3, 1 put; one message may be duplicated: a replica's acknowledgement delivered twice must count once (ACK-1)",
    model: () => {
      const [a] = preferenceOf(3, "k1", 3) as [string]
      return base("dup-ack", PRESETS["dup-ack"]!.description, {
        // W = N, so the coordinator's own write and one replica's ack are not enough: a copy of
        // that ack counted again would complete the quorum with a replica that never answered.
        protocol: protocol(3, 1, 3, "dvv"),
        clients: [[{ kind: "put", key: "k1", node: a }]],
        bounds: { ...noFaults, dups: 1 },
        sometimes: ["put-acknowledged", "duplicate-delivered", "settled"]
      })
    }
  },
  "fallback-coordinator": {
    description: "4 nodes, N=3 R=2 W=2: a client reads, then writes, through the node outside k1's preference list; two crashes, each a reboot: the node may coordinate the put itself and stand in for a home node it believes down (ACK-1: its hint names that node)",
    model: () => {
      const home = preferenceOf(4, "k1", 3)
      const outside = nodeNames(4).find((node) => !home.includes(node))!
      return base("fallback-coordinator", PRESETS["fallback-coordinator"]!.description, {
        nodes: nodeNames(4),
        // The get's timeout makes the outside node believe a crashed home node down; the put is
        // forwarded to the next home node, which reboots before it claims it, so the outside node
        // coordinates the put itself, and is the one fallback left for the node it believes down.
        clients: [[{ kind: "get", key: "k1", node: outside }, { kind: "put", key: "k1", node: outside }]],
        bounds: { ...noFaults, crashes: 2 },
        restart: "at-once",
        sometimes: ["put-acknowledged", "get-answered", "hint-stored", "crash-before-ack", "restart", "settled"]
      })
    }
  },
  "hinted-read": {
    description: "4 nodes, N=3 R=2 W=3: a put then a get through one node while a home replica reboots; the fallback holding its hint answers the get (HINT-2: the answer holds the hint)",
    model: () => {
      const [a] = preferenceOf(4, "k1", 3) as [string]
      return base("hinted-read", PRESETS["hinted-read"]!.description, {
        nodes: nodeNames(4),
        // W = N: the put needs the fallback once a home replica lost its Replicate to a reboot,
        // and the get, sent while that replica is still believed down, asks the fallback too.
        protocol: protocol(3, 2, 3, "dvv"),
        clients: [[{ kind: "put", key: "k1", node: a }, { kind: "get", key: "k1", node: a }]],
        bounds: { ...noFaults, crashes: 1 },
        restart: "at-once",
        sometimes: ["put-acknowledged", "get-answered", "hint-stored", "read-of-hinted-key", "restart", "settled"]
      })
    }
  },
  "fallback-replaced": {
    description: "5 nodes, N=3 R=1 W=3, 2 puts through one node: a home replica and then the fallback standing in for it crash (each rebooting at once); a silent fallback must be replaced by the next one (AVAIL-1)",
    model: () => {
      const [a] = preferenceOf(5, "k1", 3) as [string]
      return base("fallback-replaced", PRESETS["fallback-replaced"]!.description, {
        nodes: nodeNames(5),
        // W = N: every silent replica must be replaced for a put to succeed, and with two
        // fallbacks past N there is one for the home node and one for the fallback that failed.
        // Two puts: the first one's timeout marks the crashed home node down, so the second one
        // starts with its fallback as a target (the home node not among them), and that fallback
        // is the one that goes silent.
        protocol: protocol(3, 1, 3, "dvv"),
        clients: [[{ kind: "put", key: "k1", node: a }, { kind: "put", key: "k1", node: a }]],
        // One hint-scan firing: the hint the surviving fallback holds goes home within the search.
        bounds: { ...noFaults, crashes: 2, periodic: 1 },
        restart: "at-once",
        sometimes: ["put-acknowledged", "hint-stored", "hint-delivered", "crash-before-ack", "restart", "settled"]
      })
    }
  },
  // VV-1 (spec/README.md): the suite must be able to show the paper's clocks losing a write; this preset does.
  "lost-update-vv": {
    description: "clock vv: two puts through one coordinator from one (empty) context get equal clocks; one replaces the other (SIB-1)",
    model: () => {
      const [a] = preferenceOf(3, "k1", 3) as [string]
      return base("lost-update-vv", PRESETS["lost-update-vv"]!.description, {
        protocol: protocol(3, 2, 2, "vv"),
        clients: [[{ kind: "put", key: "k1", node: a }], [{ kind: "put", key: "k1", node: a }]],
        expect: "SIB-1"
      })
    }
  },
  "sloppy-stale-read": {
    description: "R+W>N, yet during a partition a get misses an acknowledged put: fallbacks took the write (QUORUM-1 under faults)",
    model: () => {
      const [a, b] = preferenceOf(4, "k1", 3) as [string, string, string]
      return base("sloppy-stale-read", PRESETS["sloppy-stale-read"]!.description, {
        nodes: nodeNames(4),
        clients: [[{ kind: "put", key: "k1", node: a }], [{ kind: "get", key: "k1", node: b }]],
        bounds: { ...noFaults, partitions: 1 },
        checks: { ...defaultChecks, quorum: true },
        expect: "QUORUM-1"
      })
    }
  },
  "truncation-false-siblings": {
    description: "clock vv truncated to 1 entry: a write and the write that read it look concurrent, so a reply lists both (false siblings, allowed by TRUNC-1)",
    model: () => {
      const [a, b, c] = preferenceOf(3, "k1", 3) as [string, string, string]
      return base("truncation-false-siblings", PRESETS["truncation-false-siblings"]!.description, {
        protocol: protocol(3, 2, 2, "vv", {}, 1),
        clients: [[{ kind: "put", key: "k1", node: a }, { kind: "put", key: "k1", node: b }, { kind: "get", key: "k1", node: c }]],
        // TRUNC-1: truncation may create false siblings in a store; it must never drop a write.
        checks: { ...defaultChecks, sibStoreAntichain: false },
        expect: "SIB-1"
      })
    }
  },
  "lww-lost-write": {
    description: "last-writer-wins: two acknowledged concurrent puts, no fault at all, and the earlier one is on no disk (DUR-1)",
    model: () => {
      const [a, b] = preferenceOf(3, "k1", 3) as [string, string, string]
      return base("lww-lost-write", PRESETS["lww-lost-write"]!.description, {
        protocol: protocol(3, 2, 2, "lww"),
        clients: [[{ kind: "put", key: "k1", node: a }], [{ kind: "put", key: "k1", node: b }]],
        // The replica-level clause of SIB-1 would stop at the first silent replacement, before
        // either write is acknowledged; DUR-1 shows the loss of an acknowledged write.
        checks: { ...defaultChecks, sibDrop: false },
        expect: "DUR-1"
      })
    }
  },
  "no-read-repair-divergence": {
    description: "read repair off, no anti-entropy: a lost replication message leaves replicas divergent after quiescence (CONV-1)",
    model: () => {
      const [a] = preferenceOf(3, "k1", 3) as [string]
      return base("no-read-repair-divergence", PRESETS["no-read-repair-divergence"]!.description, {
        protocol: protocol(3, 2, 2, "dvv", { readRepair: false, antiEntropy: false }),
        clients: [[{ kind: "put", key: "k1", node: a }]],
        bounds: { ...noFaults, drops: 1 },
        expect: "CONV-1"
      })
    }
  }
}

export const ANOMALY_PRESETS: ReadonlyArray<string> = [
  "lost-update-vv", "sloppy-stale-read", "truncation-false-siblings", "lww-lost-write", "no-read-repair-divergence"
]

/** What the CLI (and a worker) passes to rebuild a model: a preset and overrides. Plain data. */
export interface CheckOptions {
  readonly preset: string
  readonly nodes?: number
  readonly keys?: number
  readonly clients?: number
  readonly ops?: number
  readonly crashes?: number
  readonly diskLosses?: number
  readonly drops?: number
  readonly dups?: number
  readonly partitions?: number
  readonly periodic?: number
  readonly clock?: ClockMode
  readonly timing?: Timing
  readonly restart?: Restart
  readonly persistence?: Persistence
  /** False: no partial-order reduction (`--no-por`). */
  readonly por?: boolean
  /** False: no canonical form of worlds (`--no-canonical`). */
  readonly canonical?: boolean
}

const inRange = (name: string, value: number | undefined, min: number, max: number, problems: Array<string>): void => {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    problems.push(`--${name} must be an integer in ${min}..${max}, got ${value}`)
  }
}

/** The model for `options`, or what is wrong with them. */
export const buildModel = (options: CheckOptions): { readonly _tag: "Ok"; readonly model: CheckModel } | { readonly _tag: "Error"; readonly message: string } => {
  const preset = PRESETS[options.preset]
  if (preset === undefined) {
    return { _tag: "Error", message: `unknown preset "${options.preset}"; known: ${Object.keys(PRESETS).join(", ")}` }
  }
  const problems: Array<string> = []
  inRange("nodes", options.nodes, 1, NODES_MAX, problems)
  inRange("keys", options.keys, 1, KEYS_MAX, problems)
  inRange("clients", options.clients, 1, CLIENTS_MAX, problems)
  inRange("ops", options.ops, 1, OPS_PER_CLIENT_MAX, problems)
  for (const bound of ["crashes", "diskLosses", "drops", "dups", "partitions", "periodic"] as const) {
    inRange(bound === "diskLosses" ? "disk-losses" : bound, options[bound], 0, 8, problems)
  }
  if (problems.length > 0) return { _tag: "Error", message: problems.join("; ") }
  let model = preset.model()
  const reshaped = options.nodes !== undefined || options.keys !== undefined || options.clients !== undefined || options.ops !== undefined
  if (reshaped) {
    const nodes = options.nodes ?? model.nodes.length
    const keys = options.keys ?? model.keys.length
    const clients = options.clients ?? model.clients.length
    const ops = options.ops ?? Math.max(...model.clients.map((script) => script.length))
    const n = Math.min(model.protocol.n, nodes)
    // Generic scripts over a new node count: the preset's zones no longer fit, one zone it is.
    const { zones: _zones, ...unzoned } = model
    model = {
      ...unzoned,
      name: `${model.name}+custom`,
      description: `${nodes} nodes, ${keys} key(s), ${clients} client(s) of ${ops} operation(s) (from ${model.name})`,
      nodes: nodeNames(nodes),
      keys: keyNames(keys),
      clients: genericScripts(nodes, keys, clients, ops),
      // The preset's expectations were about its own scripts; generic ones promise less.
      sometimes: ["put-acknowledged", "settled"],
      protocol: { ...model.protocol, n, r: Math.min(model.protocol.r, n), w: Math.min(model.protocol.w, n) }
    }
  }
  const bounds: CheckBounds = {
    crashes: options.crashes ?? model.bounds.crashes,
    diskLosses: options.diskLosses ?? model.bounds.diskLosses,
    drops: options.drops ?? model.bounds.drops,
    dups: options.dups ?? model.bounds.dups,
    partitions: options.partitions ?? model.bounds.partitions,
    periodic: options.periodic ?? model.bounds.periodic
  }
  const mode = options.clock ?? model.protocol.versions.mode
  const versions = mode === model.protocol.versions.mode
    ? model.protocol.versions
    : { ...defaultVersionsConfig, mode }
  model = { ...model, bounds, timing: options.timing ?? model.timing, restart: options.restart ?? model.restart, persistence: options.persistence ?? model.persistence, ...(options.por === false ? { por: false } : {}), ...(options.canonical === false ? { canonical: false } : {}), protocol: { ...model.protocol, versions } }
  const invalid = validateProtocolConfig(model.protocol, model.nodes.length)
  if (invalid !== undefined) return { _tag: "Error", message: invalid }
  const writes = model.clients.flat().filter((op) => op.kind !== "get").length
  if (writes > WRITES_MAX) return { _tag: "Error", message: `at most ${WRITES_MAX} writes in all scripts, got ${writes}` }
  return { _tag: "Ok", model }
}
