// Which periodic firings the checker takes (src/check/firings.ts): the core answers, through the
// test its own handler of a round's opening message makes. A firing whose round would change a
// view or move a key is kept, with exactly the picks that reach such a peer; one whose round the
// peer finds in sync is pruned. Each test names the mutation it catches.
import { describe, expect, test } from "vitest"
import { step, type NodeInput, type NodeState } from "../../src/core/index.ts"
import { usefulPicks, type FiringWorld } from "../../src/check/firings.ts"
import { buildModel } from "../../src/check/model.ts"
import { compile, initialWorld } from "../../src/check/world.ts"

const built = buildModel({ preset: "small" })
if (built._tag !== "Ok") throw new Error(built.message)
const c = compile(built.model)
const start = initialWorld(c)

/** The initial world with some nodes' states replaced (usefulPicks reads only `state`). */
const worldWith = (states: ReadonlyMap<number, NodeState>, cut = 0): FiringWorld => ({
  nodes: start.nodes.map((slot, i) => (states.has(i) ? ({ ...slot, state: states.get(i) }) : slot)),
  now: start.now,
  cut
})

const after = (node: number, input: NodeInput): NodeState => step(start.nodes[node]!.state!, input, start.now).state
const gossip = { _tag: "Gossip" } as const
const antiEntropy = { _tag: "AntiEntropy" } as const

describe("periodic firings the checker takes", () => {
  test("gossip: pruned while every view agrees; kept with the picks that reach a node whose view differs", () => {
    // Mutation caught: usefulPicks firing gossip whatever the views (the search would spend its
    // periodic budget on rounds that change nothing).
    for (let i = 0; i < c.ids.length; i++) expect(usefulPicks(c, start, i, gossip)).toEqual([])
    // n-last leaves in node 0's view only: a round between node 0 and anyone changes a view.
    const leaving = c.ids[c.ids.length - 1]!
    const w = worldWith(new Map([[0, after(0, { _tag: "Admin", command: { _tag: "Leave", node: leaving } })]]))
    // Mutation caught: usefulPicks never firing gossip (or comparing a view with itself).
    expect(usefulPicks(c, w, 0, gossip).length).toBeGreaterThan(0)
    // From node 1 only the pick that reaches node 0 is useful: node 2's view agrees with node 1's.
    // Mutation caught: every pick kept once some view differs (the old global "views differ").
    const fromOne = usefulPicks(c, w, 1, gossip)
    expect(fromOne.length).toBe(1)
    // Across a cut the opening digest is lost: nothing to gain. Mutation caught: ignoring the cut.
    expect(usefulPicks(c, worldWith(new Map([[0, w.nodes[0]!.state!]]), 0b001), 1, gossip)).toEqual([])
  })

  test("anti-entropy: pruned while the replicas' trees agree; kept when a replica holds a key the others lack", () => {
    // Outside heal-and-quiesce the small preset does not search anti-entropy at all.
    expect(usefulPicks(c, start, 0, antiEntropy)).toEqual([])
    // Mutation caught: anti-entropy fired between replicas in sync.
    for (let i = 0; i < c.ids.length; i++) expect(usefulPicks(c, start, i, antiEntropy, true)).toEqual([])
    const set = step(start.nodes[0]!.state!, { _tag: "Client", request: { _tag: "Put", id: "x", key: "k1", value: "x", context: [] as never } }, 1)
    const sent = set.effects.find((e) => e._tag === "Send" && e.message._tag === "Replicate")
    expect(sent).toBeDefined()
    if (sent?._tag !== "Send") return
    // Node 1 stores the write (a Replicate from node 0); nodes 0 and 2 have nothing yet.
    const w = worldWith(new Map([[1, after(1, { _tag: "Receive", from: c.ids[0]!, message: sent.message })]]))
    // Mutation caught: anti-entropy never fired (a core that repairs by anti-entropy would
    // never be explored doing so), or fired with no pick that reaches a differing replica.
    expect(usefulPicks(c, w, 1, antiEntropy, true).length).toBeGreaterThan(0)
    expect(usefulPicks(c, w, 0, antiEntropy, true).length).toBeGreaterThan(0)
    // A crashed peer is no partner: with node 1 down, nodes 0 and 2 agree (both empty).
    const down: FiringWorld = { ...w, nodes: w.nodes.map((slot, i) => (i === 1 ? ({ ...slot, state: undefined }) : slot)) }
    expect(usefulPicks(c, down, 0, antiEntropy, true)).toEqual([])
  })
})
