// The model the trace viewer's page is drawn from: lanes (one per node, one per client), one row
// per step, the arrows of every message, the bands of crashes and partitions, the state changes
// per node and field, the path of every write, and the violation with the write it concerns.
// It is built from the steps an interpreter replays through the real core (src/sim/replay.ts for
// trace files, the conformance driver for Quint ITF traces: src/view/sources.ts), never by
// re-deriving what the protocol would do.
import type { HostedStep } from "../host/index.ts"
import { ArrowMatcher, type Arrow } from "./arrows.ts"
import { classify, effectLabel, keysOfStep, messageLabel, replyLabel, stepLabel, writesOfMessage, writesOfRecord, writesOfReply, writesOfSet, type StepKind } from "./describe.ts"
import { nodeFields, StoreRenderer, type ShownHint, type ShownSet } from "./snapshot.ts"
import { focusOf, type RecordedViolation, type ViolationFocus } from "./violation.ts"
import { WritePaths, type Holdings, type WritePath } from "./write-paths.ts"

export const VIEW_MODEL_VERSION = 1

/** One step as an interpreter ran it through the host. */
export interface ObservedStep extends HostedStep {
  /** For a model trace: the model step this core step belongs to (an index into `groups`). */
  readonly group?: number
}

export interface Lane {
  readonly id: string
  readonly kind: "node" | "client"
  /** A node's data center, when the trace has zones (paper 4.6); lanes of one zone sit side by side. */
  readonly zone?: string
}

export interface ViewStep {
  readonly at: number
  /** Index of the node's lane. */
  readonly lane: number
  readonly kind: StepKind
  readonly tag: string
  readonly label: string
  readonly effects: ReadonlyArray<string>
  readonly keys: ReadonlyArray<string>
  readonly group?: number
}

export interface ViewArrow {
  readonly from: number
  readonly to: number
  readonly fromLane: number
  readonly toLane: number
  readonly tag: string
  readonly status: Arrow["status"]
  readonly label: string
}

/** A stretch of steps drawn across lanes: a node down (crashed or its disk lost), a partition. */
export interface Band {
  readonly kind: "down" | "disk-loss" | "partition"
  /** The lanes it covers (a down node's lane; for a partition, the isolated nodes' lanes). */
  readonly lanes: ReadonlyArray<number>
  readonly from: number
  /** The step that ended it (a recovery, a heal), or -1 when the trace ends first. */
  readonly to: number
  readonly label: string
}

/** A field of a node's state took `value` at `step` (null: the field is gone, e.g. the node is down). */
export interface StateChange {
  readonly step: number
  readonly lane: number
  readonly field: string
  readonly value: unknown
}

export interface ViewWrite {
  readonly id: string
  readonly key: string
  readonly origin: number
  readonly steps: ReadonlyArray<number>
  readonly arrows: ReadonlyArray<number>
  readonly drops: ReadonlyArray<{ readonly step: number; readonly lane: number; readonly kind: string }>
}

export interface ViewModel {
  readonly version: typeof VIEW_MODEL_VERSION
  readonly title: string
  readonly source: string
  readonly description: string
  /** One line: nodes, N/R/W, clock, ring. */
  readonly config: string
  readonly lanes: ReadonlyArray<Lane>
  readonly steps: ReadonlyArray<ViewStep>
  readonly arrows: ReadonlyArray<ViewArrow>
  readonly bands: ReadonlyArray<Band>
  readonly changes: ReadonlyArray<StateChange>
  readonly writes: ReadonlyArray<ViewWrite>
  /** For a model trace, the model steps (action and picks) the core steps are grouped under. */
  readonly groups: ReadonlyArray<string>
  readonly violations: ReadonlyArray<RecordedViolation>
  readonly focus: ViolationFocus | undefined
  /** Where the replay disagreed with the trace's observations, when it did. */
  readonly divergence: string | undefined
  /**
   * The command that replays the trace up to a step: `{next}` stands for the following step's
   * number (absent for the last step, which replays the whole trace).
   */
  readonly replay: { readonly upTo: string; readonly whole: string }
}

