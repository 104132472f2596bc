// Merkle anti-entropy (section 4.7) on real processes, alone: a node that comes back on an empty
// disk, with no hint owed to it and no client reading, gets every key it replicates back from
// the other replicas' trees. With three nodes and N=3 each node replicates all 1,024 ranges of
// the default ring, sixteen times what one anti-entropy round compares, so this also shows that
// the rounds take the ranges in turn (CONV-1).
import { rmSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { startCluster, until } from "./harness.ts"

const KEYS = 120
const keyName = (i: number) => `item:${i}`

describe("anti-entropy after a disk loss (3 nodes, N=3 R=2 W=2)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("anti-entropy", { nodes: 3 })
  })
  afterAll(() => env?.cleanup())

  // Catches: anti-entropy rounds that always start from the first ranges (the keys in the other
  // three quarters of the ring never come back), and exchanges that do not repair an empty
  // replica at all.
  test("a node restarted on an empty disk gets every key back, by anti-entropy alone", async () => {
    for (let i = 0; i < KEYS; i++) {
      const reply = await env.client("n1").put(keyName(i), `value-${i}`)
      expect(reply.status).toBe(200)
    }
    // n3 holds every key before it loses its disk (its copy may land just after W others ack).
    await until("n3 to hold every key", async () => {
      for (let i = 0; i < KEYS; i++) if (!(await env.client("n3").local(keyName(i))).body.held) return undefined
      return true
    }, 10_000)

    const victim = env.cluster.node("n3")
    await victim.kill()
    rmSync(victim.dataDir, { recursive: true, force: true })
    await victim.start()
    expect((await env.client("n3").local(keyName(0))).status).toBe(404)

    // No client reads (read repair) and no hints (nothing was written while n3 was down): only
    // anti-entropy can bring the keys back. Sixteen rounds cover the 1,024 ranges; the shell runs
    // one every 500 ms.
    const restored = await until("n3 to get every key back", async () => {
      let held = 0
      for (let i = 0; i < KEYS; i++) if ((await env.client("n3").local(keyName(i))).body.held) held += 1
      return held === KEYS ? held : undefined
    }, 30_000, 500)
    expect(restored).toBe(KEYS)
    for (let i = 0; i < KEYS; i++) expect((await env.client("n3").local(keyName(i))).body.values).toEqual([`value-${i}`])
  })
})
