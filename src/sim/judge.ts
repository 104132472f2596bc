// The simulator's invariant checks (spec/README.md section 4), judged against the event oracle
// (src/trace/oracle.ts), never the clocks: SIB-1 and HINT-1 at each persist, RING-2 at each
// hand-over, QUORUM-1 at each reply, AVAIL-1/2 and DUR-1 as the run goes, and CONV-1, HINT-1
// and DEL-1 after heal-and-quiesce. The World (world.ts) calls them; they read it through
// JudgedWorld and record what they find in its violations.
import { type ClientReply, type NodeEffect, type NodeInput, type NodeState, type ProtocolConfig, preferenceList, type Ring, servingRing, siblingValues, sortedHints, targetRingOf, hintsHeld } from "../core/index.ts"
import { eventOf } from "../trace/format.ts"
import type { Oracle } from "../trace/oracle.ts"
import type { AckedWrites } from "./acked.ts"
import type { AvailabilityRecord } from "./availability.ts"
import { eventsOf, hintEventsByKey, incomingEvents, ownEvents, storeEvents, storeSet } from "./events.ts"
import type { InvariantId, SimStats, Violation } from "./report.ts"
import type { Scenario } from "./scenario.ts"
import type { AckedWrite, SimNode } from "./world-parts.ts"
import { checkReplicasHold, type Finding } from "./checks/index.ts"

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
  /** The ring the running nodes agree on once membership has settled. */
  currentRing(): Ring
}

export class SimJudge {
  constructor(private readonly w: JudgedWorld) {}

  violate(invariant: InvariantId, message: string): void {
    this.w.violations.push({ invariant, at: this.w.now(), message })
  }

