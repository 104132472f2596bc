// The floor node (bench/cluster-floor.ts): the message pattern of a Dynamo node with none of
// its work. A client put or get arrives on node:http; the node sends it to the next two nodes
// over raw TCP as JSON lines (written once per peer per tick, as the real shell does); it answers
// once its own write and one peer's are durable (W=2), or once one peer has read (R=2). Writes
// are UPSERTs into a table shaped like the real one, with the real shell's pragmas, as group
// commits of what each tick emitted. No versions, no ring, no Merkle tree, no Schema, no Effect,
// no failure handling: what this costs, the real node cannot cost less.
// Run by the bench: `node --import tsx bench/floor-node.ts INDEX HTTP_PORT PEER_PORT DIR|- PEER_PORT...`
import { mkdirSync, rmSync } from "node:fs"
import { createServer as createHttpServer } from "node:http"
import { connect, createServer, type Socket } from "node:net"
import { DatabaseSync, type StatementSync } from "node:sqlite"
import { PAGE_BYTES, PAGE_CACHE_KIB } from "../src/net/sqlite.ts"

const [indexText, httpPortText, peerPortText, dir, ...peerPortTexts] = process.argv.slice(2)
const index = Number(indexText)
const peerPorts = peerPortTexts.map(Number)

// ---- storage: group commit, one transaction per tick -----------------------------------------

interface Store {
  /** Queues a record; `done` runs once it is durable. */
  readonly write: (key: string, record: string, done: () => void) => void
  /** Writes what was queued as one transaction. */
  readonly commit: () => void
}

// The end of a tick, as in the real shell (src/net/driver.ts): the sends first, then the commit,
// so that peers start on their writes while this node syncs its own.
let tickScheduled = false
const endOfTick = () => {
  if (tickScheduled) return
  tickScheduled = true
  setImmediate(() => {
    tickScheduled = false
    flush()
    store.commit()
  })
}

const sqliteStore = (path: string): Store => {
  rmSync(path, { recursive: true, force: true })
  mkdirSync(path, { recursive: true })
  const db = new DatabaseSync(`${path}/floor.sqlite`)
  db.exec(`PRAGMA page_size = ${PAGE_BYTES}; PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = -${PAGE_CACHE_KIB};
    CREATE TABLE data (key TEXT PRIMARY KEY, versions TEXT NOT NULL) WITHOUT ROWID`)
  const upsert: StatementSync = db.prepare("INSERT INTO data (key, versions) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET versions = excluded.versions")
  let pending: Array<readonly [string, string, () => void]> = []
  const commit = () => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    db.exec("BEGIN")
    for (const [key, record] of batch) upsert.run(key, record)
    db.exec("COMMIT")
    for (const [, , done] of batch) done()
  }
  return {
    write: (key, record, done) => {
      pending.push([key, record, done])
      endOfTick()
    },
    commit
  }
}

const memoryStore: Store = { write: (_key, _record, done) => done(), commit: () => {} }
const store = dir === "-" ? memoryStore : sqliteStore(dir!)
/** What a get reads: the last record written per key (the real core holds its data in memory too). */
const held = new Map<string, string>()

// ---- peer links: JSON lines, one write per peer per tick --------------------------------------

type PeerMessage =
  | { readonly t: "write"; readonly id: number; readonly key: string; readonly record: string }
  | { readonly t: "read"; readonly id: number; readonly key: string }
  | { readonly t: "ack"; readonly id: number; readonly record?: string }

const outgoing: Array<Socket> = []
const outbox = new Map<Socket, Array<string>>()
const flush = () => {
  for (const [socket, lines] of outbox) socket.write(lines.join(""))
  outbox.clear()
}
const send = (socket: Socket, message: PeerMessage) => {
  const lines = outbox.get(socket)
  if (lines === undefined) outbox.set(socket, [JSON.stringify(message) + "\n"])
  else lines.push(JSON.stringify(message) + "\n")
  endOfTick()
}

const waiting = new Map<number, (message: PeerMessage & { t: "ack" }) => void>()

const onMessage = (socket: Socket, message: PeerMessage) => {
  switch (message.t) {
    case "write":
      held.set(message.key, message.record)
      store.write(message.key, message.record, () => send(socket, { t: "ack", id: message.id }))
      return
    case "read": {
      const record = held.get(message.key)
      send(socket, record === undefined ? { t: "ack", id: message.id } : { t: "ack", id: message.id, record })
      return
    }
    case "ack":
      waiting.get(message.id)?.(message)
      return
  }
}

const readLines = (socket: Socket) => {
  let buffered = ""
  socket.setNoDelay(true)
  socket.setEncoding("utf8")
  socket.on("data", (chunk: string) => {
    buffered += chunk
    for (let end = buffered.indexOf("\n"); end !== -1; end = buffered.indexOf("\n")) {
      const line = buffered.slice(0, end)
      buffered = buffered.slice(end + 1)
      onMessage(socket, JSON.parse(line) as PeerMessage)
    }
  })
}

createServer(readLines).listen(Number(peerPortText), "127.0.0.1")

// ---- the client API --------------------------------------------------------------------------

let nextId = 0
/** The first two peers the bench lists: the next two nodes after this one, its "preference list" (N=3). */
const replicasOf = (): ReadonlyArray<Socket> => [outgoing[0]!, outgoing[1]!]

const server = createHttpServer((request, response) => {
  let body = ""
  request.setEncoding("utf8")
  request.on("data", (chunk: string) => (body += chunk))
  request.on("end", () => {
    const key = decodeURIComponent((request.url ?? "").slice(4))
    const answer = (status: number, payload: unknown) => {
      response.writeHead(status, { "content-type": "application/json" })
      response.end(JSON.stringify(payload))
    }
    if (request.method === "PUT") {
      const { value } = JSON.parse(body) as { value: string }
      const id = nextId++
      const record = JSON.stringify([{ dot: [`n${index}`, id], value, clock: [[`n${index}`, id]] }])
      held.set(key, record)
      let acks = 0
      const acked = () => {
        acks += 1
        if (acks === 2) answer(200, { context: `n${index}.${id}`, values: [value] })
      }
      waiting.set(id, () => {
        waiting.delete(id)
        acked()
      })
      store.write(key, record, acked)
      for (const peer of replicasOf()) send(peer, { t: "write", id, key, record })
    } else {
      const id = nextId++
      const own = held.get(key)
      waiting.set(id, (message) => {
        waiting.delete(id)
        const record = message.record ?? own
        const values = record === undefined ? [] : (JSON.parse(record) as Array<{ value: string }>).map((version) => version.value)
        answer(values.length === 0 ? 404 : 200, { key, values, context: "floor" })
      })
      for (const peer of replicasOf()) send(peer, { t: "read", id, key })
    }
  })
})

/** Connects to a peer, retrying while it is not listening yet (the nodes start together). */
const connectPeer = (port: number, slot: number, onOpen: () => void) => {
  const socket = connect({ host: "127.0.0.1", port, noDelay: true })
  socket.once("error", () => setTimeout(() => connectPeer(port, slot, onOpen), 50))
  socket.once("connect", () => {
    readLines(socket)
    outgoing[slot] = socket
    onOpen()
  })
}

server.listen(Number(httpPortText), "127.0.0.1", () => {
  let connected = 0
  peerPorts.forEach((port, slot) => connectPeer(port, slot, () => (connected += 1) === peerPorts.length && console.log("ready")))
})
process.on("SIGTERM", () => process.exit(0))
