// GET /status names how the node commits and why (`writer`, src/net/sqlite.ts chooseWriter), so
// that a benchmark or an operator can tell which writer each node of a cluster picked.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startCluster } from "./harness.ts"

describe("a node's writer in /status", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("writer-status", { nodes: 2, n: 1, r: 1, w: 1 })
    await env.cluster.node("n2").stop()
    await env.cluster.node("n2").start(["--writer", "worker"])
  }, 60_000)
  afterAll(() => env?.cleanup())

  const writerOf = async (id: string): Promise<unknown> => (await env.client(id).status()).body.writer

  // Catches: a status without the writer, or one naming a writer the node does not run (the
  // chosen one for auto, with the time it measured; the operator's for an explicit --writer).
  it("names the writer auto picked, with its reason, and one chosen by hand", async () => {
    expect(await writerOf("n1")).toMatch(/^(inline|async) \(auto: the disk's fsync took [0-9.]+ ms \(fastest of 7\)/)
    expect(await writerOf("n2")).toBe("worker (--writer worker)")
  })
})
