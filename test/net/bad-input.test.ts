// The edges of a node: every malformed client request is refused with a 400 naming the problem;
// garbage and truncated peer messages are logged and dropped while the node keeps serving; a
// data directory that is corrupt or belongs to another node is refused and left untouched.
import { spawn } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { request as httpRequest } from "node:http"
import { connect } from "node:net"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { defaultProtocolConfig } from "../../src/core/config.ts"
import { RING_CONFIG_DEFAULT } from "../../src/core/ring.ts"
import { CLI_ENTRY, freePorts } from "../../src/net/cluster.ts"
import { clusterFingerprint } from "../../src/net/options.ts"
import { PEER_PROTOCOL } from "../../src/net/wire.ts"
import { DATABASE_FILE } from "../../src/net/sqlite.ts"
import { removeDir, startCluster, tempDir, until } from "./harness.ts"

const runNode = (args: ReadonlyArray<string>, timeoutMs = 20_000) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [CLI_ENTRY, "node", ...args], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => {
      stdout += chunk
      // A node that starts is not what these cases expect: stop it and report.
      if (stdout.includes("ready ")) child.kill("SIGTERM")
    })
    child.stderr.on("data", (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("exit", (code) => {
      clearTimeout(timer)
      done({ code, stdout, stderr })
    })
  })

const digest = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

