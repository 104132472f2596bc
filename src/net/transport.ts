// Outgoing peer links: one TCP connection per peer, opened with an HTTP upgrade on the peer's
// port, carrying one message per line (src/net/wire.ts). Messages emitted during a tick are written with
// one write per peer at the end of the tick. The network may lose messages and the protocol
// copes, so a link never blocks the node: while a peer is unreachable its messages are dropped,
// and a connection whose peer stopped reading (SIGSTOP) keeps at most a bounded backlog.
// Addresses come from --peers, from the membership view (a joining node announces its own), or
// from a peer's handshake (the way back to a node the view does not name yet). With a cluster
// secret, the handshake carries a proof (src/net/secret.ts) and the peer must answer with one.
import { connect, type Socket } from "node:net"
import type { NodeId, PeerMessage } from "../core/index.ts"
import type { PeerAddress } from "./options.ts"
import { HandshakeVerifier, newNonce, signClaim, type ClusterSecret } from "./secret.ts"
import type { Timings } from "./timings.ts"
import {
  encodeLine, HEADER_ADDRESS, HEADER_AUTH, HEADER_CLUSTER, HEADER_CLUSTER_NAME, HEADER_FROM, HEADER_NONCE, HEADER_TIME, HEADER_TO, PEER_PATH, PEER_PROTOCOL
} from "./wire.ts"
import { Buffer } from "node:buffer"
import { performance } from "node:perf_hooks"

/** Bytes queued while a connection opens; past it, messages are dropped. */
export const CONNECTING_QUEUE_BYTES_MAX = 4 * 1024 * 1024
/** Bytes the kernel and Node may hold for a peer that is not reading; past it, messages are dropped. */
export const BACKLOG_BYTES_MAX = 16 * 1024 * 1024
export const CONNECT_TIMEOUT_MS = 1_000
export const RECONNECT_BACKOFF_MS_MIN = 50
export const RECONNECT_BACKOFF_MS_MAX = 1_000
/** The upgrade response head must fit in this many bytes. */
const RESPONSE_HEAD_BYTES_MAX = 16 * 1024

export type LinkEvent =
  | { readonly _tag: "Connected"; readonly peer: NodeId }
  /** `wasOpen`: the link had been up (a change worth logging), or this was a failed attempt. */
  | { readonly _tag: "Disconnected"; readonly peer: NodeId; readonly reason: string; readonly dropped: number; readonly wasOpen: boolean }
  | { readonly _tag: "Refused"; readonly peer: NodeId; readonly reason: string }
  | { readonly _tag: "Dropping"; readonly peer: NodeId; readonly reason: string }

type LinkState =
  | { readonly _tag: "Idle"; readonly retryAt: number }
  | { readonly _tag: "Connecting"; readonly socket: Socket; queue: Array<string>; queuedBytes: number }
  | { readonly _tag: "Open"; readonly socket: Socket }

interface Link {
  peer: PeerAddress
  state: LinkState
  /** Lines emitted this tick, written at flush. */
  outbox: Array<string>
  backoffMs: number
  /** Messages dropped since the last report. */
  dropped: number
  /** Whether "Dropping" was reported since the link last became healthy. */
  reportedDropping: boolean
}

export interface LinkStatus {
  readonly peer: NodeId
  readonly address: string
  readonly state: "idle" | "connecting" | "open"
  readonly dropped: number
}

/** Who this node is to its peers: its id, the address it announces, its cluster and secret. */
export interface LinkIdentity {
  readonly self: NodeId
  readonly address: string
  readonly clusterName: string
  readonly fingerprint: string
  readonly secret: ClusterSecret | undefined
}

export class PeerLinks {
  private readonly links = new Map<NodeId, Link>()
  private readonly dirty = new Set<Link>()
  private closed = false
  private droppedTotal = 0

  private readonly self: NodeId
  private readonly verifier: HandshakeVerifier | undefined

  constructor(
    private readonly identity: LinkIdentity,
    peers: ReadonlyArray<PeerAddress>,
    private readonly onEvent: (event: LinkEvent) => void,
    private readonly now: () => number = Date.now,
    private readonly timings?: Timings
  ) {
    this.self = identity.self
    this.verifier = identity.secret === undefined ? undefined : new HandshakeVerifier(identity.secret)
    for (const peer of peers) this.setAddress(peer)
  }

