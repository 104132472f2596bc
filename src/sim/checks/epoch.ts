// EPOCH-1 at each start of a simulated node: the check is src/invariants/epoch.ts, shared with the
// model checker; this finds the epoch the Start persisted among its effects.
import type { NodeEffect, NodeInput } from "../../core/index.ts"
import { epoch1Grows } from "../../invariants/epoch.ts"
import type { Finding } from "./events.ts"

export const checkStartEpoch = (node: string, recoveredEpoch: number, input: NodeInput, effects: ReadonlyArray<NodeEffect>): Finding | undefined => {
  if (input._tag !== "Start") return undefined
  const record = effects.find((e) => e._tag === "Persist" && e.record._tag === "Epoch")
  const epoch = record?._tag === "Persist" && record.record._tag === "Epoch" ? record.record.epoch : undefined
  return epoch1Grows(node, recoveredEpoch, input.epochFloor, epoch)
}
