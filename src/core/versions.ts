// The sibling set a replica stores for one key (DeCandia et al., section 4.4 "Data Versioning"
// and 4.5): a put with a context replaces exactly the versions that context has seen; replicas
// merge by syntactic reconciliation; a delete is a put of a tombstone. One API, three clock modes:
// "dvv" (dotted version vectors, the default), "vv" (the paper's per-version vector clocks) and
// "lww" (last-writer-wins by timestamp, as Cassandra and Riak's last_write_wins offer; it exists
// so the model checker can show the writes it loses, never as a recommendation).

import { Result, Schema } from "effect"
import { base64UrlOf, textOfBase64Url } from "./base64url.ts"
import * as Dvv from "./dvv.ts"
import * as VClock from "./vclock.ts"

export type { VClock } from "./vclock.ts"

/**
 * "dvv": one causal context per key plus dotted siblings (Riak 2.0's DVVSet); two puts through
 * one coordinator from one context stay siblings. "vv": the paper's scheme, one vector clock per
 * version; such puts get equal clocks and one silently replaces the other. "lww": no causality
 * at all; each key holds one version, and of two versions the one with the later timestamp wins,
 * so a concurrent write, even an acknowledged one, is silently dropped.
 */
export type ClockMode = "dvv" | "vv" | "lww"

/** A stored version's payload; a delete writes a `Tombstone`, an ordinary version (DEL-1). */
export type Value = { readonly _tag: "Put"; readonly value: string } | { readonly _tag: "Tombstone"; readonly id: string }

export interface VersionsConfig {
  readonly mode: ClockMode
  /** vv only: keep at most this many clock entries, oldest dropped (paper: about 10). undefined = off. */
  readonly truncateAt?: number
  /** A put that leaves more siblings than this succeeds with a warning. */
  readonly siblingsWarn: number
  /** A put that would leave more siblings than this is refused. */
  readonly siblingsMax: number
}

/** Riak's defaults: warn above 25 siblings, refuse above 100. */
export const siblingsWarnDefault = 25
export const siblingsMaxDefault = 100

export const defaultVersionsConfig: VersionsConfig = {
  mode: "dvv",
  siblingsWarn: siblingsWarnDefault,
  siblingsMax: siblingsMaxDefault
}

/** One version of the paper's scheme: a value and the vector clock the coordinator gave it. */
export interface VvSibling {
  readonly clock: VClock.VClock
  readonly value: Value
}

/**
 * One version under last-writer-wins: the value, the coordinator's timestamp (the `now` it
 * coordinated at) and the coordinator's actor name, which breaks timestamp ties.
 */
export interface LwwVersion {
  readonly time: number
  readonly actor: string
  readonly value: Value
}

/**
 * The versions of one key held by one replica, as plain canonical JSON: equal states have equal
 * `JSON.stringify`. In "vv" mode the siblings are pairwise concurrent and sorted by clock; in
 * "lww" mode there is at most one version.
 */
export type VersionSet =
  | { readonly mode: "dvv"; readonly entries: Dvv.DvvSet<Value> }
  | { readonly mode: "vv"; readonly siblings: ReadonlyArray<VvSibling> }
  | { readonly mode: "lww"; readonly versions: ReadonlyArray<LwwVersion> }

export type PutResult =
  | { readonly _tag: "Ok"; readonly set: VersionSet; readonly warning?: string }
  | { readonly _tag: "TooManySiblings"; readonly count: number; readonly max: number }

const assert: (condition: boolean, message: string) => asserts condition = (condition, message) => {
  if (!condition) throw new Error(`versions: ${message}`)
}

const emptyDvv: VersionSet = { mode: "dvv", entries: Dvv.empty }
const emptyVv: VersionSet = { mode: "vv", siblings: [] }
const emptyLww: VersionSet = { mode: "lww", versions: [] }

/** The set of a key never written, in the given mode. */
export const emptyVersionSet = (mode: ClockMode): VersionSet =>
  mode === "dvv" ? emptyDvv : mode === "vv" ? emptyVv : emptyLww

