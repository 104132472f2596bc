// `npx tsx examples/shopping-cart/run.ts [--node URL]`: the shopping-cart stories on a real
// cluster (a local 3-node one it starts and stops, or the cluster at URL), with both carts: the
// union merge keeps concurrent adds but resurrects a removed item; the OR-set merge does not.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Client } from "dynamo-reference/client"
import { LocalCluster } from "../../src/net/cluster.ts"
import { dotSource, orSetCart, unionCart, type CartType } from "./cart.ts"
import { concurrentAdds, removeWhileAdding, type Shopper, type StoryOutcome } from "./stories.ts"

const flagIndex = process.argv.indexOf("--node")
const given = flagIndex === -1 ? undefined : process.argv[flagIndex + 1]
if (flagIndex !== -1 && (given === undefined || !/^https?:\/\/[^/\s]+\/?$/.test(given))) {
  console.error("--node must be a URL like http://127.0.0.1:7001")
  process.exit(2)
}

const show = (outcome: StoryOutcome) =>
  `siblings ${outcome.siblings.map((items) => `[${items.join(", ")}]`).join(" and ")} -> merged [${outcome.merged.join(", ")}] (${outcome.valuesAfterMerge} value after the merge)`

const dir = given === undefined ? mkdtempSync(join(tmpdir(), "dynamo-cart-")) : undefined
const cluster = dir === undefined ? undefined : await LocalCluster.start({ nodes: 3, dataDir: dir, memory: true })
const entry = given ?? cluster!.node("n1").url
// Alice's client learns the ring and asks a replica; Bob's goes through one node, which forwards.
const alice: Shopper = { name: "alice", client: await Client.connect({ nodes: [entry] }), nextDot: dotSource(`alice-${process.pid}`) }
const bobNode = cluster === undefined ? entry : cluster.node("n3").url
const bob: Shopper = { name: "bob", client: await Client.connect({ nodes: [bobNode], coordination: "server" }), nextDot: dotSource(`bob-${process.pid}`) }
const run = `${Date.now()}`
try {
  console.log(`cluster: ${cluster === undefined ? entry : `3 local nodes (${cluster.nodes.map((node) => node.url).join(", ")})`}`)
  for (const type of [unionCart, orSetCart] as ReadonlyArray<CartType<any>>) {
    console.log(`\n${type.name} cart`)
    console.log(`  1. Alice adds milk while Bob adds eggs:     ${show(await concurrentAdds(type, alice, bob, `cart:${type.name}:adds:${run}`))}`)
    console.log(`  2. Alice removes eggs while Bob adds bread: ${show(await removeWhileAdding(type, alice, bob, `cart:${type.name}:remove:${run}`))}`)
  }
  console.log("\nThe union merge brings the removed eggs back (the paper's anomaly, section 4.4); the OR-set merge does not:")
  console.log("its remove tombstoned the dots of the adds it saw, and Bob's sibling holds no add of eggs the remove did not see.")
} finally {
  await alice.client.close()
  await bob.client.close()
  if (cluster !== undefined) await cluster.stop()
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
}
