// Decoding of the ITF traces (Informal Trace Format) that `quint run --mbt --out-itf` writes for
// spec/dynamo.qnt: every state of the model that the conformance driver compares with the core,
// and the action and nondeterministic picks (`mbt::actionTaken`, `mbt::nondetPicks`) that led
// to it. ITF encodes ints as {"#bigint": "3"}, sets as {"#set": [...]}, maps as
// {"#map": [[k, v], ...]}, tuples as {"#tup": [...]} and sum types as {"tag": T, "value": v};
// the schemas below turn them into plain TypeScript values. Fields the driver does not need
// (the ghost state of the invariants) are ignored.
import { Result, Schema, SchemaTransformation } from "effect"

// ---------------------------------------------------------------------------------------------
// ITF encodings

/** {"#bigint": "3"} -> 3 (the model's ints are small). */
export const ItfInt = Schema.Struct({ "#bigint": Schema.String }).pipe(
  Schema.decodeTo(
    Schema.Int,
    SchemaTransformation.transform({
      decode: (raw: { readonly "#bigint": string }) => Number(raw["#bigint"]),
      encode: (n: number) => ({ "#bigint": String(n) })
    })
  )
)

/** {"#set": [...]} -> an array (ITF lists set elements in a canonical order). */
export const ItfSet = <S extends Schema.Top>(item: S) =>
  Schema.Struct({ "#set": Schema.Array(item) }).pipe(
    Schema.decodeTo(
      Schema.Array(Schema.toType(item)),
      SchemaTransformation.transform({ decode: (raw) => raw["#set"], encode: (items) => ({ "#set": items }) })
    )
  )

/** {"#map": [[k, v], ...]} -> an array of [k, v] pairs. */
export const ItfMap = <K extends Schema.Top, V extends Schema.Top>(key: K, value: V) => {
  const pair = Schema.Tuple([key, value])
  return Schema.Struct({ "#map": Schema.Array(pair) }).pipe(
    Schema.decodeTo(
      Schema.Array(Schema.toType(pair)),
      SchemaTransformation.transform({ decode: (raw) => raw["#map"], encode: (pairs) => ({ "#map": pairs }) })
    )
  )
}

/** The unit value of a sum type's nullary case: {"#tup": []}. */
const ItfUnit = Schema.Struct({ "#tup": Schema.Tuple([]) })

/** A nondet pick: {"tag": "Some", "value": v} -> v, {"tag": "None", ...} -> undefined. */
export const ItfPick = <S extends Schema.Top>(value: S) =>
  Schema.Union([
    Schema.Struct({ tag: Schema.Literal("Some"), value }),
    Schema.Struct({ tag: Schema.Literal("None"), value: Schema.Unknown })
  ]).pipe(
    Schema.decodeTo(
      Schema.UndefinedOr(Schema.toType(value)),
      SchemaTransformation.transform({
        decode: (pick) => {
          // The union's type is not resolved for a generic member schema; its shape is fixed.
          const p = pick as { readonly tag: "Some" | "None"; readonly value: unknown }
          return p.tag === "Some" ? (p.value as S["Type"]) : undefined
        },
        encode: (v) => (v === undefined ? { tag: "None" as const, value: { "#tup": [] } } : { tag: "Some" as const, value: v })
      })
    )
  )

// ---------------------------------------------------------------------------------------------
// The model's types (spec/dynamo.qnt, section "Types")

const NodeId = Schema.String
const Key = Schema.String

/** (node, incarnation): the core's actor name is `node` at epoch 1, `node#epoch` after. */
export const Actor = Schema.Struct({ node: NodeId, epoch: ItfInt })
export type Actor = typeof Actor.Type

export const Sibling = Schema.Struct({ dotActor: Actor, dotCounter: ItfInt, writeId: ItfInt, tombstone: Schema.Boolean })
export type Sibling = typeof Sibling.Type

export const Versions = Schema.Struct({ context: ItfMap(Actor, ItfInt), siblings: ItfSet(Sibling) })
export type Versions = typeof Versions.Type

export const Hint = Schema.Struct({ holder: NodeId, intended: NodeId, key: Key, versions: Versions })
export type Hint = typeof Hint.Type

