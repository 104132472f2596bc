// HINT-2 (spec/README.md, "Reads from fallbacks"): a node's answer to a read is everything it
// holds for the key, its hints for other nodes included, so a sloppy read sees what the sloppy
// write left there (section 4.6). Checked on every ReadReply a step sends.
import { HashMap } from "effect"
import type { NodeEffect } from "../../core/index.ts"
import type { NodeState } from "../../core/index.ts"
import { hintsHeld, localView } from "../../core/index.ts"
import type { Oracle } from "../../trace/oracle.ts"
import { eventsOf, type Finding } from "./events.ts"

export const checkReadReplies = (oracle: Oracle, node: string, before: NodeState, effects: ReadonlyArray<NodeEffect>): Finding | undefined => {
  for (const effect of effects) {
    if (effect._tag !== "Send" || effect.message._tag !== "ReadReply") continue
    const key = effect.message.key
    const answered = eventsOf(effect.message.set)
    const own = localView(before, key)
    const held = [...(own === undefined ? [] : eventsOf(own))]
    for (const hint of HashMap.values(hintsHeld(before))) if (hint.key === key) held.push(...eventsOf(hint.set))
    for (const event of held) {
      if (oracle.has(event) && !oracle.coveredBy(event, answered)) {
        return { invariant: "HINT-2", message: `${node} answered a read of ${key} from ${effect.to} with [${answered.join(", ")}], leaving out ${event}, which it holds` }
      }
    }
  }
  return undefined
}
