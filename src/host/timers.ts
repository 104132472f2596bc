// The timers a hosted node has armed, and the picks a firing takes. One table, kept sorted by
// timerKey so that equal tables are equal arrays (the checker fingerprints them as they are).
import { type NodeEffect, type NodeInput, timerKey, type Timer } from "../core/index.ts"

/**
 * Picks for the timers that need one (see needsPick) are drawn from 0..PICK_MAX-1: the simulator
 * draws them from its seed, the network shell at random. The core reduces a pick modulo the
 * number of choices it has (peers to gossip with, replicas to compare trees with), so any range
 * far larger than a cluster is uniform enough; the checker enumerates every distinct choice.
 */
export const PICK_MAX = 1 << 20

/** Timers whose firing the core resolves with a choice: a gossip peer, an anti-entropy partner. */
export const needsPick = (timer: Timer): boolean => timer._tag === "Gossip" || timer._tag === "AntiEntropy"

export const NO_TIMERS: ReadonlyArray<Timer> = []

/** `timers` with `timer` armed (replacing an armed timer of the same key). */
export const armTimer = (timers: ReadonlyArray<Timer>, timer: Timer): ReadonlyArray<Timer> => {
  const key = timerKey(timer)
  const kept = timers.filter((t) => timerKey(t) !== key)
  kept.push(timer)
  return kept.sort((a, b) => (timerKey(a) < timerKey(b) ? -1 : timerKey(a) > timerKey(b) ? 1 : 0))
}

/** `timers` without the timer of `timer`'s key (the same array when none is armed). */
export const disarmTimer = (timers: ReadonlyArray<Timer>, timer: Timer): ReadonlyArray<Timer> => {
  const key = timerKey(timer)
  return timers.some((t) => timerKey(t) === key) ? timers.filter((t) => timerKey(t) !== key) : timers
}

export const isArmed = (timers: ReadonlyArray<Timer>, timer: Timer): boolean => {
  const key = timerKey(timer)
  return timers.some((t) => timerKey(t) === key)
}

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
