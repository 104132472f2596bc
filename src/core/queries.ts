// What an interpreter may read of a node's state: the queries it shows, checks or routes by (a
// key's local view, the hints held, the rings, the members, the status, the open requests).
// Interpreters call these and never read NodeState's fields, so the state's layout stays the
// core's own business: a field renamed or split changes this file, not five interpreters.
import { HashMap, Option } from "effect"
import type { ProtocolConfig } from "./config.ts"
import type { Hint } from "./durable.ts"
import type { MembershipView } from "./membership.ts"
import type { NodeId, Ring } from "./ring.ts"
import type { NodeState, Offer, Request } from "./state.ts"
import type { VersionSet } from "./versions.ts"

export const nodeIdOf = (state: NodeState): NodeId => state.id
export const configOf = (state: NodeState): ProtocolConfig => state.config

/** What a status line shows: the incarnation, whether it may coordinate writes, its beliefs. */
export interface NodeStatus {
  readonly id: NodeId
  /** The incarnation: grows at every restart (the epoch floor, see src/host/). */
  readonly epoch: number
  /** False until this incarnation's epoch is durable; until then the node coordinates no write. */
  readonly ready: boolean
  /** Peers the failure detector believes unreachable, sorted. */
  readonly down: ReadonlyArray<NodeId>
}

export const statusOf = (state: NodeState): NodeStatus => ({ id: state.id, epoch: state.epoch, ready: state.ready, down: state.down })
export const epochOf = (state: NodeState): number => state.epoch
export const isReady = (state: NodeState): boolean => state.ready
/** Peers this node's failure detector believes unreachable, sorted. */
export const believedDown = (state: NodeState): ReadonlyArray<NodeId> => state.down

/** This node's own replica of `key` (hints excluded); undefined when it holds none. */
export const localView = (state: NodeState, key: string): VersionSet | undefined => Option.getOrUndefined(HashMap.get(state.store, key))
/** Every key this node holds as a replica (a persistent map: reading it copies nothing). */
export const localStore = (state: NodeState): HashMap.HashMap<string, VersionSet> => state.store
/** The hints this node holds for other nodes, keyed by hintId (durable.ts). */
export const hintsHeld = (state: NodeState): HashMap.HashMap<string, Hint> => state.hints

/** How many keys and hints the node holds (for status and summaries). */
export const counts = (state: NodeState): { readonly keys: number; readonly hints: number } => ({
  keys: HashMap.size(state.store),
  hints: HashMap.size(state.hints)
})

/** The ring that serves requests now: members and leaving nodes. */
export const servingRing = (state: NodeState): Ring => state.ring
/** The ring once pending joins and leaves complete (the serving ring when none is pending). */
export const targetRingOf = (state: NodeState): Ring => state.targetRing
/** The membership view (section 4.8) as this node holds it. */
export const membersOf = (state: NodeState): MembershipView => state.membership
/**
 * The hand-overs this node owes for a pending ring change. The same array until one changes, so
 * a caller may cache what it derives from them by identity.
 */
export const offersOf = (state: NodeState): ReadonlyArray<Offer> => state.offers

/** The requests this node coordinates and has not closed, by op id. */
export const openRequests = (state: NodeState): ReadonlyArray<Request> =>
  Array.from(HashMap.values(state.requests)).sort((a, b) => a.op - b.op)

/**
 * Fields of NodeState derived from its durable part (rebuilt on recovery and at every view
 * change): a checker comparing states may leave them out of a fingerprint.
 */
export const DERIVED_STATE_FIELDS: ReadonlySet<string> = new Set(["ring", "targetRing", "trees"])
