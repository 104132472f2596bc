// The kit's own processes: a started node counts as up only when the process the kit started
// answers, not whatever holds its port. Under `npm test` other files start clusters on ports
// taken from the same ephemeral range; a port a killed node freed can be taken before its
// restart, and a kit that trusted any answer sent the run's writes to another run's node (its
// acknowledged writes then looked lost: SIB-1 and DUR-1 charged to a correct store).
import { mkdtempSync, rmSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import { dynamoAdapter } from "../../src/conform/adapters/dynamo.ts"
import { ClusterProcesses, type ClusterFile } from "../../src/conform/nemesis.ts"

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** An HTTP server on a free port answering /status as a ready node of process `pid` would. */
const fakeNode = async (pid: number): Promise<{ readonly url: string; readonly server: Server }> => {
  const server = createServer((_request, response) => {
    response.setHeader("content-type", "application/json")
    response.end(JSON.stringify({ node: "n1", pid, ready: true }))
  })
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", () => listening()))
  cleanups.push(() => new Promise<void>((closed) => server.close(() => closed())))
  const address = server.address()
  if (typeof address !== "object" || address === null) throw new Error("no address")
  return { url: `http://127.0.0.1:${address.port}`, server }
}

const processesFor = (url: string, script: string): ClusterProcesses => {
  const dir = mkdtempSync(join(tmpdir(), "dynamo-nemesis-"))
  const file: ClusterFile = { nodes: [{ id: "n1", url, start: [process.execPath, "-e", script] }] }
  const processes = new ClusterProcesses(file, dynamoAdapter(), join(dir, "logs"))
  cleanups.push(async () => {
    await processes.stopAll()
    rmSync(dir, { recursive: true, force: true })
  })
  return processes
}

describe("the kit's cluster processes", () => {
  // Catches: a start that accepts any ready answer at the node's URL. The started process stands
  // for a node whose port was taken (it exits, as a node does on EADDRINUSE), while a stranger
  // answers "ready" there: without the pid check the start reports success.
  test("a start refuses a ready answer from a process it did not start", async () => {
    const stranger = await fakeNode(1)
    const processes = processesFor(stranger.url, "setTimeout(() => process.exit(1), 1500)")
    const error = await processes.startAll().then(() => undefined, (failure: Error) => failure.message)
    expect(error).toMatch(/n1 exited/)
  })

  // The near miss: the started process itself answers, naming its own pid, and the start succeeds.
  test("a start accepts the answer of the process it started", async () => {
    const probe = await fakeNode(1)
    const port = Number(new URL(probe.url).port)
    await new Promise<void>((closed) => probe.server.close(() => closed()))
    const script = `require("node:http").createServer((q, s) => s.end(JSON.stringify({ ready: true, pid: process.pid }))).listen(${port}, "127.0.0.1")`
    const processes = processesFor(probe.url, script)
    await expect(processes.startAll()).resolves.toBeUndefined()
  })
})
