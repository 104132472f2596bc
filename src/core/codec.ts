// Schemas for everything a node exchanges with the outside: peer messages (the wire), client
// requests and replies, inputs and timers (trace files). Decode what arrives; never trust it.
import { Schema } from "effect"
import type { ClientReply, ClientRequest, NodeInput, PersistRecord, Timer } from "./io.ts"
import type { PeerMessage } from "./messages.ts"
import { ValueSchema, VClockSchema, VersionSetSchema } from "./versions.ts"

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
  Schema.TaggedStruct("Replicate", { op: OpSchema, key: Schema.String, set: VersionSetSchema, hintFor: Schema.optionalKey(NodeIdSchema) }),
  Schema.TaggedStruct("ReplicateAck", { op: OpSchema, key: Schema.String }),
  Schema.TaggedStruct("Read", { op: OpSchema, key: Schema.String }),
  Schema.TaggedStruct("ReadReply", { op: OpSchema, key: Schema.String, set: VersionSetSchema }),
  Schema.TaggedStruct("Repair", { key: Schema.String, set: VersionSetSchema, hintFor: Schema.optionalKey(NodeIdSchema) }),
  Schema.TaggedStruct("Forward", { op: OpSchema, request: ClientRequestSchema }),
  Schema.TaggedStruct("ForwardReply", { op: OpSchema, reply: ClientReplySchema }),
  Schema.TaggedStruct("HintDeliver", { key: Schema.String, set: VersionSetSchema }),
  Schema.TaggedStruct("HintAck", { key: Schema.String, set: VersionSetSchema }),
  Schema.TaggedStruct("Ping", {}),
  Schema.TaggedStruct("Pong", {})
])

export const TimerSchema = Schema.Union([
  Schema.TaggedStruct("RequestTimer", { op: OpSchema, round: Schema.Int }),
  Schema.TaggedStruct("ForwardTimer", { op: OpSchema }),
  Schema.TaggedStruct("HintScan", {}),
  Schema.TaggedStruct("Probe", {})
])

export const PersistRecordSchema = Schema.Union([
  Schema.TaggedStruct("StoreKey", { key: Schema.String, set: VersionSetSchema }),
  Schema.TaggedStruct("StoreHint", { intended: NodeIdSchema, key: Schema.String, set: VersionSetSchema }),
  Schema.TaggedStruct("DeleteHint", { intended: NodeIdSchema, key: Schema.String }),
  Schema.TaggedStruct("Epoch", { epoch: Schema.Int })
])

export const NodeInputSchema = Schema.Union([
  Schema.TaggedStruct("Start", { epochFloor: Schema.Int }),
  Schema.TaggedStruct("Client", { request: ClientRequestSchema }),
  Schema.TaggedStruct("Receive", { from: NodeIdSchema, message: PeerMessageSchema }),
  Schema.TaggedStruct("TimerFired", { timer: TimerSchema }),
  Schema.TaggedStruct("PersistDone", { token: Schema.Int })
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
