// The enabled actions of a world, within the model's bounds, and applying one. Periodic timers
// fire only when the core says the firing acts (firings.ts).
import type { Compiled } from "./compiled.ts"
import { Draft } from "./draft.ts"
import { isOneShot, usefulPicks } from "./firings.ts"
import { type Action, F_LOST, type Packet, type Recorder, type Transition, type WorldState } from "./state.ts"
import { checkDurability, completePersist, crash, deliver, fire, issue, restart } from "./transitions.ts"
import { TransitionResult } from "./world-fp.ts"
import { QUIESCE_STEPS_MAX } from "./quiesce.ts"
import { crashedWith } from "./zones.ts"

export { isOneShot, usefulPicks } from "./firings.ts"

const quiet = (w: WorldState): boolean => w.flight.length === 0 && w.nodes.every((slot) => slot.pending.length === 0)

/**
 * One object per distinct action (actions are plain data, and `enabledActions` runs for every new
 * world): by packet, node, client, timer or cut, made on first use. A firing with a pick is made
 * each time (periodic timers fire rarely).
 */
export class ActionCache {
  private readonly issues: Array<Action> = []
  private readonly giveUps: Array<Action> = []
  private readonly deliveries: Array<Action> = []
  private readonly drops: Array<Action> = []
  private readonly duplicates: Array<Action> = []
  private readonly persists: Array<Action> = []
  private readonly crashes: Array<Action> = []
  private readonly diskLosses: Array<Action> = []
  private readonly restarts: Array<Action> = []
  private readonly fires: Array<Array<Action>> = []
  private readonly partitions: Array<Action> = []
  readonly heal: Action = { _tag: "Heal" }

  issue(client: number): Action { return this.issues[client] ??= { _tag: "Issue", client } }
  giveUp(client: number): Action { return this.giveUps[client] ??= { _tag: "GiveUp", client } }
  deliver(packet: number): Action { return this.deliveries[packet] ??= { _tag: "Deliver", packet } }
  drop(packet: number): Action { return this.drops[packet] ??= { _tag: "Drop", packet } }
  duplicate(packet: number): Action { return this.duplicates[packet] ??= { _tag: "Duplicate", packet } }
  persist(node: number): Action { return this.persists[node] ??= { _tag: "Persist", node } }
  crash(node: number): Action { return this.crashes[node] ??= { _tag: "Crash", node } }
  loseDisk(node: number): Action { return this.diskLosses[node] ??= { _tag: "LoseDisk", node } }
  restart(node: number): Action { return this.restarts[node] ??= { _tag: "Restart", node } }
  /** A cut is a mask below 2^8 (at most 8 nodes). */
  partition(cut: number): Action { return this.partitions[cut] ??= { _tag: "Partition", cut } }

  fire(node: number, timer: number, pick: number | undefined): Action {
    if (pick !== undefined) return { _tag: "Fire", node, timer, pick }
    const timers = this.fires[node] ??= []
    return timers[timer] ??= { _tag: "Fire", node, timer }
  }
}

const samePacket = (flight: ReadonlyArray<Packet>, p: number): boolean =>
  p > 0 && flight[p - 1]!.fp.hi === flight[p]!.fp.hi && flight[p - 1]!.fp.lo === flight[p]!.fp.lo

export const enabledActions = (c: Compiled, w: WorldState): ReadonlyArray<Action> => {
  const actions: Array<Action> = []
  const bounds = c.model.bounds
  const made = c.cache.actions
  const { nodes, flight, clients, used } = w
  for (let i = 0; i < clients.length; i++) {
    const client = clients[i]!
    if (client.pending === undefined) {
      const op = c.model.clients[i]![client.next]
      if (op !== undefined && nodes[c.nodeIndex.get(op.node)!]!.state !== undefined) actions.push(made.issue(i))
    } else {
      const contact = nodes[client.pending.node]!
      if (contact.state === undefined || contact.starts !== client.pending.starts) actions.push(made.giveUp(i))
    }
  }
  // Equal copies of a message (neighbours: the multiset is sorted) are one choice.
  for (let p = 0; p < flight.length; p++) if (!samePacket(flight, p)) actions.push(made.deliver(p))
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.pending.length > 0) actions.push(made.persist(i))
  if (c.model.timing === "async" || quiet(w)) {
    for (let i = 0; i < nodes.length; i++) {
      const slot = nodes[i]!
      if (slot.state === undefined) continue
      for (let t = 0; t < slot.timers.length; t++) {
        const timer = slot.timers[t]!
        if (isOneShot(timer)) actions.push(made.fire(i, t, undefined))
        else if (used.periodic < bounds.periodic) {
          for (const pick of usefulPicks(c, w, i, timer)) actions.push(made.fire(i, t, pick))
        }
      }
    }
  }
  for (let p = 0; p < flight.length; p++) {
    if (samePacket(flight, p)) continue
    if (used.drops < bounds.drops) actions.push(made.drop(p))
    if (used.dups < bounds.dups) actions.push(made.duplicate(p))
  }
  for (let i = 0; i < nodes.length; i++) {
    if (nodes[i]!.state !== undefined) {
      if (used.crashes < bounds.crashes) actions.push(made.crash(i))
      if (used.diskLosses < bounds.diskLosses) actions.push(made.loseDisk(i))
    } else {
      actions.push(made.restart(i))
    }
  }
  if (w.cut === 0 && used.partitions < bounds.partitions) for (const cut of c.cuts) actions.push(made.partition(cut))
  if (w.cut !== 0) actions.push(made.heal)
  return actions
}

