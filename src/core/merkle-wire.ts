// The Merkle exchange's messages on the wire: positions and hashes travel as decimal strings.
import { Schema } from "effect"
import { RING_POSITIONS } from "./ring.ts"
import { VersionSetSchema } from "./versions.ts"
import type { AntiEntropyMessage } from "./merkle-exchange.ts"
import { HASH_MAX } from "./merkle.ts"

// ---------------------------------------------------------------------------------------------
// Schemas for the wire: positions and hashes travel as decimal strings.

const PositionSchema = Schema.BigIntFromString.check(Schema.isBetweenBigInt({ minimum: 0n, maximum: RING_POSITIONS - 1n }))
const HashSchema = Schema.BigIntFromString.check(Schema.isBetweenBigInt({ minimum: 0n, maximum: HASH_MAX }))
const IndexSchema = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const KeyRangeSchema = Schema.Struct({ start: PositionSchema, end: PositionSchema })
const KeyedSetSchema = Schema.Struct({ key: Schema.String, set: VersionSetSchema })

/** Every anti-entropy message, for the codec's peer-message union. */
export const AntiEntropyMessageSchema = Schema.Union([
  Schema.TaggedStruct("MerkleRoot", { range: KeyRangeSchema, hash: HashSchema }),
  Schema.TaggedStruct("MerkleInSync", { range: KeyRangeSchema }),
  Schema.TaggedStruct("MerkleChildrenRequest", { range: KeyRangeSchema, level: IndexSchema, indices: Schema.Array(IndexSchema) }),
  Schema.TaggedStruct("MerkleChildren", {
    range: KeyRangeSchema, level: IndexSchema,
    nodes: Schema.Array(Schema.Struct({ index: IndexSchema, hashes: Schema.Array(HashSchema) }))
  }),
  Schema.TaggedStruct("MerkleLeafRequest", { range: KeyRangeSchema, buckets: Schema.Array(IndexSchema) }),
  Schema.TaggedStruct("MerkleLeafHashes", {
    range: KeyRangeSchema, buckets: Schema.Array(IndexSchema),
    entries: Schema.Array(Schema.Struct({ key: Schema.String, hash: HashSchema }))
  }),
  Schema.TaggedStruct("MerkleSync", { range: KeyRangeSchema, entries: Schema.Array(KeyedSetSchema), wanted: Schema.Array(Schema.String) }),
  Schema.TaggedStruct("MerkleSyncReply", { range: KeyRangeSchema, entries: Schema.Array(KeyedSetSchema) })
])

type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false
const schemaTypeMatches: Equals<typeof AntiEntropyMessageSchema.Type, AntiEntropyMessage> = true
void schemaTypeMatches
