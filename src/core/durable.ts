// What a node keeps on disk, and how a persist record changes it. Every interpreter applies
// records with this one function, so "what survives a crash" is decided once, here.
import { HashMap, Option } from "effect"
import type { NodeId } from "./ring.ts"
import type { VersionSet } from "./versions.ts"
import type { PersistRecord } from "./io.ts"
import { emptyView, type MembershipView } from "./membership.ts"

/** A replica held for another node (section 4.6), kept apart from the node's own data. */
export interface Hint {
  readonly intended: NodeId
  readonly key: string
  readonly set: VersionSet
}

export interface DurableState {
  /** Incarnation counter: bumped at every start so a restarted node never reuses a dot. */
  readonly epoch: number
  readonly store: HashMap.HashMap<string, VersionSet>
  readonly hints: HashMap.HashMap<string, Hint>
  /** The membership view; empty until the node first persists one (then the bootstrap ring is used). */
  readonly membership: MembershipView
  /** Range hand-overs this node received whole, by offer id (a joining node counts them). */
  readonly received: ReadonlyArray<string>
}

export const emptyDurableState: DurableState = {
  epoch: 0,
  membership: emptyView,
  received: [],
  store: HashMap.empty(),
  hints: HashMap.empty()
}

/** The map key of a hint: unambiguous for any node id and key. */
export const hintId = (intended: NodeId, key: string): string => JSON.stringify([intended, key])

export const applyRecord = (durable: DurableState, record: PersistRecord): DurableState => {
  switch (record._tag) {
    case "StoreKey":
      return { ...durable, store: HashMap.set(durable.store, record.key, record.set) }
    case "StoreHint":
      return {
        ...durable,
        hints: HashMap.set(durable.hints, hintId(record.intended, record.key), {
          intended: record.intended,
          key: record.key,
          set: record.set
        })
      }
    case "DeleteHint":
      return { ...durable, hints: HashMap.remove(durable.hints, hintId(record.intended, record.key)) }
    case "Epoch":
      return { ...durable, epoch: record.epoch }
    case "Membership":
      return { ...durable, membership: record.view }
    case "HandoffReceived":
      return durable.received.includes(record.offer) ? durable : { ...durable, received: [...durable.received, record.offer].sort() }
  }
}

/** Sorted entries, for deterministic iteration wherever order is observable. */
export const sortedStore = (durable: Pick<DurableState, "store">): ReadonlyArray<readonly [string, VersionSet]> =>
  Array.from(durable.store).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))

export const sortedHints = (durable: Pick<DurableState, "hints">): ReadonlyArray<Hint> =>
  Array.from(HashMap.values(durable.hints)).sort((a, b) =>
    a.intended < b.intended ? -1 : a.intended > b.intended ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0
  )

export const storedSet = (durable: Pick<DurableState, "store">, key: string): VersionSet | undefined =>
  Option.getOrUndefined(HashMap.get(durable.store, key))
