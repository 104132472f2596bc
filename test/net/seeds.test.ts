// `dynamo node --seeds`: a node learns the members, their addresses and N from running members
// instead of being given --peers. A member restarted that way serves its own data; a node that
// is not a member, or whose seeds are all unreachable, is refused with a message naming why.
import { spawn } from "node:child_process"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { CLI_ENTRY, freePorts } from "../../src/net/cluster.ts"
import { parseSeeds, seedViewOf } from "../../src/net/seeds.ts"
import { clusterFingerprint, nodeOptionsOf } from "../../src/net/options.ts"
import { api, clusterRing, replicasOf, startCluster, until } from "./harness.ts"

/** N of the cluster: not the default 3, so a node that ignored the seeds' N would be refused by its peers. */
const N = 2
/** A key n3 replicates (with N=2 of 3 nodes, not every key is on n3). */
const KEY = Array.from({ length: 100 }, (_, i) => `seeded:${i}`).find((key) => replicasOf(clusterRing(3), key, N).includes("n3"))!

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly kill: () => void
}

/** Starts `dynamo node` with `args`; resolves when it prints its ready line (left running) or exits. */
const node = (args: ReadonlyArray<string>) =>
  new Promise<Run>((done) => {
    const child = spawn(process.execPath, [CLI_ENTRY, "node", ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    const kill = () => child.kill("SIGKILL")
    child.stdout.on("data", (chunk) => {
      stdout += chunk
      if (stdout.includes("ready ")) done({ code: null, stdout, stderr, kill })
    })
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.on("exit", (code) => done({ code, stdout, stderr, kill }))
  })

describe("--seeds (3 nodes)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  const started: Array<Run> = []
  beforeAll(async () => {
    env = await startCluster("seeds", { nodes: 3, n: N, r: 1, w: 1 })
  })
  afterAll(() => {
    for (const run of started) run.kill()
    env?.cleanup()
  })

  // Catches: a seed's member list not used (the node would not find n3's peers), or N not taken
  // from the seeds (the peers would refuse n3's connections and writes would miss a replica).
  test("a member restarted with --seeds instead of --peers joins its cluster and serves its data", async () => {
    const written = await env.client("n1").put(KEY, "before", undefined, N)
    expect(written.status).toBe(200)
    // On a loaded machine n3 may be slower than the replica timeout, and a fallback's hint for it
    // completes the quorum; n3 gets its copy a moment later. The test is about what n3 serves
    // after its restart, so it restarts once its own disk holds the key.
    await until("n3 holds the key", async () => ((await env.client("n3").local(KEY)).body.values?.[0] === "before" ? true : undefined), 10_000)
    const n3 = env.cluster.node("n3")
    await n3.stop()
    const seeds = `127.0.0.1:${(await freePorts(1))[0]},127.0.0.1:${env.cluster.node("n2").port}`
    const run = await node(["--id", "n3", "--port", String(n3.port), "--data", n3.dataDir, "--seeds", seeds])
    started.push(run)
    expect(run.stdout, run.stderr).toMatch(/^ready n3 /)
    const local = await api(n3.url).local(KEY)
    expect(local.body.values).toEqual(["before"])
    // W=N: both replicas must take it, so n3 must reach its peers with the cluster's N.
    const put = await api(n3.url).put(KEY, "after", written.body.context, N)
    expect(put.status, JSON.stringify(put.body)).toBe(200)
    expect([...put.nodes].sort()).toEqual([...replicasOf(clusterRing(3), KEY, N)].sort())
  })

  test("a node that is not a member, or whose seeds are all down, is refused with the reason", async () => {
    const [spare, dead] = await freePorts(2)
    const stranger = await node(["--id", "n9", "--port", String(spare), "--data", ":memory:", "--seeds", `127.0.0.1:${env.cluster.node("n1").port}`])
    expect(stranger.code).toBe(2)
    expect(stranger.stderr).toMatch(/n9 is not a member of the cluster .* \(n1=127\.0\.0\.1:\d+,n2=127\.0\.0\.1:\d+,n3=127\.0\.0\.1:\d+\)/)
    const orphan = await node(["--id", "n1", "--port", String(spare), "--data", ":memory:", "--seeds", `127.0.0.1:${dead}`])
    expect(orphan.code).toBe(1)
    expect(orphan.stderr).toMatch(new RegExp(`no seed described the cluster: cannot reach http://127\\.0\\.0\\.1:${dead}`))
    const both = await node(["--id", "n1", "--data", ":memory:", "--seeds", `127.0.0.1:${dead}`, "--peers", `n1=127.0.0.1:${spare}`])
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/either --peers .* or --seeds/)
  })
})

describe("--seeds input", () => {
  test("a seed list is HOST:PORT entries; anything else is named", () => {
    expect(parseSeeds("127.0.0.1:7001, db-2.local:7002")).toEqual([{ host: "127.0.0.1", port: 7001 }, { host: "db-2.local", port: 7002 }])
    expect(parseSeeds("")).toMatch(/no seed given/)
    expect(parseSeeds("127.0.0.1")).toMatch(/"127\.0\.0\.1" is not HOST:PORT/)
    expect(parseSeeds("h:70000")).toMatch(/port 70000 of "h:70000" is out of range/)
  })

  // Catches: a --clock flag that does not reach the protocol config, or a clock mode peers do not
  // compare (a dvv node and a vv node would exchange versions neither can merge).
  test("--clock reaches the config, and peers with another clock mode see another cluster configuration", () => {
    const flags = { id: "n1", host: "127.0.0.1", port: 7001, data: ":memory:", peers: "n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003", n: 3, r: 2, w: 2, sync: "full" as const, record: undefined }
    const dvv = nodeOptionsOf(flags)
    const vv = nodeOptionsOf({ ...flags, clock: "vv" })
    if (typeof dvv === "string" || typeof vv === "string") throw new Error("valid flags refused")
    expect(dvv.config.versions.mode).toBe("dvv")
    expect(vv.config.versions.mode).toBe("vv")
    expect(clusterFingerprint(vv)).not.toBe(clusterFingerprint(dvv))
    expect(clusterFingerprint(nodeOptionsOf({ ...flags, clock: "dvv" }) as typeof dvv)).toBe(clusterFingerprint(dvv))
  })

  test("a seed's answer must be a node status listing members at HOST:PORT", () => {
    const status = { node: "n1", members: [{ id: "n2", address: "127.0.0.1:7002" }, { id: "n1", address: "127.0.0.1:7001" }], n: 2 }
    expect(seedViewOf("http://s", status)).toEqual({
      seed: "http://s",
      members: [{ id: "n1", host: "127.0.0.1", port: 7001 }, { id: "n2", host: "127.0.0.1", port: 7002 }],
      n: 2
    })
    // The seed's clock mode is learnt too (a node started with another is refused by its peers).
    expect(seedViewOf("http://s", { ...status, clock: "vv" })).toMatchObject({ clock: "vv" })
    expect(seedViewOf("http://s", { ...status, clock: "sundial" })).toMatch(/did not answer with a node status/)
    expect(seedViewOf("http://s", { hello: "world" })).toMatch(/http:\/\/s did not answer with a node status/)
    expect(seedViewOf("http://s", { ...status, members: [{ id: "n1", address: "nowhere" }] })).toMatch(/lists a member that is not ID at HOST:PORT/)
    expect(seedViewOf("http://s", { ...status, members: [] })).toMatch(/lists 0 members/)
  })
})
