// The cluster benches' load generator: closed-loop clients, each a loop of gets and puts (50/50)
// of random keys with 1 KiB values, through the client library (src/client/), client-driven or
// server-driven. Puts carry the context of the key's last reply, as a read-modify-write client's
// would, so the keys do not pile up siblings. Latencies are kept per operation for percentiles.
import type { Client } from "dynamo-reference/client"

export interface Workload {
  readonly api: Client
  readonly keys: number
  readonly valueBytes: number
  /** The context of each key's last reply. */
  readonly contexts: Map<string, string>
}

export interface RunStats {
  /** CPU time the node processes and this load generator used during the run, in µs per op. */
  nodeCpuMicrosPerOp?: number
  clientCpuMicrosPerOp?: number
  /** The slowest node's group-commit latency since it started (preload included), from /status. */
  commits?: { readonly p50: number; readonly p999: number }
  readonly ops: number
  readonly seconds: number
  readonly errors: number
  readonly latencies: Float64Array
  readonly getLatencies: Float64Array
  readonly putLatencies: Float64Array
}

export const keyOf = (i: number) => `key:${i}`

export const valueOf = (tag: string, bytes: number) => (tag + ":").padEnd(bytes, "v")

export const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

export const mean = (values: Float64Array): number => (values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length)

const sorted = (values: Array<number>): Float64Array => Float64Array.from(values).sort()

/** One put of `key` with the context of its last reply; the new context is remembered. */
const put = async (workload: Workload, key: string, value: string) => {
  const written = await workload.api.put(key, value, { context: workload.contexts.get(key) })
  workload.contexts.set(key, written.context)
}

const get = async (workload: Workload, key: string) => {
  const read = await workload.api.get(key)
  workload.contexts.set(key, read.context)
}

/** `clients` closed loops for `seconds`: each op a get or a put (50/50) of a random key. Failed operations are counted, not timed. */
export const runLoad = async (workload: Workload, clients: number, seconds: number): Promise<RunStats> => {
  const all: Array<number> = []
  const gets: Array<number> = []
  const puts: Array<number> = []
  let errors = 0
  let sequence = 0
  const started = performance.now()
  const deadline = started + seconds * 1000
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    while (performance.now() < deadline) {
      const key = keyOf(Math.floor(Math.random() * workload.keys))
      const isPut = Math.random() < 0.5
      const t0 = performance.now()
      try {
        await (isPut ? put(workload, key, valueOf(`c${client}.${sequence++}`, workload.valueBytes)) : get(workload, key))
      } catch {
        errors += 1
        continue
      }
      const latency = performance.now() - t0
      all.push(latency)
      ;(isPut ? puts : gets).push(latency)
    }
  }))
  const elapsed = (performance.now() - started) / 1000
  return { ops: all.length, seconds: elapsed, errors, latencies: sorted(all), getLatencies: sorted(gets), putLatencies: sorted(puts) }
}

/** Writes every key once (`clients` at a time), so gets read real values. */
export const preload = async (workload: Workload, clients: number): Promise<void> => {
  let next = 0
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < workload.keys; i = next++) await put(workload, keyOf(i), valueOf(`pre.${i}`, workload.valueBytes))
  }))
}
