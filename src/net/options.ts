// What a node process is told at start: its id, its address, how it finds its cluster (every
// member's id and address with --peers, a fixed membership; or seeds to learn it from and gossip
// with), the cluster secret, the protocol's knobs and where its disk is. Parsed once, validated
// with a message that names the problem.
import { createHash } from "node:crypto"
import { type ClockMode, defaultProtocolConfig, type Member, type NodeId, type ProtocolConfig, RING_CONFIG_DEFAULT, type RingConfig, validateProtocolConfig, zoneNameProblem } from "../core/index.ts"
import type { ClusterSecret } from "./secret.ts"
import { ADMISSION_P99_MS_DEFAULT } from "./foreground.ts"

/** The network shell's anti-entropy interval (the simulator keeps the protocol default). */
export const SHELL_ANTI_ENTROPY_INTERVAL_MS = 500
/**
 * Ranges a node sends at once when the ring changes, and the keys they may carry. A join on the
 * 1,024-partition ring moves hundreds of ranges; at 100,000 1-KiB keys each holds a few hundred
 * keys, so about 1,024 keys (1 MiB) in flight keep the link busy without a backlog that delays
 * foreground messages, while empty ranges (a new cluster) all go at once.
 */
export const SHELL_HANDOFF_OFFERS_IN_FLIGHT_MAX = 256
export const SHELL_HANDOFF_KEYS_IN_FLIGHT_MAX = 1_024
/**
 * Keys a node no longer replicates after a ring change, passed on as hints per step (then per
 * hint scan, every second). A join on 100,000 1-KiB keys leaves each old owner ~15,000-40,000
 * such keys, up to three hints each (`npm run bench -- join`, contended 2-vCPU VM): all in one
 * step stalled nodes for seconds (clients' p99 6.7 s after the join); 512 per step, p99 0.8-2.6 s
 * while they drained; 128, 0.4 s, with the drain no longer (hint delivery is the bound).
 */
export const SHELL_ORPHANS_PER_STEP_MAX = 128
/** Hand-over timer firings (1 s each) an offer in flight waits for its confirmation before it is resent. */
export const SHELL_HANDOFF_RESEND_TICKS = 3
/** Where the client API listens unless --listen says otherwise: this machine only. */
export const LISTEN_DEFAULT = "127.0.0.1"

/** Node ids are short names that fit a header and a file name: `n1`, `db-3`, `east.2`. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
/** A fixed membership of at most this many nodes (a full mesh of peer connections). */
export const MEMBERS_MAX = 64
/** `--data :memory:` keeps the node's disk in memory: it does not survive the process. */
export const MEMORY_DATA = ":memory:"

export interface PeerAddress {
  readonly id: NodeId
  readonly host: string
  readonly port: number
  /** Its data center (paper 4.6), when --peers names one (`ID=HOST:PORT@ZONE`). */
  readonly zone?: string
}

/** Ring members of a fixed membership, each with its zone when it has one. */
export const ringMembersOf = (members: ReadonlyArray<PeerAddress>): ReadonlyArray<Member> =>
  members.map((member) => (member.zone === undefined ? { id: member.id } : { id: member.id, zone: member.zone }))

export type SyncMode = "full" | "normal"
/**
 * Where SQLite commits run: on the node's thread, waiting for the fsync (inline); on a writer
 * thread (worker); or on the node's thread with the WAL's fsync on Node's I/O thread pool (async);
 * auto, the default, times the data directory's disk when the node opens it and takes inline on a
 * disk that syncs fast, async on one that does not (src/net/sqlite.ts, chooseWriter).
 */
export type WriterMode = "auto" | "inline" | "worker" | "async"

/** How a node finds its cluster: a fixed list, or seeds and gossip (README "Membership"). */
export type MembershipMode =
  | { readonly _tag: "Fixed" }
  /** `standby`: learn the cluster and wait for `dynamo admin join ID` instead of joining. */
  | {
    readonly _tag: "Seeds"
    readonly seeds: ReadonlyArray<{ readonly host: string; readonly port: number }>
    readonly standby: boolean
    /** How long a node that must learn its cluster waits for a seed before it gives up. */
    readonly waitMs: number
  }

