// Heal-and-quiesce (spec/README.md, "Eventually"; the paper's sections 4.6, 4.7), written once for
// every interpreter that judges the eventual invariants: heal every fault, let the cluster settle,
// read every key at R = N through its first replica (read repair), QUIESCE_READ_ROUNDS times, give
// what is still eventual its time, then judge HINT-1 (no hint left), CONV-1, DUR-2 and DEL-1 per
// key, and DUR-1. How time passes is the interpreter's: the simulator runs its clock (timers
// fire with their own picks), the model checker runs rounds of transitions to a fixed point.
import { conv1ReplicasAgree, del1NothingResurrected } from "./convergence.ts"
import { dur2OnReplicas } from "./durability.ts"
import { hint1NoneLeft } from "./hints.ts"
import type { Finding, InvariantOracle } from "./oracle.ts"

/** Rounds of reads of every key after healing: a second round reads what the first one repaired. */
export const QUIESCE_READ_ROUNDS = 2

/** The id of the read of the `k`-th key in read round `round` (clients never use it). */
export const quiesceReadId = (round: number, k: number): string => `quiesce.${round}.${k}`

/** Which eventual invariants an interpreter judges at quiescence (src/invariants/index.ts says why one does not). */
export interface QuiescenceChecks {
  readonly hint1: boolean
  readonly conv1: boolean
  readonly dur2: boolean
  readonly del1: boolean
}

/** What an interpreter does for heal-and-quiesce, over its own world. */
export interface Quiescing<E, P> {
  readonly oracle: InvariantOracle<E, P>
  /** The keys read and judged, in order. */
  readonly keys: ReadonlyArray<string>
  /** Rounds of reads (0: judge without reading, as a run that never reads does). */
  readonly readRounds: number
  readonly checks: QuiescenceChecks
  /** Whether a violation stopped the run. */
  stopped(): boolean
  report(finding: Finding | undefined): void
  /** Whether the world has nothing left to heal, hand off or repair: it is judged as it stands. */
  alreadyQuiet(): boolean
  /** Heal every fault: the cut, message faults, scheduled crashes; restart every crashed node. */
  heal(): void
  /**
   * Let the healed cluster settle: deliver, fire timeouts, probes, gossip, hint scans, hand-overs,
   * anti-entropy. False when it never did (the interpreter recorded why): nothing more is judged.
   */
  settle(): boolean
  /** Send a get of `key` at R = N, as request `id`, to its first replica. */
  read(key: string, id: string): void
  /** Let a round of reads, and the repairs they send, finish. */
  settleReads(): void
  /** After the reads: give what is still eventual (hints, anti-entropy) its time, if the interpreter bounds it by time. */
  converge(): void
  /** DUR-1 over every disk (src/invariants/durability.ts), as the interpreter gathers them. */
  checkDurability(): void
}

/**
 * Whether the eventual invariants already hold: no hint left (HINT-1) and every key's replicas
 * agree (CONV-1). An interpreter that bounds convergence by time waits for this, by the same
 * checks it is then judged by.
 */
export const converged = <E, P>(o: InvariantOracle<E, P>, keys: ReadonlyArray<string>): boolean =>
  hint1NoneLeft(o) === undefined && keys.every((key) => conv1ReplicasAgree(o, key) === undefined)

/** Heal, settle, read every key, then judge: the one definition of quiescence. */
export const healAndQuiesce = <E, P>(q: Quiescing<E, P>): void => {
  if (!q.alreadyQuiet()) {
    q.heal()
    if (!q.settle()) return
    for (let round = 0; round < q.readRounds && !q.stopped(); round++) {
      q.keys.forEach((key, k) => q.read(key, quiesceReadId(round, k)))
      q.settleReads()
    }
    q.converge()
  }
  judgeQuiescence(q)
}

/** HINT-1 (none left), then per key CONV-1, DUR-2 and DEL-1, then DUR-1; the first violation only. */
const judgeQuiescence = <E, P>(q: Quiescing<E, P>): void => {
  if (q.stopped()) return
  const o = q.oracle
  if (q.checks.hint1) q.report(hint1NoneLeft(o))
  for (const key of q.keys) {
    if (q.stopped()) return
    if (q.checks.conv1) q.report(conv1ReplicasAgree(o, key))
    if (q.checks.dur2 && !q.stopped()) q.report(dur2OnReplicas(o, key))
    if (q.checks.del1 && !q.stopped()) q.report(del1NothingResurrected(o, key))
  }
  if (!q.stopped()) q.checkDurability()
}
