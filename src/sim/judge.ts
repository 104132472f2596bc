// The simulator's invariant checks (spec/README.md section 4), judged against the event oracle
// (src/trace/oracle.ts), never the clocks: SIB-1 and HINT-1 at each persist, RING-2 at each
// hand-over, QUORUM-1 at each reply, AVAIL-1/2 and DUR-1 as the run goes, and the Sometimes of
// heal-and-quiesce (whose checks, CONV-1, HINT-1, DUR-2 and DEL-1, src/invariants/quiescence.ts
// runs). The World (world.ts) calls them; they read it through JudgedWorld and record what they
// find in its violations.
import { HashMap } from "effect"
import { type ClientReply, epochOf, membersOf, type NodeEffect, type NodeInput, type NodeState, type ProtocolConfig, preferenceList, type Ring, servingRing, sortedHints, targetRingOf, hintsHeld } from "../core/index.ts"
import { noneReached, type Reached } from "../invariants/index.ts"
import { eventOf } from "../trace/format.ts"
import { dur1OnSomeDisk } from "../invariants/durability.ts"
import { hint1DeletedOnlyWhenHeld } from "../invariants/hints.ts"
import { ring2HandoffMovesOnlyGains } from "../invariants/membership.ts"
import { quorum1ReadSeesAcknowledged } from "../invariants/quorum.ts"
import { sib1ListedConcurrent, sib1NoneDropped, sib1StoredConcurrent } from "../invariants/siblings.ts"
import type { Oracle } from "../trace/oracle.ts"
import type { AckedWrites } from "./acked.ts"
import type { AvailabilityRecord } from "./availability.ts"
import { eventsOf, hintEventsByKey, incomingEvents, ownEvents, storeEvents } from "./events.ts"
import { SimOracle } from "./oracle.ts"
import type { InvariantId, SimStats, Violation } from "./report.ts"
import type { Scenario } from "./scenario.ts"
import type { AckedWrite, SimNode } from "./world-parts.ts"
import type { Finding } from "../invariants/oracle.ts"

/** What the judge reads of the simulated world. */
export interface JudgedWorld {
  readonly scenario: Scenario
  readonly config: ProtocolConfig
  readonly oracle: Oracle
  readonly ackedByKey: ReadonlyMap<string, AckedWrites<AckedWrite>>
  readonly stats: SimStats
  readonly availability: AvailabilityRecord
  readonly nodes: ReadonlyMap<string, SimNode>
  readonly nodeOrder: ReadonlyArray<string>
  /** Where violations are recorded; the run stops at the first. */
  readonly violations: Array<Violation>
  readonly checkInvariants: boolean
  readonly faultFree: boolean
  readonly quorumCutoff: number
  now(): number
  /** The ring the run started with. */
  readonly ring: Ring
  /** The ring the running nodes agree on once membership has settled. */
  currentRing(): Ring
}

const holdsHintFor = (state: NodeState, key: string): boolean => {
  for (const hint of HashMap.values(hintsHeld(state))) if (hint.key === key) return true
  return false
}

export class SimJudge {
  /** The invariants' oracle (src/invariants/) over this world. */
  readonly oracle: SimOracle
  /** Sometimes counted as they happen; `sometimes()` adds those the statistics already count. */
  private readonly reached: Reached = noneReached()

  constructor(private readonly w: JudgedWorld) {
    this.oracle = new SimOracle(w)
  }

  violate(invariant: InvariantId, message: string): void {
    this.w.violations.push({ invariant, at: this.w.now(), message })
  }

  /** A finding of a check of src/invariants/, the first one only (as violate). */
  report(finding: Finding | undefined): void {
    if (finding !== undefined && this.w.violations.length === 0) this.violate(finding.invariant as InvariantId, finding.message)
  }

