// The carts' merges as pure functions (examples/shopping-cart/cart.ts): a merge of siblings must
// not depend on their order or on duplicates (the cluster returns siblings in any order, and a
// retried write can make a value a sibling of itself); the OR-set keeps a removed item out unless
// an add the remove did not see puts it back (add wins).
import { fc, test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { orSetCart, unionCart, type CartType } from "../../examples/shopping-cart/cart.ts"

const ITEMS = ["milk", "eggs", "bread", "tea"] as const
type Op = { readonly kind: "add" | "remove"; readonly item: string }
const opArb = fc.record({ kind: fc.constantFrom("add" as const, "remove" as const), item: fc.constantFrom(...ITEMS) })

/** A replica's cart after `ops`, its adds' dots unique per replica (`prefix`). */
const applyOps = <Cart>(type: CartType<Cart>, start: Cart, ops: ReadonlyArray<Op>, prefix: string): Cart => {
  let counter = 0
  return ops.reduce((cart, op) => (op.kind === "add" ? type.add(cart, op.item, `${prefix}.${++counter}`) : type.remove(cart, op.item)), start)
}

describe.each([unionCart, orSetCart] as ReadonlyArray<CartType<any>>)("$name merge", (type) => {
  // Catches: a merge that keeps only the first sibling, or depends on their order.
  test.prop([fc.array(fc.array(opArb, { maxLength: 6 }), { minLength: 1, maxLength: 4 })])("is commutative and idempotent over siblings", (histories) => {
    const siblings = histories.map((ops, i) => type.encode(applyOps(type, type.empty, ops, `r${i}`)))
    const merged = type.items(type.decode(type.merge(siblings)))
    expect(type.items(type.decode(type.merge([...siblings].reverse())))).toEqual(merged)
    expect(type.items(type.decode(type.merge([...siblings, ...siblings])))).toEqual(merged)
    expect(type.items(type.decode(type.merge([type.merge(siblings)])))).toEqual(merged)
  })
})

describe("or-set", () => {
  // Catches: a remove that deletes the item without tombstoning its dots (a union in disguise).
  test.prop([fc.array(opArb, { maxLength: 6 }), fc.array(opArb, { maxLength: 6 }), fc.constantFrom(...ITEMS)])(
    "an item removed on one side stays removed unless the other side added it again",
    (common, others, item) => {
      const start = applyOps(orSetCart, orSetCart.empty, [...common, { kind: "add", item }], "base")
      const removedHere = orSetCart.remove(start, item)
      const there = applyOps(orSetCart, start, others, "there")
      const merged = orSetCart.items(orSetCart.decode(orSetCart.merge([orSetCart.encode(removedHere), orSetCart.encode(there)])))
      // Present after the merge exactly when the other side's last word on it was a new add (a
      // dot the remove here did not see); never because the other side merely still held it.
      const lastThere = [...others].reverse().find((op) => op.item === item)
      expect(merged.includes(item)).toBe(lastThere?.kind === "add")
    }
  )
})
