// A world under construction: a transition copies a frozen world into a Draft, changes a few
// slots, and freezes it again, sharing every unchanged part with the old world.
import { emptyVClock, type Timer } from "../core/index.ts"
import type { TraceStep } from "../trace/step.ts"
import type { Compiled } from "./compiled.ts"
import type { Finding } from "../invariants/oracle.ts"
import { CheckOracle } from "./oracle.ts"
import type { ClientSlot, NodeSlot, Packet, PendingPersist, Recorder, Used, Violation, WorldState } from "./state.ts"
import { completePersist, restart } from "./transitions.ts"
import { type DiskInfo, EMPTY_LIST_FP, EMPTY_PENDING, EMPTY_TIMERS, type NodeStateInfo, World, comparePackets, makeClient, pendingFp, slotOf, timersFp, worldFp } from "./world-fp.ts"
import { EMPTY_READ_LOG } from "./reads.ts"

/** A change to a node slot (see `Draft.setSlot`): a state (undefined: crashed) or disk comes with its info. */
interface SlotPatch {
  readonly stateInfo?: NodeStateInfo | undefined
  readonly diskInfo?: DiskInfo
  readonly pending?: ReadonlyArray<PendingPersist>
  readonly timers?: ReadonlyArray<Timer>
  readonly starts?: number
  readonly diskLost?: boolean
}

/** A world being changed by one transition; `freeze` makes the next immutable world. */
export class Draft {
  nodes!: Array<NodeSlot>
  flight!: Array<Packet>
  clients!: Array<ClientSlot>
  histories!: Array<number>
  acked!: number
  ackersLeft!: Array<number>
  excused!: number
  used!: Used
  cut!: number
  now!: number
  violation: Violation | undefined = undefined
  flags = 0
  c!: Compiled
  rec: Recorder | undefined
  /** The invariants' oracle (src/invariants/) over this draft's world. */
  readonly oracle: CheckOracle = new CheckOracle(this)

  constructor(readonlyWorld: WorldState, c: Compiled, rec: Recorder | undefined) {
    this.reset(readonlyWorld, c, rec)
  }

  /** Start over from `readonlyWorld` (one draft serves every `apply`: see `draftFor`). */
  reset(readonlyWorld: WorldState, c: Compiled, rec: Recorder | undefined): this {
    this.violation = undefined
    this.flags = 0
    this.c = c
    this.rec = rec
    this.nodes = readonlyWorld.nodes.slice()
    this.flight = readonlyWorld.flight.slice()
    this.clients = readonlyWorld.clients.slice()
    this.histories = readonlyWorld.histories as Array<number>
    this.acked = readonlyWorld.acked
    this.ackersLeft = readonlyWorld.ackersLeft as Array<number>
    this.excused = readonlyWorld.excused
    this.used = readonlyWorld.used
    this.cut = readonlyWorld.cut
    this.now = readonlyWorld.now
    return this
  }

  freeze(): WorldState {
    return new World(
      this.nodes, this.flight, this.clients, this.histories, this.acked, this.ackersLeft, this.excused, this.used,
      this.cut, this.now, worldFp(this.c, this)
    )
  }

  /** Replace node `i`'s slot by `prev` changed as `patch` says, fingerprints kept up to date. */
  setSlot(i: number, patch: SlotPatch): void {
    const prev = this.nodes[i]!
    const pending = patch.pending ?? prev.pending
    const timers = patch.timers ?? prev.timers
    this.nodes[i] = slotOf(
      "stateInfo" in patch ? patch.stateInfo : prev.stateInfo,
      patch.diskInfo ?? prev.diskInfo,
      pending, pending === prev.pending ? prev.pendingFp : pendingFp(pending),
      timers, timers === prev.timers ? prev.timersFp : timersFp(timers),
      patch.starts ?? prev.starts,
      patch.diskLost ?? prev.diskLost,
      prev.reads
    )
  }

  setClient(i: number, patch: Partial<Omit<ClientSlot, "fp">>): void {
    const prev = this.clients[i]!
    this.clients[i] = makeClient({
      next: patch.next ?? prev.next,
      pending: "pending" in patch ? patch.pending : prev.pending,
      seen: patch.seen ?? prev.seen,
      context: patch.context ?? prev.context
    })
  }

  violate(invariant: string, message: string): void {
    if (this.violation === undefined) this.violation = { invariant, message }
  }

  /** A check's finding (src/invariants/), kept if it is the first violation. */
  report(finding: Finding | undefined): void {
    if (finding !== undefined && this.violation === undefined) this.violation = finding
  }

  record(node: number, event: TraceStep["event"]): void {
    this.rec?.steps.push({ at: this.now, node: this.c.ids[node]!, event })
  }

  blocked(from: number, to: number): boolean {
    return ((this.cut >>> from) & 1) !== ((this.cut >>> to) & 1)
  }

  addPacket(packet: Packet): void {
    const flight = this.flight
    let low = 0
    let high = flight.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (comparePackets(flight[mid]!.fp, packet.fp) <= 0) low = mid + 1
      else high = mid
    }
    flight.splice(low, 0, packet)
  }
}

const emptyWorld = (c: Compiled): WorldState => {
  const world = {
    nodes: c.ids.map(() => slotOf(undefined, c.cache.emptyDisk, EMPTY_PENDING, EMPTY_LIST_FP, EMPTY_TIMERS, EMPTY_LIST_FP, 0, false, EMPTY_READ_LOG)),
    flight: [],
    clients: c.model.clients.map(() => makeClient({
      next: 0, pending: undefined, seen: c.keys.map(() => 0), context: c.keys.map(() => emptyVClock)
    })),
    histories: c.writes.map(() => 0),
    acked: 0,
    ackersLeft: c.writes.map(() => 0),
    excused: 0,
    used: { crashes: 0, diskLosses: 0, drops: 0, dups: 0, partitions: 0, periodic: 0 },
    cut: 0,
    now: 0
  }
  return new World(
    world.nodes, world.flight, world.clients, world.histories, world.acked, world.ackersLeft, world.excused, world.used,
    world.cut, world.now, worldFp(c, world)
  )
}

/** Every node started from an empty disk, its first epoch durable: where every execution begins. */
export const initialWorld = (c: Compiled, rec?: Recorder): WorldState => {
  const d = new Draft(emptyWorld(c), c, rec)
  for (let i = 0; i < c.ids.length; i++) {
    restart(d, i)
    completePersist(d, i)
  }
  if (d.violation !== undefined) throw new Error(`check: the initial state violates ${d.violation.invariant}: ${d.violation.message}`)
  return d.freeze()
}
