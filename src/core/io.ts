// What goes into a node and what comes out of it. The core never performs an effect; the
// interpreters (network shell, simulator, model checker) do, and feed the results back as inputs.
import type { NodeId } from "./ring.ts"
import type { VClock } from "./vclock.ts"
import type { Value, VersionSet } from "./versions.ts"
import type { OpId, PeerMessage } from "./messages.ts"
import type { MembershipView } from "./membership.ts"

/** Names a client request; chosen by the interpreter, echoed in the reply. */
export type ClientRequestId = string

export type ClientRequest =
  | { readonly _tag: "Get"; readonly id: ClientRequestId; readonly key: string; readonly r?: number }
  | { readonly _tag: "Put"; readonly id: ClientRequestId; readonly key: string; readonly value: string; readonly context: VClock; readonly w?: number }
  | { readonly _tag: "Delete"; readonly id: ClientRequestId; readonly key: string; readonly context: VClock; readonly w?: number }

/** A put or delete: the requests that mint a version, so only a top-N node coordinates them (forward.ts). */
export type WriteRequest = Extract<ClientRequest, { readonly _tag: "Put" | "Delete" }>

export type ClientReply =
  /** `values` hides tombstones; `siblings` lists every sibling, tombstones included. */
  | { readonly _tag: "GetOk"; readonly id: ClientRequestId; readonly key: string; readonly values: ReadonlyArray<string>; readonly siblings: ReadonlyArray<Value>; readonly context: VClock; readonly nodes: ReadonlyArray<NodeId> }
  /** The put (or delete) is durable on W nodes. `siblings` and `context` are the coordinator's set after the write. */
  | { readonly _tag: "PutOk"; readonly id: ClientRequestId; readonly key: string; readonly siblings: ReadonlyArray<Value>; readonly context: VClock; readonly nodes: ReadonlyArray<NodeId> }
  | { readonly _tag: "Failed"; readonly id: ClientRequestId; readonly key: string; readonly error: RequestError; readonly acks: number; readonly nodes: ReadonlyArray<NodeId> }

export type RequestError =
  | "QuorumTimeout"      // fewer than R answers or W durable acks before the request timeout
  | "TooManySiblings"    // the put would exceed the sibling limit
  | "ForwardTimeout"     // the coordinator that took this forwarded put did not answer: outcome unknown
  | "NotReady"           // the node is still recovering after a restart
  | "BadQuorum"          // R or W outside 1..N

/**
 * What a client may conclude from a failed put or delete (spec, section 2): the request was
 * refused before anything was written, or it may have been written (some copy may be durable,
 * and anti-entropy may spread it), so the outcome is unknown.
 */
export type WriteOutcome = "NotWritten" | "Unknown"

export const failedWriteOutcome = (error: RequestError): WriteOutcome => {
  switch (error) {
    case "QuorumTimeout":
    case "ForwardTimeout":
      return "Unknown"
    case "TooManySiblings":
    case "NotReady":
    case "BadQuorum":
      return "NotWritten"
  }
}

/** A named timer; the interpreter fires it back as a TimerFired input with the same value. */
export type Timer =
  | { readonly _tag: "RequestTimer"; readonly op: OpId; readonly round: number }
  | { readonly _tag: "ForwardTimer"; readonly op: OpId }
  | { readonly _tag: "HintScan" }
  | { readonly _tag: "Probe" }
  /** Gossip with one peer (section 4.8); the interpreter supplies the pick, an input. */
  | { readonly _tag: "Gossip" }
  /** Compare Merkle trees with peer replicas (section 4.7); the peer choice is the pick. */
  | { readonly _tag: "AntiEntropy" }
  /** Re-offer unconfirmed range hand-overs of a ring change (sections 4.8, 4.9). */
  | { readonly _tag: "Handoff" }

/** A durable record. Interpreters apply records in the order they were emitted. */
export type PersistRecord =
  | { readonly _tag: "StoreKey"; readonly key: string; readonly set: VersionSet }
  | { readonly _tag: "StoreHint"; readonly intended: NodeId; readonly key: string; readonly set: VersionSet }
  | { readonly _tag: "DeleteHint"; readonly intended: NodeId; readonly key: string }
  | { readonly _tag: "Epoch"; readonly epoch: number }
  /** The membership view (section 4.8: each node persists its membership history). */
  | { readonly _tag: "Membership"; readonly view: MembershipView }
  /** This node holds a whole range offered to it in a ring change (so a restart does not forget it). */
  | { readonly _tag: "HandoffReceived"; readonly offer: string }

