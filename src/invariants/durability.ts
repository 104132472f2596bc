// DUR-1 and DUR-2 (spec/README.md; the paper's sections 4.5, 4.6): an acknowledged write is never
// lost. DUR-1: some disk holds it, or a version that has seen it, unless the disks of W nodes were
// lost since it was sent. DUR-2: after quiescence its key's current replicas hold it.
import type { Finding, InvariantOracle } from "./oracle.ts"

const acknowledgedAt = (at: number | undefined): string => (at === undefined ? "" : ` at ${at} ms`)

/**
 * DUR-1 over a scope of keys: `acknowledged` are its acknowledged writes, `onDisks` the causal
 * past of everything any disk holds for them, own stores and hints. (The simulator judges one key
 * at a time; the checker's masks span every key at once.) Catches an acknowledgement before the
 * persist is durable, or a hint deleted before its intended node holds it.
 */
export const dur1OnSomeDisk = <E, P>(o: InvariantOracle<E, P>, acknowledged: E, onDisks: P): Finding | undefined => {
  const lost = o.notExcused(o.missing(acknowledged, onDisks))
  if (o.isEmpty(lost)) return undefined
  const write = o.first(lost)
  const ack = o.acknowledgement(write)
  return { invariant: "DUR-1", message: `${write} on ${ack.key} was acknowledged${acknowledgedAt(ack.at)} by [${ack.nodes.join(", ")}] but no disk holds it or a version that has seen it` }
}

/**
 * DUR-2 at quiescence, for one key: its current replicas hold every acknowledged write (or a
 * version that has seen it) DUR-1's bound does not excuse. Catches a write stranded on a node that
 * no longer replicates the key, or on a fallback that never hands it on: DUR-1 and CONV-1 pass.
 */
export const dur2OnReplicas = <E, P>(o: InvariantOracle<E, P>, key: string): Finding | undefined => {
  const replicas = o.replicas(key)
  let held = o.none
  for (const replica of replicas) held = o.union(held, replica.all)
  const lost = o.notExcused(o.missing(o.acknowledged(key), o.past(key, held)))
  if (o.isEmpty(lost)) return undefined
  const write = o.first(lost)
  const ack = o.acknowledgement(write)
  return { invariant: "DUR-2", message: `${write} on ${key}, acknowledged${acknowledgedAt(ack.at)}, is on none of its replicas [${replicas.map((r) => r.node).join(", ")}] after quiescence` }
}
