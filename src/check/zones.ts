// Zones (data centers, paper 4.6) in the model checker: the zone is the unit of failure. A crash
// action takes down every running node of the crashed node's zone at once, and the partitions
// the search may choose are the cuts that isolate one zone from the others.
import type { Compiled } from "./compiled.ts"
export { modelMembers } from "./model.ts"

/**
 * With zones: the cuts (each the zone's mask, or its complement when the zone holds node 0, as
 * the world enumerates sides without node 0) and each node's zone-mates. Undefined without zones.
 */
export const zoneFaultsOf = (
  ids: ReadonlyArray<string>, zones: ReadonlyArray<string> | undefined
): { readonly cuts: ReadonlyArray<number>; readonly zoneMates: ReadonlyArray<ReadonlyArray<number>> } | undefined => {
  if (zones === undefined) return undefined
  if (zones.length !== ids.length) throw new Error(`check: ${zones.length} zones given for ${ids.length} nodes`)
  const all = (1 << ids.length) - 1
  const names = [...new Set(zones)].sort()
  const cuts: Array<number> = []
  for (const zone of names) {
    const mask = zones.reduce((m, z, i) => (z === zone ? m | (1 << i) : m), 0)
    const side = (mask & 1) === 0 ? mask : all & ~mask
    // A single zone isolates nothing; two zones give the same cut twice.
    if (side !== 0 && !cuts.includes(side)) cuts.push(side)
  }
  const zoneMates = zones.map((zone) => zones.flatMap((z, i) => (z === zone ? [i] : [])))
  return { cuts, zoneMates }
}

/** The nodes a crash of `node` takes down: itself, and with zones its running zone-mates. */
export const crashedWith = (c: Pick<Compiled, "zoneMates">, running: (node: number) => boolean, node: number): ReadonlyArray<number> =>
  c.zoneMates === undefined ? [node] : [node, ...c.zoneMates[node]!.filter((mate) => mate !== node && running(mate))]
