// Local failure detection (section 4.9): a node that does not answer is believed down by the
// node that asked, and only by it; any message from it, or an answered probe, brings it back.
import type { NodeId } from "./ring.ts"
import type { NodeState, Out } from "./state.ts"

export const isDown = (state: NodeState, node: NodeId): boolean => state.down.includes(node)

export const markDown = (state: NodeState, nodes: ReadonlyArray<NodeId>): NodeState => {
  const fresh = nodes.filter((node) => node !== state.id && !state.down.includes(node))
  if (fresh.length === 0) return state
  return { ...state, down: [...state.down, ...fresh].sort() }
}

/** The beliefs set outright (the Beliefs input): `nodes` down, every other peer up. */
export const setBeliefs = (state: NodeState, nodes: ReadonlyArray<NodeId>): NodeState => {
  const down = [...new Set(nodes)].filter((node) => node !== state.id).sort()
  return down.length === state.down.length && down.every((node, i) => node === state.down[i]) ? state : { ...state, down }
}

/** Heard from `node`: it is reachable again. */
export const markUp = (state: NodeState, node: NodeId): NodeState =>
  state.down.includes(node) ? { ...state, down: state.down.filter((n) => n !== node) } : state

export const probe = (state: NodeState, out: Out): void => {
  for (const node of state.down) out.push({ _tag: "Send", to: node, message: { _tag: "Ping" } })
  out.push({ _tag: "SetTimer", timer: { _tag: "Probe" }, afterMs: state.config.probeIntervalMs })
}