/** A put of `value`. */
export const putValue = (value: string): Value => ({ _tag: "Put", value })

/** The value a delete writes. */
export const tombstone = (id: string): Value => ({ _tag: "Tombstone", id })

/** The same value with its keys in canonical order, so the set's JSON is canonical. */
const canonicalValue = (value: Value): Value => (value._tag === "Put" ? putValue(value.value) : tombstone(value.id))

/** Whether the set holds nothing (the state of a key never written, in any mode). */
export function isEmptySet(set: VersionSet): boolean {
  switch (set.mode) {
    case "dvv":
      return set.entries.length === 0
    case "vv":
      return set.siblings.length === 0
    case "lww":
      return set.versions.length === 0
  }
}

/** The number of siblings held (tombstones included). */
export function siblingCount(set: VersionSet): number {
  switch (set.mode) {
    case "dvv":
      return Dvv.size(set.entries)
    case "vv":
      return set.siblings.length
    case "lww":
      return set.versions.length
  }
}

/**
 * What a Read carries so that a replica holding the same versions can answer without them
 * (docs/performance.md, fourteenth round): the set's dots under DVV, where equal dots mean equal
 * versions. undefined under vv and lww, where they do not: two puts through one coordinator
 * from one context get equal vv clocks, and replicas may keep different ones of the two.
 */
export function versionsDigest(set: VersionSet): string | undefined {
  return hasDigest(set) ? Dvv.dotsDigest(set.entries) : undefined
}

/** Whether versionsDigest names `set`'s versions (without building the digest). */
export function hasDigest(set: VersionSet): set is Extract<VersionSet, { readonly mode: "dvv" }> {
  return set.mode === "dvv"
}

/** Both sets hold the same versions (an empty set equals the empty set of any other mode). */
export function sameVersions(a: VersionSet, b: VersionSet): boolean {
  if (a === b) return true
  if (isEmptySet(a) || isEmptySet(b)) return isEmptySet(a) && isEmptySet(b)
  // Field by field rather than comparing JSON texts: it runs on every read-repair decision, and
  // it does not depend on the order in which a constructor or a decoder wrote the fields.
  switch (a.mode) {
    case "dvv":
      return b.mode === "dvv" && sameArray(a.entries, b.entries, (x, y) =>
        x.node === y.node && x.counter === y.counter && x.time === y.time && sameArray(x.values, y.values, sameValue))
    case "vv":
      return b.mode === "vv" && sameArray(a.siblings, b.siblings, (x, y) => sameValue(x.value, y.value) && sameClock(x.clock, y.clock))
    case "lww":
      return b.mode === "lww" && sameArray(a.versions, b.versions, (x, y) => x.time === y.time && x.actor === y.actor && sameValue(x.value, y.value))
  }
}

function sameArray<T>(a: ReadonlyArray<T>, b: ReadonlyArray<T>, same: (x: T, y: T) => boolean): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!same(a[i]!, b[i]!)) return false
  return true
}

const sameValue = (a: Value, b: Value): boolean =>
  a === b || (a._tag === "Put" ? b._tag === "Put" && a.value === b.value : b._tag === "Tombstone" && a.id === b.id)

const sameClock = (a: VClock.VClock, b: VClock.VClock): boolean =>
  sameArray(a, b, (x, y) => x.node === y.node && x.counter === y.counter && x.time === y.time)

/** `set` in `mode`; an empty set of another mode is accepted, a non-empty one is a bug. */
function inMode<M extends ClockMode>(mode: M, set: VersionSet): Extract<VersionSet, { mode: M }> {
  if (set.mode === mode) return set as Extract<VersionSet, { mode: M }>
  assert(isEmptySet(set), `a non-empty "${set.mode}" version set met a "${mode}" configuration`)
  return emptyVersionSet(mode) as Extract<VersionSet, { mode: M }>
}

