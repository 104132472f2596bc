// Replay a trace (src/trace/replay.ts) and, when it carries the simulator's scenario, re-run the
// whole simulation and compare the violations it finds with the ones the trace recorded.
import { canonical, replaySteps, type ReplayResult, type ReplayStepInfo } from "../trace/replay.ts"
import type { Trace } from "../trace/format.ts"
import { World } from "./world.ts"

export type { ReplayStepInfo }

export interface ScenarioReplayResult extends ReplayResult {
  /** When the trace carries a scenario: the violations the re-run simulation found. */
  readonly rerunViolations: ReadonlyArray<string> | undefined
}

export const replayTrace = (trace: Trace, onStep?: (info: ReplayStepInfo) => void): ScenarioReplayResult => {
  const result = replaySteps(trace, onStep)
  if (result.divergence !== undefined || trace.scenario === undefined) return { ...result, rerunViolations: undefined }
  const rerun = new World(trace.scenario).run()
  const rerunViolations = rerun.violations.map((v) => `${v.invariant}: ${v.message}`)
  const recorded = trace.observations.violations.map((v) => `${v.invariant}: ${v.message}`)
  const divergence = canonical(rerunViolations) === canonical(recorded)
    ? undefined
    : `re-running the scenario found ${canonical(rerunViolations)}, the trace recorded ${canonical(recorded)}`
  return { ...result, divergence, rerunViolations }
}
