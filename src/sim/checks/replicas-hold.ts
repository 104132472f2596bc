// DUR-2 (spec/README.md): after heal and quiescence, the current replicas of a key (its top N in
// the ring the nodes agree on) hold every acknowledged write, or a version that has seen it,
// unless DUR-1's bound excuses it. DUR-1 asks only that some disk holds it: a write stranded on a
// node that no longer replicates the key, or on a fallback that never hands it on, passes DUR-1
// and CONV-1 (the replicas agree, without it) but is lost to every read.
import type { AckedWrites } from "../acked.ts"
import type { Oracle } from "../../trace/oracle.ts"
import type { Finding } from "./events.ts"

export const checkReplicasHold = <W extends { readonly event: string; readonly at: number }>(
  oracle: Oracle,
  key: string,
  replicas: ReadonlyArray<{ readonly node: string; readonly events: ReadonlyArray<string> }>,
  acked: AckedWrites<W> | undefined,
  excused: (write: W) => boolean
): Finding | undefined => {
  if (acked === undefined) return undefined
  const union = oracle.pastUnion(key, replicas.flatMap((r) => r.events))
  const write = acked.firstMissing(union, (w) => !excused(w))
  if (write === undefined) return undefined
  return { invariant: "DUR-2", message: `${write.event} on ${key}, acknowledged at ${write.at} ms, is on none of its replicas [${replicas.map((r) => r.node).join(", ")}] after quiescence` }
}