  /**
   * SIB-1 at the replica: a step may replace a stored sibling only by versions whose causal past
   * (per the oracle) contains it, and what arrives must end up covered too. HINT-1: a hint is
   * deleted only once its intended node's disk covers it.
   */
  checkStep(id: string, before: NodeState, input: NodeInput, effects: ReadonlyArray<NodeEffect>): void {
    for (const effect of effects) {
      if (effect._tag !== "Persist") continue
      const record = effect.record
      this.w.stats.invariantChecks += 1
      if (record._tag === "StoreKey") {
        const write = { node: id, key: record.key, needed: [...storeEvents(before, record.key), ...incomingEvents(input, record.key)], held: eventsOf(record.set) }
        this.report(sib1NoneDropped(this.oracle, write))
        if (this.w.scenario.options.truncateAt === undefined) this.report(sib1StoredConcurrent(this.oracle, write))
      } else if (record._tag === "DeleteHint") {
        const hint = sortedHints({ hints: hintsHeld(before) }).find((h) => h.intended === record.intended && h.key === record.key)
        const intended = this.w.nodes.get(record.intended)!
        if (hint === undefined || intended.diskLostAt >= 0) continue
        // The intended node must hold the hint in its own store, durably, whatever its view of
        // the ring: a node that does not replicate the key keeps a copy too before it acks
        // (spec/README.md, "Hints"). Counting other disks, or the intended node's hints for
        // others, let two nodes with different views each delete its hint on the other's ack.
        this.report(hint1DeletedOnlyWhenHeld(this.oracle, {
          node: id, intended: record.intended, key: record.key, hint: eventsOf(hint.set), intendedHolds: ownEvents(intended.disk, record.key)
        }))
      }
      if (this.w.violations.length > 0) return
    }
  }

  /**
   * RING-2 end to end: a hand-over to a node carries only keys that node gains in the ring
   * change under way (only the moved ranges travel).
   */
  checkHandoff(node: SimNode, to: string, keys: ReadonlyArray<string>): void {
    const state = node.state
    if (state === undefined || !this.w.checkInvariants) return
    this.w.stats.handoffKeys += keys.length
    const n = this.w.config.n
    this.report(ring2HandoffMovesOnlyGains({
      from: node.id, to,
      keys: keys.map((key) => ({ key, gains: preferenceList(targetRingOf(state), key, n).includes(to) && !preferenceList(servingRing(state), key, n).includes(to) }))
    }))
  }

  /** SIB-1 on what a client sees, and QUORUM-1 in fault-free runs with R + W > N. */
  checkReply(reply: ClientReply, startedAt: number): void {
    if (reply._tag === "Failed") return
    this.w.stats.invariantChecks += 1
    const options = this.w.scenario.options
    const events = reply.siblings.map(eventOf)
    if (events.length > 1) this.reached.siblings += 1
    this.reached[reply._tag === "GetOk" ? "get-answered" : "put-acknowledged"] += 1
    if (options.truncateAt === undefined) this.report(sib1ListedConcurrent(this.oracle, reply, events, undefined))
    if (reply._tag !== "GetOk") return
    if (this.w.faultFree && options.r + options.w > options.n && !reply.id.startsWith("quiesce")) {
      // Writes acknowledged before the get started (and before any ring change) must be seen.
      // Acknowledgements are recorded in time order: those before the cutoff are a prefix.
      const cutoff = Math.min(startedAt, this.w.quorumCutoff)
      const writes = this.w.ackedByKey.get(reply.key)?.writes ?? []
      const before: Array<string> = []
      for (const write of writes) {
        if (write.at >= cutoff) break
        before.push(write.event)
      }
      if (before.length > 0) this.reached["get-after-ack"] += 1
      this.report(quorum1ReadSeesAcknowledged(this.oracle, {
        id: reply.id, key: reply.key, events, acknowledgedBefore: before,
        premise: ` sent at ${startedAt} ms in a run without faults`,
        quorum: `R=${options.r}, W=${options.w}, N=${options.n}`
      }))
    }
  }

