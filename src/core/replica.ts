// The local store of a replica (sections 4.5, 4.6): merge what arrives with DVV sync, persist
// it, and acknowledge only once the persist is durable. Hints live apart from the node's data.
import { HashMap, Option } from "effect"
import { hintId } from "./durable.ts"
import type { PersistRecord } from "./io.ts"
import type { NodeId } from "./ring.ts"
import type { Continuation, NodeState, Out } from "./state.ts"
import { emptyVersionSet, syncVersions, type VersionSet } from "./versions.ts"

/** Emit a persist record; `then` runs when it (and every earlier record) is durable. */
export const persist = (state: NodeState, record: PersistRecord, then: Continuation | undefined, out: Out): NodeState => {
  const token = state.nextToken
  out.push({ _tag: "Persist", token, record })
  return {
    ...state,
    nextToken: token + 1,
    waiters: then === undefined ? state.waiters : [...state.waiters, { token, then }]
  }
}

export const ownSet = (state: NodeState, key: string): VersionSet =>
  Option.getOrElse(HashMap.get(state.store, key), () => emptyVersionSet(state.config.versions.mode))

/** Everything this node holds for `key`: its own replica merged with any hints for it. */
export const localView = (state: NodeState, key: string): VersionSet => {
  let view = ownSet(state, key)
  for (const hint of HashMap.values(state.hints)) {
    if (hint.key === key) view = syncVersions(state.config.versions, view, hint.set)
  }
  return view
}

/**
 * Merge `incoming` into this node's replica of `key` (or into its hint for `hintFor`), persist
 * the result and run `then` once durable. Merging is DVV sync, never an overwrite (SIB-1).
 */
export const storeVersions = (
  state: NodeState,
  key: string,
  incoming: VersionSet,
  hintFor: NodeId | undefined,
  then: Continuation | undefined,
  out: Out
): NodeState => {
  const versions = state.config.versions
  if (hintFor !== undefined && hintFor !== state.id) {
    const id = hintId(hintFor, key)
    const existing = Option.getOrUndefined(HashMap.get(state.hints, id))
    const set = existing === undefined ? incoming : syncVersions(versions, existing.set, incoming)
    const next = { ...state, hints: HashMap.set(state.hints, id, { intended: hintFor, key, set }) }
    return persist(next, { _tag: "StoreHint", intended: hintFor, key, set }, then, out)
  }
  const set = syncVersions(versions, ownSet(state, key), incoming)
  const next = { ...state, store: HashMap.set(state.store, key, set) }
  return persist(next, { _tag: "StoreKey", key, set }, then, out)
}
