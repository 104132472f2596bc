// A bounded memory of ids seen recently (the request ids a coordinator took from forwarders, so a
// duplicated Forward does not coordinate one write twice). A persistent map from id to arrival
// number: a lookup is a hash probe, an insert copies one path, never the whole memory, and
// everything older than the last `max` arrivals is forgotten in one sweep every `max` inserts.
import { HashMap } from "effect"

export interface RecentIds {
  /** id -> its arrival number. */
  readonly ids: HashMap.HashMap<string, number>
  /** The next arrival number. */
  readonly next: number
}

export const emptyRecent: RecentIds = { ids: HashMap.empty(), next: 0 }

export const hasRecent = (recent: RecentIds, id: string): boolean => HashMap.has(recent.ids, id)

/** `recent` with `id` added; at least the last `max` ids are remembered, at most 2 * max. */
export const addRecent = (recent: RecentIds, id: string, max: number): RecentIds => {
  const next = recent.next + 1
  let ids = HashMap.set(recent.ids, id, recent.next)
  if (HashMap.size(ids) > 2 * max) ids = HashMap.filter(ids, (arrival) => arrival >= next - max)
  return { ids, next }
}
