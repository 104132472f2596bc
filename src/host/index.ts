// The node host: one node's state, disk, pending persists and armed timers, with the pure
// functions every interpreter runs a node through (feed, completePersist, fireTimer, crash,
// loseDisk, recover). Its rules are written once over a Holding (holding.ts: how a disk and the
// pending persists are held): the simulator, the replayer and the conformance driver use the
// plain one (node.ts), the checker its fingerprinted, cached one (src/check/holding.ts), the
// network shell one whose disk is its asynchronous storage (src/net/driver.ts).
//
// The interpreter contract (what an interpreter owes the core; etcd raft's Ready in spirit):
//
// 1. Effects in order. A step's effects are performed in the order the core emitted them. The
//    core acknowledges a write (an Ack, a Reply) only in the step that runs its PersistDone,
//    never beside the Persist, so sending at once is safe.
// 2. Persists in order, then PersistDone. Persist records become durable in token order; an
//    interpreter feeds PersistDone(t) only once every record up to token t is on its disk, and
//    then never feeds one for a lower token. feed applies the pending records up to t to the
//    disk before the core sees the acknowledgement; the network shell does the same with its
//    own asynchronous storage (src/net/driver.ts), which is why it keeps the host's order.
// 3. Crashes lose what is not durable. A crash (crash) drops the volatile state, the armed
//    timers and every pending persist; a disk loss (loseDisk) also wipes the disk. Nothing is
//    fed to a node while it is down; messages to it are lost.
// 4. The epoch floor grows across restarts. A restart rebuilds the state from the disk
//    (recover) and feeds Start with an epoch floor above every earlier start's (startOf: the
//    count of starts), even when the disk, and with it the last epoch, was lost: a node must
//    never write a clock entry an earlier incarnation already used.
// 5. Timers. Each SetTimer arms the timer of its key (replacing one armed before), CancelTimer
//    disarms it; only an armed timer fires, and firing disarms it (a periodic timer re-arms
//    itself in the effects of its firing). Gossip and AntiEntropy take a pick (needsPick),
//    drawn in 0..PICK_MAX-1 (timers.ts); the core reduces it to its choices, and the checker
//    enumerates each distinct one instead of drawing. AntiEntropy may also carry `busy`
//    (takesAdmission): the interpreter's verdict that its foreground is over its latency target
//    (section 6.5); the core bounds what that verdict defers (AE-2).
// 6. Failure detection is the core's: an interpreter may report an unreachable peer
//    (PeerUnreachable); only a driver that models a global detector sets beliefs (Beliefs).
export { PICK_MAX, NO_TIMERS, armedAfter, armTimer, disarmTimer, isArmed, needsPick, takesAdmission } from "./timers.ts"
export { crashNode, MadeDurable, persistUpTo, recoverNode, type Holding, type HostNode } from "./holding.ts"
export {
  armed,
  completePersist,
  crash,
  feed,
  feedNode,
  fireTimer,
  firingOf,
  hostedNode,
  loseDisk,
  PLAIN_HOLDING,
  recover,
  startOf,
  type Fed,
  type HostEvent,
  type HostedNode,
  type HostedStep,
  type PendingPersist
} from "./node.ts"
export { versionOut, versionsOut, type VersionOut } from "./versions-out.ts"
