// A simulation as a trace (the format is src/trace/format.ts): the scenario's configuration, its
// seed and scenario (so replay can re-run it), every step and what the run observed.
import type { Scenario } from "./scenario.ts"
import { protocolConfigOf, type SimReport } from "./world.ts"
import { ScenarioSchema, sparesOf, traceConfigOf, TRACE_FORMAT, TRACE_VERSION, TraceStepSchema, type Trace } from "../trace/format.ts"
import type { TraceStep } from "../trace/step.ts"

// The decoded step and scenario types are exactly the ones the simulator uses.
type Equals<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false
const schemaTypesMatch: [Equals<typeof TraceStepSchema.Type, TraceStep>, Equals<typeof ScenarioSchema.Type, Scenario>] = [true, true]
void schemaTypesMatch

export const traceOfReport = (report: SimReport, source: Trace["source"], description?: string): Trace => ({
  format: TRACE_FORMAT,
  version: TRACE_VERSION,
  source,
  ...(description === undefined ? {} : { description }),
  config: {
    ...traceConfigOf(report.scenario.options.nodes, report.scenario.options.ring, protocolConfigOf(report.scenario)),
    ...sparesOf(report.scenario.options.nodes, report.scenario.options.spares ?? 0)
  },
  seed: report.scenario.seed,
  scenario: report.scenario,
  steps: report.trace,
  observations: {
    replies: report.observations.map((o) => ({ at: o.at, reply: o.reply })),
    finalReplicas: report.finalReplicas,
    violations: report.violations
  }
})
