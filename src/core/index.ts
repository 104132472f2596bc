// The core's one public entry: what an interpreter (src/net, src/sim, src/check, src/conformance,
// src/view, src/cli, src/host, src/trace) may use. `step` and `recover` run the protocol; the
// queries (queries.ts) read a node's state; the rest is the vocabulary of inputs, effects,
// records and messages, their Schemas, and the ring and version functions a driver routes or
// shows by. test/layout.test.ts checks that interpreters import the core through this file only.

// running a node
export { durableOf, recover, step, type StepResult } from "./node.ts"
export type { NodeState, Request } from "./state.ts"
export { actorOf } from "./state.ts"
export {
  DERIVED_STATE_FIELDS,
  believedDown,
  configOf,
  counts,
  epochOf,
  hintsHeld,
  isReady,
  localStore,
  localView,
  membersOf,
  nodeIdOf,
  offersOf,
  openRequests,
  servingRing,
  statusOf,
  targetRingOf,
  type NodeStatus
} from "./queries.ts"

// configuration
export { defaultProtocolConfig, validateProtocolConfig, type ProtocolConfig } from "./config.ts"

// inputs, effects, records, messages and their Schemas
export {
  failedWriteOutcome,
  timerKey,
  compareTimerKey,
  type AdminCommand,
  type ClientReply,
  type ClientRequest,
  type ClientRequestId,
  type NodeEffect,
  type NodeInput,
  type PersistRecord,
  type Timer,
  type WriteOutcome
} from "./io.ts"
export type { PeerMessage } from "./messages.ts"
export type { AntiEntropyMessage } from "./merkle-exchange.ts"
export { ClientReplySchema, NodeInputSchema, PeerMessageSchema } from "./codec.ts"
export { AntiEntropyMessageSchema } from "./merkle-wire.ts"

// the disk
export { applyRecord, emptyDurableState, hintId, sortedHints, type DurableState, type Hint } from "./durable.ts"

// rings and membership
export {
  CAPACITY_MAX,
  RING_CONFIG_DEFAULT,
  ZONE_DEFAULT,
  buildRing,
  extendedPreferenceList,
  fallbacksFor,
  keyRange,
  preferenceList,
  preferenceListView,
  zoneNameProblem,
  zoneOf,
  zonesOf,
  type KeyRange,
  type Member,
  type NodeId,
  type Ring,
  type RingConfig
} from "./ring.ts"
export {
  MembershipViewSchema,
  entryOf,
  gossipExchange,
  gossipPeers,
  gossipTarget,
  join,
  leave,
  type MemberStatus,
  type MembershipView
} from "./membership.ts"
export { changePlan, orphansWaiting, ringShares, type PlannedMove } from "./ownership.ts"
export { gossipInSync, gossipPeerOf } from "./gossip.ts"
export { antiEntropyInSync } from "./antientropy.ts"
export { incomingProgress, keysInRange, offersUnconfirmed, outgoingProgress, type HandoverProgress } from "./handoff.ts"
export { availabilityBoundMs } from "./forward.ts"

// versions and clocks
export {
  VClockSchema,
  VersionSetSchema,
  contextOf,
  decodeContext,
  defaultVersionsConfig,
  emptyVersionSet,
  encodeContext,
  isEmptySet,
  liveValues,
  siblingValues,
  type ClockMode,
  type Value,
  type VersionSet
} from "./versions.ts"
export { empty as emptyVClock, type VClock } from "./vclock.ts"
// bounded memo tables, for interpreters' caches of derived values too
export { memoised } from "./memo.ts"
