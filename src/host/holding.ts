// How an interpreter holds a node's disk and its persists not yet durable, and the host's rules
// written once over any such holding: which persists a PersistDone makes durable and in what
// order, what a crash or a disk loss keeps, what a restart rebuilds and with which epoch floor.
// The plain holding (node.ts) keeps a DurableState and {token, record} pairs; the checker keeps
// fingerprinted, cached ones (src/check/holding.ts); the network shell's disk is its storage.
import type { PersistRecord, Timer } from "../core/index.ts"
import { NO_TIMERS } from "./timers.ts"

/** A disk of type D, and persists not yet durable of type P, as one interpreter holds them. */
export interface Holding<D, P> {
  /** What a disk loss leaves. */
  readonly emptyDisk: D
  /** The empty list of pending persists (one object, so interpreters can recognise it). */
  readonly nonePending: ReadonlyArray<P>
  /** A Persist effect, held as pending. */
  pendingOf(token: number, record: PersistRecord): P
  tokenOf(persist: P): number
  recordOf(persist: P): PersistRecord
  /** The disk with the persist applied (the network shell's storage applied it already). */
  apply(disk: D, persist: P): D
}

/**
 * One hosted node, whatever holds its parts: its state S (absent while down), its disk D, the
 * persists it emitted that are not yet durable P, its armed timers (sorted by timerKey) and the
 * epoch floor of its last start (the count of starts, where no clock is used).
 */
export interface HostNode<S, D, P> {
  readonly id: string
  readonly state: S | undefined
  readonly disk: D
  readonly pending: ReadonlyArray<P>
  readonly timers: ReadonlyArray<Timer>
  readonly starts: number
}

/**
 * What a PersistDone(token) made durable: the disk after, the persists still pending, and how
 * many were applied (the first `done` of the pending ones before).
 */
export class MadeDurable<D, P> {
  constructor(readonly disk: D, readonly pending: ReadonlyArray<P>, readonly done: number) {}
}

/**
 * Contract rule 2: every pending persist up to `token` is applied to the disk, in emission order;
 * the later ones stay pending. A token below every pending one makes nothing durable.
 */
export const persistUpTo = <D, P>(h: Holding<D, P>, disk: D, pending: ReadonlyArray<P>, token: number): MadeDurable<D, P> => {
  let done = 0
  while (done < pending.length && h.tokenOf(pending[done]!) <= token) {
    disk = h.apply(disk, pending[done]!)
    done += 1
  }
  return new MadeDurable(disk, done === 0 ? pending : done === pending.length ? h.nonePending : pending.slice(done), done)
}

/**
 * Contract rule 3: a crash keeps the disk (a disk loss empties it) and loses the volatile state,
 * the armed timers and every persist not yet durable, which it returns.
 */
export const crashNode = <S, D, P, N extends HostNode<S, D, P>>(
  h: Holding<D, P>, node: N, loseDisk: boolean
): { readonly node: N; readonly lost: ReadonlyArray<P> } => ({
  node: { ...node, state: undefined, disk: loseDisk ? h.emptyDisk : node.disk, pending: h.nonePending, timers: NO_TIMERS },
  lost: node.pending
})

/**
 * Contract rule 4: a restart rebuilds the state from the disk, with no timers and nothing
 * pending, and raises the epoch floor: by one (a count of starts) unless the interpreter brings
 * a higher one (the network shell's wall clock). A floor that does not grow is refused.
 */
export const recoverNode = <S, D, P, N extends HostNode<S, D, P>>(
  h: Holding<D, P>, node: N, rebuild: (disk: D) => S, epochFloor: number = node.starts + 1
): N => {
  if (!(epochFloor > node.starts)) throw new Error(`host: ${node.id} restarted with epoch floor ${epochFloor}, not above ${node.starts}`)
  return { ...node, state: rebuild(node.disk), pending: h.nonePending, timers: NO_TIMERS, starts: epochFloor }
}
