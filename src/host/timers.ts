// The timers a hosted node has armed, and the picks a firing takes. One table, kept sorted by
// timerKey so that equal tables are equal arrays (the checker fingerprints them as they are).
import { compareTimerKey, type NodeEffect, type NodeInput, timerKey, type Timer } from "../core/index.ts"

/**
 * Picks for the timers that need one (see needsPick) are drawn from 0..PICK_MAX-1: the simulator
 * draws them from its seed, the network shell at random. The core reduces a pick modulo the
 * number of choices it has (peers to gossip with, replicas to compare trees with), so any range
 * far larger than a cluster is uniform enough; the checker enumerates every distinct choice.
 */
export const PICK_MAX = 1 << 20

/** Timers whose firing the core resolves with a choice: a gossip peer, an anti-entropy partner. */
export const needsPick = (timer: Timer): boolean => timer._tag === "Gossip" || timer._tag === "AntiEntropy"

/**
 * Background work an interpreter's admission verdict applies to (section 6.5): a firing of it
 * carries `busy` when the foreground was over its latency target (the network shell measures it;
 * the simulator and the checker never report busy).
 */
export const takesAdmission = (timer: Timer): boolean => timer._tag === "AntiEntropy"

export const NO_TIMERS: ReadonlyArray<Timer> = []

/**
 * Where `key` is or would go in `timers` (sorted by timerKey, one timer per key): its index and
 * whether a timer of that key is there. A binary search comparing each timer with the key in
 * place (compareTimerKey): a probe builds no string, and a node under load has one request timer
 * per request in flight.
 */
const search = (timers: ReadonlyArray<Timer>, key: string): { readonly index: number; readonly found: boolean } => {
  let low = 0
  let high = timers.length
  while (low < high) {
    const middle = (low + high) >>> 1
    const order = compareTimerKey(timers[middle]!, key)
    if (order === 0) return { index: middle, found: true }
    if (order < 0) low = middle + 1
    else high = middle
  }
  return { index: low, found: false }
}

/** `timers` with `timer` armed (replacing an armed timer of the same key). */
export const armTimer = (timers: ReadonlyArray<Timer>, timer: Timer): ReadonlyArray<Timer> => {
  const { index, found } = search(timers, timerKey(timer))
  // One copy, made to its final length (a slice then a splice copied the table twice).
  const next = new Array<Timer>(found ? timers.length : timers.length + 1)
  for (let i = 0; i < index; i++) next[i] = timers[i]!
  next[index] = timer
  for (let i = found ? index + 1 : index, j = index + 1; i < timers.length; i++, j++) next[j] = timers[i]!
  return next
}

/** `timers` without the timer of `timer`'s key (the same array when none is armed). */
export const disarmTimer = (timers: ReadonlyArray<Timer>, timer: Timer): ReadonlyArray<Timer> => {
  const { index, found } = search(timers, timerKey(timer))
  if (!found) return timers
  const next = new Array<Timer>(timers.length - 1)
  for (let i = 0; i < index; i++) next[i] = timers[i]!
  for (let i = index + 1; i < timers.length; i++) next[i - 1] = timers[i]!
  return next
}

export const isArmed = (timers: ReadonlyArray<Timer>, timer: Timer): boolean => search(timers, timerKey(timer)).found

/**
 * Contract rule 5: the timers armed after a step, from those armed before it. A firing disarms
 * its timer; then each SetTimer arms its key and each CancelTimer disarms it, in effect order.
 * `timers` is returned itself when nothing changed.
 */
export const armedAfter = (timers: ReadonlyArray<Timer>, input: NodeInput | undefined, effects: ReadonlyArray<NodeEffect>): ReadonlyArray<Timer> => {
  let next = input !== undefined && input._tag === "TimerFired" ? disarmTimer(timers, input.timer) : timers
  for (const effect of effects) {
    if (effect._tag === "SetTimer") next = armTimer(next, effect.timer)
    else if (effect._tag === "CancelTimer") next = disarmTimer(next, effect.timer)
  }
  return next
}
