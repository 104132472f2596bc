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
/** At most this many hints are offered per scan, so handoff stays background work (section 6). */
export const HINTS_PER_SCAN_MAX = 64

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
  readRepair: true
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
  if (config.replicaTimeoutMs <= 0 || config.requestTimeoutMs <= config.replicaTimeoutMs) {
    return `timeouts must satisfy 0 < replicaTimeoutMs < requestTimeoutMs`
  }
  return undefined
}
