// Two shopping carts as values of one key, each with its own merge of siblings: the paper's
// example (section 4.4: "an add to cart operation can never be forgotten ... deleted items can
// resurface"). A union of items resurrects an item removed in one sibling; an observed-remove set
// (OR-set), whose adds carry unique ids (dots) and whose removes record the dots they saw, does not.
import { Schema } from "effect"
import type { Resolver } from "dynamo-reference/client"

/** A cart type: how a cart is stored as a value, changed, read, and how siblings merge. */
export interface CartType<Cart> {
  readonly name: string
  readonly empty: Cart
  /** `dot`: an id no other add of any client ever uses (the OR-set needs it; the union ignores it). */
  readonly add: (cart: Cart, item: string, dot: string) => Cart
  readonly remove: (cart: Cart, item: string) => Cart
  /** The items in the cart, sorted. */
  readonly items: (cart: Cart) => ReadonlyArray<string>
  readonly encode: (cart: Cart) => string
  readonly decode: (value: string) => Cart
  /** Siblings (encoded carts) in, one encoded cart out. */
  readonly merge: Resolver
}

const sorted = (values: Iterable<string>): Array<string> => [...new Set(values)].sort()

// ---- the union cart: the paper's merge, and its anomaly -----------------------------------

const UnionCartSchema = Schema.fromJsonString(Schema.Struct({ items: Schema.Array(Schema.String) }))
const decodeUnion = Schema.decodeUnknownSync(UnionCartSchema)

export interface UnionCart {
  readonly items: ReadonlyArray<string>
}

/** A set of items; siblings merge by union, so an add is never lost, and neither is a removed item. */
export const unionCart: CartType<UnionCart> = {
  name: "union",
  empty: { items: [] },
  add: (cart, item) => ({ items: sorted([...cart.items, item]) }),
  remove: (cart, item) => ({ items: cart.items.filter((held) => held !== item) }),
  items: (cart) => cart.items,
  encode: (cart) => JSON.stringify({ items: cart.items }),
  decode: (value) => decodeUnion(value),
  merge: (siblings) => JSON.stringify({ items: sorted(siblings.flatMap((sibling) => decodeUnion(sibling).items)) })
}

// ---- the observed-remove set: adds carry dots, removes tombstone the dots they saw ----------

const OrSetCartSchema = Schema.fromJsonString(Schema.Struct({
  /** item -> the dots of the adds that put it in the cart. */
  adds: Schema.Record(Schema.String, Schema.Array(Schema.String)),
  /** Dots of adds a remove has seen: those adds no longer count. */
  removed: Schema.Array(Schema.String)
}))
const decodeOrSet = Schema.decodeUnknownSync(OrSetCartSchema)

export interface OrSetCart {
  readonly adds: Readonly<Record<string, ReadonlyArray<string>>>
  readonly removed: ReadonlyArray<string>
}

const orSetItems = (cart: OrSetCart): ReadonlyArray<string> => {
  const removed = new Set(cart.removed)
  return Object.keys(cart.adds).filter((item) => cart.adds[item]!.some((dot) => !removed.has(dot))).sort()
}

const mergeOrSets = (carts: ReadonlyArray<OrSetCart>): OrSetCart => {
  const adds = new Map<string, Array<string>>()
  for (const cart of carts) for (const [item, dots] of Object.entries(cart.adds)) adds.set(item, [...(adds.get(item) ?? []), ...dots])
  const items = [...adds.keys()].sort()
  return { adds: Object.fromEntries(items.map((item) => [item, sorted(adds.get(item)!)])), removed: sorted(carts.flatMap((cart) => cart.removed)) }
}

/**
 * An OR-set: an item is in the cart while some add of it is not removed. A remove tombstones the
 * dots it observed, so a concurrent sibling that still holds the item (with the same dots) does
 * not bring it back; an add concurrent with the remove has a new dot, so it wins. Tombstones are
 * kept for ever here (collecting them safely needs to know every replica has seen the remove).
 */
export const orSetCart: CartType<OrSetCart> = {
  name: "or-set",
  empty: { adds: {}, removed: [] },
  add: (cart, item, dot) => mergeOrSets([cart, { adds: { [item]: [dot] }, removed: [] }]),
  remove: (cart, item) => mergeOrSets([cart, { adds: {}, removed: cart.adds[item] ?? [] }]),
  items: orSetItems,
  encode: (cart) => JSON.stringify(cart),
  decode: (value) => decodeOrSet(value),
  merge: (siblings) => JSON.stringify(mergeOrSets(siblings.map((sibling) => decodeOrSet(sibling))))
}

/** Unique ids for one client's adds: a client id (unique per client) and a counter. */
export const dotSource = (clientId: string) => {
  let counter = 0
  return () => `${clientId}.${++counter}`
}