/** Home -> undefined; Fallback(n) -> n (the node the hint is meant for). */
const Placement = Schema.Union([
  Schema.Struct({ tag: Schema.Literal("Home"), value: ItfUnit }),
  Schema.Struct({ tag: Schema.Literal("Fallback"), value: NodeId })
]).pipe(
  Schema.decodeTo(
    Schema.UndefinedOr(Schema.String),
    SchemaTransformation.transform({
      decode: (placement) => (placement.tag === "Fallback" ? placement.value : undefined),
      encode: (hintFor) =>
        hintFor === undefined ? { tag: "Home" as const, value: { "#tup": [] as [] } } : { tag: "Fallback" as const, value: hintFor }
    })
  )
)

export const ReplicateBody = Schema.Struct({
  src: NodeId, dst: NodeId, key: Key, writeId: ItfInt, versions: Versions, placement: Placement
})
export type ReplicateBody = typeof ReplicateBody.Type
export const AckBody = Schema.Struct({ src: NodeId, dst: NodeId, writeId: ItfInt })
export type AckBody = typeof AckBody.Type
export const HandoffBody = Schema.Struct({ src: NodeId, dst: NodeId, hint: Hint })
export type HandoffBody = typeof HandoffBody.Type
export const RepairBody = Schema.Struct({ src: NodeId, dst: NodeId, key: Key, versions: Versions })
export type RepairBody = typeof RepairBody.Type

export const Message = Schema.Union([
  Schema.Struct({ tag: Schema.Literal("Replicate"), value: ReplicateBody }),
  Schema.Struct({ tag: Schema.Literal("Ack"), value: AckBody }),
  Schema.Struct({ tag: Schema.Literal("Handoff"), value: HandoffBody }),
  Schema.Struct({ tag: Schema.Literal("HandoffAck"), value: HandoffBody }),
  Schema.Struct({ tag: Schema.Literal("Repair"), value: RepairBody })
])
export type Message = typeof Message.Type

export const Read = Schema.Struct({
  key: Key,
  coordinator: NodeId,
  epoch: ItfInt,
  responders: ItfSet(NodeId),
  replies: ItfMap(NodeId, Versions),
  versions: Versions,
  open: Schema.Boolean
})
export type Read = typeof Read.Type

/** Every nondet name of the model's actions; each state records all of them, None when unused. */
export const Picks = Schema.Struct({
  coordinator: ItfPick(NodeId),
  key: ItfPick(Key),
  contextFromRead: ItfPick(ItfInt),
  responders: ItfPick(ItfSet(NodeId)),
  replicate: ItfPick(ReplicateBody),
  ack: ItfPick(AckBody),
  hint: ItfPick(Hint),
  handoff: ItfPick(HandoffBody),
  handoffAck: ItfPick(HandoffBody),
  read: ItfPick(ItfInt),
  repair: ItfPick(RepairBody),
  node: ItfPick(NodeId),
  peer: ItfPick(NodeId),
  message: ItfPick(Message)
})
export type Picks = typeof Picks.Type

/** The actions of spec/dynamo.qnt's `step` (and `init` for state 0). */
export const ActionName = Schema.Literals([
  "init",
  "ClientPut",
  "ClientDelete",
  "ClientGet",
  "DeliverReplicate",
  "DeliverAck",
  "DeliverHint",
  "DeliverHandoff",
  "DeliverHandoffAck",
  "ReadRepair",
  "DeliverRepair",
  "SyncReplicas",
  "Crash",
  "Restart",
  "DropMessage"
])
export type ActionName = typeof ActionName.Type

/** One state of the model, restricted to what the driver maps and compares. */
export const ModelState = Schema.Struct({
  "mbt::actionTaken": ActionName,
  "mbt::nondetPicks": Picks,
  store: ItfMap(NodeId, ItfMap(Key, Versions)),
  hints: ItfSet(Hint),
  messages: ItfSet(Message),
  up: ItfSet(NodeId),
  incarnation: ItfMap(NodeId, ItfInt),
  reads: ItfMap(ItfInt, Read),
  acked: ItfSet(ItfInt),
  nextWrite: ItfInt,
  nextRead: ItfInt
})
export type ModelState = typeof ModelState.Type

export const ItfTrace = Schema.Struct({
  vars: Schema.Array(Schema.String),
  states: Schema.Array(ModelState)
})
export type ItfTrace = typeof ItfTrace.Type

/** Decodes a parsed ITF document; the error names the path of the first field that did not fit. */
export const decodeItfTrace = (json: unknown): { readonly _tag: "Ok"; readonly trace: ItfTrace } | { readonly _tag: "Error"; readonly message: string } => {
  const decoded = Schema.decodeUnknownResult(ItfTrace)(json)
  return Result.isSuccess(decoded)
    ? { _tag: "Ok", trace: decoded.success }
    : { _tag: "Error", message: decoded.failure.message }
}
