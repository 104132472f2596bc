// Schemas for everything a node exchanges with the outside: peer messages (the wire), client
// requests and replies, inputs and timers (trace files). Decode what arrives; never trust it.
import { Schema } from "effect"
import type { ClientReply, ClientRequest, NodeInput, PersistRecord, Timer } from "./io.ts"
import type { PeerMessage } from "./messages.ts"
import { ValueSchema, VClockSchema, VersionSetSchema } from "./versions.ts"
import { GossipMessageSchema, MembershipViewSchema } from "./membership.ts"
import { AntiEntropyMessageSchema } from "./merkle-wire.ts"

/** Ring positions travel as decimal strings (JSON has no 128-bit integers). */
const PositionSchema = Schema.BigIntFromString
const KeyRangeSchema = Schema.Struct({ start: PositionSchema, end: PositionSchema })

const NodeIdSchema = Schema.String
const OpSchema = Schema.Int
const Quorum = Schema.Int

export const ClientRequestSchema = Schema.Union([
  Schema.TaggedStruct("Get", { id: Schema.String, key: Schema.String, r: Schema.optionalKey(Quorum) }),
  Schema.TaggedStruct("Put", { id: Schema.String, key: Schema.String, value: Schema.String, context: VClockSchema, w: Schema.optionalKey(Quorum) }),
  Schema.TaggedStruct("Delete", { id: Schema.String, key: Schema.String, context: VClockSchema, w: Schema.optionalKey(Quorum) })
])

const RequestErrorSchema = Schema.Literals(["QuorumTimeout", "TooManySiblings", "ForwardTimeout", "NotReady", "BadQuorum"])

export const ClientReplySchema = Schema.Union([
  Schema.TaggedStruct("GetOk", {
    id: Schema.String, key: Schema.String, values: Schema.Array(Schema.String), siblings: Schema.Array(ValueSchema),
    context: VClockSchema, nodes: Schema.Array(NodeIdSchema)
  }),
  Schema.TaggedStruct("PutOk", {
    id: Schema.String, key: Schema.String, siblings: Schema.Array(ValueSchema), context: VClockSchema, nodes: Schema.Array(NodeIdSchema)
  }),
  Schema.TaggedStruct("Failed", {
    id: Schema.String, key: Schema.String, error: RequestErrorSchema, acks: Schema.Int, nodes: Schema.Array(NodeIdSchema)
  })
])

export const PeerMessageSchema = Schema.Union([
  Schema.TaggedStruct("Replicate", { op: OpSchema, epoch: Schema.Int, key: Schema.String, set: VersionSetSchema, hintFor: Schema.optionalKey(NodeIdSchema) }),
  Schema.TaggedStruct("ReplicateAck", { op: OpSchema, epoch: Schema.Int, key: Schema.String, hintFor: Schema.optionalKey(NodeIdSchema) }),
  Schema.TaggedStruct("Read", { op: OpSchema, epoch: Schema.Int, key: Schema.String, digest: Schema.optionalKey(Schema.String) }),
  Schema.TaggedStruct("ReadReply", { op: OpSchema, epoch: Schema.Int, key: Schema.String, set: Schema.optionalKey(VersionSetSchema) }),
  Schema.TaggedStruct("Repair", { key: Schema.String, set: VersionSetSchema, hintFor: Schema.optionalKey(NodeIdSchema) }),
  Schema.TaggedStruct("Forward", { op: OpSchema, epoch: Schema.Int, request: ClientRequestSchema }),
  Schema.TaggedStruct("ForwardClaim", { op: OpSchema, epoch: Schema.Int }),
  Schema.TaggedStruct("ForwardGrant", { op: OpSchema, epoch: Schema.Int }),
  Schema.TaggedStruct("ForwardMinted", { op: OpSchema, epoch: Schema.Int, set: VersionSetSchema }),
  Schema.TaggedStruct("ForwardReply", { op: OpSchema, epoch: Schema.Int, reply: ClientReplySchema }),
  Schema.TaggedStruct("HintDeliver", { key: Schema.String, set: VersionSetSchema }),
  Schema.TaggedStruct("HintAck", { key: Schema.String, set: VersionSetSchema }),
  Schema.TaggedStruct("Gossip", { gossip: GossipMessageSchema }),
  Schema.TaggedStruct("AntiEntropy", { exchanges: Schema.Array(AntiEntropyMessageSchema) }),
  Schema.TaggedStruct("Handoff", {
    offer: Schema.String, range: KeyRangeSchema,
    entries: Schema.Array(Schema.Struct({ key: Schema.String, set: VersionSetSchema })),
    batch: Schema.Int, batches: Schema.Int
  }),
  Schema.TaggedStruct("HandoffAck", { offer: Schema.String }),
  Schema.TaggedStruct("HandoffPull", { offers: Schema.Array(Schema.String) }),
  Schema.TaggedStruct("Ping", {}),
  Schema.TaggedStruct("Pong", {})
])

