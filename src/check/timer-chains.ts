// Timeouts at canonical points (issue 23): under `async` timing a request or forward timeout may
// fire at any moment after it was armed, and most of those moments are equivalent. A timeout
// that neither persists nor replies is fired only right after a transition that could change
// what it does (a step of its node, or an action every node sees: a send, a fault, a restart, a
// heal), folded into that transition as a chain. The argument is in src/check/README.md
// ("Timeouts at canonical points").
import { firingOf } from "../host/index.ts"
import { type Action, type Transition, type WorldState } from "./state.ts"
import type { Compiled } from "./compiled.ts"
import { apply, isOneShot } from "./actions.ts"
import { stepOnce } from "./feed.ts"
import { searchActions as porActions } from "./por.ts"

/** The successors the search explores from one world: actions (chains among them) and their transitions. */
export interface Successors {
  readonly actions: Array<Action>
  readonly transitions: Array<Transition>
}

/** Whether the reduction is on for this model: async timeouts, and not turned off. */
export const firesAfterStep = (c: Compiled): boolean => c.model.timing === "async" && c.model.fireAfterStep !== false

/**
 * Whether firing timer `t` of node `node` in `w` may be put off to a canonical point: a one-shot
 * timeout whose step (through the transition cache) persists nothing and replies to no client.
 * Its step then changes its node's state and timers and sends messages, nothing else; what it
 * does depends on its node's state, the timer and `now` only, all fixed until a step of the node
 * or a client's send (which releases it).
 */
export const deferrable = (c: Compiled, w: WorldState, node: number, t: number): boolean => {
  const slot = w.nodes[node]!
  const timer = slot.timers[t]!
  if (slot.stateInfo === undefined || !isOneShot(timer)) return false
  const outcome = stepOnce(c, node, slot.stateInfo, firingOf(timer, undefined), w.now)
  return outcome.persists.length === 0 && outcome.replies.length === 0
}

/**
 * The nodes whose deferred timeouts `action` releases: every node after an action that changes
 * what any timeout's step sees or where its messages go (a client's send moves `now`; a crash,
 * restart, cut or heal changes which sends arrive; a give-up or a periodic firing, rare, is
 * counted with them to keep the argument short), else the nodes it stepped.
 */
export type Releases = (c: Compiled, w: WorldState, action: Action, stepped: number) => number

export const releasedBy: Releases = (c: Compiled, w: WorldState, action: Action, stepped: number): number => {
  switch (action._tag) {
    case "Deliver":
    case "Persist":
    case "Drop":
    case "Duplicate":
      return stepped
    case "Fire":
      return isOneShot(w.nodes[action.node]!.timers[action.timer]!) ? stepped : ALL_NODES
    case "Issue":
    case "GiveUp":
    case "Crash":
    case "LoseDisk":
    case "Restart":
    case "Partition":
    case "Heal":
    case "Chain":
      return ALL_NODES
  }
}

/** Every node (at most 8: model.ts NODES_MAX). */
const ALL_NODES = 0xff

/**
 * The search's successors of `w`. Without the reduction: every action `por.ts` offers. With it:
 * those actions less the deferrable timeouts, and after each action a, every chain a, F1, ...,
 * Fk of deferrable timeouts in which each Fi's node was released by a or stepped by an earlier
 * Fj, in order of node index (timeouts of different nodes commute; one node's keep their order).
 * Every prefix of a chain is a successor too, so every world on the way is stored and judged.
 */
export const searchSuccessors = (c: Compiled, w: WorldState, releases: Releases = releasedBy): Successors => {
  const actions: Array<Action> = []
  const transitions: Array<Transition> = []
  const offered = porActions(c, w)
  if (!firesAfterStep(c)) {
    for (const action of offered) {
      actions.push(action)
      transitions.push(apply(c, w, action))
    }
    return { actions, transitions }
  }
  for (const action of offered) {
    if (action._tag === "Fire" && deferrable(c, w, action.node, action.timer)) continue
    const transition = apply(c, w, action)
    actions.push(action)
    transitions.push(transition)
    if (transition.violation === undefined) {
      extend(c, [action], transition, releases(c, w, action, transition.stepped), 0, actions, transitions)
    }
  }
  return { actions, transitions }
}

/** Append every chain that continues `chain` (which reached `after`) with a released deferrable timeout. */
const extend = (
  c: Compiled, chain: ReadonlyArray<Action>, after: Transition, released: number, fromNode: number,
  actions: Array<Action>, transitions: Array<Transition>
): void => {
  const x = after.state
  for (let node = fromNode; node < x.nodes.length; node++) {
    if ((released & (1 << node)) === 0) continue
    const slot = x.nodes[node]!
    for (let t = 0; t < slot.timers.length; t++) {
      if (!deferrable(c, x, node, t)) continue
      const fire = c.cache.actions.fire(node, t, undefined)
      const fired = apply(c, x, fire)
      const parts = [...chain, fire]
      actions.push({ _tag: "Chain", actions: parts })
      transitions.push(new ChainResult(fired.state, fired.violation, after.flags | fired.flags, after.stepped | fired.stepped))
      if (fired.violation === undefined) extend(c, parts, fired, released | fired.stepped, node, actions, transitions)
    }
  }
}

class ChainResult implements Transition {
  constructor(readonly state: WorldState, readonly violation: Transition["violation"], readonly flags: number, readonly stepped: number) {}
}

/** The actions alone (re-running a path: explore.ts `pathTo`, `actionsAlong`). */
export const searchActions = (c: Compiled, w: WorldState): ReadonlyArray<Action> =>
  firesAfterStep(c) ? searchSuccessors(c, w).actions : porActions(c, w)
