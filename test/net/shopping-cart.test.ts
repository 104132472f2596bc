// The shopping cart of examples/shopping-cart on a real 3-node cluster, through the client
// library: concurrent adds become siblings and a union keeps both; the paper's anomaly (a removed
// item comes back after a union merge); and the OR-set merge, under which it stays removed.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Client } from "dynamo-reference/client"
import { dotSource, orSetCart, unionCart, type CartType } from "../../examples/shopping-cart/cart.ts"
import { concurrentAdds, removeWhileAdding, type Shopper, type StoryOutcome } from "../../examples/shopping-cart/stories.ts"
import { startCluster } from "./harness.ts"

/**
 * The property the cart needs: after "Alice removes eggs while Bob adds bread", the merged cart
 * holds Bob's bread and not the eggs. Applied to the union merge below it fails, which shows it
 * would catch the resurrecting merge.
 */
const expectEggsStayRemoved = (outcome: StoryOutcome) => {
  expect(outcome.merged).toContain("bread")
  expect(outcome.merged).not.toContain("eggs")
}

describe("the shopping cart (3 nodes, N=3 R=2 W=2)", () => {
  let env: Awaited<ReturnType<typeof startCluster>>
  let alice: Shopper
  let bob: Shopper
  beforeAll(async () => {
    env = await startCluster("cart", { nodes: 3, memory: true })
    // Two clients: Alice's learns the ring, Bob's goes through n3 (server-driven).
    alice = { name: "alice", client: await Client.connect({ nodes: [env.url("n1")] }), nextDot: dotSource("alice") }
    bob = { name: "bob", client: await Client.connect({ nodes: [env.url("n3")], coordination: "server" }), nextDot: dotSource("bob") }
  })
  afterAll(async () => {
    await alice?.client.close()
    await bob?.client.close()
    env?.cleanup()
  })

  // Catches: a client or cluster that lets one concurrent add replace the other (no siblings),
  // or a merge written without the siblings' context (they would stay).
  test.each([unionCart, orSetCart] as ReadonlyArray<CartType<any>>)("$name: concurrent adds from two clients become siblings, and the merge keeps both", async (type) => {
    const outcome = await concurrentAdds(type, alice, bob, `adds:${type.name}`)
    expect(outcome.siblings).toEqual([["eggs"], ["milk"]])
    expect(outcome.merged).toEqual(["eggs", "milk"])
    expect(outcome.valuesAfterMerge).toBe(1)
  })

  test("union: an item removed in one sibling and present in the other comes back (the paper's anomaly)", async () => {
    const outcome = await removeWhileAdding(unionCart, alice, bob, "remove:union")
    expect(outcome.siblings).toEqual([["bread", "eggs", "milk"], ["milk"]])
    expect(outcome.merged).toEqual(["bread", "eggs", "milk"])
    expect(() => expectEggsStayRemoved(outcome)).toThrow()
  })

  // Catches: the resurrecting (union) merge used for the cart, or an OR-set whose remove does not
  // tombstone the dots it saw.
  test("OR-set: the removed item stays removed, and the concurrent add is kept", async () => {
    const outcome = await removeWhileAdding(orSetCart, alice, bob, "remove:or-set")
    expect(outcome.siblings).toEqual([["bread", "eggs", "milk"], ["milk"]])
    expectEggsStayRemoved(outcome)
    expect(outcome.merged).toEqual(["bread", "milk"])
    expect(outcome.valuesAfterMerge).toBe(1)
  })
})
