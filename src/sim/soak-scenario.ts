// The scenario of one soak seed (`npm run soak`, src/sim/soak.ts): shape, quorum and enabled
// faults all drawn from the seed. Apart from soak.ts, which starts worker threads when imported,
// so a test can run the soak's standard seeds (test/sometimes.test.ts).
import { Prng } from "../host/prng.ts"
import { defaultSimOptions, FAULT_KINDS, generateScenario, type Scenario } from "./scenario.ts"

const QUORUMS: ReadonlyArray<readonly [number, number, number]> = [[3, 2, 2], [3, 1, 3], [3, 3, 1], [3, 1, 1], [3, 2, 1]]

/** The scenario of one soak seed. */
export const soakScenario = (seed: number, steps: number): Scenario => {
  const prng = new Prng(seed)
  const [n, r, w] = prng.pick(QUORUMS)
  // "pause" is drawn last, so the seeds drawn before it existed keep the rest of their shape.
  const drawn = FAULT_KINDS.filter((kind) => kind !== "pause" && prng.chance(60))
  const nodes = prng.int(3, 7)
  const keys = prng.int(1, 4)
  const clients = prng.int(1, 5)
  // One run in four converges by anti-entropy alone (no reads at quiescence: CONV-1's hard case).
  const quiesceReads = !prng.chance(25)
  const faults = prng.chance(40) ? [...drawn, "pause" as const] : drawn
  return generateScenario(seed, { ...defaultSimOptions, nodes, n, r, w, keys, clients, faults, quiesceReads }, steps)
}

