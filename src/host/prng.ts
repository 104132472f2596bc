// The seeded source of an interpreter's choices (the simulator's schedules, the checker's swarm
// walks, conform's workloads): xoroshiro128+ from pure-rand. Same seed, same sequence, on every
// machine. The core never draws: its choices arrive as inputs (a timer's pick, PICK_MAX).
import { uniformInt } from "pure-rand/distribution/uniformInt"
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus"

export class Prng {
  private readonly rng: ReturnType<typeof xoroshiro128plus>
  constructor(seed: number) {
    this.rng = xoroshiro128plus(seed | 0)
  }
  /** An integer in [low, high], both inclusive. */
  int(low: number, high: number): number {
    return uniformInt(this.rng, low, high)
  }
  /** True with probability `percent` / 100. */
  chance(percent: number): boolean {
    return percent > 0 && this.int(0, 99) < percent
  }
  pick<A>(items: ReadonlyArray<A>): A {
    if (items.length === 0) throw new Error("Prng.pick: empty list")
    return items[this.int(0, items.length - 1)] as A
  }
}
