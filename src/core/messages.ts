// The messages nodes send each other (sections 4.5 and 4.6 of the paper). Every message that
// carries data carries a whole sibling set, merged on arrival with DVV sync: never an overwrite.
import type { NodeId } from "./ring.ts"
import type { VersionSet } from "./versions.ts"
import type { ClientReply, ClientRequest } from "./io.ts"
import type { GossipMessage } from "./membership.ts"
import type { AntiEntropyMessage } from "./merkle-exchange.ts"
import type { KeyedSet } from "./merkle.ts"
import type { KeyRange } from "./ring.ts"

/**
 * A coordinator-local operation number. Numbering restarts with every incarnation, so messages
 * about a request also carry the coordinator's `epoch`: (coordinator, epoch, op) names a request
 * cluster-wide, and a late answer to a previous incarnation's request is never counted for a new one.
 */
export type OpId = number

export type PeerMessage =
  /** Coordinator -> replica (or fallback, with `hintFor` naming the intended node). */
  | { readonly _tag: "Replicate"; readonly op: OpId; readonly epoch: number; readonly key: string; readonly set: VersionSet; readonly hintFor?: NodeId }
  /** Replica -> coordinator, sent only once the replica's copy is durable; `hintFor` echoes the Replicate's. */
  | { readonly _tag: "ReplicateAck"; readonly op: OpId; readonly epoch: number; readonly key: string; readonly hintFor?: NodeId }
  /**
   * Coordinator -> replica: send me your sibling set for `key`. `digest` (versions.ts
   * `versionsDigest`) names the versions the coordinator held when it took the get, when they
   * can be named exactly (DVV).
   */
  | { readonly _tag: "Read"; readonly op: OpId; readonly epoch: number; readonly key: string; readonly digest?: string }
  /**
   * Replica -> coordinator: its whole local view of `key` (hints included, HINT-2); without a
   * `set` when that view's digest is the one the Read carried: the coordinator's own versions.
   */
  | { readonly _tag: "ReadReply"; readonly op: OpId; readonly epoch: number; readonly key: string; readonly set?: VersionSet }
  /** Read repair (section 5): a replica that answered stale receives the merged set. No ack. */
  | { readonly _tag: "Repair"; readonly key: string; readonly set: VersionSet; readonly hintFor?: NodeId }
  /** A node outside the key's top N hands the client request to a node inside it. */
  | { readonly _tag: "Forward"; readonly op: OpId; readonly epoch: number; readonly request: ClientRequest }
  /** Coordinator -> forwarder: I am alive and take this request (a put waits for the grant). */
  | { readonly _tag: "ForwardClaim"; readonly op: OpId; readonly epoch: number }
  /** Forwarder -> coordinator: coordinate the claimed put; the forwarder never mints it (forward.ts). */
  | { readonly _tag: "ForwardGrant"; readonly op: OpId; readonly epoch: number }
  /** Coordinator -> forwarder: the set it minted for the granted put, so the forwarder can place it if the coordinator falls silent. */
  | { readonly _tag: "ForwardMinted"; readonly op: OpId; readonly epoch: number; readonly set: VersionSet }
  | { readonly _tag: "ForwardReply"; readonly op: OpId; readonly epoch: number; readonly reply: ClientReply }
  /** Hinted handoff (section 4.6): fallback -> intended node, and the durable acknowledgement. */
  | { readonly _tag: "HintDeliver"; readonly key: string; readonly set: VersionSet }
  | { readonly _tag: "HintAck"; readonly key: string; readonly set: VersionSet }
  /** Membership gossip (section 4.8). */
  | { readonly _tag: "Gossip"; readonly gossip: GossipMessage }
  /** Merkle-tree anti-entropy between replicas of a range (section 4.7). */
  | { readonly _tag: "AntiEntropy"; readonly exchanges: ReadonlyArray<AntiEntropyMessage> }
  /**
   * A ring change moves `range` to the receiver (sections 4.8, 4.9): batch `batch` of `batches`
   * of its keys; `offer` names the hand-over so the acknowledgement can confirm it.
   */
  | { readonly _tag: "Handoff"; readonly offer: string; readonly range: KeyRange; readonly entries: ReadonlyArray<KeyedSet>; readonly batch: number; readonly batches: number }
  /** The receiver holds the whole offered range durably. */
  | { readonly _tag: "HandoffAck"; readonly offer: string }
  /** A joining node that still lacks these offers (lost acks, a lost disk) asks for them again. */
  | { readonly _tag: "HandoffPull"; readonly offers: ReadonlyArray<string> }
  /** Failure detector probes (section 4.9). */
  | { readonly _tag: "Ping" }
  | { readonly _tag: "Pong" }

export type PeerMessageTag = PeerMessage["_tag"]
