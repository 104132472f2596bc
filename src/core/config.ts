// The knobs of the protocol, with the paper's defaults (sections 4.5, 4.6, 6). Every limit is a
// named constant with its unit; the interpreters pass one ProtocolConfig to every node.
import type { VersionsConfig } from "./versions.ts"
import { defaultVersionsConfig } from "./versions.ts"

/** How long a coordinator waits for a silent replica before routing around it (section 4.6). */
export const REPLICA_TIMEOUT_MS_DEFAULT = 300
/** How long a client request may take in total before the coordinator answers with a failure. */
export const REQUEST_TIMEOUT_MS_DEFAULT = 1_000
/** How often a node scans its hints and offers them to their intended nodes (section 4.6). */
export const HINT_SCAN_INTERVAL_MS_DEFAULT = 1_000
/** How often a node probes peers it believes unreachable (section 4.9: "periodically retries"). */
export const PROBE_INTERVAL_MS_DEFAULT = 1_000
/**
 * At most this many hints are offered per scan, so handoff stays background work (section 6).
 * `npm run bench -- handoff` (a node down 10 s under load, ~7,300 hints on four fallbacks, writers
 * going on): with 64 they drained in 40 s, so a minute's outage took minutes to heal; with 1,024
 * in 3 s, but the writers' p99 during the drain doubled (93-142 ms against ~35 while the node was
 * down); with 256 in 10 s, and their p99 stayed at 40 ms.
 */
export const HINTS_PER_SCAN_MAX = 256
/** Gossip with one peer every second (section 4.8). */
export const GOSSIP_INTERVAL_MS_DEFAULT = 1_000
/** How often a node compares Merkle roots with a peer for each range it replicates (section 4.7). */
export const ANTI_ENTROPY_INTERVAL_MS_DEFAULT = 2_000
/**
 * Ranges compared per anti-entropy round, so it stays background work: a round hashes every key
 * written in its ranges since they were last compared, in one step. With 256 ranges a round on
 * the network shell's 1,024-partition ring took 14-25 ms under load, a pause of the whole node
 * every interval; with 64 it is a quarter of that, and the shell runs rounds four times as often
 * (src/net/options.ts). Simulator and checker nodes hold fewer ranges than either budget.
 */
export const ANTI_ENTROPY_RANGES_PER_ROUND_MAX = 64
/**
 * Anti-entropy firings in a row a node may skip while its interpreter reports the foreground over
 * its latency target (admission control, section 6.5); the next one runs whatever the load, so
 * under sustained load rounds run at a quarter of their rate and never stop (AE-2).
 */
export const ANTI_ENTROPY_DEFERRALS_MAX_DEFAULT = 3
/**
 * Keys a node no longer replicates after a ring change, passed on as hints per step (the rest at
 * the next hint scans). Default: all at once (the simulator's and checker's stores are small).
 */
export const ORPHANS_PER_STEP_MAX_DEFAULT = Number.MAX_SAFE_INTEGER
/** How often unconfirmed range hand-overs are offered again. */
export const HANDOFF_INTERVAL_MS_DEFAULT = 1_000
/** Keys per hand-over message. */
export const HANDOFF_KEYS_PER_MESSAGE_MAX = 256
/**
 * Ranges a node sends at once in a ring change; the next goes when one is confirmed. The default
 * leaves every offer in flight (the simulator's and checker's rings move a handful of ranges);
 * the network shell, whose 1,024-partition ring moves hundreds per join, bounds it
 * (src/net/options.ts) so a transfer never floods a link (section 6: background work).
 */
export const HANDOFF_OFFERS_IN_FLIGHT_MAX_DEFAULT = Number.MAX_SAFE_INTEGER
/** Keys carried by offers in flight, at most (an offer enters while fewer are); default: no bound. */
export const HANDOFF_KEYS_IN_FLIGHT_MAX_DEFAULT = Number.MAX_SAFE_INTEGER
/**
 * Hand-over timer firings an offer in flight waits for its confirmation before it is sent again.
 * 1 (the default) resends at every firing; the shell waits longer, because a range of a loaded
 * node may take more than one interval to become durable at the receiver.
 */
export const HANDOFF_RESEND_TICKS_DEFAULT = 1

