// Replay: run a trace's steps through the core, one by one, emulating only what an interpreter
// must (the disk: persists become durable on PersistDone, and are lost on a crash), and check
// every recorded observation. The first divergence is reported with its step number. Re-running
// a simulator trace's scenario is src/sim/replay.ts's job (this module does not know the simulator).
import { buildRing, type ClientReply, type DurableState, emptyVersionSet, localView, type NodeEffect, type NodeState, type PersistRecord, siblingValues } from "../core/index.ts"
import { crash, feed, hostedNode, loseDisk, recover, type HostedNode } from "../host/index.ts"
import { eventOf, protocolConfigOfTrace, type Trace } from "./format.ts"
import type { TraceStep } from "./step.ts"

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
}

export const canonical = (value: unknown): string => JSON.stringify(value)

export const replaySteps = (trace: Trace, onStep?: (info: ReplayStepInfo) => void): ReplayResult => {
  const config = protocolConfigOfTrace(trace.config)
  // The starting ring is the members'; spares start outside it (a Join input brings them in).
  const ring = buildRing(trace.config.nodes.map((id) => ({ id })), trace.config.ring)
  const nodes = new Map<string, HostedNode>()
  for (const id of [...trace.config.nodes, ...(trace.config.spares ?? [])]) nodes.set(id, hostedNode(id))
  const expectedReplies = trace.observations.replies
  let replyIndex = 0
  let divergence: string | undefined

  trace.steps.forEach((traceStep, index) => {
    if (divergence !== undefined) return
    let node = nodes.get(traceStep.node)
    if (node === undefined) {
      divergence = `step ${index}: unknown node ${traceStep.node}`
      return
    }
    const before = node.state
    let effects: ReadonlyArray<NodeEffect> = []
    let durable: ReadonlyArray<PersistRecord> = []
    let lost: ReadonlyArray<PersistRecord> = []
    switch (traceStep.event._tag) {
      case "Recover":
        node = recover(node, config, ring)
        break
      case "Crash":
      case "DiskLoss": {
        const down = traceStep.event._tag === "Crash" ? crash(node) : loseDisk(node)
        node = down.node
        lost = down.lost
        break
      }
      case "Input": {
        if (node.state === undefined) {
          divergence = `step ${index}: input ${traceStep.event.input._tag} to ${traceStep.node}, which is down`
          return
        }
        const input = traceStep.event.input
        const fed = feed(node, input, traceStep.at)
        node = fed.node
        effects = fed.effects
        durable = fed.durable
        for (const effect of effects) {
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
    nodes.set(traceStep.node, node)
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
        : siblingValues(localView(state, expected.key) ?? emptyVersionSet(config.versions.mode))
            .filter((v) => v._tag === "Put").map(eventOf)
      if (canonical(held) !== canonical(expected.values)) {
        divergence = `final state: ${expected.node} holds ${canonical(held)} for ${expected.key}, the trace recorded ${canonical(expected.values)}`
        break
      }
    }
  }
  return { steps: trace.steps.length, replies: replyIndex, divergence }
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
