// Zones (data centers, paper 4.6) in the simulator: which zone a simulated node runs in, the
// delay of a link inside a zone and between two, and the faults that strike a whole zone at
// once (every node down, or the zone cut off from the others), drawn into a scenario as the
// plain Crash, Restart, Partition and Heal faults the world already applies.
import type { Member } from "../core/index.ts"
import type { Prng } from "../host/prng.ts"
import type { SimOptions, TimedFault } from "./scenario.ts"

/** Zones are numbered from 1: `z1`, `z2`, ... */
export const zoneName = (index: number): string => `z${index + 1}`

/**
 * The zone of simulated node `n<k>` in a cluster of `zones` zones: round robin (n1 in z1, n2 in
 * z2, ...), so members and spares spread evenly and every zone has a node once nodes >= zones.
 * Undefined when the scenario has no zones (one zone, the default).
 */
export const zoneOfSimNode = (id: string, zones: number | undefined): string | undefined => {
  if (zones === undefined || zones <= 1) return undefined
  const k = Number(id.slice(1))
  if (!Number.isSafeInteger(k) || k < 1) throw new Error(`sim: node id ${id} is not n<k>`)
  return zoneName((k - 1) % zones)
}

/** Ring members for simulated nodes, each with its zone when the scenario has zones. */
export const simMembers = (ids: ReadonlyArray<string>, zones: number | undefined): ReadonlyArray<Member> =>
  ids.map((id) => {
    const zone = zoneOfSimNode(id, zones)
    return zone === undefined ? { id } : { id, zone }
  })

/** The nodes of one zone, in id order. */
export const nodesOfZone = (ids: ReadonlyArray<string>, zones: number, zone: string): ReadonlyArray<string> =>
  ids.filter((id) => zoneOfSimNode(id, zones) === zone)

/**
 * The range a message's delay is drawn from: the scenario's link delay inside a zone, the
 * inter-zone delay between two (a wide-area link: the paper's data centers are "connected
 * through high speed network links", still tens of milliseconds apart).
 */
export const linkDelayRangeMs = (options: SimOptions, from: string, to: string): readonly [number, number] => {
  const zoneFrom = zoneOfSimNode(from, options.zones)
  if (zoneFrom === undefined || zoneFrom === zoneOfSimNode(to, options.zones)) return [options.delayMsMin, options.delayMsMax]
  return [options.interZoneDelayMsMin ?? options.delayMsMin, options.interZoneDelayMsMax ?? options.delayMsMax]
}

/**
 * One zone fault from `at` to `until`, on a zone drawn from the seed: "zone-down" crashes every
 * node of the zone at `at` and restarts them all at `until` (their disks survive: a power cut);
 * "zone-cut" isolates the zone from every other node, both ways, and heals at `until`.
 */
export const zoneFault = (
  prng: Prng, kind: "zone-down" | "zone-cut", ids: ReadonlyArray<string>, zones: number, at: number, until: number
): ReadonlyArray<TimedFault> => {
  const zone = zoneName(prng.int(0, zones - 1))
  const nodes = nodesOfZone(ids, zones, zone)
  if (kind === "zone-cut") return [{ _tag: "Partition", at, isolated: nodes }, { _tag: "Heal", at: until }]
  return [
    ...nodes.map((node): TimedFault => ({ _tag: "Crash", at, node })),
    ...nodes.map((node): TimedFault => ({ _tag: "Restart", at: until, node }))
  ]
}