describe("bad input (3 nodes)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => {
    env = await startCluster("bad-input", { nodes: 3 })
  })
  afterAll(() => env?.cleanup())

  const expect400 = async (path: string, init: RequestInit, pattern: RegExp) => {
    const reply = await env.client("n1").raw(path, init)
    expect(reply.status, `${init.method ?? "GET"} ${path}`).toBe(400)
    expect(reply.body.error, `${init.method ?? "GET"} ${path}`).toMatch(pattern)
    expect(reply.coordinator).toBe("n1")
  }

  test("every malformed client request gets a 400 naming the problem", async () => {
    const put = (body: string): RequestInit => ({ method: "PUT", body })
    await expect400("/kv/k", put("{not json"), /bad JSON/)
    await expect400("/kv/k", put(""), /bad JSON/)
    await expect400("/kv/k", put("{}"), /missing value/)
    await expect400("/kv/k", put(`{"value": 42}`), /value must be a string/)
    await expect400("/kv/k", put(`[1,2]`), /JSON object/)
    await expect400("/kv/k", put(`{"value":"v","context":"***"}`), /malformed context/)
    await expect400("/kv/k", put(`{"value":"v","context":"${Buffer.from('{"a":1}').toString("base64url")}"}`), /malformed context/)
    await expect400("/kv/k", put(`{"value":"v","context":7}`), /context must be a string/)
    await expect400("/kv/k", { method: "DELETE", body: "{}" }, /missing context/)
    await expect400("/kv/k", { method: "DELETE", body: `{"context":"%%%"}` }, /malformed context/)
    await expect400("/kv/", {}, /empty key/)
    await expect400("/kv/", put(`{"value":"v"}`), /empty key/)
    await expect400("/kv", {}, /empty key/)
    await expect400(`/kv/${"k".repeat(1025)}`, {}, /key is 1025 bytes, over the 1024-byte/)
    await expect400(`/kv/${encodeURIComponent("é".repeat(513))}`, put(`{"value":"v"}`), /key is 1026 bytes/)
    await expect400("/kv/%E0%A4%A", {}, /not valid percent-encoded/)
    await expect400("/kv/k", put(JSON.stringify({ value: "v".repeat(1024 * 1024 + 1) })), /value is 1048577 bytes, over the 1048576-byte/)
    await expect400("/kv/k", put(`{"value":"\\ud800"}`), /lone surrogate/)
    await expect400("/kv/k?r=0", {}, /R out of range.*1\.\.3/)
    await expect400("/kv/k?r=4", {}, /R out of range/)
    await expect400("/kv/k?r=two", {}, /R out of range/)
    await expect400("/kv/k?w=0", put(`{"value":"v"}`), /W out of range/)
    await expect400("/kv/k?w=9", put(`{"value":"v"}`), /W out of range/)

    const unknown = await env.client("n1").raw("/nothing-here")
    expect(unknown.status).toBe(404)
    expect(unknown.coordinator).toBe("n1")
    expect(await env.client("n1").raw("/kv/k", { method: "POST", body: "{}" })).toMatchObject({ status: 400 })

    // The limits are inclusive, and a key may be any UTF-8 string, slashes and spaces included.
    const edge = await env.client("n1").put(`ü/${"k".repeat(1021)}`, "v".repeat(1024 * 1024))
    expect(edge.status).toBe(200)
    const odd = await env.client("n2").put("a/b ?c#d%e", "odd")
    expect(odd.status).toBe(200)
    expect((await env.client("n3").get("a/b ?c#d%e")).body.values).toEqual(["odd"])
  })

  // /kv requests are served by src/net/kv-listener.ts; one with `Expect: 100-continue` is left to
  // the Effect router (api.ts). Both must give the same answers: a change to one path only (a
  // message, a status, a dropped header) fails here.
  test("a request the hot path leaves to the Effect router gets the same answers", async () => {
    const port = env.cluster.node("n1").port
    const send = (method: string, path: string, body: string | undefined, expectContinue: boolean) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: Record<string, unknown> }>((done, fail) => {
        const request = httpRequest({ host: "127.0.0.1", port, method, path, headers: expectContinue ? { expect: "100-continue" } : {} }, (response) => {
          let text = ""
          response.on("data", (chunk) => (text += chunk))
          response.on("end", () => done({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) }))
        })
        request.on("error", fail)
        if (expectContinue) request.on("continue", () => request.end(body))
        else request.end(body)
      })
    for (const expectContinue of [false, true]) {
      const tag = expectContinue ? "through the router" : "on the hot path"
      const bad = await send("PUT", "/kv/routed", "{}", expectContinue)
      expect(bad.status, tag).toBe(400)
      expect(bad.body.error, tag).toMatch(/missing value/)
      expect(bad.headers["x-dynamo-coordinator"], tag).toBe("n1")
      const written = await send("PUT", `/kv/routed-${expectContinue}`, JSON.stringify({ value: "v" }), expectContinue)
      expect(written.status, tag).toBe(200)
      expect(written.body.values, tag).toEqual(["v"])
      expect(String(written.headers["x-dynamo-nodes"]).split(",").length, tag).toBeGreaterThanOrEqual(2)
      const read = await send("GET", `/kv/routed-${expectContinue}`, undefined, false)
      expect(read.body.values, tag).toEqual(["v"])
      expect(read.body.context, tag).toBe(written.body.context)
    }
  })

  test("garbage and truncated peer messages are dropped; the node keeps serving", async () => {
    const target = env.cluster.node("n1")
    const members = env.cluster.nodes.map((node) => ({ id: node.id, host: "127.0.0.1", port: node.port }))
    const fingerprint = clusterFingerprint({ members, ring: RING_CONFIG_DEFAULT, config: defaultProtocolConfig, mode: { _tag: "Fixed" } })
    const before = (await env.client("n1").status()).body.peerMessagesInvalid as number

    const handshake = (from: string, cluster: string, protocol = PEER_PROTOCOL) =>
      `GET /peer HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: ${protocol}\r\nx-dynamo-from: ${from}\r\nx-dynamo-cluster: ${cluster}\r\n\r\n`
    const converse = (request: string, lines: ReadonlyArray<string>, tail: string) =>
      new Promise<string>((done, fail) => {
        const socket = connect({ host: "127.0.0.1", port: target.port })
        let answer = ""
        socket.on("data", (chunk) => {
          answer += chunk.toString("latin1")
          if (answer.includes("\r\n\r\n")) {
            if (answer.startsWith("HTTP/1.1 101")) {
              socket.write(lines.join(""))
              socket.end(tail)
            } else {
              socket.end()
            }
          }
        })
        socket.on("close", () => done(answer))
        socket.on("error", fail)
        socket.write(request)
      })

    // A stranger and a node with another configuration are refused at the handshake.
    expect(await converse(handshake("mallory", fingerprint), [], "")).toMatch(/^HTTP\/1\.1 403/)
    expect(await converse(handshake("n2", "0000000000000000"), [], "")).toMatch(/^HTTP\/1\.1 409/)
    // A peer of an earlier wire (one JSON object per line, sets inline; MD5 key hashes) is refused, naming the version.
    for (const earlier of ["dynamo-peer/1", "dynamo-peer/2"]) {
      const older = await converse(handshake("n2", fingerprint, earlier), [], "")
      expect(older).toMatch(/^HTTP\/1\.1 426/)
      expect(older).toContain(PEER_PROTOCOL)
    }

    const garbage = [
      "this is not json\n",
      "{\"_tag\":\"Replicate\",\"op\":1,\"key\":\"k\",\"set\":{\"mode\":\"dvv\",\"ent\n", // truncated mid-message
      "{\"_tag\":\"NoSuchMessage\"}\n",
      "{\"_tag\":\"Replicate\",\"op\":\"one\",\"key\":\"k\",\"set\":{\"mode\":\"dvv\",\"entries\":[]}}\n",
      "{\"_tag\":\"Replicate\",\"op\":1,\"key\":\"k\",\"set\":{\"mode\":\"dvv\",\"entries\":[{\"node\":\"b\",\"counter\":1,\"time\":0,\"values\":[]},{\"node\":\"a\",\"counter\":1,\"time\":0,\"values\":[]}]}}\n", // not canonical
      "\u0000\u0001\u0002\n",
      // Near misses of a put's and a get's messages: one wrong field each.
      "{\"_tag\":\"ReplicateAck\",\"op\":1,\"epoch\":2,\"key\":\"k\",\"hintFor\":5}\n",
      "{\"_tag\":\"ReadReply\",\"op\":1,\"epoch\":2,\"key\":\"k\",\"set\":{\"mode\":\"dvv\",\"entries\":[{\"node\":\"a\",\"counter\":0,\"time\":0,\"values\":[]}]}}\n",
      // A set after a tab (the wire's framing) that is not JSON, and fields before it that are not an object or carry a set.
      "{\"_tag\":\"Replicate\",\"op\":1,\"epoch\":2,\"key\":\"k\"}\t{\"mode\":\"dvv\",\"entries\":\n",
      "[1]\t{\"mode\":\"dvv\",\"entries\":[]}\n",
      "{\"_tag\":\"Replicate\",\"op\":1,\"epoch\":2,\"key\":\"k\",\"set\":{}}\t{\"mode\":\"dvv\",\"entries\":[]}\n",
      "{\"_tag\":\"Ping\"}\n" // a valid message among the garbage: answered, not dropped
    ]
    const answer = await converse(handshake("n2", fingerprint), garbage, "{\"_tag\":\"ReadReply\",\"op\":3,\"ke") // cut at close
    expect(answer).toMatch(/^HTTP\/1\.1 101/)

    const status = await until("the invalid messages to be counted", async () => {
      const reply = await env.client("n1").status()
      return reply.body.peerMessagesInvalid >= before + 12 ? reply : undefined
    }, 10_000)
    expect(status.body.peerMessagesInvalid).toBe(before + 12)
    expect(target.stderr.join("\n")).toMatch(/dropped an undecodable peer message/)
    expect(target.stderr.join("\n")).toMatch(/truncated peer message/)

    // Still serving, and still talking to its peers.
    const put = await env.client("n1").put("after-garbage", "fine")
    expect(put.status).toBe(200)
    const get = await env.client("n1").get("after-garbage", 3)
    expect(get.status).toBe(200)
    expect(get.body.values).toEqual(["fine"])
  })
})

