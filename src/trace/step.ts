// One recorded step of a run: an input fed to a node, or something the interpreter did to it
// (a crash, the loss of its disk, a recovery from disk). The trace format (spec/traces.md) is a
// list of these plus the configuration and the observations.
import type { NodeInput } from "../core/index.ts"

export type TraceEvent =
  | { readonly _tag: "Input"; readonly input: NodeInput }
  /** The node loses its volatile state and every persist not yet durable. */
  | { readonly _tag: "Crash" }
  /** As Crash, and the disk is wiped. */
  | { readonly _tag: "DiskLoss" }
  /** The node is rebuilt from its disk (a Start input follows). */
  | { readonly _tag: "Recover" }

export interface TraceStep {
  readonly at: number
  readonly node: string
  readonly event: TraceEvent
}
