// The ring as a node sees it, for operators (`GET /status`, `dynamo ring`): every node of its
// membership view with its state, its address, its share of the ring now and once the pending
// changes complete, this node's hand-overs in progress and the hints it holds per node, and
// whether a leaving node may be stopped. Read from the core through its own functions.
import { HashMap } from "effect"
import { counts, entryOf, type HandoverProgress, hintsHeld, incomingProgress, membersOf, type MemberStatus, type NodeId, nodeIdOf, type NodeState, offersOf, offersUnconfirmed, orphansWaiting, outgoingProgress, ringShares, servingRing, targetRingOf } from "../core/index.ts"

/** Hand-over key counts walk the Merkle trees; a status asked often reuses them this long. */
export const HANDOVER_PROGRESS_CACHE_MS = 2_000

export interface ViewEntryStatus {
  readonly id: NodeId
  readonly status: MemberStatus
  readonly address: string | null
  readonly capacity: number
  readonly version: number
  /** Fraction of the ring it is the first replica of now (0 while joining or once left). */
  readonly share: number
  /** ... once the pending joins and leaves complete. */
  readonly targetShare: number
}

export interface LeaveStatus {
  /** This node's own status in its view (null: a standby node not in the view yet). */
  readonly status: MemberStatus | null
  readonly hints: number
  /** Keys it no longer replicates and has yet to pass on as hints. */
  readonly orphans: number
  readonly handoversUnconfirmed: number
  /**
   * Whether stopping this node loses nothing others need: not leaving, or left with no hints
   * and no unconfirmed hand-overs (spec: a left node delivers the writes it accepted as hints).
   */
  readonly safeToStop: boolean
}

export interface RingStatus {
  readonly view: ReadonlyArray<ViewEntryStatus>
  readonly handovers: {
    readonly outgoing: ReadonlyArray<HandoverProgress>
    readonly incoming: { readonly expected: number; readonly received: number } | null
  }
  readonly hintsByNode: ReadonlyArray<{ readonly node: NodeId; readonly hints: number }>
  readonly leave: LeaveStatus
}

/** Whether `state`'s node may stop now (see LeaveStatus.safeToStop). */
export const leaveStatusOf = (state: NodeState): LeaveStatus => {
  const status = entryOf(membersOf(state), nodeIdOf(state))?.status ?? null
  const hints = counts(state).hints
  const handoversUnconfirmed = offersUnconfirmed(state)
  const orphans = orphansWaiting(state)
  const safeToStop = status === "leaving" ? false : status === "left" ? hints === 0 && orphans === 0 && handoversUnconfirmed === 0 : true
  return { status, hints, orphans, handoversUnconfirmed, safeToStop }
}

export class RingStatusView {
  private cached: { readonly at: number; readonly offers: unknown; readonly outgoing: ReadonlyArray<HandoverProgress> } | undefined

  constructor(private readonly now: () => number = Date.now) {}

  of(state: NodeState): RingStatus {
    const shares = new Map(ringShares(servingRing(state)).map((entry) => [entry.node, entry.share]))
    const targetShares = new Map(ringShares(targetRingOf(state)).map((entry) => [entry.node, entry.share]))
    const view = membersOf(state).map((entry) => ({
      id: entry.id,
      status: entry.status,
      address: entry.address ?? null,
      capacity: entry.capacity,
      version: entry.version,
      share: shares.get(entry.id) ?? 0,
      targetShare: targetShares.get(entry.id) ?? 0
    }))
    const hints = new Map<NodeId, number>()
    for (const hint of HashMap.values(hintsHeld(state))) hints.set(hint.intended, (hints.get(hint.intended) ?? 0) + 1)
    const hintsByNode = [...hints].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([node, count]) => ({ node, hints: count }))
    const handovers = { outgoing: this.outgoing(state), incoming: incomingProgress(state) ?? null }
    return { view, handovers, hintsByNode, leave: leaveStatusOf(state) }
  }

  private outgoing(state: NodeState): ReadonlyArray<HandoverProgress> {
    const now = this.now()
    const cached = this.cached
    // Unchanged offers, or a recent count: figures are at most the cache's age old.
    if (cached !== undefined && (cached.offers === offersOf(state) || now - cached.at < HANDOVER_PROGRESS_CACHE_MS)) return cached.outgoing
    const outgoing = outgoingProgress(state)
    this.cached = { at: now, offers: offersOf(state), outgoing }
    return outgoing
  }
}
