// The oracle's view of a sibling set: each sibling stands for one write event (the written
// value, or the tombstone's id). Shared by the simulator's invariant checks.
import { siblingValues, type Value, type VersionSet } from "../../core/index.ts"

/** The event id a sibling stands for: the written value, or the tombstone's id. */
export const eventOf = (value: Value): string => (value._tag === "Put" ? value.value : value.id)

export const eventsOf = (set: VersionSet): ReadonlyArray<string> => siblingValues(set).map(eventOf)

/** A violation a check found: the invariant's id (spec/README.md, section 4) and what happened. */
export interface Finding {
  readonly invariant: string
  readonly message: string
}