  /**
   * Where `peer.id` is reached from now on (a view entry, a handshake). A changed address closes
   * the link to the old one; the next message connects to the new one.
   */
  setAddress(peer: PeerAddress): void {
    if (peer.id === this.self || this.closed) return
    const link = this.links.get(peer.id)
    if (link === undefined) {
      this.links.set(peer.id, { peer, state: { _tag: "Idle", retryAt: 0 }, outbox: [], backoffMs: RECONNECT_BACKOFF_MS_MIN, dropped: 0, reportedDropping: false })
      return
    }
    if (link.peer.host === peer.host && link.peer.port === peer.port) return
    link.peer = peer
    if (link.state._tag !== "Idle") link.state.socket.destroy()
    link.state = { _tag: "Idle", retryAt: 0 }
    link.backoffMs = RECONNECT_BACKOFF_MS_MIN
  }

  /** Whether this node knows where `peer` is. */
  knows(peer: NodeId): boolean {
    return this.links.has(peer)
  }

  /** Queues `message` for `to`; written at the next flush. */
  send(to: NodeId, message: PeerMessage): void {
    const link = this.links.get(to)
    if (link === undefined || this.closed) {
      this.droppedTotal += 1
      return
    }
    const started = performance.now()
    link.outbox.push(encodeLine(message))
    this.timings?.record("peer encode", started)
    this.dirty.add(link)
  }

  /** Writes every queued message: one write per peer. */
  flush(): void {
    if (this.dirty.size === 0) return
    const started = performance.now()
    for (const link of this.dirty) {
      const lines = link.outbox
      link.outbox = []
      this.deliver(link, lines)
    }
    this.dirty.clear()
    this.timings?.record("peer send", started)
  }

  /**
   * `peer` just connected to us, so it is up: if our link to it is waiting out a reconnect
   * backoff (it was down), connect at the next message instead of dropping it.
   */
  peerAlive(peer: NodeId): void {
    const link = this.links.get(peer)
    if (link === undefined || link.state._tag !== "Idle" || this.closed) return
    link.state = { _tag: "Idle", retryAt: 0 }
    link.backoffMs = RECONNECT_BACKOFF_MS_MIN
  }

  status(): ReadonlyArray<LinkStatus> {
    return [...this.links.values()].map((link) => ({
      peer: link.peer.id,
      address: `${link.peer.host}:${link.peer.port}`,
      state: link.state._tag === "Idle" ? "idle" : link.state._tag === "Connecting" ? "connecting" : "open",
      dropped: link.dropped
    }))
  }

  get messagesDropped(): number {
    return this.droppedTotal
  }

  close(): void {
    this.closed = true
    for (const link of this.links.values()) {
      if (link.state._tag !== "Idle") link.state.socket.destroy()
      link.state = { _tag: "Idle", retryAt: Infinity }
    }
  }

  private drop(link: Link, count: number, reason: string): void {
    link.dropped += count
    this.droppedTotal += count
    if (!link.reportedDropping) {
      link.reportedDropping = true
      this.onEvent({ _tag: "Dropping", peer: link.peer.id, reason })
    }
  }

  private deliver(link: Link, lines: Array<string>): void {
    if (lines.length === 0) return
    const state = link.state
    switch (state._tag) {
      case "Open": {
        if (state.socket.writableLength > BACKLOG_BYTES_MAX) {
          this.drop(link, lines.length, `${state.socket.writableLength} bytes unsent: the peer is not reading`)
          return
        }
        state.socket.write(lines.length === 1 ? lines[0]! : lines.join(""))
        return
      }
      case "Connecting": {
        for (const line of lines) {
          if (state.queuedBytes + line.length > CONNECTING_QUEUE_BYTES_MAX) {
            this.drop(link, 1, "connection still opening")
            continue
          }
          state.queue.push(line)
          state.queuedBytes += line.length
        }
        return
      }
      case "Idle": {
        if (this.closed || this.now() < state.retryAt) {
          this.drop(link, lines.length, "peer unreachable")
          return
        }
        this.open(link, lines)
        return
      }
    }
  }