export type NodeInput =
  /**
   * First boot or restart after recovery: the node opens a new incarnation (epoch) and arms its
   * periodic timers. `epochFloor` comes from the interpreter and must grow across restarts even
   * when the disk was lost, so a node never writes a dot an earlier incarnation already used.
   */
  | { readonly _tag: "Start"; readonly epochFloor: number }
  | { readonly _tag: "Client"; readonly request: ClientRequest }
  | { readonly _tag: "Receive"; readonly from: NodeId; readonly message: PeerMessage }
  /**
   * A timer fired. `pick` is the interpreter's choice where the protocol needs one (which peer
   * to gossip with, which replica to compare trees with): a seeded draw in the simulator, every
   * value in the model checker, a random number in the shell. `busy` is the interpreter's
   * admission verdict for background work (section 6.5), read by AntiEntropy only: its
   * foreground requests were over their latency target lately. The core decides what a busy
   * verdict may defer, and for how long (AE-2).
   */
  | { readonly _tag: "TimerFired"; readonly timer: Timer; readonly pick?: number; readonly busy?: boolean }
  /** An administrator's explicit membership change (section 4.8): an outage is not a departure. */
  | { readonly _tag: "Admin"; readonly command: AdminCommand }
  /** The record persisted with this token (and every earlier one) is durable. */
  | { readonly _tag: "PersistDone"; readonly token: number }
  /**
   * The interpreter could not reach `node` (a refused connection, a closed link): the failure
   * detector's evidence, faster than a timeout. Requests forwarded to it and not taken are
   * coordinated here at once.
   */
  | { readonly _tag: "PeerUnreachable"; readonly node: NodeId }
  /**
   * A driver that stands in for the failure detector sets its beliefs outright: the peers in
   * `down` (this node excepted) are believed unreachable, every other peer reachable. No
   * effects. The conformance driver uses it (its model has one global up set); the network
   * shell, the simulator and the checker never do: their detectors learn from timeouts.
   */
  | { readonly _tag: "Beliefs"; readonly down: ReadonlyArray<NodeId> }

export type AdminCommand =
  /** `address`: where peers reach the node (the network shell's; the simulator has none). */
  | { readonly _tag: "Join"; readonly node: NodeId; readonly capacity?: number; readonly address?: string; readonly zone?: string }
  | { readonly _tag: "Leave"; readonly node: NodeId }

export type NodeEffect =
  | { readonly _tag: "Send"; readonly to: NodeId; readonly message: PeerMessage }
  | { readonly _tag: "SetTimer"; readonly timer: Timer; readonly afterMs: number }
  | { readonly _tag: "CancelTimer"; readonly timer: Timer }
  | { readonly _tag: "Persist"; readonly token: number; readonly record: PersistRecord }
  /**
   * The answer to a client request. `coordinator`: the node that coordinated it, named when it is
   * not the replying node (a forwarded request, answered through its ForwardReply); absent when
   * the replying node coordinated it itself (or gave up forwarding it). The reply to the client
   * carries it (the shell's x-dynamo-coordinator header); traces record the ClientReply only.
   */
  | { readonly _tag: "Reply"; readonly reply: ClientReply; readonly coordinator?: NodeId }

/** A stable key for a timer, so interpreters can index and cancel timers. */
export const timerKey = (timer: Timer): string => {
  switch (timer._tag) {
    case "RequestTimer":
      return `request:${timer.op}:${timer.round}`
    case "ForwardTimer":
      return `forward:${timer.op}`
    case "HintScan":
      return "hint-scan"
    case "Probe":
      return "probe"
    case "Gossip":
      return "gossip"
    case "AntiEntropy":
      return "anti-entropy"
    case "Handoff":
      return "handoff"
  }
}

/**
 * How `timerKey(timer)` orders against `key` as strings do (negative: before it, 0: equal,
 * positive: after it), without building the timer's key: a host's table is searched by key on
 * every request, and a request timer's key was a new string at each probe of the search.
 */
export const compareTimerKey = (timer: Timer, key: string): number => {
  switch (timer._tag) {
    case "RequestTimer":
      return compareParts(key, "request:", String(timer.op), ":", String(timer.round))
    case "ForwardTimer":
      return compareParts(key, "forward:", String(timer.op), "", "")
    default: {
      const own = timerKey(timer)
      return own === key ? 0 : own < key ? -1 : 1
    }
  }
}

/** `a + b + c + d` against `key`, code unit by code unit (the order of `<` on strings). */
const compareParts = (key: string, a: string, b: string, c: string, d: string): number => {
  let at = 0
  for (let part = 0; part < 4; part++) {
    const piece = part === 0 ? a : part === 1 ? b : part === 2 ? c : d
    for (let i = 0; i < piece.length; i++, at++) {
      if (at === key.length) return 1 // key is a proper prefix of ours
      const difference = piece.charCodeAt(i) - key.charCodeAt(at)
      if (difference !== 0) return difference
    }
  }
  return at === key.length ? 0 : -1
}