  /** AVAIL-1, AVAIL-2: every request whose premise held was answered with success in time. */
  checkAvailability(): void {
    if (this.w.violations.length > 0 || !this.w.checkInvariants) return
    const [first] = this.w.availability.judge(this.w.now())
    if (first !== undefined) this.w.violations.push(first)
  }

  /** DUR-1: every acknowledged write is on some disk, or covered there, unless W disks were lost since it was sent. */
  checkDurability(): void {
    if (this.w.violations.length > 0 || !this.w.checkInvariants) return
    // Each disk's hints by key, gathered once per check rather than rescanned for every key.
    const disks = this.w.nodeOrder.map((id) => {
      const disk = this.w.nodes.get(id)!.disk
      return { disk, hints: hintEventsByKey(disk) }
    })
    for (const [key, writes] of this.w.ackedByKey) {
      // Everything any disk holds for the key, with its causal past, as one bitset.
      const held: Array<string> = []
      for (const { disk, hints } of disks) held.push(...ownEvents(disk, key), ...(hints.get(key) ?? []))
      this.w.stats.invariantChecks += writes.writes.length
      this.report(dur1OnSomeDisk(this.oracle, this.oracle.acknowledged(key), this.oracle.past(key, held)))
      if (this.w.violations.length > 0) return
    }
  }

  /** The Sometimes of the eventual invariants, once heal-and-quiesce judged them (src/invariants/quiescence.ts). */
  countQuiesced(keys: ReadonlyArray<string>): void {
    if (this.w.violations.length > 0) return
    for (const key of keys) {
      this.w.stats.invariantChecks += 1
      const moved = preferenceList(this.w.ring, key, this.w.config.n).join() !== this.oracle.replicas(key).map((r) => r.node).join()
      if (moved && this.oracle.acknowledged(key).length > 0) this.reached["replicas-moved-then-quiesced"] += 1
      if (this.oracle.acknowledgedDeletes(key).length > 0) this.reached["delete-then-quiesced"] += 1
    }
  }

  /** The Sometimes this step reached: a restart, a replica's acknowledgement, a read of a hinted key, a leave done, a repair. */
  countStep(id: string, before: NodeState, after: NodeState, input: NodeInput, effects: ReadonlyArray<NodeEffect>): void {
    // A first start recovers epoch 0 from an empty disk under floor 1 (the host counts starts from 1).
    if (input._tag === "Start" && (epochOf(before) > 0 || input.epochFloor > 1)) this.reached.restart += 1
    for (const effect of effects) {
      if (effect._tag !== "Send") continue
      const message = effect.message
      if (message._tag === "ReplicateAck") this.reached["replica-acknowledged"] += 1
      else if (message._tag === "Repair") this.reached["replicas-repaired"] += 1
      else if (message._tag === "ReadReply" && holdsHintFor(before, message.key)) this.reached["read-of-hinted-key"] += 1
    }
    // A node's own status changes only with its view: compare statuses only when the view changed.
    if (membersOf(before) === membersOf(after)) return
    const status = (state: NodeState) => membersOf(state).find((e) => e.id === id)?.status
    if (status(before) === "leaving" && status(after) === "left") this.reached["node-left"] += 1
    if (status(before) === "joining" && status(after) === "member") this.reached["node-joined"] += 1
  }

  /** A node crashed; `pending` persists of it were not yet durable. */
  countCrash(pending: number): void {
    if (pending > 0) this.reached["crash-before-ack"] += 1
  }

  /** How often each Sometimes was reached in this run. */
  sometimes(): Reached {
    const stats = this.w.stats
    return {
      ...this.reached,
      "request-owed-answer": this.w.availability.owed,
      "hint-delivered": stats.hintsDelivered,
      "key-handed-over": stats.handoffKeys,
      "replicas-repaired": this.reached["replicas-repaired"] + stats.antiEntropyKeys
    }
  }
}
