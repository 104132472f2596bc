// Which firings of a periodic timer the search takes. A periodic timer re-arms itself forever, so
// the search fires it (within the bound `periodic`) only with a pick for which the firing acts,
// and asks the core, never restating its guards. Probe, HintScan and Handoff send only when they
// have work, so their own step tells (run through the cache). Gossip and AntiEntropy always send
// (a digest, tree roots), so one step cannot tell; the core answers with the very test its
// handler of the opening message makes (gossipInSync, antiEntropyInSync): a round whose opening
// the peer finds in sync ends at once. The choice between this and running the whole exchange
// on a scratch copy is argued in README.md ("Periodic timers").
import { antiEntropyInSync, gossipInSync, gossipPeerOf, type NodeState, type Timer, timerKey } from "../core/index.ts"
import { firingOf } from "../host/index.ts"
import type { Compiled } from "./compiled.ts"
import { stepOnce } from "./feed.ts"
import type { WorldState } from "./state.ts"

export const isOneShot = (timer: Timer): boolean => timer._tag === "RequestTimer" || timer._tag === "ForwardTimer"

/** What the pruning needs of a world (a frozen world, or heal-and-quiesce's draft). */
export type FiringWorld = Pick<WorldState, "nodes" | "now" | "cut">

const NEVER: ReadonlyArray<number | undefined> = []
const NO_PICK: ReadonlyArray<number | undefined> = [undefined]
/** 0..count-1 (at least [0]), one array per count: usefulPicks runs at every settled world. */
const pickLists: Array<ReadonlyArray<number>> = []
const picksBelow = (count: number): ReadonlyArray<number> =>
  (pickLists[count] ??= Array.from({ length: Math.max(count, 1) }, (_, i) => i))

/**
 * Whether firing `node`'s armed `timer` acts by its own step: the core's step (through the
 * transition cache, so the firing itself then costs nothing) changes the node's state, sends,
 * persists, replies, or touches a timer other than re-arming itself.
 */
export const firingActs = (c: Compiled, w: FiringWorld, node: number, timer: Timer): boolean => {
  const info = w.nodes[node]!.stateInfo!
  const outcome = stepOnce(c, node, info, firingOf(timer, undefined), w.now)
  if (outcome.stateInfo !== info || outcome.packets.length > 0 || outcome.persists.length > 0 || outcome.replies.length > 0) return true
  const key = timerKey(timer)
  return outcome.timerEffects.some((effect) => effect._tag !== "SetTimer" || timerKey(effect.timer) !== key)
}

/** A peer's state as a message from `node` would find it: undefined when crashed or across the cut. */
const reachable = (c: Compiled, w: FiringWorld, node: number) => (peer: string): NodeState | undefined => {
  const index = c.nodeIndex.get(peer)
  if (index === undefined || ((w.cut >>> node) & 1) !== ((w.cut >>> index) & 1)) return undefined
  return w.nodes[index]!.state
}

/**
 * The picks with which firing `node`'s periodic `timer` acts now; none when it would not.
 * Gossip and AntiEntropy take a pick: every distinct peer choice is tried (the core reduces a
 * pick modulo its candidates: the other nodes for gossip, the other N-1 replicas of a range for
 * anti-entropy), and kept when the round it opens is not in sync. AntiEntropy is searched only
 * where the model asks for it (`searchAntiEntropy`, a bound on the search like `periodic`) and in
 * heal-and-quiesce. Unknown timers never fire.
 */
export const usefulPicks = (c: Compiled, w: FiringWorld, node: number, timer: Timer, quiescing = false): ReadonlyArray<number | undefined> => {
  const state = w.nodes[node]!.state
  if (state === undefined) return NEVER
  switch (timer._tag) {
    case "Probe":
    case "HintScan":
    case "Handoff":
      return firingActs(c, w, node, timer) ? NO_PICK : NEVER
    case "Gossip": {
      const peerState = reachable(c, w, node)
      return picksBelow(c.ids.length - 1).filter((pick) => {
        const peer = gossipPeerOf(state, pick)
        const other = peer === undefined ? undefined : peerState(peer)
        return other !== undefined && !gossipInSync(state, other)
      })
    }
    case "AntiEntropy": {
      if (!quiescing && !c.model.searchAntiEntropy) return NEVER
      const peerState = reachable(c, w, node)
      return picksBelow(c.model.protocol.n - 1).filter((pick) => !antiEntropyInSync(state, pick, peerState))
    }
    default:
      return NEVER
  }
}