export interface NodeOptions {
  readonly id: NodeId
  /** The address peers reach this node at (advertised in the membership view). */
  readonly host: string
  /** The address the node's port is bound to (client API and peer endpoint). */
  readonly listen: string
  /** 0 picks a free port; the ready line names the one bound. */
  readonly port: number
  /** A directory, or MEMORY_DATA. */
  readonly data: string
  /** This node's data center (--zone); undefined: the default zone. */
  readonly zone?: string | undefined
  /** --zone-delay-ms: one-way delay (ms) added to peer messages to each zone (src/net/zone-delay.ts). */
  readonly zoneDelays?: ReadonlyMap<string, number> | undefined
  /** Fixed membership: every member, this node included, sorted by id. Seeds: empty. */
  readonly members: ReadonlyArray<PeerAddress>
  readonly mode: MembershipMode
  /** Peers must prove they know it (src/net/secret.ts); without one, any process may connect. */
  readonly secret: ClusterSecret | undefined
  readonly config: ProtocolConfig
  /** --n was given: with seeds, a cluster whose N differs is refused rather than adopted. */
  readonly nGiven: boolean
  readonly ring: RingConfig
  readonly sync: SyncMode
  readonly writer: WriterMode
  /** Trace file (spec/traces.md) to record this node's steps into. */
  readonly record: string | undefined
  /** The foreground p99 (ms) above which anti-entropy rounds yield (src/net/foreground.ts); undefined: never. */
  readonly admissionP99Ms?: number | undefined
}

/** Parses `n1=127.0.0.1:7001,n2=127.0.0.1:7002` (each may end in `@ZONE`); returns the problem as a string. */
export const parsePeers = (text: string): ReadonlyArray<PeerAddress> | string => {
  const peers: Array<PeerAddress> = []
  const parts = text.split(",").map((part) => part.trim()).filter((part) => part !== "")
  if (parts.length > MEMBERS_MAX) return `at most ${MEMBERS_MAX} peers, got ${parts.length}`
  for (const part of parts) {
    const match = /^([^=]+)=(.+):(\d{1,5})(?:@([^@:]+))?$/.exec(part)
    if (match === null) return `"${part}" is not ID=HOST:PORT or ID=HOST:PORT@ZONE`
    const [, id, host, portText, zone] = match as unknown as [string, string, string, string, string | undefined]
    const zoneProblem = zone === undefined ? undefined : zoneNameProblem(zone)
    if (zoneProblem !== undefined) return `${id}: ${zoneProblem}`
    if (!NODE_ID_PATTERN.test(id)) return `"${id}" is not a valid node id (letters, digits, . _ -, at most 64)`
    const port = Number(portText)
    if (port < 1 || port > 65535) return `port ${port} of ${id} is out of range`
    if (peers.some((peer) => peer.id === id)) return `node ${id} is listed twice`
    peers.push(zone === undefined ? { id, host, port } : { id, host, port, zone })
  }
  return peers
}

