// What a step lets out of a node: the versions it persists, sends or replies with, each with the
// actors its clock names. EPOCH-2 (src/invariants/epoch.ts) judges these against the epoch record
// still in flight; the simulator and the checker read a step's effects through this one function.
import { contextOf, type NodeEffect, type VersionSet } from "../core/index.ts"

export interface VersionOut {
  readonly what: string
  readonly actors: ReadonlyArray<string>
}

const actorsOf = (set: VersionSet): ReadonlyArray<string> => contextOf(set).map((entry) => entry.node)

/** The versions `effect` lets out (to the disk, a peer or a client), or none. */
export const versionOut = (effect: NodeEffect): VersionOut | undefined => {
  switch (effect._tag) {
    case "Persist":
      return effect.record._tag === "StoreKey" || effect.record._tag === "StoreHint" ? { what: `a ${effect.record._tag} record`, actors: actorsOf(effect.record.set) } : undefined
    case "Send": {
      const m = effect.message
      return m._tag === "Replicate" || m._tag === "ForwardMinted" || m._tag === "Repair" || m._tag === "HintDeliver"
        ? { what: `a ${m._tag} to ${effect.to}`, actors: actorsOf(m.set) }
        : undefined
    }
    case "Reply":
      return effect.reply._tag === "PutOk" ? { what: "a put's reply", actors: effect.reply.context.map((entry) => entry.node) } : undefined
    case "SetTimer":
    case "CancelTimer":
      return undefined
  }
}

/** The versions a step's effects let out, in the order emitted. */
export const versionsOut = (effects: ReadonlyArray<NodeEffect>): ReadonlyArray<VersionOut> => {
  const out: Array<VersionOut> = []
  for (const effect of effects) {
    const version = versionOut(effect)
    if (version !== undefined) out.push(version)
  }
  return out
}
