// The simulated world's parts: the events in its queue, its nodes (the node host's node plus
// the disk's queue and incarnation), its clients and the request each operation sends, and the
// writes acknowledged to them.
import { type ClientRequest, type DurableState, emptyVClock, type NodeInput, type NodeState, type PeerMessage, preferenceList, type Ring, servingRing, targetRingOf, type Timer, type VClock } from "../core/index.ts"
import { firingOf, hostedNode, type HostedNode, needsPick, PICK_MAX, takesAdmission } from "../host/index.ts"
import type { Prng } from "../host/prng.ts"
import type { ClientOp, TimedFault } from "./scenario.ts"

export type SimEvent =
  /** `incarnation` is the sender's: a sender that crashes loses what it had not yet put on the wire. */
  | { readonly _tag: "Deliver"; readonly from: string; readonly incarnation: number; readonly to: string; readonly message: PeerMessage }
  | { readonly _tag: "Timer"; readonly node: string; readonly key: string; readonly gen: number; readonly timer: Timer }
  | { readonly _tag: "PersistComplete"; readonly node: string; readonly token: number; readonly incarnation: number }
  | { readonly _tag: "ClientIssue"; readonly client: number }
  | { readonly _tag: "ClientTimeout"; readonly client: number; readonly requestId: string }
  | { readonly _tag: "Fault"; readonly fault: TimedFault }
  /** An input that reached a paused node (a message, a disk completion, a client request), held until it resumes. */
  | { readonly _tag: "Held"; readonly node: string; readonly input: NodeInput }

/** A simulated node: the host's node (src/host/) and what the simulation adds to it. */
export class SimNode {
  host: HostedNode
  /** When the disk finishes the last write queued (writes complete in order). */
  diskFreeAt = 0
  /** Crashes so far: a persist completion queued before one is for a lost incarnation. */
  incarnation = 0
  diskLostAt = -1
  /** A spare node is off until a Join fault starts it; a started node is restarted at quiescence. */
  started = false
  /** The generation of each armed timer's deadline in the event queue (a re-armed timer's older deadline is stale). */
  readonly timerGens = new Map<string, number>()

  constructor(readonly id: string) {
    this.host = hostedNode(id)
  }

  get state(): NodeState | undefined {
    return this.host.state
  }

  get disk(): DurableState {
    return this.host.disk
  }
}

export interface SimClient {
  readonly id: number
  readonly ops: ReadonlyArray<ClientOp>
  next: number
  pending: { readonly requestId: string; readonly op: ClientOp; readonly startedAt: number } | undefined
  readonly seen: Map<string, ReadonlyArray<string>>
  readonly context: Map<string, VClock>
}

/**
 * The request a client's next operation sends: a put's value is its request id (the oracle's
 * event), with the context of the key's last reply; a blind put carries no context.
 */
export const clientRequestOf = (op: ClientOp, requestId: string, lastContext: VClock | undefined): ClientRequest => {
  const context = op.kind === "blind" ? emptyVClock : lastContext ?? emptyVClock
  switch (op.kind) {
    case "get":
      return { _tag: "Get", id: requestId, key: op.key }
    case "put":
    case "blind":
      return { _tag: "Put", id: requestId, key: op.key, value: requestId, context }
    case "delete":
      return { _tag: "Delete", id: requestId, key: op.key, context }
  }
}

export interface AckedWrite {
  readonly event: string
  readonly key: string
  readonly at: number
  /** When the client sent the put: an acker's disk lost after this may have held the write. */
  readonly issuedAt: number
  readonly nodes: ReadonlyArray<string>
  readonly deletion: boolean
}

/** A key's home nodes: its top N in the bootstrap ring and in every running node's ring and target ring (ACK-1's homes). */
export const homeNodes = (ring: Ring, states: ReadonlyArray<NodeState | undefined>, key: string, n: number): ReadonlySet<string> => {
  const homes = new Set<string>(preferenceList(ring, key, n))
  for (const state of states) {
    if (state === undefined) continue
    for (const node of preferenceList(servingRing(state), key, n)) homes.add(node)
    for (const node of preferenceList(targetRingOf(state), key, n)) homes.add(node)
  }
  return homes
}

/**
 * A timer's firing in the simulator: a pick from the seed where it needs one, then, for background
 * work (takesAdmission), a busy verdict drawn at `busyPercent` (section 6.5, AE-2). No draw at 0, so a
 * scenario without it draws exactly what it drew before.
 */
export const simFiring = (timer: Timer, prng: Prng, busyPercent: number): NodeInput => {
  const pick = needsPick(timer) ? prng.int(0, PICK_MAX) : undefined
  return firingOf(timer, pick, busyPercent > 0 && takesAdmission(timer) && prng.chance(busyPercent))
}