  /** A finding of the checks in src/sim/checks/, the first one only (as violate). */
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
        const previous = storeEvents(before, record.key)
        const now = eventsOf(record.set)
        const incoming = incomingEvents(input, record.key)
        for (const event of [...previous, ...incoming]) {
          if (!this.w.oracle.has(event)) continue
          if (!this.w.oracle.coveredBy(event, now)) {
            this.violate("SIB-1", `${id} dropped ${event} from ${record.key}: it now holds [${now.join(", ")}], none of which has seen it`)
            return
          }
        }
        const pair = this.w.scenario.options.truncateAt === undefined ? this.w.oracle.orderedPair(now) : undefined
        if (pair !== undefined) {
          const [a, b] = pair
          this.violate("SIB-1", `${id} keeps ${b} beside ${a} in ${record.key}, though ${a} has seen ${b}`)
          return
        }
      } else if (record._tag === "DeleteHint") {
        const hint = sortedHints({ hints: hintsHeld(before) }).find((h) => h.intended === record.intended && h.key === record.key)
        const intended = this.w.nodes.get(record.intended)!
        if (hint === undefined || intended.diskLostAt >= 0) continue
        // The intended node must hold the hint in its own store, durably, whatever its view of
        // the ring: a node that does not replicate the key keeps a copy too before it acks
        // (spec/README.md, "Hints"). Counting other disks, or the intended node's hints for
        // others, let two nodes with different views each delete its hint on the other's ack.
        const held = ownEvents(intended.disk, record.key)
        for (const event of eventsOf(hint.set)) {
          if (!this.w.oracle.coveredBy(event, held)) {
            this.violate("HINT-1", `${id} deleted its hint for ${record.intended}/${record.key} but ${record.intended}'s disk does not hold ${event}`)
            return
          }
        }
      }
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
    for (const key of keys) {
      const gains = preferenceList(targetRingOf(state), key, this.w.config.n).includes(to) && !preferenceList(servingRing(state), key, this.w.config.n).includes(to)
      if (!gains) {
        this.violate("RING-2", `${node.id} handed ${key} to ${to}, which does not gain it in the pending ring change`)
        return
      }
    }
  }

  /** SIB-1 on what a client sees, and QUORUM-1 in fault-free runs with R + W > N. */
  checkReply(reply: ClientReply, startedAt: number): void {
    if (reply._tag !== "GetOk") return
    this.w.stats.invariantChecks += 1
    const events = reply.siblings.map(eventOf)
    const pair = this.w.scenario.options.truncateAt === undefined ? this.w.oracle.orderedPair(events) : undefined
    if (pair !== undefined) {
      const [a, b] = pair
      this.violate("SIB-1", `get ${reply.id} of ${reply.key} returned ${b} beside ${a}, though ${a} has seen ${b}`)
      return
    }
    const options = this.w.scenario.options
    if (this.w.faultFree && options.r + options.w > options.n && !reply.id.startsWith("quiesce")) {
      const seen = this.w.oracle.pastUnion(reply.key, events)
      // Writes acknowledged before the get started (and before any ring change) must be seen.
      const write = this.w.ackedByKey.get(reply.key)?.firstMissing(seen, (w) => w.at < startedAt && w.at < this.w.quorumCutoff)
      if (write !== undefined) {
        this.violate("QUORUM-1", `get ${reply.id} of ${reply.key} started at ${startedAt} ms missed ${write.event}, acknowledged at ${write.at} ms (R=${options.r}, W=${options.w}, N=${options.n})`)
        return
      }
    }
  }

  /** AVAIL-1, AVAIL-2: every request whose premise held was answered with success in time. */
  checkAvailability(): void {
    if (this.w.violations.length > 0 || !this.w.checkInvariants) return
    const [first] = this.w.availability.judge(this.w.now())
    if (first !== undefined) this.w.violations.push(first)
  }

  /** DUR-1: every acknowledged write is on some disk, or covered there, unless all its ackers lost their disks. */
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
      const onDisk = this.w.oracle.pastUnion(key, held)
      this.w.stats.invariantChecks += writes.writes.length
      const write = writes.firstMissing(onDisk, (w) => !this.durabilityExcused(w))
      if (write !== undefined) {
        this.violate("DUR-1", `${write.event} on ${write.key} was acknowledged at ${write.at} ms by [${write.nodes.join(", ")}] but no disk holds it or a version that has seen it`)
        return
      }
    }
  }

  /**
   * DUR-1's bound: a write may be lost only when the disks of W nodes were lost after it was
   * sent (an acker may have acknowledged before the client heard of it). The nodes the reply names are not trusted (a buggy coordinator could name
   * fewer), so any W lost disks excuse it: fewer than W lost disks means fewer than W ackers.
   */
  private durabilityExcused(write: AckedWrite): boolean {
    let lost = 0
    for (const id of this.w.nodeOrder) if (this.w.nodes.get(id)!.diskLostAt >= write.issuedAt) lost += 1
    return lost >= this.w.config.w
  }

  /** CONV-1, HINT-1 and DEL-1 after heal-and-quiesce. */
  checkConvergence(keys: ReadonlyArray<string>): void {
    if (this.w.violations.length > 0) return
    for (const id of this.w.nodeOrder) {
      const state = this.w.nodes.get(id)!.state
      if (state === undefined) continue
      const hints = sortedHints({ hints: hintsHeld(state) })
      if (hints.length > 0) {
        this.violate("HINT-1", `${id} still holds ${hints.length} hint(s) after quiescence (first: ${hints[0]!.intended}/${hints[0]!.key})`)
        return
      }
    }
    for (const key of keys) {
      this.w.stats.invariantChecks += 1
      const replicas = preferenceList(this.w.currentRing(), key, this.w.config.n)
      const sets = replicas.map((id) => storeEvents(this.w.nodes.get(id)!.state!, key).slice().sort())
      const first = JSON.stringify(sets[0])
      for (let i = 1; i < sets.length; i++) {
        if (JSON.stringify(sets[i]) !== first) {
          this.violate("CONV-1", `replicas of ${key} differ after quiescence: ${replicas[0]} holds ${first}, ${replicas[i]} holds ${JSON.stringify(sets[i])}`)
          return
        }
      }
      // DUR-2: the key's current replicas hold every acknowledged write not excused by disk loss.
      const hold = checkReplicasHold(this.w.oracle, key, replicas.map((node, i) => ({ node, events: sets[i]! })), this.w.ackedByKey.get(key), (w) => this.durabilityExcused(w))
      if (hold !== undefined) return this.report(hold)
      const live = sets[0] ?? []
      for (const write of this.w.ackedByKey.get(key)?.writes ?? []) {
        if (!write.deletion) continue
        const excused = this.durabilityExcused(write)
        for (const event of live) {
          const state = this.w.nodes.get(replicas[0]!)!.state!
          const isTombstone = siblingValues(storeSet(state, key)).some((v) => v._tag === "Tombstone" && v.id === event)
          if (!excused && !isTombstone && event !== write.event && this.w.oracle.inPast(write.event, event)) {
            this.violate("DEL-1", `${event} on ${key} is live after quiescence though delete ${write.event}, acknowledged at ${write.at} ms, covered it`)
            return
          }
        }
      }
    }
  }
}
