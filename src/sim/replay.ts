// Replay: run a trace's steps through the core, one by one, emulating only what an interpreter
// must (the disk: persists become durable on PersistDone, and are lost on a crash), and check
// every recorded observation. The first divergence is reported with its step number.
import { HashMap, Option } from "effect"
import { applyRecord, emptyDurableState, type DurableState } from "../core/durable.ts"
import type { ClientReply, NodeEffect, PersistRecord } from "../core/io.ts"
import { recover, step } from "../core/node.ts"
import { buildRing } from "../core/ring.ts"
import type { NodeState } from "../core/state.ts"
import { emptyVersionSet, siblingValues } from "../core/versions.ts"
import { protocolConfigOfTrace, type Trace } from "./trace.ts"
import type { TraceStep } from "./trace-step.ts"
import { eventOf, World } from "./world.ts"

export interface ReplayStepInfo {
  readonly index: number
  readonly step: TraceStep
  readonly effects: ReadonlyArray<NodeEffect>
  readonly before: NodeState | undefined
  readonly after: NodeState | undefined
  /** The node's disk after the step (the emulation described in spec/traces.md). */
  readonly disk: DurableState
  /** Records this step made durable (a PersistDone), in the order they were applied. */
  readonly durable: ReadonlyArray<PersistRecord>
  /** Records not yet durable that this step lost (a Crash or DiskLoss). */
  readonly lost: ReadonlyArray<PersistRecord>
}

export interface ReplayResult {
  readonly steps: number
  readonly replies: number
  readonly divergence: string | undefined
  /** When the trace carries a scenario: the violations the re-run simulation found. */
  readonly rerunViolations: ReadonlyArray<string> | undefined
}

const canonical = (value: unknown): string => JSON.stringify(value)

export const replayTrace = (trace: Trace, onStep?: (info: ReplayStepInfo) => void): ReplayResult => {
  const scenario = trace.scenario
  const config = protocolConfigOfTrace(trace.config)
  // The starting ring is the members'; spares start outside it (a Join input brings them in).
  const zones = trace.config.zones ?? {}
  const ring = buildRing(trace.config.nodes.map((id) => (zones[id] === undefined ? { id } : { id, zone: zones[id] })), trace.config.ring)
  const nodes = new Map<string, { state: NodeState | undefined; disk: DurableState; pending: Array<{ token: number; record: PersistRecord }> }>()
  for (const id of [...trace.config.nodes, ...(trace.config.spares ?? [])]) nodes.set(id, { state: undefined, disk: emptyDurableState, pending: [] })
  const expectedReplies = trace.observations.replies
  let replyIndex = 0
  let divergence: string | undefined

  trace.steps.forEach((traceStep, index) => {
    if (divergence !== undefined) return
    const node = nodes.get(traceStep.node)
    if (node === undefined) {
      divergence = `step ${index}: unknown node ${traceStep.node}`
      return
    }
    const before = node.state
    let effects: ReadonlyArray<NodeEffect> = []
    const durable: Array<PersistRecord> = []
    let lost: ReadonlyArray<PersistRecord> = []
    switch (traceStep.event._tag) {
      case "Recover":
        node.state = recover(traceStep.node, config, ring, node.disk)
        break
      case "Crash":
        node.state = undefined
        lost = node.pending.map((p) => p.record)
        node.pending = []
        break
      case "DiskLoss":
        node.state = undefined
        lost = node.pending.map((p) => p.record)
        node.pending = []
        node.disk = emptyDurableState
        break
      case "Input": {
        if (node.state === undefined) {
          divergence = `step ${index}: input ${traceStep.event.input._tag} to ${traceStep.node}, which is down`
          return
        }
        const input = traceStep.event.input
        if (input._tag === "PersistDone") {
          while (node.pending.length > 0 && node.pending[0]!.token <= input.token) {
            const record = node.pending.shift()!.record
            node.disk = applyRecord(node.disk, record)
            durable.push(record)
          }
        }
        const result = step(node.state, input, traceStep.at)
        node.state = result.state
        effects = result.effects
        for (const effect of effects) {
          if (effect._tag === "Persist") node.pending.push({ token: effect.token, record: effect.record })
          if (effect._tag === "Reply") {
            const expected = expectedReplies[replyIndex]
            replyIndex += 1
            if (expected === undefined || canonical(expected.reply) !== canonical(effect.reply)) {
              divergence = `step ${index} (${traceStep.node}, ${input._tag} at ${traceStep.at} ms): the core replied\n  ${describe(effect.reply)}\nbut the trace recorded\n  ${expected === undefined ? "no further reply" : describe(expected.reply)}`
            }
          }
        }
      }
    }
    onStep?.({ index, step: traceStep, effects, before, after: node.state, disk: node.disk, durable, lost })
  })

  if (divergence === undefined && replyIndex !== expectedReplies.length) {
    divergence = `the trace recorded ${expectedReplies.length} replies, the replay produced ${replyIndex}`
  }
  if (divergence === undefined) {
    for (const expected of trace.observations.finalReplicas) {
      const state = nodes.get(expected.node)?.state
      const held = state === undefined
        ? []
        : siblingValues(Option.getOrElse(HashMap.get(state.store, expected.key), () => emptyVersionSet(config.versions.mode)))
            .filter((v) => v._tag === "Put").map(eventOf)
      if (canonical(held) !== canonical(expected.values)) {
        divergence = `final state: ${expected.node} holds ${canonical(held)} for ${expected.key}, the trace recorded ${canonical(expected.values)}`
        break
      }
    }
  }
  let rerunViolations: ReadonlyArray<string> | undefined
  if (divergence === undefined && scenario !== undefined) {
    const rerun = new World(scenario).run()
    rerunViolations = rerun.violations.map((v) => `${v.invariant}: ${v.message}`)
    const recorded = trace.observations.violations.map((v) => `${v.invariant}: ${v.message}`)
    if (canonical(rerunViolations) !== canonical(recorded)) {
      divergence = `re-running the scenario found ${canonical(rerunViolations)}, the trace recorded ${canonical(recorded)}`
    }
  }
  return { steps: trace.steps.length, replies: replyIndex, divergence, rerunViolations }
}

const describe = (reply: ClientReply): string => {
  switch (reply._tag) {
    case "GetOk":
      return `GetOk ${reply.id} ${reply.key} values [${reply.values.join(", ")}] from [${reply.nodes.join(", ")}]`
    case "PutOk":
      return `PutOk ${reply.id} ${reply.key} acked by [${reply.nodes.join(", ")}]`
    case "Failed":
      return `Failed ${reply.id} ${reply.key} ${reply.error} (${reply.acks} acks)`
  }
}
