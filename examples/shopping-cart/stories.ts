// The shopping-cart stories on a real cluster, through the client library: two shoppers (two
// clients) change one cart from the same read, so their writes are concurrent and the cluster
// keeps both as siblings (section 4.4); the next read merges them with the cart type's merge.
import type { Client } from "dynamo-reference/client"
import type { CartType } from "./cart.ts"

/** A shopper: a client, and a source of unique ids for the adds it makes. */
export interface Shopper {
  readonly name: string
  readonly client: Client
  readonly nextDot: () => string
}

/** What a story saw: the items of each sibling the cluster kept, and of the cart once merged. */
export interface StoryOutcome {
  readonly siblings: ReadonlyArray<ReadonlyArray<string>>
  readonly merged: ReadonlyArray<string>
  /** Values the key holds after the merge was written back (1: the siblings collapsed). */
  readonly valuesAfterMerge: number
}

/** A shopper's view of the cart: siblings merged (not written back), and the context to write with. */
const readCart = async <Cart>(type: CartType<Cart>, shopper: Shopper, key: string) => {
  const read = await shopper.client.get(key)
  const value = read.values.length === 0 ? undefined : read.values.length === 1 ? read.values[0]! : type.merge(read.values)
  return { cart: value === undefined ? type.empty : type.decode(value), context: read.context }
}

const write = <Cart>(type: CartType<Cart>, shopper: Shopper, key: string, cart: Cart, context: string) =>
  shopper.client.put(key, type.encode(cart), { context })

/** Reads the siblings, then merges them with the cart type's merge and writes the result back. */
const mergeOutcome = async <Cart>(type: CartType<Cart>, shopper: Shopper, key: string): Promise<StoryOutcome> => {
  const read = await shopper.client.get(key)
  const siblings = read.values.map((value) => type.items(type.decode(value)))
  const resolved = await shopper.client.resolve(key, type.merge)
  const merged = type.items(type.decode(resolved.values[0]!))
  const after = await shopper.client.get(key)
  return { siblings: sortedSiblings(siblings), merged, valuesAfterMerge: after.values.length }
}

const sortedSiblings = (siblings: ReadonlyArray<ReadonlyArray<string>>) =>
  [...siblings].sort((a, b) => (a.join(",") < b.join(",") ? -1 : a.join(",") > b.join(",") ? 1 : 0))

/** Story 1: an empty cart; Alice adds milk while Bob adds eggs, both from the same read. */
export const concurrentAdds = async <Cart>(type: CartType<Cart>, alice: Shopper, bob: Shopper, key: string): Promise<StoryOutcome> => {
  const seenByAlice = await readCart(type, alice, key)
  const seenByBob = await readCart(type, bob, key)
  await write(type, alice, key, type.add(seenByAlice.cart, "milk", alice.nextDot()), seenByAlice.context)
  await write(type, bob, key, type.add(seenByBob.cart, "eggs", bob.nextDot()), seenByBob.context)
  return mergeOutcome(type, alice, key)
}

/**
 * Story 2, the paper's anomaly: a cart holds milk and eggs; from the same read, Alice removes the
 * eggs while Bob adds bread. One sibling lacks the eggs, the other still holds them.
 */
export const removeWhileAdding = async <Cart>(type: CartType<Cart>, alice: Shopper, bob: Shopper, key: string): Promise<StoryOutcome> => {
  const start = await readCart(type, alice, key)
  await write(type, alice, key, type.add(type.add(start.cart, "milk", alice.nextDot()), "eggs", alice.nextDot()), start.context)
  const seenByAlice = await readCart(type, alice, key)
  const seenByBob = await readCart(type, bob, key)
  await write(type, alice, key, type.remove(seenByAlice.cart, "eggs"), seenByAlice.context)
  await write(type, bob, key, type.add(seenByBob.cart, "bread", bob.nextDot()), seenByBob.context)
  return mergeOutcome(type, alice, key)
}
