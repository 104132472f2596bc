// A counterexample, re-run from the initial world with every node step and reply recorded, as
// lines for a reader and as a trace (spec/traces.md) that `dynamo replay` re-runs through the
// core. Only the main thread builds these (the trace module pulls in the simulator).
import { encodeTrace, traceConfigOf, TRACE_FORMAT, TRACE_VERSION, type Trace } from "../trace/format.ts"
import type { Finding } from "./explore.ts"
import { apply, compile, describeAction, finalReplicas, initialWorld, isSettled, quiesce, type Compiled, type Recorder, type Violation } from "./world.ts"
import type { CheckModel } from "./model.ts"

export interface Counterexample {
  readonly violation: Violation
  readonly eventual: boolean
  /** One line per action of the search, then the heal-and-quiesce run when it found it. */
  readonly lines: ReadonlyArray<string>
  readonly trace: Trace
}

/** Re-run `finding` with recording on, and check that it breaks the same invariant again. */
export const buildCounterexample = (model: CheckModel, finding: Finding): Counterexample => {
  const c: Compiled = compile(model)
  const rec: Recorder = { steps: [], replies: [] }
  let world = initialWorld(c, rec)
  const lines: Array<string> = []
  let violation: Violation | undefined
  finding.actions.forEach((action, i) => {
    lines.push(`${String(i + 1).padStart(3)}. ${describeAction(c, world, action)}`)
    const transition = apply(c, world, action, rec)
    world = transition.state
    if (transition.violation !== undefined && violation === undefined) violation = transition.violation
  })
  if (violation === undefined && finding.eventual) {
    if (!isSettled(c, world)) throw new Error("check: the counterexample's last world is not settled")
    lines.push("     then heal everything and quiesce: restart crashed nodes, deliver everything, fire timeouts,")
    lines.push("     probes, hint scans and anti-entropy until nothing changes, read every key at R=N (twice)")
    const quiesced = quiesce(c, world, rec, true)
    world = quiesced.state
    violation = quiesced.violation
  }
  if (violation === undefined || violation.invariant !== finding.violation.invariant) {
    throw new Error(`check: re-running the counterexample did not break ${finding.violation.invariant} again`)
  }
  const trace: Trace = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    source: "checker",
    description: `dynamo check --preset ${model.name}: ${model.description}. Breaks ${violation.invariant}: ${violation.message}`,
    config: traceConfigOf(c.ids, model.ring, model.protocol),
    steps: rec.steps,
    observations: {
      replies: rec.replies,
      finalReplicas: finalReplicas(c, world),
      violations: [{ invariant: violation.invariant, at: world.now, message: violation.message }]
    }
  }
  return { violation, eventual: finding.eventual, lines, trace }
}

export const counterexampleText = (counterexample: Counterexample): string => encodeTrace(counterexample.trace)
