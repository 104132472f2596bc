// A node process runs with its heap flags (bin/node-flags.mjs): V8 reads them only at start, so
// bin/dynamo.mjs starts the process again with them, once, unless whoever started it chose the
// young generation's size.
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HEAP_FLAGS, RESTARTED_ENV, restartArgs } from "../../bin/node-flags.mjs"
import { startCluster } from "./harness.ts"

const NODE = "/usr/bin/node"
const ARGV = [NODE, "/x/bin/dynamo.mjs", "node", "--id", "n1"]

describe("restartArgs", () => {
  // Catches: a restart that drops the script or its arguments, or puts the heap flags after
  // the script (they would become the node's arguments, not Node's).
  it("starts the same command again with the heap flags before the caller's Node flags", () => {
    expect(restartArgs(NODE, ["--cpu-prof"], ARGV, {})).toEqual([NODE, ...HEAP_FLAGS, "--cpu-prof", "/x/bin/dynamo.mjs", "node", "--id", "n1"])
  })

  // Catches: a restart without its guard (the restarted process would restart forever).
  it("does not restart a restarted process", () => {
    expect(restartArgs(NODE, [...HEAP_FLAGS], ARGV, { [RESTARTED_ENV]: "1" })).toBeUndefined()
  })

  // Catches: overriding a size the operator chose (on the command line or in NODE_OPTIONS).
  it("leaves a young generation sized by whoever started the node", () => {
    expect(restartArgs(NODE, ["--max-semi-space-size=64"], ARGV, {})).toBeUndefined()
    expect(restartArgs(NODE, ["--min_semi_space_size=8"], ARGV, {})).toBeUndefined()
    expect(restartArgs(NODE, [], ARGV, { NODE_OPTIONS: "--enable-source-maps --max-semi-space-size=16" })).toBeUndefined()
    expect(restartArgs(NODE, ["--max-old-space-size=4096"], ARGV, { NODE_OPTIONS: "--enable-source-maps" })).toBeDefined()
  })
})

// Linux only: the started process's command line is read from /proc.
describe.runIf(process.platform === "linux")("a started node", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("node-flags", { nodes: 1, n: 1, r: 1, w: 1, memory: true })
  }, 60_000)
  afterAll(() => env?.cleanup())

  // Catches: bin/dynamo.mjs not restarting (the flags would be missing), restarting as a child
  // rather than in place (the pid the cluster holds would not be the node), or restarting in a
  // loop (the node would never print its ready line).
  it("runs with the heap flags, in the process its starter spawned", async () => {
    const pid = env.cluster.nodes[0]!.process!.pid!
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
    for (const flag of HEAP_FLAGS) expect(argv).toContain(flag)
    const status = await fetch(`${env.url("n1")}/status`)
    expect(status.status).toBe(200)
  })
})
