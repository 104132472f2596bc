// An injected wide-area link (paper 4.6: data centers tens of milliseconds apart) for benchmarks
// on machines without a network emulator: every peer message this node sends to a node of
// another zone waits the one-way delay given for that zone before it enters the link
// (`dynamo node --zone-delay-ms z2=20,z3=80`). Messages to one peer keep their order (equal
// delays, FIFO timers). Only the outbound half: each side delays its own sends.
import { zoneNameProblem, type NodeId, type PeerMessage } from "../core/index.ts"

/** A delay this long is a mistake, not a wide-area link. */
export const ZONE_DELAY_MS_MAX = 10_000

export interface Links {
  readonly send: (to: NodeId, message: PeerMessage) => void
  readonly flush: () => void
}

/** Parses `z2=20,z3=80` (zone=milliseconds); returns the problem as a string. */
export const parseZoneDelays = (text: string): ReadonlyMap<string, number> | string => {
  const delays = new Map<string, number>()
  for (const part of text.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const match = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(part)
    if (match === null) return `"${part}" is not ZONE=MS`
    const [, zone, ms] = match as unknown as [string, string, string]
    const problem = zoneNameProblem(zone)
    if (problem !== undefined) return problem
    if (Number(ms) > ZONE_DELAY_MS_MAX) return `${zone}: at most ${ZONE_DELAY_MS_MAX} ms, got ${ms}`
    if (delays.has(zone)) return `zone ${zone} is listed twice`
    delays.set(zone, Number(ms))
  }
  return delays
}

/**
 * `links` with each send to a peer of a delayed zone held back by that zone's delay (then sent
 * and flushed on its own); sends to other peers pass straight through.
 */
export const delayedLinks = (links: Links, delays: ReadonlyMap<string, number>, zoneOfPeer: (peer: NodeId) => string | undefined): Links => ({
  send: (to, message) => {
    const zone = zoneOfPeer(to)
    const delay = zone === undefined ? undefined : delays.get(zone)
    if (delay === undefined || delay <= 0) return links.send(to, message)
    setTimeout(() => {
      links.send(to, message)
      links.flush()
    }, delay)
  },
  flush: () => links.flush()
})