export const TimerSchema = Schema.Union([
  Schema.TaggedStruct("RequestTimer", { op: OpSchema, round: Schema.Int }),
  Schema.TaggedStruct("ForwardTimer", { op: OpSchema }),
  Schema.TaggedStruct("HintScan", {}),
  Schema.TaggedStruct("Probe", {}),
  Schema.TaggedStruct("Gossip", {}),
  Schema.TaggedStruct("AntiEntropy", {}),
  Schema.TaggedStruct("Handoff", {})
])

export const PersistRecordSchema = Schema.Union([
  Schema.TaggedStruct("StoreKey", { key: Schema.String, set: VersionSetSchema }),
  Schema.TaggedStruct("StoreHint", { intended: NodeIdSchema, key: Schema.String, set: VersionSetSchema }),
  Schema.TaggedStruct("DeleteHint", { intended: NodeIdSchema, key: Schema.String }),
  Schema.TaggedStruct("Epoch", { epoch: Schema.Int }),
  Schema.TaggedStruct("Membership", { view: MembershipViewSchema }),
  Schema.TaggedStruct("HandoffReceived", { offer: Schema.String })
])

export const AdminCommandSchema = Schema.Union([
  Schema.TaggedStruct("Join", { node: NodeIdSchema, capacity: Schema.optionalKey(Schema.Finite), address: Schema.optionalKey(Schema.String), zone: Schema.optionalKey(Schema.String) }),
  Schema.TaggedStruct("Leave", { node: NodeIdSchema })
])

export const NodeInputSchema = Schema.Union([
  Schema.TaggedStruct("Start", { epochFloor: Schema.Int }),
  Schema.TaggedStruct("Client", { request: ClientRequestSchema }),
  Schema.TaggedStruct("Receive", { from: NodeIdSchema, message: PeerMessageSchema }),
  Schema.TaggedStruct("TimerFired", { timer: TimerSchema, pick: Schema.optionalKey(Schema.Int), busy: Schema.optionalKey(Schema.Boolean) }),
  Schema.TaggedStruct("Admin", { command: AdminCommandSchema }),
  Schema.TaggedStruct("PersistDone", { token: Schema.Int }),
  Schema.TaggedStruct("PeerUnreachable", { node: NodeIdSchema }),
  Schema.TaggedStruct("Beliefs", { down: Schema.Array(NodeIdSchema) })
])

// The schemas' decoded types are exactly the hand-written ones in io.ts and messages.ts.
type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false
const schemaTypesMatch: [
  Equals<typeof ClientRequestSchema.Type, ClientRequest>,
  Equals<typeof ClientReplySchema.Type, ClientReply>,
  Equals<typeof PeerMessageSchema.Type, PeerMessage>,
  Equals<typeof TimerSchema.Type, Timer>,
  Equals<typeof PersistRecordSchema.Type, PersistRecord>,
  Equals<typeof NodeInputSchema.Type, NodeInput>
] = [true, true, true, true, true, true]
void schemaTypesMatch