function checkConfig(cfg: VersionsConfig): void {
  assert(
    Number.isSafeInteger(cfg.siblingsWarn) && Number.isSafeInteger(cfg.siblingsMax) &&
      cfg.siblingsWarn >= 1 && cfg.siblingsWarn <= cfg.siblingsMax,
    `need 1 <= siblingsWarn <= siblingsMax, got ${cfg.siblingsWarn} and ${cfg.siblingsMax}`
  )
  assert(
    cfg.truncateAt === undefined || (Number.isSafeInteger(cfg.truncateAt) && cfg.truncateAt >= 1),
    `truncateAt must be a positive integer, got ${cfg.truncateAt}`
  )
}

// ---------------------------------------------------------------------------------------------
// The paper's scheme ("vv"): a list of pairwise concurrent versions, each with its own clock.

/** Lexicographic order on clocks, entry by entry (node, counter, time); shorter first on a tie. */
function compareClockOrder(a: VClock.VClock, b: VClock.VClock): number {
  const length = Math.min(a.length, b.length)
  for (let k = 0; k < length; k++) {
    const x = a[k]!
    const y = b[k]!
    const byEntry = VClock.compareNodeIds(x.node, y.node) || x.counter - y.counter || x.time - y.time
    if (byEntry !== 0) return byEntry
  }
  return a.length - b.length
}

const compareValueOrder = (x: Value, y: Value): number =>
  x._tag === "Put" && y._tag === "Put"
    ? VClock.compareNodeIds(x.value, y.value)
    : x._tag === "Tombstone" && y._tag === "Tombstone"
      ? VClock.compareNodeIds(x.id, y.id)
      : x._tag === "Tombstone" ? -1 : 1

/** The canonical order of vv siblings: by clock, then by value. */
const compareSiblingOrder = (x: VvSibling, y: VvSibling): number =>
  compareClockOrder(x.clock, y.clock) || compareValueOrder(x.value, y.value)

const latestTime = (clock: VClock.VClock): number => {
  let time = -Infinity
  for (const entry of clock) if (entry.time > time) time = entry.time
  return time
}

/**
 * Of two versions whose clocks are equal, the one a replica keeps: the paper treats equal clocks
 * as one version, so one silently replaces the other. The later one (by entry time) wins, as at
 * the coordinator; the rest is a total order so that every replica picks the same one.
 */
const equalClockWinner = (x: VvSibling, y: VvSibling): VvSibling => {
  const byTime = latestTime(x.clock) - latestTime(y.clock)
  if (byTime !== 0) return byTime > 0 ? x : y
  return compareSiblingOrder(x, y) >= 0 ? x : y
}

/** The causally maximal versions among `candidates`, equal clocks deduplicated, sorted. */
function maximalSiblings(candidates: ReadonlyArray<VvSibling>): ReadonlyArray<VvSibling> {
  const kept: Array<VvSibling> = []
  candidates: for (const candidate of candidates) {
    for (let k = 0; k < kept.length; k++) {
      const ordering = VClock.compare(candidate.clock, kept[k]!.clock)
      if (ordering === "Before") continue candidates
      if (ordering === "Equal") {
        kept[k] = equalClockWinner(candidate, kept[k]!)
        continue candidates
      }
      if (ordering === "After") kept.splice(k--, 1)
    }
    kept.push(candidate)
  }
  return kept.sort(compareSiblingOrder)
}

function isCanonicalVv(siblings: ReadonlyArray<VvSibling>): boolean {
  for (let i = 0; i < siblings.length; i++) {
    const sibling = siblings[i]!
    if (!VClock.isCanonical(sibling.clock)) return false
    const next = siblings[i + 1]
    if (next !== undefined && compareSiblingOrder(sibling, next) >= 0) return false
    for (let j = i + 1; j < siblings.length; j++) {
      if (VClock.compare(sibling.clock, siblings[j]!.clock) !== "Concurrent") return false
    }
  }
  return true
}

