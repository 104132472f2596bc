// The paper's scenarios as simulator scenarios: Figure 3 (section 4.4), the DVVSet example
// (Preguiça et al., Riak 2.0) and hinted handoff during a partition (section 4.6). They are
// written to traces/paper/ and replayed by the tests; `npm start` can show them too.
import { defaultSimOptions, type ClientOp, type Scenario, type SimOptions } from "./scenario.ts"

const op = (client: number, delayMs: number, node: string, kind: ClientOp["kind"], key = "k1"): ClientOp => ({ client, delayMs, node, kind, key })

// The paper's scenarios show one mechanism each; anti-entropy is off in them so their traces
// stay short enough to read (gossip still runs: one digest per node per second).
const threeNodes: SimOptions = { ...defaultSimOptions, nodes: 3, n: 3, r: 2, w: 2, keys: 1, faults: [], antiEntropy: false }

/**
 * Figure 3 with the paper's own clocks ("vv"): D1 and D2 written through Sx (n1), D3 through Sy
 * (n2) and D4 through Sz (n3) from D2's context, concurrently; a client reads both siblings and
 * writes D5 through Sx, which must carry [(Sx,3),(Sy,1),(Sz,1)].
 */
export const figure3 = (clock: "vv" | "dvv" = "vv"): Scenario => ({
  // A seed whose message delays let D3 and D4 be written before either replica saw the other.
  seed: 2,
  options: { ...threeNodes, clients: 3, clock },
  ops: [
    op(0, 10, "n1", "blind"), // D1 [(Sx,1)]
    op(0, 0, "n1", "put"), // D2 [(Sx,2)]
    op(1, 100, "n2", "get"),
    op(1, 0, "n2", "put"), // D3 [(Sx,2),(Sy,1)]
    op(2, 100, "n3", "get"),
    op(2, 0, "n3", "put"), // D4 [(Sx,2),(Sz,1)]
    op(0, 300, "n1", "get"), // reads D3 and D4 as siblings
    op(0, 0, "n1", "put") // D5 [(Sx,3),(Sy,1),(Sz,1)]
  ],
  faults: []
})

/**
 * The DVVSet example: v1 with no context -> {a:1,[v1]}; v2 with no context -> {a:2,[v2,v1]};
 * v3 with v1's context {a:1} -> {a:3,[v3,v2]}. All coordinated by one node (a = n1).
 */
export const dvvExample = (clock: "vv" | "dvv" = "dvv"): Scenario => ({
  seed: 4,
  options: { ...threeNodes, clients: 2, clock },
  ops: [
    op(0, 10, "n1", "blind"), // v1
    op(1, 100, "n1", "blind"), // v2, concurrent with v1
    op(0, 200, "n1", "put"), // v3, with v1's context (the reply to v1's put)
    op(1, 200, "n1", "get")
  ],
  faults: []
})

/**
 * Sloppy quorum and hinted handoff (section 4.6): k1's preference list is n3, n1, n4 with n2
 * next. n1 is cut off; a put through n3 is acknowledged by n3 and n4, the coordinator gives up
 * on n1 and hands its replica to n2 with a hint; after the heal n2 delivers it and drops it.
 */
export const hintedHandoff = (): Scenario => ({
  seed: 5,
  options: { ...defaultSimOptions, nodes: 4, n: 3, r: 2, w: 2, keys: 1, clients: 1, faults: ["partition"], antiEntropy: false },
  ops: [op(0, 10, "n3", "blind"), op(0, 3_000, "n3", "get")],
  faults: [
    { _tag: "Partition", at: 0, isolated: ["n1"] },
    { _tag: "Heal", at: 2_000 }
  ]
})

export const paperScenarios: ReadonlyArray<{ readonly name: string; readonly description: string; readonly scenario: Scenario }> = [
  { name: "figure3-vv", description: "The paper's Figure 3 with per-server vector clocks", scenario: figure3("vv") },
  { name: "figure3-dvv", description: "Figure 3 under dotted version vectors", scenario: figure3("dvv") },
  { name: "dvv-example", description: "The DVVSet example: v1, v2 concurrent, v3 with v1's context", scenario: dvvExample("dvv") },
  { name: "hinted-handoff", description: "Section 4.6: a partitioned replica's write goes to a fallback with a hint, delivered after the heal", scenario: hintedHandoff() }
]
