// The checker's world: every node's state (or, crashed, only its disk), the messages in flight
// as a multiset, each node's armed timers and not-yet-durable persists, the clients running
// their scripts, and an event oracle (as src/trace/oracle.ts: each write is an event whose causal
// past is what its client had read, never what the clocks say). Every node input goes through
// the core's one `step` and the node host's rules; the checker only decides which inputs are
// possible and checks the invariants of spec/README.md after each one. Worlds are immutable; a
// transition builds a new one sharing every unchanged part with the old. A step already taken
// from the same node state with the same input is found in the transition cache (memo.ts).
//
// This file is the world's public face for the search (explore.ts, parallel.ts, prefix.ts,
// counterexample.ts); the parts, one concept each: compiled.ts (the model as indices),
// state.ts (the world's data), masks.ts (the oracle on bit masks), world-fp.ts (fingerprints),
// draft.ts (building a world), feed.ts (one input through the core), judge.ts (the invariants at
// each persist and reply), holding.ts (disks and pending persists for the host's rules),
// transitions.ts, actions.ts (what is enabled; applying it), firings.ts (periodic firings),
// quiesce.ts (heal and quiesce, CONV-1/HINT-1/DUR-2/DEL-1), describe.ts.
export { apply, enabledActions, isSettled } from "./actions.ts"
export { compile, type Compiled } from "./compiled.ts"
export { describeAction } from "./describe.ts"
export { initialWorld } from "./draft.ts"
export { finalReplicas, quiesce, QUIESCE_ROUNDS_MAX, QUIESCE_STEPS_MAX } from "./quiesce.ts"
export { QUIESCE_READ_ROUNDS } from "../invariants/quiescence.ts"
export {
  F_SETTLED,
  SOMETIMES,
  type Action,
  type Recorder,
  type Sometimes,
  type Transition,
  type Violation,
  type WorldState
} from "./state.ts"