export interface ProtocolConfig {
  /** Replicas per key (the paper's N). */
  readonly n: number
  /** Default read quorum; a request may carry its own R in 1..N. */
  readonly r: number
  /** Default write quorum; a request may carry its own W in 1..N. */
  readonly w: number
  readonly versions: VersionsConfig
  readonly replicaTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly hintScanIntervalMs: number
  readonly probeIntervalMs: number
  /** Read repair (section 5). Off only to demonstrate why it (and anti-entropy) is needed. */
  readonly readRepair: boolean
  /** Merkle anti-entropy (section 4.7). Off only to demonstrate why it is needed. */
  readonly antiEntropy: boolean
  readonly gossipIntervalMs: number
  readonly antiEntropyIntervalMs: number
  /** Anti-entropy firings skipped in a row at most while the foreground is busy (ANTI_ENTROPY_DEFERRALS_MAX_DEFAULT). */
  readonly antiEntropyDeferralsMax: number
  readonly handoffIntervalMs: number
  /** Offers sent and not yet confirmed, at most (HANDOFF_OFFERS_IN_FLIGHT_MAX_DEFAULT). */
  readonly handoffOffersInFlightMax: number
  /** Keys no longer replicated passed on as hints per step (ORPHANS_PER_STEP_MAX_DEFAULT). */
  readonly orphansPerStepMax: number
  /** Keys in unconfirmed offers sent, at most, before another enters (HANDOFF_KEYS_IN_FLIGHT_MAX_DEFAULT). */
  readonly handoffKeysInFlightMax: number
  /** Hand-over timer firings before an unconfirmed offer is sent again (HANDOFF_RESEND_TICKS_DEFAULT). */
  readonly handoffResendTicks: number
  /** Seed nodes every node gossips with, so views cannot stay partitioned (section 4.8). */
  readonly seeds: ReadonlyArray<string>
}

export const defaultProtocolConfig: ProtocolConfig = {
  n: 3,
  r: 2,
  w: 2,
  versions: defaultVersionsConfig,
  replicaTimeoutMs: REPLICA_TIMEOUT_MS_DEFAULT,
  requestTimeoutMs: REQUEST_TIMEOUT_MS_DEFAULT,
  hintScanIntervalMs: HINT_SCAN_INTERVAL_MS_DEFAULT,
  probeIntervalMs: PROBE_INTERVAL_MS_DEFAULT,
  readRepair: true,
  antiEntropy: true,
  gossipIntervalMs: GOSSIP_INTERVAL_MS_DEFAULT,
  antiEntropyIntervalMs: ANTI_ENTROPY_INTERVAL_MS_DEFAULT,
  antiEntropyDeferralsMax: ANTI_ENTROPY_DEFERRALS_MAX_DEFAULT,
  handoffIntervalMs: HANDOFF_INTERVAL_MS_DEFAULT,
  handoffOffersInFlightMax: HANDOFF_OFFERS_IN_FLIGHT_MAX_DEFAULT,
  handoffKeysInFlightMax: HANDOFF_KEYS_IN_FLIGHT_MAX_DEFAULT,
  orphansPerStepMax: ORPHANS_PER_STEP_MAX_DEFAULT,
  handoffResendTicks: HANDOFF_RESEND_TICKS_DEFAULT,
  seeds: []
}

/** A configuration error, named precisely so a CLI or a trace loader can report it. */
export const validateProtocolConfig = (config: ProtocolConfig, members: number): string | undefined => {
  if (!Number.isInteger(config.n) || config.n < 1) return `N must be a positive integer, got ${config.n}`
  if (config.n > members) return `N (${config.n}) cannot exceed the number of nodes (${members})`
  if (!Number.isInteger(config.r) || config.r < 1 || config.r > config.n) {
    return `R must be an integer in 1..N (N=${config.n}), got ${config.r}`
  }
  if (!Number.isInteger(config.w) || config.w < 1 || config.w > config.n) {
    return `W must be an integer in 1..N (N=${config.n}), got ${config.w}`
  }
  if (!Number.isSafeInteger(config.handoffOffersInFlightMax) || config.handoffOffersInFlightMax < 1) {
    return `handoffOffersInFlightMax must be a positive integer, got ${config.handoffOffersInFlightMax}`
  }
  if (!Number.isSafeInteger(config.handoffKeysInFlightMax) || config.handoffKeysInFlightMax < 1) {
    return `handoffKeysInFlightMax must be a positive integer, got ${config.handoffKeysInFlightMax}`
  }
  if (!Number.isSafeInteger(config.orphansPerStepMax) || config.orphansPerStepMax < 1) {
    return `orphansPerStepMax must be a positive integer, got ${config.orphansPerStepMax}`
  }
  if (!Number.isSafeInteger(config.antiEntropyDeferralsMax) || config.antiEntropyDeferralsMax < 0) {
    return `antiEntropyDeferralsMax must be a non-negative integer, got ${config.antiEntropyDeferralsMax}`
  }
  if (!Number.isSafeInteger(config.handoffResendTicks) || config.handoffResendTicks < 1) {
    return `handoffResendTicks must be a positive integer, got ${config.handoffResendTicks}`
  }
  if (config.replicaTimeoutMs <= 0 || config.requestTimeoutMs <= config.replicaTimeoutMs) {
    return `timeouts must satisfy 0 < replicaTimeoutMs < requestTimeoutMs`
  }
  return undefined
}