export interface ModelMeta {
  readonly title: string
  readonly source: string
  readonly description: string
  readonly config: string
  readonly nodes: ReadonlyArray<string>
  readonly groups: ReadonlyArray<string>
  readonly violations: ReadonlyArray<RecordedViolation>
  readonly divergence: string | undefined
  readonly replay: ViewModel["replay"]
  /** Partitions known from a simulator scenario, as step ranges over node ids. */
  readonly partitions: ReadonlyArray<{ readonly from: number; readonly to: number; readonly isolated: ReadonlyArray<string> }>
}

/** The client lane of a request id: `c0.1` -> `c0`, `quiesce.1.k1` -> `quiesce`; otherwise one lane. */
export const clientLaneOf = (id: string): string => {
  const dot = id.indexOf(".")
  return dot > 0 ? `client ${id.slice(0, dot)}` : "clients"
}

interface NodeTrack {
  fields: ReadonlyMap<string, unknown>
  memory: Holdings
  disk: Holdings
  pending: number
  readonly memoryRenderer: StoreRenderer
  readonly diskRenderer: StoreRenderer
}

const holdingsOf = (fields: ReadonlyMap<string, unknown>, prefix: string, hints: ReadonlyArray<{ readonly key: string; readonly writes: ReadonlyArray<string> }>): Holdings => {
  const held = new Map<string, Set<string>>()
  const add = (key: string, writes: Iterable<string>) => {
    let set = held.get(key)
    if (set === undefined) held.set(key, (set = new Set()))
    for (const w of writes) set.add(w)
  }
  for (const [field, value] of fields) if (field.startsWith(prefix)) add(field.slice(prefix.length), (value as ShownSet).siblings.map((s) => s.write))
  for (const hint of hints) add(hint.key, hint.writes)
  return held
}

/** Builds the view model from the replayed steps, in order. */
export class ViewBuilder {
  private readonly steps: Array<ViewStep> = []
  private readonly times: Array<number> = []
  private readonly changes: Array<StateChange> = []
  private readonly bands: Array<Band> = []
  private readonly openBands = new Map<string, number>()
  private readonly arrows: ArrowMatcher
  private readonly paths = new WritePaths()
  private readonly tracks = new Map<string, NodeTrack>()
  private readonly laneIndex = new Map<string, number>()
  private readonly lanes: Array<Lane> = []
  private readonly clientLanes = new Set<string>()
  private readonly keys = new Set<string>()

  /** `zones`: each node's zone, when the trace has them; the node lanes are then grouped by zone (stable within one). */
  constructor(nodes: ReadonlyArray<string>, recorded: ReadonlySet<string>, zones?: Readonly<Record<string, string>>) {
    const zoneOf = (id: string): string | undefined => zones?.[id]
    const ordered = zones === undefined ? nodes : [...nodes].sort((a, b) => {
      const za = zoneOf(a) ?? "", zb = zoneOf(b) ?? ""
      return za < zb ? -1 : za > zb ? 1 : nodes.indexOf(a) - nodes.indexOf(b)
    })
    for (const id of ordered) {
      const zone = zoneOf(id)
      this.laneIndex.set(id, this.lanes.length)
      this.lanes.push(zone === undefined ? { id, kind: "node" } : { id, kind: "node", zone })
      this.tracks.set(id, { fields: new Map(), memory: new Map(), disk: new Map(), pending: 0, memoryRenderer: new StoreRenderer(), diskRenderer: new StoreRenderer() })
    }
    this.arrows = new ArrowMatcher(recorded)
  }

