// The local cluster launcher's V8 flags (issue 19): nodes that outnumber the machine's cores
// collect garbage on their own threads, since V8's helper threads would only compete with the
// other nodes; with cores to spare, V8's defaults are kept.
import { readFileSync } from "node:fs"
import { afterAll, describe, expect, test } from "vitest"
import { LocalCluster, sharedMachineNodeArgs } from "../../src/net/cluster.ts"
import { removeDir, tempDir } from "./harness.ts"

describe("a local cluster's node processes", () => {
  // Catches: the comparison inverted or off by one (a many-core machine's nodes made to collect
  // alone, or a 2-core machine's three nodes left competing with V8's helper threads).
  test("collect garbage single-threaded when they are at least as many as the cores", () => {
    expect(sharedMachineNodeArgs(3, 2)).toEqual(["--single-threaded-gc"])
    expect(sharedMachineNodeArgs(2, 2)).toEqual(["--single-threaded-gc"])
    expect(sharedMachineNodeArgs(5, 4)).toEqual(["--single-threaded-gc"])
    expect(sharedMachineNodeArgs(3, 4)).toEqual([])
    expect(sharedMachineNodeArgs(1, 16)).toEqual([])
  })

  const dir = tempDir("local-cluster")
  afterAll(() => removeDir(dir))

  // Catches: the launcher computing the flags and not passing them (or passing them after the
  // script, where they would be the CLI's arguments, not Node's).
  test("are started with those flags before the script, and any extra Node flags after them", async () => {
    const cluster = await LocalCluster.start({ nodes: 2, dataDir: dir, memory: true, n: 1, r: 1, w: 1, nodeArgs: ["--stack-trace-limit=20"] })
    try {
      for (const node of cluster.nodes) {
        const argv = readFileSync(`/proc/${node.process!.pid}/cmdline`, "utf8").split("\0")
        const script = argv.findIndex((arg) => arg.endsWith("dynamo.mjs"))
        expect(argv.slice(1, script)).toEqual([...sharedMachineNodeArgs(2), "--stack-trace-limit=20"])
      }
    } finally {
      await cluster.stop()
    }
  })
})
