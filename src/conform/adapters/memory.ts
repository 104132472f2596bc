// An in-process store for testing the conform kit itself: correct by default (a sibling set per
// key; a context lists the siblings a get returned, and a put or delete replaces exactly those),
// or built with one fault that breaks one invariant, so each anomaly class the checker names is
// shown to be found on a store that really has it (test/conform/faulty.test.ts).
import { ok, type Adapter, type GetResult, type Reply } from "../adapter.ts"
import type { ReadPromise } from "../history.ts"

export type MemoryFault =
  /** None: the checker must find nothing. */
  | "correct"
  /** A put drops every sibling, covered or not (last writer wins): SIB-1, lost writes. */
  | "overwrite"
  /** Puts to a key after its third are acknowledged and thrown away: DUR-1. */
  | "forget"
  /** A put with a context keeps the siblings the context covered: SIB-1, false siblings. */
  | "false-siblings"
  /** Every fifth get also returns a value nobody wrote: READ-1. */
  | "phantom"
  /** A delete is acknowledged and does nothing: DEL-1. */
  | "resurrect"
  /** Gets answer with the key as it was STALE_LAG_MS ago, while claiming R + W > N: QUORUM-1. */
  | "stale"
  /** Each node keeps its own copy and never exchanges: CONV-1. */
  | "diverge"

export const MEMORY_FAULTS: ReadonlyArray<MemoryFault> = ["correct", "overwrite", "forget", "false-siblings", "phantom", "resurrect", "stale", "diverge"]

interface Sibling {
  readonly id: number
  readonly value: string
}

/** Most puts a key takes under "forget" before the rest are thrown away. */
const FORGET_AFTER_PUTS = 3
/** "stale": how far behind the writes the reads are. */
const STALE_LAG_MS = 20
/** "phantom": one get in this many returns an extra value. */
const PHANTOM_EVERY_GETS = 5

export const memoryAdapter = (fault: MemoryFault = "correct"): Adapter => {
  const stores = new Map<string, Map<string, ReadonlyArray<Sibling>>>()
  /** "stale": every state each key went through, with when. */
  const past = new Map<string, Array<{ readonly at: number; readonly siblings: ReadonlyArray<Sibling> }>>()
  const putsPerKey = new Map<string, number>()
  let nextId = 1
  let gets = 0
  // One shared store, except under "diverge": one per node.
  const storeOf = (url: string) => {
    const name = fault === "diverge" ? url : "shared"
    let store = stores.get(name)
    if (store === undefined) stores.set(name, store = new Map())
    return store
  }
  const contextOf = (siblings: ReadonlyArray<Sibling>) => siblings.map((sibling) => sibling.id).join(",")
  const covered = (context: string | undefined) => new Set((context ?? "").split(",").filter((id) => id !== "").map(Number))
  // Every call yields first: the clients of a run interleave as they would over a network.
  const pause = () => new Promise<void>((done) => setTimeout(done, 1))

  const write = (url: string, key: string, value: string | undefined, context: string | undefined): Reply<void> => {
    const store = storeOf(url)
    const puts = (putsPerKey.get(key) ?? 0) + 1
    putsPerKey.set(key, puts)
    if (fault === "forget" && value !== undefined && puts > FORGET_AFTER_PUTS) return ok(undefined)
    if (fault === "resurrect" && value === undefined) return ok(undefined)
    const seen = covered(context)
    const kept = fault === "overwrite" ? [] : fault === "false-siblings" ? [...(store.get(key) ?? [])] : (store.get(key) ?? []).filter((sibling) => !seen.has(sibling.id))
    const next = value === undefined ? kept : [...kept, { id: nextId++, value }]
    store.set(key, next)
    if (fault === "stale") past.set(key, [...(past.get(key) ?? []), { at: performance.now(), siblings: next }])
    return ok(undefined)
  }

  /** The key as a lagging replica shows it. */
  const lagging = (key: string): ReadonlyArray<Sibling> =>
    (past.get(key) ?? []).findLast((state) => state.at <= performance.now() - STALE_LAG_MS)?.siblings ?? []
  const reads: ReadPromise = fault === "stale" ? { kind: "quorum", n: 3, r: 2, w: 2 } : fault === "diverge" ? { kind: "none" } : { kind: "linearizable" }
  return {
    name: `memory-${fault}`,
    describe: async () => ({ reads, store: `in-process memory store (${fault})` }),
    ready: async () => true,
    async get(url, key): Promise<Reply<GetResult>> {
      await pause()
      const siblings = fault === "stale" ? lagging(key) : storeOf(url).get(key) ?? []
      const values = siblings.map((sibling) => sibling.value)
      gets += 1
      if (fault === "phantom" && gets % PHANTOM_EVERY_GETS === 0) values.push(JSON.stringify({ e: `ghost.${gets}`, d: [] }))
      return ok({ values, context: contextOf(siblings) })
    },
    async put(url, key, value, context) {
      await pause()
      return write(url, key, value, context)
    },
    async delete(url, key, context) {
      await pause()
      return write(url, key, undefined, context)
    }
  }
}
