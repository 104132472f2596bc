// The shell as a trace recorder: three real nodes record every step with --record, one is killed
// with -9 and restarted mid-run; then each node's trace is replayed through the pure core, which
// must take the same decisions (the same replies, in order) as the node did.
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { CLI_ENTRY } from "../../src/net/cluster.ts"
import { replayTrace } from "../../src/sim/replay.ts"
import { SHELL_ANTI_ENTROPY_INTERVAL_MS } from "../../src/net/options.ts"
import { decodeTrace, protocolConfigOfTrace } from "../../src/trace/format.ts"
import { sleep, startCluster } from "./harness.ts"

describe("--record during a run with a kill, then replay (3 nodes)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  let records: string
  beforeAll(async () => {
    env = await startCluster("record", { nodes: 3, record: true })
    records = join(env.dir, "traces")
  })
  afterAll(() => env?.cleanup())

  test("every node's trace replays with the same replies", async () => {
    let context: string | undefined
    for (let i = 0; i < 6; i++) {
      const reply = await env.client(`n${(i % 3) + 1}`).put("doc", `rev-${i}`, context)
      expect(reply.status).toBe(200)
      context = reply.body.context
      expect((await env.client("n2").get("doc")).status).toBe(200)
    }
    await sleep(300)
    await env.cluster.node("n3").kill()
    for (let i = 0; i < 4; i++) {
      const reply = await env.client("n1").put(`after-kill-${i}`, `x-${i}`)
      expect(reply.status).toBe(200)
      expect((await env.client("n2").get(`after-kill-${i}`)).status).toBe(200)
    }
    await env.cluster.node("n3").start()
    const back = await env.client("n3").put("doc", "rev-after-restart", context)
    expect(back.status).toBe(200)
    const reread = await env.client("n3").get("doc", 3)
    expect(reread.body.values, JSON.stringify(reread)).toEqual(["rev-after-restart"])
    const exits = await env.cluster.stop()
    expect(exits.every((exit) => exit.signal === null)).toBe(true)

    for (const id of ["n1", "n2", "n3"]) {
      const file = join(records, `${id}.trace.json`)
      expect(existsSync(file), file).toBe(true)
      const decoded = decodeTrace(readFileSync(file, "utf8"))
      if (decoded._tag === "Error") throw new Error(`${file}: ${decoded.message}`)
      const trace = decoded.trace
      expect(trace.source).toBe("shell")
      // The shell's own anti-entropy interval is recorded (the simulator's default is left out),
      // so a re-run gets the knobs the node had. Catches: the field dropped on either side.
      expect(trace.config.antiEntropyIntervalMs).toBe(SHELL_ANTI_ENTROPY_INTERVAL_MS)
      expect(protocolConfigOfTrace(trace.config).antiEntropyIntervalMs).toBe(SHELL_ANTI_ENTROPY_INTERVAL_MS)
      const result = replayTrace(trace)
      expect(result.divergence, `${id}: ${result.divergence}`).toBeUndefined()
      expect(result.replies).toBe(trace.observations.replies.length)
      if (id === "n3") {
        const markers = trace.steps.filter((step) => step.event._tag !== "Input").map((step) => step.event._tag)
        expect(markers).toEqual(["Recover", "Crash", "Recover"])
      }
    }
    const total = ["n1", "n2", "n3"].reduce((sum, id) => sum + decodeTraceOrThrow(join(records, `${id}.trace.json`)).observations.replies.length, 0)
    expect(total).toBe(6 * 2 + 4 * 2 + 2)

    // The command line agrees.
    const cli = spawnSync(process.execPath, [CLI_ENTRY, "replay", join(records, "n3.trace.json"), "--quiet"], { encoding: "utf8" })
    expect(cli.status, cli.stderr).toBe(0)
    expect(cli.stdout).toMatch(/replies matched/)
  })
})

const decodeTraceOrThrow = (file: string) => {
  const decoded = decodeTrace(readFileSync(file, "utf8"))
  if (decoded._tag === "Error") throw new Error(decoded.message)
  return decoded.trace
}
