// A node's state: the durable part (mirrored on disk through Persist effects) and the volatile
// part (lost on a crash). Plain immutable data; `step` returns a new value every time.
import type { HashMap } from "effect"
import type { ProtocolConfig } from "./config.ts"
import type { Hint } from "./durable.ts"
import type { ClientRequest, ClientRequestId, NodeEffect, WriteRequest } from "./io.ts"
import type { OpId } from "./messages.ts"
import type { MembershipView } from "./membership.ts"
import type { MerkleTree } from "./merkle.ts"
import type { RecentIds } from "./recent.ts"
import type { KeyRange, NodeId, Ring } from "./ring.ts"
import type { VersionSet } from "./versions.ts"

/** Where a coordinator sends its answer: to the local client, or back to a forwarding node. */
export type ReplyRoute =
  | { readonly _tag: "Local" }
  | { readonly _tag: "Forwarded"; readonly node: NodeId; readonly op: OpId; readonly epoch: number }

/** A replica the coordinator asked, and whom it stands in for when it is a fallback. */
export interface Target {
  readonly node: NodeId
  readonly hintFor?: NodeId
}

export interface PutRequest {
  readonly _tag: "Put"
  readonly op: OpId
  readonly client: ClientRequestId
  readonly route: ReplyRoute
  readonly key: string
  readonly w: number
  /** The coordinator's set after the write: what every replica is sent. */
  readonly set: VersionSet
  readonly targets: ReadonlyArray<Target>
  /** Distinct nodes whose copy is durable, in the order they acknowledged. */
  readonly acked: ReadonlyArray<NodeId>
  /**
   * The client was answered (after W acks). The request stays open until N copies are durable
   * or its last timer round: a silent replica is still replaced by a fallback holding a hint, so
   * the write reaches N nodes (section 4.6), not only the W the client waited for.
   */
  readonly replied: boolean
  /** The timer round armed for it (one at a time: each round's firing arms the next). */
  readonly round: number
}

export interface GetRequest {
  readonly _tag: "Get"
  readonly op: OpId
  readonly client: ClientRequestId
  readonly route: ReplyRoute
  readonly key: string
  readonly r: number
  readonly targets: ReadonlyArray<Target>
  readonly answers: ReadonlyArray<{ readonly node: NodeId; readonly set: VersionSet }>
  readonly replied: boolean
  /** The timer round armed for it (one at a time: each round's firing arms the next). */
  readonly round: number
  /**
   * This node's local view of the key when it took the get: its Reads carry its digest
   * (versions.ts `versionsDigest`), and an answer without a set holds it.
   */
  readonly own: VersionSet
}

export type Request = PutRequest | GetRequest

/** A client request this node handed to a coordinator in the key's top N (forward.ts). */
export interface Forwarding {
  readonly op: OpId
  readonly request: WriteRequest
  readonly to: NodeId
  /** The coordinator claimed it and was granted it: never mint it here. */
  readonly accepted: boolean
  /** What the granted coordinator minted: placed here, unchanged, if the coordinator falls silent. */
  readonly minted?: VersionSet
}

/** A put or delete a forwarder handed this node, claimed and not yet granted (forward.ts). */
export interface Claim {
  readonly from: NodeId
  readonly op: OpId
  readonly epoch: number
  readonly request: ClientRequest
  /** Arrival number, so the oldest claims can be forgotten (CLAIMS_MAX). */
  readonly arrival: number
}

/** What to do once a persist record is durable. */
export type Continuation =
  | { readonly _tag: "AckReplicate"; readonly to: NodeId; readonly op: OpId; readonly epoch: number; readonly key: string; readonly hintFor?: NodeId }
  | { readonly _tag: "OwnAck"; readonly op: OpId; readonly hintFor?: NodeId }
  | { readonly _tag: "AckHint"; readonly to: NodeId; readonly key: string; readonly set: VersionSet }
  | { readonly _tag: "EpochDurable" }
  /** A batch of a range hand-over is durable here. */
  | { readonly _tag: "HandoffBatchDurable"; readonly from: NodeId; readonly offer: string; readonly batch: number; readonly batches: number }
  /** The whole offered range is durable here: acknowledge it. */
  | { readonly _tag: "AckHandoff"; readonly to: NodeId; readonly offer: string }