function coordinateVv(
  cfg: VersionsConfig,
  stored: ReadonlyArray<VvSibling>,
  context: VClock.VClock,
  value: Value,
  actor: string,
  time: number
): ReadonlyArray<VvSibling> {
  const incremented = VClock.increment(context, actor, time)
  const clock = cfg.truncateAt === undefined ? incremented : VClock.truncate(incremented, cfg.truncateAt)
  // Section 4.4: the new version replaces every version its clock descends, an equal clock
  // included (the paper's lost update when two puts share a coordinator and a context).
  const kept = stored.filter((sibling) => !VClock.descends(clock, sibling.clock))
  // A stored version newer than the new one can only exist when dots were reused; the paper's
  // syntactic reconciliation then keeps the newer one, exactly as a replica merge would.
  if (kept.some((sibling) => VClock.compare(sibling.clock, clock) === "After")) return kept
  return [...kept, { clock, value }].sort(compareSiblingOrder)
}

// ---------------------------------------------------------------------------------------------
// Last-writer-wins ("lww"): one version per key; the later timestamp wins, then the larger actor
// name, then the larger value, so every replica picks the same winner whatever the merge order.

const compareLwwOrder = (x: LwwVersion, y: LwwVersion): number =>
  x.time - y.time || VClock.compareNodeIds(x.actor, y.actor) || compareValueOrder(x.value, y.value)

function lwwWinner(a: ReadonlyArray<LwwVersion>, b: ReadonlyArray<LwwVersion>): ReadonlyArray<LwwVersion> {
  const x = a[0]
  const y = b[0]
  if (y === undefined) return a
  if (x === undefined) return b
  return compareLwwOrder(x, y) >= 0 ? a : b
}

function isCanonicalLww(versions: ReadonlyArray<LwwVersion>): boolean {
  return versions.length <= 1 && versions.every((version) => Number.isFinite(version.time))
}

// ---------------------------------------------------------------------------------------------
// The API the protocol code uses, for every mode.

/**
 * The coordinator's side of a put (section 4.5): makes the new version from the client's
 * `context` against the coordinator's `stored` set, at virtual time `time`. The versions the
 * context has seen are replaced; the others stay as siblings. Refused when the result would hold
 * more than `siblingsMax` siblings; warns above `siblingsWarn`.
 */
export function coordinatePut(
  cfg: VersionsConfig,
  stored: VersionSet,
  context: VClock.VClock,
  value: Value,
  actor: string,
  time: number
): PutResult {
  checkConfig(cfg)
  assert(VClock.isCanonical(context), "the put's context is not a canonical vector clock")
  const fresh = canonicalValue(value)
  const set = coordinateInMode(cfg, stored, context, fresh, actor, time)
  const count = siblingCount(set)
  if (count > cfg.siblingsMax) return { _tag: "TooManySiblings", count, max: cfg.siblingsMax }
  if (count > cfg.siblingsWarn) {
    return { _tag: "Ok", set, warning: `${count} siblings, above the warning threshold of ${cfg.siblingsWarn}` }
  }
  return { _tag: "Ok", set }
}

function coordinateInMode(
  cfg: VersionsConfig,
  stored: VersionSet,
  context: VClock.VClock,
  value: Value,
  actor: string,
  time: number
): VersionSet {
  switch (cfg.mode) {
    case "dvv":
      return { mode: "dvv", entries: Dvv.update(inMode("dvv", stored).entries, context, value, actor, time) }
    case "vv":
      return { mode: "vv", siblings: coordinateVv(cfg, inMode("vv", stored).siblings, context, value, actor, time) }
    case "lww":
      // The context is ignored: last-writer-wins has no notion of what the client had seen.
      assert(Number.isFinite(time), `time must be finite, got ${time}`)
      return { mode: "lww", versions: lwwWinner(inMode("lww", stored).versions, [{ time, actor, value }]) }
  }
}