/** The full membership: the peers plus this node (which may be listed among them). */
export const membersOf = (
  self: PeerAddress,
  peers: ReadonlyArray<PeerAddress>
): ReadonlyArray<PeerAddress> | string => {
  const listed = peers.find((peer) => peer.id === self.id)
  if (listed !== undefined && self.port !== 0 && listed.port !== self.port) {
    return `--peers lists ${self.id} at port ${listed.port} but --port is ${self.port}`
  }
  if (listed !== undefined && listed.zone !== self.zone) {
    return `--peers puts ${self.id} in zone ${listed.zone ?? "(none)"} but --zone is ${self.zone ?? "(none)"}`
  }
  const members = listed === undefined ? [...peers, self] : peers.map((peer) => (peer.id === self.id ? self : peer))
  return [...members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
}

export interface NodeFlags {
  readonly id: string
  readonly host: string
  /** --zone: this node's data center. */
  readonly zone?: string | undefined
  readonly zoneDelays?: ReadonlyMap<string, number> | undefined
  readonly listen?: string | undefined
  readonly mode?: MembershipMode | undefined
  readonly secret?: ClusterSecret | undefined
  readonly port: number
  readonly data: string
  readonly peers: string
  readonly n: number
  readonly nGiven?: boolean | undefined
  readonly r: number
  readonly w: number
  readonly sync: SyncMode
  readonly writer?: WriterMode | undefined
  readonly record: string | undefined
  readonly replicaTimeoutMs?: number | undefined
  readonly requestTimeoutMs?: number | undefined
  /** Keys sent at most at once in a hand-over (default SHELL_HANDOFF_KEYS_IN_FLIGHT_MAX). */
  readonly handoffKeysInFlight?: number | undefined
  /** The versions' clock mode (default dvv); every member must run the same one. */
  readonly clock?: ClockMode | undefined
  /** --admission-p99-ms (default ADMISSION_P99_MS_DEFAULT; 0: anti-entropy never yields). */
  readonly admissionP99Ms?: number | undefined
}

/** Flags to options, or every problem found, each naming the flag. */
export const nodeOptionsOf = (flags: NodeFlags): NodeOptions | string => {
  if (!NODE_ID_PATTERN.test(flags.id)) return `--id "${flags.id}" is not a valid node id (letters, digits, . _ -, at most 64)`
  if (!Number.isInteger(flags.port) || flags.port < 0 || flags.port > 65535) return `--port must be in 0..65535, got ${flags.port}`
  if (flags.data.trim() === "") return `--data must name a directory (or ${MEMORY_DATA})`
  if (flags.handoffKeysInFlight !== undefined && (!Number.isSafeInteger(flags.handoffKeysInFlight) || flags.handoffKeysInFlight < 1)) {
    return `--handoff-keys-in-flight must be a positive integer, got ${flags.handoffKeysInFlight}`
  }
  if (flags.admissionP99Ms !== undefined && (!Number.isSafeInteger(flags.admissionP99Ms) || flags.admissionP99Ms < 0)) {
    return `--admission-p99-ms must be a non-negative integer (0: anti-entropy never yields), got ${flags.admissionP99Ms}`
  }
  const zoneProblem = flags.zone === undefined ? undefined : zoneNameProblem(flags.zone)
  if (zoneProblem !== undefined) return `--zone: ${zoneProblem}`
  const mode: MembershipMode = flags.mode ?? { _tag: "Fixed" }
  let members: ReadonlyArray<PeerAddress> = []
  if (mode._tag === "Fixed") {
    const peers = parsePeers(flags.peers)
    if (typeof peers === "string") return `--peers: ${peers}`
    const self: PeerAddress = flags.zone === undefined ? { id: flags.id, host: flags.host, port: flags.port } : { id: flags.id, host: flags.host, port: flags.port, zone: flags.zone }
    const listed = membersOf(self, peers)
    if (typeof listed === "string") return listed
    members = listed
  } else if (flags.port === 0) {
    return "--seeds needs a fixed --port: the node announces its address to the cluster"
  }
  const config: ProtocolConfig = {
    ...defaultProtocolConfig,
    n: flags.n,
    r: flags.r,
    w: flags.w,
    versions: { ...defaultProtocolConfig.versions, mode: flags.clock ?? defaultProtocolConfig.versions.mode },
    // With --peers every configured member is a seed: gossip with any of them keeps the views
    // reconciled (section 4.8). With --seeds, the seeds' ids are learned at start (src/net/node.ts).
    seeds: members.map((member) => member.id),
    // A node here replicates hundreds of ranges (1,024 partitions), 64 per anti-entropy round:
    // rounds every 500 ms keep a full pass over them to a few seconds, in steps of a few ms.
    antiEntropyIntervalMs: SHELL_ANTI_ENTROPY_INTERVAL_MS,
    handoffOffersInFlightMax: SHELL_HANDOFF_OFFERS_IN_FLIGHT_MAX,
    handoffKeysInFlightMax: flags.handoffKeysInFlight ?? SHELL_HANDOFF_KEYS_IN_FLIGHT_MAX,
    orphansPerStepMax: SHELL_ORPHANS_PER_STEP_MAX,
    handoffResendTicks: SHELL_HANDOFF_RESEND_TICKS,
    ...(flags.replicaTimeoutMs === undefined ? {} : { replicaTimeoutMs: flags.replicaTimeoutMs }),
    ...(flags.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: flags.requestTimeoutMs })
  }
  // A cluster grown from seeds starts with one node: N may exceed the members for a while
  // (preference lists then hold every node; writes needing W nodes wait for them).
  const invalid = validateProtocolConfig(config, mode._tag === "Fixed" ? members.length : Number.MAX_SAFE_INTEGER)
  if (invalid !== undefined) return invalid
  return {
    id: flags.id,
    host: flags.host,
    zone: flags.zone,
    zoneDelays: flags.zoneDelays,
    listen: flags.listen ?? flags.host,
    port: flags.port,
    data: flags.data,
    members,
    mode,
    secret: flags.secret,
    config,
    nGiven: flags.nGiven ?? true,
    ring: RING_CONFIG_DEFAULT,
    sync: flags.sync,
    writer: flags.writer ?? "auto",
    record: flags.record,
    admissionP99Ms: flags.admissionP99Ms === 0 ? undefined : (flags.admissionP99Ms ?? ADMISSION_P99_MS_DEFAULT)
  }
}

/**
 * What every member must agree on to compute the same preference lists and merge the same
 * versions: the member ids (with --peers; with seeds they travel in the view), the ring's
 * strategy, N and the clock mode. Peers exchange it when they connect and refuse a mismatch, so a
 * node started with a different --peers list, --n or --clock is caught at once rather than
 * misrouting keys or mixing version formats.
 */
export const clusterFingerprint = (options: Pick<NodeOptions, "members" | "ring" | "config" | "mode">): string =>
  createHash("sha256")
    .update(JSON.stringify({
      // A member's zone changes preference lists: with zones it is part of the identity (and
      // without, the fingerprint stays what it was).
      members: options.mode._tag === "Fixed" ? options.members.map((member) => (member.zone === undefined ? member.id : `${member.id}@${member.zone}`)) : "gossip",
      ring: options.ring,
      n: options.config.n,
      clock: options.config.versions.mode
    }))
    .digest("hex")
    .slice(0, 16)
