// The benchmarks' reading of V8's --trace-gc-nvp lines (bench/gc-trace.ts), on lines as Node 24 prints them.
import { describe, expect, test } from "vitest"
import { addCollection, CollectionReader, NO_COLLECTIONS } from "../bench/gc-trace.ts"

const scavenge = (pause: number, promoted: number, allocated: number) =>
  `[21261:0x462a2000:0]     9779 ms: pause=${pause} mutator=477.5 gc=s reduce_memory=0 time_to_safepoint=0.00 scavenge=15.42 allocated=${allocated} promoted=${promoted} semi_space_copied=12345 nodes_promoted=0`
const markCompact = (pause: number) => `[21261:0x462a2000:0]    12000 ms: pause=${pause} mutator=900.1 gc=mc reduce_memory=0 mark=20.1 allocated=1000`

describe("bench/gc-trace.ts", () => {
  // Catches a field read from the wrong name (the pause from mutator=, promoted from nodes_promoted=),
  // a mark-compact counted as a scavenge, and another line (a log line with '=' in it) counted at all.
  test("scavenges and mark-compacts are told apart, their pauses and bytes summed, other lines ignored", () => {
    const lines = [scavenge(15.5, 8_000_000, 45_000_000), '{"level":"Info","message":"x=1 gc=none"}', '[1:0x1]  5 ms: pause=9 gc=none', scavenge(20.25, 2_000_000, 40_000_000), markCompact(30)]
    const total = lines.reduce(addCollection, NO_COLLECTIONS)
    expect(total).toEqual({ scavenges: 2, scavengeMs: 35.75, scavengeMsMax: 20.25, promoted: 10_000_000, allocated: 85_001_000, majors: 1, majorMs: 30 })
  })

  // Catches a reader that counts a line twice (no offset kept per process) or only the first process's.
  test("a reader returns what each process printed since its last call", () => {
    const outputs: Array<Array<string>> = [[scavenge(1, 100, 1000)], []]
    const reader = new CollectionReader(() => outputs)
    expect(reader.readSince()).toMatchObject({ scavenges: 1, promoted: 100 })
    outputs[0]!.push(scavenge(2, 200, 2000))
    outputs[1]!.push(scavenge(4, 400, 4000))
    expect(reader.readSince()).toMatchObject({ scavenges: 2, promoted: 600, scavengeMsMax: 4 })
    expect(reader.readSince()).toEqual(NO_COLLECTIONS)
  })
})