/** Merge of two sets in one mode (the mode of the non-empty one). */
function syncSets(mode: ClockMode, a: VersionSet, b: VersionSet): VersionSet {
  if (mode === "dvv") {
    const left = inMode("dvv", a)
    const right = inMode("dvv", b)
    const entries = Dvv.sync(left.entries, right.entries)
    // One side unchanged is that side itself (Dvv.sync hands back its entries): same identity.
    return entries.length === 0 ? emptyDvv : entries === right.entries ? right : entries === left.entries ? left : { mode: "dvv", entries }
  }
  if (mode === "lww") {
    const left = inMode("lww", a)
    const right = inMode("lww", b)
    return lwwWinner(left.versions, right.versions) === left.versions ? left : right
  }
  const left = inMode("vv", a).siblings
  const right = inMode("vv", b).siblings
  if (right.length === 0) return inMode("vv", a)
  if (left.length === 0) return inMode("vv", b)
  return { mode: "vv", siblings: maximalSiblings([...left, ...right]) }
}

/**
 * The replica-side merge (replication, read repair, hinted handoff, anti-entropy): keeps every
 * version the other side has not superseded; never overwrites. Commutative, associative,
 * idempotent.
 */
export function syncVersions(cfg: VersionsConfig, a: VersionSet, b: VersionSet): VersionSet {
  return syncSets(cfg.mode, a, b)
}

/** The mode two sets are in, taken from a non-empty one. */
const modeOf = (a: VersionSet, b: VersionSet): ClockMode => (isEmptySet(a) ? b.mode : a.mode)

/**
 * Whether `a` has seen everything `b` holds: syncVersions(a, b) equals `a`. Read repair uses it
 * to find the replicas whose set is stale.
 */
export function covers(a: VersionSet, b: VersionSet): boolean {
  if (isEmptySet(b)) return true
  return sameVersions(syncSets(modeOf(a, b), a, b), a)
}

/** The causal context a get returns to the client, to be passed back with its next put. */
export function contextOf(set: VersionSet): VClock.VClock {
  if (set.mode === "dvv") return Dvv.join(set.entries)
  // Last-writer-wins keeps no causal history: its context is always empty.
  if (set.mode === "lww") return VClock.empty
  let context: VClock.VClock = VClock.empty
  for (const sibling of set.siblings) context = VClock.merge(context, sibling.clock)
  return context
}

/** Every sibling, tombstones included, in a deterministic order. */
export function siblingValues(set: VersionSet): ReadonlyArray<Value> {
  switch (set.mode) {
    case "dvv":
      return Dvv.values(set.entries)
    case "vv":
      return set.siblings.map((sibling) => sibling.value)
    case "lww":
      return set.versions.map((version) => version.value)
  }
}

/** The values a client sees: siblings without the tombstones (DEL-1), in a deterministic order. */
export function liveValues(set: VersionSet): ReadonlyArray<string> {
  const live: Array<string> = []
  for (const value of siblingValues(set)) if (value._tag === "Put") live.push(value.value)
  return live
}

/** Whether `set` is canonical for its mode (what the schemas demand of decoded data). */
export function isCanonicalVersionSet(set: VersionSet): boolean {
  switch (set.mode) {
    case "dvv":
      return Dvv.isCanonical(set.entries)
    case "vv":
      return isCanonicalVv(set.siblings)
    case "lww":
      return isCanonicalLww(set.versions)
  }
}

// ---------------------------------------------------------------------------------------------
// Schemas for what crosses a boundary: the wire, the disk, trace files, the client's context.

const CounterSchema = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1))

const VClockEntrySchema = Schema.Struct({ node: Schema.String, counter: CounterSchema, time: Schema.Finite })

/** A canonical vector clock: entries sorted by node id without duplicates, counters >= 1. */
export const VClockSchema = Schema.Array(VClockEntrySchema).check(
  Schema.makeFilter((clock: VClock.VClock) =>
    VClock.isCanonical(clock) ? undefined : "a vector clock must be sorted by node id, without duplicates"
  )
)

export const ValueSchema = Schema.Union([
  Schema.TaggedStruct("Put", { value: Schema.String }),
  Schema.TaggedStruct("Tombstone", { id: Schema.String })
])

