// The oracle's view of a sibling set for the simulator's checks: each sibling stands for one write
// event (the written value, or the tombstone's id), as src/trace/format.ts and src/sim/events.ts
// define it once; and the finding a check reports (src/invariants/oracle.ts).
export { eventOf } from "../../trace/format.ts"
export { eventsOf } from "../events.ts"
export type { Finding } from "../../invariants/oracle.ts"
