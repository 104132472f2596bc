// EPOCH-1 (spec/README.md, "Incarnations"): a node's epoch grows at every start by the core's
// own rule, beyond the epoch on the disk it recovered from, whatever floor the interpreter
// passes (the floor only carries the count across a lost disk). Otherwise a node that crashed
// after sending a version but before persisting it reuses the dot for a different write.
import type { NodeEffect, NodeInput } from "../../core/index.ts"
import type { Finding } from "./events.ts"

export const checkStartEpoch = (node: string, recoveredEpoch: number, input: NodeInput, effects: ReadonlyArray<NodeEffect>): Finding | undefined => {
  if (input._tag !== "Start") return undefined
  const record = effects.find((e) => e._tag === "Persist" && e.record._tag === "Epoch")
  const epoch = record?._tag === "Persist" && record.record._tag === "Epoch" ? record.record.epoch : undefined
  if (epoch === undefined) return { invariant: "EPOCH-1", message: `${node} started without persisting a new epoch` }
  if (epoch <= recoveredEpoch || epoch < input.epochFloor) {
    return { invariant: "EPOCH-1", message: `${node} started with epoch ${epoch} after recovering epoch ${recoveredEpoch} (floor ${input.epochFloor}): its dots may repeat a previous incarnation's` }
  }
  return undefined
}