const DvvEntrySchema = Schema.Struct({
  node: Schema.String,
  counter: CounterSchema,
  time: Schema.Finite,
  values: Schema.Array(ValueSchema)
})

const DvvVersionSetSchema = Schema.Struct({
  mode: Schema.Literal("dvv"),
  entries: Schema.Array(DvvEntrySchema)
}).check(
  Schema.makeFilter((set: { readonly entries: Dvv.DvvSet<Value> }) =>
    Dvv.isCanonical(set.entries)
      ? undefined
      : "dvv entries must be sorted by node id, without duplicates, holding at most `counter` values"
  )
)

const VvVersionSetSchema = Schema.Struct({
  mode: Schema.Literal("vv"),
  siblings: Schema.Array(Schema.Struct({ clock: VClockSchema, value: ValueSchema }))
}).check(
  Schema.makeFilter((set: { readonly siblings: ReadonlyArray<VvSibling> }) =>
    isCanonicalVv(set.siblings) ? undefined : "vv siblings must be pairwise concurrent and sorted by clock"
  )
)

const LwwVersionSetSchema = Schema.Struct({
  mode: Schema.Literal("lww"),
  versions: Schema.Array(Schema.Struct({ time: Schema.Finite, actor: Schema.String, value: ValueSchema }))
}).check(
  Schema.makeFilter((set: { readonly versions: ReadonlyArray<LwwVersion> }) =>
    isCanonicalLww(set.versions) ? undefined : "an lww set holds at most one version"
  )
)

/** A stored version set, in canonical form, in any mode. */
export const VersionSetSchema = Schema.Union([DvvVersionSetSchema, VvVersionSetSchema, LwwVersionSetSchema])

/**
 * The clock inside a client's opaque context string (base64url of the clock's canonical JSON),
 * decoded with the clock's Schema. The two layers around it are undone by hand before it
 * (textOfBase64Url, JSON.parse): composed as Schema transformations
 * (StringFromBase64Url, fromJsonString) they run as effects, and on a node between two requests
 * that cost 34-45 µs of every put with a context, against 5-9 for these steps (issue 19, round 6,
 * docs/performance.md).
 * Built once: building a decoder per call cost more than the decode itself. The network shell
 * has it generated by Effect's Schema JIT compiler (src/net/kv-request.ts); the parser is resolved
 * at its first use, so that applies here too.
 */
const decodeContextClock = Schema.decodeUnknownResult(VClockSchema)

// The schemas' decoded types are exactly the hand-written ones.
type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false
const schemaTypesMatch: [
  Equals<typeof VClockSchema.Type, VClock.VClock>,
  Equals<typeof ValueSchema.Type, Value>,
  Equals<typeof VersionSetSchema.Type, VersionSet>
] = [true, true, true]
void schemaTypesMatch

/** The opaque context string a client gets: base64url of the canonical JSON of the clock. */
export function encodeContext(context: VClock.VClock): string {
  assert(VClock.isCanonical(context), "cannot encode a non-canonical context")
  if (context.length === 0) return ""
  return base64UrlOf(JSON.stringify(context.map((entry) => ({ node: entry.node, counter: entry.counter, time: entry.time }))))
}

/** Decodes a client's context string; "" is the empty context (a blind put). */
export function decodeContext(
  text: string
): { readonly _tag: "Ok"; readonly context: VClock.VClock } | { readonly _tag: "Error"; readonly message: string } {
  if (text === "") return { _tag: "Ok", context: VClock.empty }
  const json = textOfBase64Url(text)
  if (Result.isFailure(json)) return { _tag: "Error", message: `invalid context: not base64url (${json.failure.message})` }
  let parsed: unknown
  try {
    parsed = JSON.parse(json.success)
  } catch (error) {
    return { _tag: "Error", message: `invalid context: not JSON inside its base64url (${(error as Error).message})` }
  }
  const decoded = decodeContextClock(parsed)
  return Result.isSuccess(decoded)
    ? { _tag: "Ok", context: decoded.success }
    : { _tag: "Error", message: `invalid context: ${decoded.failure.message}` }
}