  add(observed: ObservedStep): void {
    const index = this.steps.length
    const { node, event, effects } = observed
    const lane = this.laneIndex.get(node)
    if (lane === undefined) throw new Error(`step ${index}: node ${node} is not in the trace's configuration`)
    const { kind, tag } = classify(event)
    this.times.push(observed.at)
    const stepKeys = keysOfStep(event, effects)
    for (const k of stepKeys) this.keys.add(k)
    this.steps.push({
      at: observed.at, lane, kind, tag,
      label: stepLabel(event, observed.durable),
      effects: effects.map(effectLabel),
      keys: stepKeys,
      ...(observed.group === undefined ? {} : { group: observed.group })
    })
    this.follow(index, observed)
    this.track(index, observed)
  }

  /** Arrows, bands and write paths of one step. */
  private follow(index: number, observed: ObservedStep): void {
    const { node, event, effects } = observed
    if (event._tag === "Crash" || event._tag === "DiskLoss") {
      // A disk lost while the node is already down ends the plain "down" band and starts its own.
      const open = this.openBands.get(node)
      if (open !== undefined) this.bands[open] = { ...this.bands[open]!, to: index }
      else this.arrows.nodeDown(index, node)
      this.openBands.set(node, this.bands.length)
      this.bands.push({ kind: event._tag === "Crash" ? "down" : "disk-loss", lanes: [this.laneIndex.get(node)!], from: index, to: -1, label: `${node} ${event._tag === "Crash" ? "down" : "down, disk lost"}` })
    }
    if (event._tag === "Recover") {
      this.arrows.nodeUp(index, node)
      const open = this.openBands.get(node)
      if (open !== undefined) {
        this.bands[open] = { ...this.bands[open]!, to: index }
        this.openBands.delete(node)
      }
    }
    if (event._tag === "Input") {
      const input = event.input
      if (input._tag === "Client") {
        const client = clientLaneOf(input.request.id)
        this.clientLanes.add(client)
        const arrow = this.arrows.client(index, client, node, input.request._tag, stepLabel(event, []), "request")
        this.paths.issued(index, client, input.request)
        if (input.request._tag !== "Get") this.paths.onPath([input.request._tag === "Put" ? input.request.value : input.request.id], input.request.key, index, arrow)
      }
      if (input._tag === "Receive") {
        const message = input.message
        const arrow = this.arrows.receive(index, input.from, node, message, messageLabel(message))
        const key = "key" in message ? message.key : undefined
        this.paths.onPath(writesOfMessage(message), key, index, arrow)
        if (message._tag === "ReplicateAck") this.paths.onPath(this.paths.acknowledged(input.from, node, message.op, message.epoch, message.key), message.key, index, arrow)
      }
    }
    for (const record of observed.durable) this.paths.onPath(writesOfRecord(record), "key" in record ? record.key : undefined, index)
    for (const effect of effects) {
      switch (effect._tag) {
        case "Send": {
          const message = effect.message
          const arrow = this.arrows.send(index, node, effect.to, message, messageLabel(message))
          const writes = writesOfMessage(message)
          const key = "key" in message ? message.key : undefined
          this.paths.onPath(writes, key, index, arrow)
          if (message._tag === "Replicate") this.paths.replicate(node, effect.to, message.op, message.epoch, message.key, writes)
          if (message._tag === "ReplicateAck") this.paths.onPath(this.paths.acknowledged(node, effect.to, message.op, message.epoch, message.key), message.key, index, arrow)
          break
        }
        case "Persist":
          this.paths.onPath(writesOfRecord(effect.record), "key" in effect.record ? effect.record.key : undefined, index)
          break
        case "Reply": {
          const reply = effect.reply
          const client = clientLaneOf(reply.id)
          this.clientLanes.add(client)
          const arrow = this.arrows.client(index, client, node, reply._tag, replyLabel(reply), "reply")
          const writes = writesOfReply(reply)
          this.paths.replied(client, reply, writes)
          this.paths.onPath(writes, reply.key, index, arrow)
          break
        }
        case "SetTimer":
        case "CancelTimer":
          break
      }
    }
  }

