// The workloads of `dynamo conform`. Every value a client writes carries its event id, so a read
// can say which writes it returned: `{"e": event, "d": payload}`. set: read, merge the siblings'
// elements, add a unique one, write with the context (Jepsen's set test, with siblings). register:
// blind writes, read-then-write with the context, read-then-delete. cart: the paper's shopping
// cart (section 4.4), items added and removed, siblings merged by union.
import type { Prng } from "../host/prng.ts"

export type WorkloadName = "set" | "register" | "cart"
export const WORKLOADS: ReadonlyArray<WorkloadName> = ["set", "register", "cart"]

/** What a workload step can do; the runner records each as an operation of the history. */
export interface Session {
  readonly client: number
  readonly prng: Prng
  /** A unique name for an element this client adds (c<client>.<n>). */
  unique(): string
  /** Undefined when the read failed (nothing to build on). */
  read(key: string): Promise<ReadResult | undefined>
  /** A put of `payload`, with the context of `after` (none: a blind write). */
  write(key: string, payload: unknown, after?: ReadResult): Promise<void>
  delete(key: string, after: ReadResult): Promise<void>
}

export interface ReadResult {
  readonly op: number
  readonly values: ReadonlyArray<{ readonly event: string; readonly payload: unknown }>
  readonly context: string | undefined
}

export type Workload = (session: Session, key: string) => Promise<void>

/** The stored form of a value: its event id and the workload's payload. */
export const encodeValue = (event: string, payload: unknown): string => JSON.stringify({ e: event, d: payload })

/** The event and payload of a stored value; undefined for a value this tool did not write. */
export const decodeValue = (value: string): { readonly event: string; readonly payload: unknown } | undefined => {
  try {
    const parsed = JSON.parse(value) as { e?: unknown; d?: unknown }
    return typeof parsed === "object" && parsed !== null && typeof parsed.e === "string" ? { event: parsed.e, payload: parsed.d } : undefined
  } catch {
    return undefined
  }
}

const strings = (payload: unknown): ReadonlyArray<string> =>
  Array.isArray(payload) ? payload.filter((item): item is string => typeof item === "string") : []

/** The union of the siblings' elements, sorted. */
const mergedElements = (read: ReadResult): Array<string> => {
  const all = new Set<string>()
  for (const value of read.values) for (const item of strings(value.payload)) all.add(item)
  return [...all].sort()
}

const setWorkload: Workload = async (session, key) => {
  const read = await session.read(key)
  if (read === undefined) return
  await session.write(key, [...mergedElements(read), session.unique()].sort(), read)
}

/** Weights of the register's operations (a test may run only some). */
export interface RegisterMix {
  readonly blind: number
  readonly context: number
  readonly delete: number
}
export const REGISTER_MIX_DEFAULT: RegisterMix = { blind: 3, context: 5, delete: 2 }

export const registerWorkload = (mix: RegisterMix = REGISTER_MIX_DEFAULT): Workload => async (session, key) => {
  const draw = session.prng.int(1, mix.blind + mix.context + mix.delete)
  if (draw <= mix.blind) return session.write(key, session.unique())
  const read = await session.read(key)
  if (read === undefined) return
  if (draw <= mix.blind + mix.context) return session.write(key, session.unique(), read)
  if (read.values.length > 0) return session.delete(key, read)
}

/** Percent of cart steps that remove an item (when the cart holds one). */
const CART_REMOVE_PERCENT = 30

const cartWorkload: Workload = async (session, key) => {
  const read = await session.read(key)
  if (read === undefined) return
  // Siblings merge by union, so an item removed on one branch comes back (the paper's caveat).
  const items = mergedElements(read)
  if (items.length > 0 && session.prng.chance(CART_REMOVE_PERCENT)) {
    const removed = session.prng.pick(items)
    return session.write(key, items.filter((item) => item !== removed), read)
  }
  return session.write(key, [...items, session.unique()].sort(), read)
}

export const workloadOf = (name: WorkloadName): Workload => {
  switch (name) {
    case "set":
      return setWorkload
    case "register":
      return registerWorkload()
    case "cart":
      return cartWorkload
  }
}
