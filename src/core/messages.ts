// The messages nodes send each other (sections 4.5 and 4.6 of the paper). Every message that
// carries data carries a whole sibling set, merged on arrival with DVV sync: never an overwrite.
import type { NodeId } from "./ring.ts"
import type { VersionSet } from "./versions.ts"
import type { ClientReply, ClientRequest } from "./io.ts"

/** A coordinator-local operation number; (coordinator id, op) names a request cluster-wide. */
export type OpId = number

export type PeerMessage =
  /** Coordinator -> replica (or fallback, with `hintFor` naming the intended node). */
  | { readonly _tag: "Replicate"; readonly op: OpId; readonly key: string; readonly set: VersionSet; readonly hintFor?: NodeId }
  /** Replica -> coordinator, sent only once the replica's copy is durable. */
  | { readonly _tag: "ReplicateAck"; readonly op: OpId; readonly key: string }
  /** Coordinator -> replica: send me your sibling set for `key`. */
  | { readonly _tag: "Read"; readonly op: OpId; readonly key: string }
  | { readonly _tag: "ReadReply"; readonly op: OpId; readonly key: string; readonly set: VersionSet }
  /** Read repair (section 5): a replica that answered stale receives the merged set. No ack. */
  | { readonly _tag: "Repair"; readonly key: string; readonly set: VersionSet; readonly hintFor?: NodeId }
  /** A node outside the key's top N hands the client request to a node inside it. */
  | { readonly _tag: "Forward"; readonly op: OpId; readonly request: ClientRequest }
  | { readonly _tag: "ForwardReply"; readonly op: OpId; readonly reply: ClientReply }
  /** Hinted handoff (section 4.6): fallback -> intended node, and the durable acknowledgement. */
  | { readonly _tag: "HintDeliver"; readonly key: string; readonly set: VersionSet }
  | { readonly _tag: "HintAck"; readonly key: string; readonly set: VersionSet }
  /** Failure detector probes (section 4.9). */
  | { readonly _tag: "Ping" }
  | { readonly _tag: "Pong" }

export type PeerMessageTag = PeerMessage["_tag"]
