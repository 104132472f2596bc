// CONV-1 and DEL-1 at quiescence (spec/README.md; the paper's sections 4.7, 6.1): once faults heal,
// hints are delivered and keys read or compared, every replica of a key holds the same versions;
// and no value in the causal past of an acknowledged delete is live again. DEL-1 at the client too:
// a get's values are its live siblings.
import type { Finding, InvariantOracle } from "./oracle.ts"
import type { GetReply } from "./reads.ts"

/** CONV-1 for one key. Catches read repair or anti-entropy that skips a replica, or a one-way repair. */
export const conv1ReplicasAgree = <E, P>(o: InvariantOracle<E, P>, key: string): Finding | undefined => {
  const replicas = o.replicas(key)
  const first = replicas[0]
  if (first === undefined) return undefined
  for (const other of replicas.slice(1)) {
    if (!o.same(other.all, first.all)) {
      return { invariant: "CONV-1", message: `replicas of ${key} differ after quiescence: ${first.node} holds ${o.names(first.all)}, ${other.node} holds ${o.names(other.all)}` }
    }
  }
  return undefined
}

/**
 * DEL-1 for one key, judged on its first replica (CONV-1 makes the others equal). Catches a
 * merge that lets a tombstone lose to a value it has seen (resurrection).
 */
export const del1NothingResurrected = <E, P>(o: InvariantOracle<E, P>, key: string): Finding | undefined => {
  const first = o.replicas(key)[0]
  if (first === undefined) return undefined
  for (const deletion of o.acknowledgedDeletes(key)) {
    const resurrected = o.without(o.within(first.live, deletion.past), deletion.event)
    if (!o.isEmpty(resurrected)) {
      return { invariant: "DEL-1", message: `${o.names(resurrected)} on ${key} is live after quiescence though the acknowledged delete ${deletion.event} had seen it` }
    }
  }
  return undefined
}

/** DEL-1 at the client: a get's values are exactly its live siblings. Catches a tombstone returned as a value. */
export const del1ValuesAreLive = <E>(reply: GetReply<E>): Finding | undefined => {
  if (JSON.stringify([...reply.values].sort()) === JSON.stringify([...reply.liveValues].sort())) return undefined
  return { invariant: "DEL-1", message: `get ${reply.id} of ${reply.key} returned values [${reply.values.join(", ")}] but its live siblings are [${reply.liveValues.join(", ")}]` }
}