describe("data directories that are not this node's", () => {
  const dir = tempDir("bad-data")
  afterAll(() => removeDir(dir))

  test("a corrupt database: clear error, refusal to start, file untouched", async () => {
    const [port] = await freePorts(1)
    const data = join(dir, "corrupt")
    mkdirSync(data, { recursive: true })
    const file = join(data, DATABASE_FILE)
    writeFileSync(file, Buffer.concat([Buffer.from("SQLite format 3\u0000"), Buffer.alloc(8192, 0xab)]))
    const before = digest(file)
    const result = await runNode(["--id", "n1", "--port", String(port), "--data", data, "--peers", `n1=127.0.0.1:${port}`, "--n", "1", "--r", "1", "--w", "1"])
    expect(result.code).not.toBe(0)
    expect(result.stdout).not.toMatch(/ready/)
    expect(result.stderr).toMatch(/dynamo\.sqlite/)
    expect(result.stderr).toMatch(/refusing to start/)
    expect(digest(file)).toBe(before)
  })

  test("a directory that belongs to another node id: clear error, refusal to start, data untouched", async () => {
    const [port] = await freePorts(1)
    const data = join(dir, "solo")
    const peers = (id: string) => ["--peers", `${id}=127.0.0.1:${port}`, "--n", "1", "--r", "1", "--w", "1"]
    // n1 creates its database and stops.
    const first = await runNode(["--id", "n1", "--port", String(port), "--data", data, ...peers("n1")])
    expect(first.stdout).toMatch(/^ready n1 /)
    const file = join(data, DATABASE_FILE)
    const before = digest(file)
    const result = await runNode(["--id", "n2", "--port", String(port), "--data", data, ...peers("n2")])
    expect(result.code).not.toBe(0)
    expect(result.stdout).not.toMatch(/ready/)
    expect(result.stderr).toMatch(/belongs to node "n1", not n2/)
    expect(digest(file)).toBe(before)
  })
})