/** Apply one action; `rec` records the node steps and replies for a trace. */
/**
 * The draft `apply` works in, reused: a transition is made on every call, and its draft is
 * garbage as soon as the world is frozen (the world keeps the draft's arrays, not the draft).
 */
let spareDraft: Draft | undefined

export const draftFor = (c: Compiled, w: WorldState, rec: Recorder | undefined): Draft =>
  spareDraft === undefined ? (spareDraft = new Draft(w, c, rec)) : spareDraft.reset(w, c, rec)

export const apply = (c: Compiled, w: WorldState, action: Action, rec?: Recorder): Transition => {
  const d = draftFor(c, w, rec)
  switch (action._tag) {
    case "Issue":
      issue(d, action.client)
      break
    case "GiveUp":
      d.setClient(action.client, { pending: undefined })
      break
    case "Deliver":
      deliver(d, action.packet)
      break
    case "Persist":
      completePersist(d, action.node)
      break
    case "Fire": {
      const timer = w.nodes[action.node]!.timers[action.timer]!
      if (!isOneShot(timer)) d.used = { ...d.used, periodic: d.used.periodic + 1 }
      fire(d, action.node, timer, action.pick)
      break
    }
    case "Drop":
      d.flight.splice(action.packet, 1)
      d.used = { ...d.used, drops: d.used.drops + 1 }
      d.flags |= F_LOST
      break
    case "Duplicate":
      d.addPacket(w.flight[action.packet]!)
      d.used = { ...d.used, dups: d.used.dups + 1 }
      break
    case "Crash":
      d.used = { ...d.used, crashes: d.used.crashes + 1 }
      // With zones the whole zone goes down in one action (check/zones.ts).
      for (const node of crashedWith(c, (i) => d.nodes[i]!.state !== undefined, action.node)) {
        crash(d, node, false)
        if (c.model.restart === "at-once") restart(d, node)
      }
      break
    case "LoseDisk":
      d.used = { ...d.used, diskLosses: d.used.diskLosses + 1 }
      crash(d, action.node, true)
      if (c.model.restart === "at-once") restart(d, action.node)
      break
    case "Restart":
      restart(d, action.node)
      break
    case "Partition": {
      d.used = { ...d.used, partitions: d.used.partitions + 1 }
      d.cut = action.cut
      const before = d.flight.length
      d.flight = d.flight.filter((packet) => !d.blocked(packet.from, packet.to))
      if (d.flight.length < before) d.flags |= F_LOST
      break
    }
    case "Heal":
      d.cut = 0
      break
  }
  if (persistEagerly(d)) flushPersists(d)
  checkDurability(d)
  return new TransitionResult(d.freeze(), d.violation, d.flags)
}

/** The first node with a persist pending, or -1. */
export const pendingNode = (d: Draft): number => {
  for (let i = 0; i < d.nodes.length; i++) if (d.nodes[i]!.pending.length > 0) return i
  return -1
}

/** Whether pending persists complete at once: "eager" persistence and no crash left to happen. */
const persistEagerly = (d: Draft): boolean =>
  d.c.model.persistence === "eager" &&
  d.used.crashes >= d.c.model.bounds.crashes && d.used.diskLosses >= d.c.model.bounds.diskLosses

/** Complete every pending persist, node by node, until none is left (completions may persist more). */
const flushPersists = (d: Draft): void => {
  for (let round = 0; round < QUIESCE_STEPS_MAX && d.violation === undefined; round++) {
    const node = pendingNode(d)
    if (node < 0) return
    completePersist(d, node)
  }
}

/**
 * A settled world: every client has finished its script, nothing is in flight, no persist is
 * pending, no request is waiting on a timeout, every node is up and no partition is in force.
 * Hints and suspicions may remain: heal-and-quiesce deals with them before CONV-1 and HINT-1 are
 * judged. (A world that would be settled but for a crashed node or a cut is not judged itself:
 * restarting and healing, always enabled, lead from it to a settled one, and heal-and-quiesce
 * would begin with exactly those steps.)
 */
export const isSettled = (c: Compiled, w: WorldState): boolean =>
  w.flight.length === 0 && w.cut === 0 &&
  w.clients.every((client, i) => client.pending === undefined && client.next === c.model.clients[i]!.length) &&
  w.nodes.every((slot) => slot.state !== undefined && slot.pending.length === 0 && !slot.timers.some(isOneShot))
