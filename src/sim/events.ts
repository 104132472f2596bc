// The event ids (src/trace/oracle.ts) that versions, disks and inputs carry: what the
// simulator's invariant checks compare against the oracle.
import { HashMap, Option } from "effect"
import { configOf, type DurableState, emptyVersionSet, localView, type MembershipView, membersOf, type NodeInput, type NodeState, siblingValues, type VersionSet } from "../core/index.ts"
import { eventOf } from "../trace/format.ts"

/** The event id a sibling stands for: the written value, or the tombstone's id. */
export const eventsOf = (set: VersionSet): ReadonlyArray<string> => siblingValues(set).map(eventOf)

export const storeSet = (state: NodeState, key: string): VersionSet =>
  localView(state, key) ?? emptyVersionSet(configOf(state).versions.mode)

export const membersOrNone = (state: NodeState | undefined): MembershipView => (state === undefined ? [] : membersOf(state))

export const storeEvents = (state: NodeState, key: string): ReadonlyArray<string> => eventsOf(storeSet(state, key))

/** The events a disk holds for `key` in the node's own store (its hints for others aside). */
export const ownEvents = (disk: DurableState, key: string): ReadonlyArray<string> => {
  const own = Option.getOrUndefined(HashMap.get(disk.store, key))
  return own === undefined ? [] : eventsOf(own)
}

/** The events of every hint a disk holds, by key. */
export const hintEventsByKey = (disk: DurableState): ReadonlyMap<string, ReadonlyArray<string>> => {
  const byKey = new Map<string, Array<string>>()
  for (const hint of HashMap.values(disk.hints)) {
    let events = byKey.get(hint.key)
    if (events === undefined) byKey.set(hint.key, (events = []))
    events.push(...eventsOf(hint.set))
  }
  return byKey
}

/** The events a step's input brought for `key`: a client write, or versions carried by a message. */
export const incomingEvents = (input: NodeInput, key: string): ReadonlyArray<string> => {
  if (input._tag === "Client") {
    const request = input.request
    return request.key === key && request._tag !== "Get" ? [request.id] : []
  }
  if (input._tag !== "Receive") return []
  const message = input.message
  switch (message._tag) {
    case "Replicate":
    case "Repair":
      return message.key === key && message.hintFor === undefined ? eventsOf(message.set) : []
    case "HintDeliver":
      return message.key === key ? eventsOf(message.set) : []
    default:
      return []
  }
}
