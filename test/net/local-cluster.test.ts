// The local cluster launcher's Node flags (issue 19): every node process it starts gets
// NODE_PROCESS_ARGS (a small young generation, for short scavenge pauses) before the CLI script,
// and a caller's extra Node flags after them.
import { readFileSync } from "node:fs"
import { afterAll, describe, expect, test } from "vitest"
import { LocalCluster, NODE_PROCESS_ARGS } from "../../src/net/cluster.ts"
import { removeDir, tempDir } from "./harness.ts"

describe("a local cluster's node processes", () => {
  const dir = tempDir("local-cluster")
  afterAll(() => removeDir(dir))

  // Catches: the launcher dropping its flags, or passing them after the script (where they would
  // be the CLI's arguments, not Node's), or letting them replace a caller's extra flags.
  test("run with the launcher's Node flags, then the caller's, before the script", async () => {
    expect(NODE_PROCESS_ARGS).toContain("--max-semi-space-size=4")
    const cluster = await LocalCluster.start({ nodes: 2, dataDir: dir, memory: true, n: 1, r: 1, w: 1, nodeArgs: ["--stack-trace-limit=20"] })
    try {
      for (const node of cluster.nodes) {
        const argv = readFileSync(`/proc/${node.process!.pid}/cmdline`, "utf8").split("\0")
        const script = argv.findIndex((arg) => arg.endsWith("dynamo.mjs"))
        expect(argv.slice(1, script)).toEqual([...NODE_PROCESS_ARGS, "--stack-trace-limit=20"])
      }
    } finally {
      await cluster.stop()
    }
  })
})