  /** The upgrade request: who we are, where we listen, our cluster, and the proof of its secret. */
  private handshake(peer: PeerAddress, nonce: string): string {
    const { identity } = this
    const timestampMs = this.now()
    const headers = [
      `GET ${PEER_PATH} HTTP/1.1`, `Host: ${peer.host}:${peer.port}`, "Connection: Upgrade", `Upgrade: ${PEER_PROTOCOL}`,
      `${HEADER_FROM}: ${identity.self}`, `${HEADER_CLUSTER}: ${identity.fingerprint}`,
      `${HEADER_ADDRESS}: ${identity.address}`, `${HEADER_CLUSTER_NAME}: ${identity.clusterName}`, `${HEADER_TO}: ${peer.id}`
    ]
    if (identity.secret !== undefined) {
      const claim = { from: identity.self, address: identity.address, cluster: identity.clusterName, to: peer.id, timestampMs, nonce }
      headers.push(`${HEADER_TIME}: ${timestampMs}`, `${HEADER_NONCE}: ${nonce}`, `${HEADER_AUTH}: ${signClaim(identity.secret, claim)}`)
    }
    return headers.join("\r\n") + "\r\n\r\n"
  }

  private open(link: Link, lines: Array<string>): void {
    const socket = connect({ host: link.peer.host, port: link.peer.port, noDelay: true })
    const queuedBytes = lines.reduce((sum, line) => sum + line.length, 0)
    const connecting: LinkState = { _tag: "Connecting", socket, queue: lines, queuedBytes }
    link.state = connecting
    let head = ""
    let settled = false
    const timer = setTimeout(() => fail(`no upgrade within ${CONNECT_TIMEOUT_MS} ms`), CONNECT_TIMEOUT_MS)

    const fail = (reason: string) => {
      if (link.state._tag !== "Idle" && link.state.socket === socket) {
        const wasOpen = link.state._tag === "Open"
        const lost = link.state._tag === "Connecting" ? link.state.queue.length : 0
        link.state = { _tag: "Idle", retryAt: this.now() + link.backoffMs }
        link.backoffMs = Math.min(link.backoffMs * 2, RECONNECT_BACKOFF_MS_MAX)
        link.dropped += lost
        this.droppedTotal += lost
        if (!this.closed) this.onEvent({ _tag: "Disconnected", peer: link.peer.id, reason, dropped: lost, wasOpen })
      }
      clearTimeout(timer)
      socket.destroy()
    }

    const onHead = (chunk: Buffer) => {
      if (settled) return // the peer never writes after the upgrade; ignore anything it sends
      head += chunk.toString("latin1")
      const end = head.indexOf("\r\n\r\n")
      if (end === -1) {
        if (head.length > RESPONSE_HEAD_BYTES_MAX) fail("upgrade response head too long")
        return
      }
      settled = true
      clearTimeout(timer)
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]
      if (status !== "101") {
        const reason = `peer answered ${head.slice(0, head.indexOf("\r\n"))}: ${head.slice(end + 4).trim().slice(0, 300)}`
        this.onEvent({ _tag: "Refused", peer: link.peer.id, reason })
        fail(reason)
        return
      }
      if (this.verifier !== undefined) {
        const answer = new RegExp(`^${HEADER_AUTH}: *([0-9a-f]+) *$`, "im").exec(head.slice(0, end))?.[1] ?? ""
        if (!this.verifier.answerMatches(nonce, link.peer.id, answer)) {
          const reason = "the peer did not prove it knows the cluster secret"
          this.onEvent({ _tag: "Refused", peer: link.peer.id, reason })
          fail(reason)
          return
        }
      }
      if (link.state !== connecting) return
      link.state = { _tag: "Open", socket }
      link.backoffMs = RECONNECT_BACKOFF_MS_MIN
      link.reportedDropping = false
      this.onEvent({ _tag: "Connected", peer: link.peer.id })
      if (connecting.queue.length > 0) socket.write(connecting.queue.join(""))
    }

    const nonce = newNonce()
    socket.on("connect", () => socket.write(this.handshake(link.peer, nonce)))
    socket.on("data", onHead)
    socket.on("error", (error) => fail(error.message))
    socket.on("close", () => fail("connection closed"))
  }
}
