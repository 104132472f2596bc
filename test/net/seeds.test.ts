// `dynamo node --seeds`: how a node finds its cluster. Parsing and judging a seed's answer (unit),
// and the refusals a user meets (real processes): seeds that never answer, flags that conflict.
// Forming, growing and shrinking a cluster through seeds: test/net/membership.test.ts.
import { spawn } from "node:child_process"
import { describe, expect, test } from "vitest"
import { foundingView, join } from "../../src/core/membership.ts"
import { CLI_ENTRY, freePorts } from "../../src/net/cluster.ts"
import { isSelf, parseSeeds, seedViewOf } from "../../src/net/seeds.ts"
import "./harness.ts"

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs `dynamo node` with `args` until it exits (the cases here all exit). */
const node = (args: ReadonlyArray<string>) =>
  new Promise<Run>((done) => {
    const child = spawn(process.execPath, [CLI_ENTRY, "node", ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("exit", (code) => done({ code, stdout, stderr }))
  })

describe("--seeds (real processes)", () => {
  // Catches: a non-founding node that starts a cluster of its own when no seed answers (two
  // clusters from one seed list), or one that waits forever.
  test("a node that is not the first seed, whose seeds never answer, gives up naming each seed's problem", async () => {
    const [spare, dead] = await freePorts(2)
    const orphan = await node(["--id", "n2", "--port", String(spare), "--data", ":memory:", "--seeds", `127.0.0.1:${dead}`, "--seed-wait-ms", "1000"])
    expect(orphan.code).toBe(1)
    expect(orphan.stderr).toMatch(new RegExp(`no seed described the cluster within 1000 ms: cannot reach http://127\\.0\\.0\\.1:${dead}`))
  })

  test("conflicting flags are refused (exit 2) with the reason", async () => {
    const [spare] = await freePorts(1)
    const both = await node(["--id", "n1", "--data", ":memory:", "--seeds", `127.0.0.1:${spare}`, "--peers", `n1=127.0.0.1:${spare}`])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/either --peers .* or --seeds/)
    const record = await node(["--id", "n1", "--port", String(spare), "--data", ":memory:", "--seeds", `127.0.0.1:${spare}`, "--record", "/tmp/x.json"])
    expect(record.code).toBe(2)
    expect(record.stderr).toMatch(/--record needs --peers/)
    const standby = await node(["--id", "n1", "--port", String(spare), "--data", ":memory:", "--peers", `n1=127.0.0.1:${spare}`, "--standby"])
    expect(standby.code).toBe(2)
    expect(standby.stderr).toMatch(/--standby needs --seeds/)
  })
})

describe("seeds (unit)", () => {
  test("parseSeeds reads HOST:PORT lists and names what is wrong", () => {
    expect(parseSeeds("127.0.0.1:7001, localhost:7002")).toEqual([{ host: "127.0.0.1", port: 7001 }, { host: "localhost", port: 7002 }])
    expect(parseSeeds("")).toMatch(/no seed given/)
    expect(parseSeeds("nowhere")).toMatch(/"nowhere" is not HOST:PORT/)
    expect(parseSeeds("h:70000")).toMatch(/port 70000 of "h:70000" is out of range/)
  })

  test("a node finds itself among the seeds by port, loopback names being one host", () => {
    expect(isSelf({ host: "localhost", port: 7001 }, { host: "127.0.0.1", port: 7001 })).toBe(true)
    expect(isSelf({ host: "127.0.0.1", port: 7002 }, { host: "127.0.0.1", port: 7001 })).toBe(false)
    expect(isSelf({ host: "10.0.0.1", port: 7001 }, { host: "127.0.0.1", port: 7001 })).toBe(false)
  })

  // Catches: joining a cluster of another name, or learning from a node not in a cluster yet
  // (a standby or waiting seed), which would found a second cluster.
  test("a seed's answer must be a status of this cluster holding a member", () => {
    const view = join(foundingView("n1", 1, "127.0.0.1:7001"), "n2", 1, "127.0.0.1:7002")
    const status = { node: "n1", cluster: "c1", membership: view, n: 3 }
    expect(seedViewOf("http://s", status, "c1")).toEqual({ seed: "http://s", node: "n1", view, n: 3 })
    expect(seedViewOf("http://s", status, "c2")).toMatch(/belongs to cluster "c1", not "c2"/)
    expect(seedViewOf("http://s", { hello: "world" }, "c1")).toMatch(/http:\/\/s did not answer with a node status/)
    expect(seedViewOf("http://s", { ...status, membership: [] }, "c1")).toMatch(/is not part of a cluster yet/)
    expect(seedViewOf("http://s", { ...status, membership: [{ id: "b" }, { id: "a" }] }, "c1")).toMatch(/did not answer with a node status/)
  })
})
