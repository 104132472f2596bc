// What a conformance replay reports: its options, its result, and the mismatch that stops it
// (the model's and the core's observations side by side, with the action and its picks).
import type { RingConfig } from "../core/index.ts"
import type { HostedStep } from "../host/index.ts"
import type { Message, Picks } from "./itf.ts"
import { modelMessageText, modelVersionsText, sorted } from "./text.ts"

export interface ReplayOptions {
  /** The core's ring: CONFORMANCE_RING by default. */
  readonly ring?: RingConfig
  /**
   * Deliver a ReplicateAck whose put belongs to an earlier incarnation of its coordinator. Off
   * by default because of an open core bug (see the last test of test/conformance.test.ts): op
   * ids restart at 0 after a restart, so such an ack is counted for whatever new request has the
   * same op.
   * The model ignores these acks (the write was abandoned or already acknowledged), so
   * withholding them is a legal schedule (the network may lose any message) that changes nothing
   * for a correct core.
   */
  readonly deliverStaleAcks?: boolean
  /**
   * Called after every core input, crash and recovery the driver performs, in order (the trace
   * viewer, src/view/, draws a model trace from these). Observing changes nothing in the replay.
   */
  readonly observe?: (step: DriverStep) => void
}

/** One thing the driver did to one core node, for the model step `modelStep` (its `action`). */
export interface DriverStep extends HostedStep {
  readonly modelStep: number
  readonly action: string
}

export interface ReplayResult {
  /** Model steps replayed (states after the initial one). */
  readonly steps: number
  readonly actions: Readonly<Record<string, number>>
  /** Core inputs run (PersistDone included). */
  readonly inputs: number
  readonly staleAcksWithheld: number
  /** Anti-entropy messages exchanged for SyncReplicas steps. */
  readonly antiEntropyMessages: number
}

export class ConformanceMismatch extends Error {
  constructor(
    readonly step: number,
    readonly action: string,
    readonly picks: string,
    readonly detail: string,
    readonly model: ReadonlyArray<string>,
    readonly core: ReadonlyArray<string>
  ) {
    super(formatMismatch(step, action, picks, detail, model, core))
    this.name = "ConformanceMismatch"
  }
}

/** Both observations, sorted, common lines indented, model-only lines `-`, core-only lines `+`. */
export function observationDiff(model: ReadonlyArray<string>, core: ReadonlyArray<string>): string {
  const inModel = new Set(model)
  const inCore = new Set(core)
  const lines = sorted(new Set([...model, ...core]))
  return lines.map((line) => `${inModel.has(line) ? (inCore.has(line) ? "  " : "- ") : "+ "}${line}`).join("\n")
}

function formatMismatch(step: number, action: string, picks: string, detail: string, model: ReadonlyArray<string>, core: ReadonlyArray<string>): string {
  const diff = model.length + core.length > 0 ? `\n(- model only, + core only)\n${observationDiff(model, core)}` : ""
  return `step ${step}: ${action}(${picks}): ${detail}${diff}`
}

/** The picks an action made, readable: `coordinator=n1 key=k1 responders=[n1,n2]`. */
export function describePicks(picks: Picks): string {
  const parts: Array<string> = []
  for (const [name, value] of Object.entries(picks)) {
    if (value === undefined) continue
    if (name === "message") parts.push(`message=${modelMessageText(value as Message)}`)
    else if (name === "replicate") parts.push(`replicate=${modelMessageText({ tag: "Replicate", value: value as Picks["replicate"] & object })}`)
    else if (name === "ack") parts.push(`ack=${modelMessageText({ tag: "Ack", value: value as Picks["ack"] & object })}`)
    else if (name === "handoff") parts.push(`handoff=${modelMessageText({ tag: "Handoff", value: value as Picks["handoff"] & object })}`)
    else if (name === "handoffAck") parts.push(`handoffAck=${modelMessageText({ tag: "HandoffAck", value: value as Picks["handoffAck"] & object })}`)
    else if (name === "repair") parts.push(`repair=${modelMessageText({ tag: "Repair", value: value as Picks["repair"] & object })}`)
    else if (name === "hint") {
      const h = value as Picks["hint"] & object
      parts.push(`hint=${h.holder}->${h.intended} ${h.key} ${modelVersionsText(h.versions)}`)
    } else parts.push(`${name}=${Array.isArray(value) ? `[${value.join(",")}]` : String(value)}`)
  }
  return parts.join(" ")
}