  /** State changes of the stepped node, and the writes it stopped holding. */
  private track(index: number, observed: ObservedStep): void {
    const track = this.tracks.get(observed.node)!
    const lane = this.laneIndex.get(observed.node)!
    const event = observed.event
    if (event._tag === "Crash" || event._tag === "DiskLoss") track.pending = 0
    for (const effect of observed.effects) if (effect._tag === "Persist") track.pending += 1
    track.pending = Math.max(0, track.pending - observed.durable.length)
    const fields = nodeFields(observed.after, observed.disk, track.pending, track.memoryRenderer, track.diskRenderer)
    for (const [field, value] of fields) {
      const previous = track.fields.get(field)
      if (previous === value) continue
      if (previous !== undefined && JSON.stringify(previous) === JSON.stringify(value)) continue
      this.changes.push({ step: index, lane, field, value })
    }
    for (const field of track.fields.keys()) if (!fields.has(field)) this.changes.push({ step: index, lane, field, value: null })
    track.fields = fields

    const memory = observed.after === undefined ? new Map() : holdingsOf(fields, "store:", (fields.get("hints") as ReadonlyArray<ShownHint>).map((h) => ({ key: h.key, writes: h.set.siblings.map((s) => s.write) })))
    const disk = holdingsOf(fields, "disk:", Array.from(observed.disk.hints, ([, h]) => ({ key: h.key, writes: writesOfSet(h.set) })))
    if (event._tag === "Input") this.paths.compare(index, observed.node, track.memory, memory, "memory")
    this.paths.compare(index, observed.node, track.disk, disk, "disk")
    for (const record of observed.lost) {
      if (record._tag !== "StoreKey" && record._tag !== "StoreHint") continue
      for (const write of writesOfSet(record.set)) if (disk.get(record.key)?.has(write) !== true) this.paths.drop(index, observed.node, write, record.key, "lost-in-crash")
    }
    track.memory = memory
    track.disk = disk
  }

  /** The finished model. `meta` gives what the steps do not: titles, config, violations. */
  finish(meta: ModelMeta): ViewModel {
    for (const client of [...this.clientLanes].sort()) {
      this.laneIndex.set(client, this.lanes.length)
      this.lanes.push({ id: client, kind: "client" })
    }
    const laneOf = (id: string): number => {
      let lane = this.laneIndex.get(id)
      if (lane === undefined) {
        // A peer the configuration does not list (a shell trace's unknown sender): give it a lane.
        lane = this.lanes.length
        this.laneIndex.set(id, lane)
        this.lanes.push({ id, kind: "node" })
      }
      return lane
    }
    const arrows = this.arrows.finish().map((a): ViewArrow => ({ from: a.from, to: a.to, fromLane: laneOf(a.fromLane), toLane: laneOf(a.toLane), tag: a.tag, status: a.status, label: a.label }))
    for (const partition of meta.partitions) {
      this.bands.push({ kind: "partition", lanes: partition.isolated.map(laneOf), from: partition.from, to: partition.to, label: `partition: ${partition.isolated.join(", ")} cut off` })
    }
    const paths = this.paths.finish()
    const writes = [...paths].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, path]: [string, WritePath]): ViewWrite => ({
      id, key: path.key, origin: path.origin, steps: path.steps, arrows: path.arrows,
      drops: path.drops.map((d) => ({ step: d.step, lane: laneOf(d.node), kind: d.kind }))
    }))
    const known = { keys: this.keys, writes: new Set(paths.keys()), nodes: new Set(meta.nodes) }
    const first = meta.violations[0]
    return {
      version: VIEW_MODEL_VERSION,
      title: meta.title,
      source: meta.source,
      description: meta.description,
      config: meta.config,
      lanes: this.lanes,
      steps: this.steps,
      arrows,
      bands: [...this.bands].sort((a, b) => a.from - b.from),
      changes: this.changes,
      writes,
      groups: meta.groups,
      violations: meta.violations,
      focus: first === undefined || this.steps.length === 0 ? undefined : focusOf(first, this.times, known),
      divergence: meta.divergence,
      replay: meta.replay
    }
  }
}
