// One recorded step of a run: an input fed to a node, or something the interpreter did to it
// (a crash, the loss of its disk, a recovery from disk): the host's events (src/host/node.ts)
// with their node and time. The trace format (spec/traces.md) is a list of these plus the
// configuration and the observations.
import type { HostEvent } from "../host/index.ts"

export type TraceEvent = HostEvent

export interface TraceStep {
  readonly at: number
  readonly node: string
  readonly event: TraceEvent
}
