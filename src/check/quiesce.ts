// Heal and quiesce in the checker: from a settled world, the procedure of src/invariants/quiescence.ts,
// with time passing as rounds of timers, probes and hint scans run to a fixed point.
import { HashMap } from "effect"
import { believedDown, type ClientRequest, hintsHeld, localStore, siblingValues, type Timer } from "../core/index.ts"
import { eventOf } from "../trace/format.ts"
import { isOneShot, pendingNode, usefulPicks } from "./actions.ts"
import type { Compiled } from "./compiled.ts"
import { Draft } from "./draft.ts"
import { feed } from "./feed.ts"
import { healAndQuiesce, QUIESCE_READ_ROUNDS } from "../invariants/quiescence.ts"
import { storeSetOf } from "./masks.ts"
import type { Recorder, Violation, WorldState } from "./state.ts"
import { checkDurability, completePersist, deliver, fire, restart } from "./transitions.ts"

/** Heal-and-quiesce: rounds of timers, probes and hint scans, and a bound on its steps. */
export const QUIESCE_ROUNDS_MAX = 8
export const QUIESCE_STEPS_MAX = 20_000

const drain = (d: Draft, budget: { steps: number }): void => {
  for (;;) {
    if (d.violation !== undefined) return
    if (--budget.steps < 0) {
      d.violate("CONV-1", `the cluster did not quiesce within ${QUIESCE_STEPS_MAX} steps`)
      return
    }
    if (d.flight.length > 0) {
      deliver(d, 0)
      continue
    }
    const node = pendingNode(d)
    if (node < 0) return
    completePersist(d, node)
  }
}

/** Periodic timers in the order heal-and-quiesce fires them: clear suspicions first. */
const PERIODIC_ORDER: ReadonlyArray<Timer["_tag"]> = ["Probe", "Gossip", "HintScan", "Handoff", "AntiEntropy"]

/** Rounds of: deliver everything, fire pending timeouts, then each periodic timer with work to do. */
const settle = (d: Draft, budget: { steps: number }): void => {
  for (let round = 0; round < QUIESCE_ROUNDS_MAX && d.violation === undefined; round++) {
    drain(d, budget)
    let fired = false
    for (let i = 0; i < d.nodes.length; i++) {
      for (const timer of d.nodes[i]!.timers) {
        if (!isOneShot(timer) || d.nodes[i]!.state === undefined) continue
        if (!d.nodes[i]!.timers.includes(timer)) continue // cancelled by an earlier firing
        fire(d, i, timer)
        fired = true
        drain(d, budget)
      }
    }
    for (const tag of PERIODIC_ORDER) {
      for (let i = 0; i < d.nodes.length; i++) {
        const timer = d.nodes[i]!.timers.find((t) => t._tag === tag)
        if (timer === undefined) continue
        for (const pick of usefulPicks(d.c, d, i, timer, true)) {
          if (d.nodes[i]!.state === undefined) break
          fire(d, i, timer, pick)
          fired = true
          drain(d, budget)
        }
      }
    }
    if (!fired) return
  }
}

/** Whether every replica of every key already agrees, with nothing left to heal or hand off. */
const alreadyQuiet = (c: Compiled, w: WorldState): boolean => {
  if (w.cut !== 0) return false
  for (const slot of w.nodes) {
    if (slot.state === undefined || believedDown(slot.state).length > 0 || HashMap.size(hintsHeld(slot.state)) > 0) return false
  }
  for (let i = 0; i < w.nodes.length; i++) {
    for (const timer of w.nodes[i]!.timers) if (!isOneShot(timer) && usefulPicks(c, w, i, timer, true).length > 0) return false
  }
  return c.keys.every((key, k) => {
    const sets = c.top[k]!.map((i) => localStore(w.nodes[i]!.state!))
    const first = storeSetOf(c, sets[0]!, key)
    return sets.every((store) => JSON.stringify(storeSetOf(c, store, key)) === JSON.stringify(first))
  })
}

export interface Quiesced {
  readonly state: WorldState
  readonly violation: Violation | undefined
  /** False when the world was already converged and the run was skipped (it would change nothing). */
  readonly ran: boolean
}

/**
 * Heal-and-quiesce (src/invariants/quiescence.ts) over a draft: heal the cut and crashed nodes,
 * then rounds of transitions to a fixed point (deliver everything, fire timeouts, probe suspects
 * and offer hints until nothing changes), reads of every key at R = N through its first replica;
 * then HINT-1 (none left), CONV-1, DUR-2, DEL-1 and DUR-1. Deterministic. A world whose replicas already
 * agree, with no hint, suspicion, cut or crashed node, is judged directly: reads at R = N of equal
 * replicas repair nothing.
 */
export const quiesce = (c: Compiled, w: WorldState, rec?: Recorder, force = false): Quiesced => {
  const fast = !force && rec === undefined && alreadyQuiet(c, w)
  const d = new Draft(w, c, rec)
  const budget = { steps: QUIESCE_STEPS_MAX }
  const checks = c.model.checks
  healAndQuiesce({
    oracle: d.oracle,
    keys: c.keys,
    readRounds: QUIESCE_READ_ROUNDS,
    checks: { hint1: checks.hint, conv1: checks.conv, dur2: checks.dur, del1: checks.del },
    stopped: () => d.violation !== undefined,
    report: (finding) => d.report(finding),
    alreadyQuiet: () => fast,
    heal: () => {
      d.cut = 0
      for (let i = 0; i < d.nodes.length; i++) if (d.nodes[i]!.state === undefined) restart(d, i)
    },
    settle: () => {
      settle(d, budget)
      return true
    },
    read: (key, id) => {
      const k = c.keyIndex.get(key)!
      const request: ClientRequest = { _tag: "Get", id, key, r: c.model.protocol.n }
      feed(d, c.top[k]![0]!, { _tag: "Client", request })
    },
    settleReads: () => settle(d, budget),
    converge: () => {},
    checkDurability: () => checkDurability(d)
  })
  return { state: d.freeze(), violation: d.violation, ran: !fast }
}

/** Each home replica's live values per key (for the trace's observations; crashed nodes left out). */
export const finalReplicas = (c: Compiled, w: WorldState): ReadonlyArray<{ readonly node: string; readonly key: string; readonly values: ReadonlyArray<string> }> => {
  const result: Array<{ node: string; key: string; values: ReadonlyArray<string> }> = []
  c.keys.forEach((key, k) => {
    for (const i of c.top[k]!) {
      const state = w.nodes[i]!.state
      if (state === undefined) continue
      result.push({ node: c.ids[i]!, key, values: siblingValues(storeSetOf(c, localStore(state), key)).filter((v) => v._tag === "Put").map(eventOf) })
    }
  })
  return result
}