/** A range this node must hand to a node that gains it in a ring change (sections 4.8, 4.9). */
export interface Offer {
  readonly id: string
  readonly range: KeyRange
  readonly to: NodeId
  readonly confirmed: boolean
  /** Sent since it was planned (at most handoffOffersInFlightMax unconfirmed offers are). */
  readonly sent: boolean
  /** Hand-over timer firings since it was last sent, unconfirmed (resent at handoffResendTicks). */
  readonly idleTicks: number
  /** Keys it carried when last sent (counted against handoffKeysInFlightMax while unconfirmed). */
  readonly keys: number
}

export interface NodeState {
  readonly id: NodeId
  readonly config: ProtocolConfig
  // durable (mirrored on disk)
  /** The membership view (section 4.8), reconciled by gossip. */
  readonly membership: MembershipView
  /** Offers received whole while joining. */
  readonly received: ReadonlyArray<string>
  readonly epoch: number
  readonly store: HashMap.HashMap<string, VersionSet>
  readonly hints: HashMap.HashMap<string, Hint>
  // derived from the durable state (rebuilt on recovery and on every view change)
  /** The ring that serves requests: members and leaving nodes. */
  readonly ring: Ring
  /** The ring once pending joins and leaves complete; equal to `ring` when none is pending. */
  readonly targetRing: Ring
  /**
   * One Merkle tree per token range this node replicates, keyed by rangeKey (section 4.7). A
   * persistent map: a key added or removed replaces one tree without copying the hundreds of
   * others. A tree holds exactly the store's keys of its range; after overwrites, older sets of
   * them, taken from the store before any hash is read (merkle.ts trackKey, refreshTree).
   */
  readonly trees: HashMap.HashMap<string, MerkleTree>
  // volatile
  /** Hand-overs this node owes for the pending ring change, confirmed or not. */
  readonly offers: ReadonlyArray<Offer>
  /** Batches received so far per incoming offer id. */
  readonly incoming: ReadonlyMap<string, ReadonlyArray<number>>
  /** False until this incarnation's epoch is durable; until then the node coordinates no write. */
  readonly ready: boolean
  /** Peers this node believes unreachable (local failure detection, section 4.9), sorted. */
  readonly down: ReadonlyArray<NodeId>
  /** Persistent maps: a step changes one request without copying the others. */
  readonly requests: HashMap.HashMap<OpId, Request>
  readonly forwards: HashMap.HashMap<OpId, Forwarding>
  /**
   * Client request ids this node coordinated for a forwarder, at least the last
   * FORWARDED_REMEMBERED_MAX: a duplicated Forward must not coordinate the same write twice
   * (two dots for one write would let a context cover one copy and not the other).
   */
  readonly forwarded: RecentIds
  /** Claimed puts and deletes awaiting their forwarder's grant, keyed by forwarder, epoch and op. */
  readonly claims: { readonly pending: HashMap.HashMap<string, Claim>; readonly next: number }
  /** Persist tokens in emission order with what to do when each is durable. */
  readonly waiters: ReadonlyArray<{ readonly token: number; readonly then: Continuation }>
  readonly nextToken: number
  readonly nextOp: OpId
  /**
   * Where the next anti-entropy round starts among this node's ranges in ring order, when it
   * replicates more ranges than one round compares (ANTI_ENTROPY_RANGES_PER_ROUND_MAX); 0 otherwise.
   */
  readonly antiEntropyNext: number
  /** Anti-entropy firings skipped in a row because the foreground was busy (AE-2); 0 after a round. */
  readonly antiEntropyDeferred: number
  /**
   * Keys in the store this node no longer replicates and has not yet passed on as hints, sorted
   * (at most orphansPerStepMax go per step; the hint scan takes the next). Empty in the
   * simulator and the checker, whose default passes them all on at once.
   */
  readonly orphans: ReadonlyArray<string>
}

/** The buffer a step writes its effects into (Stateright's `Out`, etcd's `Ready`). */
export type Out = Array<NodeEffect>

/** The actor name this incarnation writes into clocks: the node id, qualified after a restart. */
export const actorOf = (state: Pick<NodeState, "id" | "epoch">): string =>
  state.epoch <= 1 ? state.id : `${state.id}#${state.epoch}`
