// Zones in a node's flags (src/net/options.ts, src/net/zone-delay.ts): `--zone`, `--peers
// ID=HOST:PORT@ZONE`, `--zone-delay-ms Z=MS,...`; bad input gets an error naming what is wrong,
// and the zones are part of the cluster fingerprint only when given (old clusters keep theirs).
import { describe, expect, test } from "vitest"
import type { PeerMessage } from "../../src/core/messages.ts"
import { clusterFingerprint, nodeOptionsOf, parsePeers, type NodeFlags, type NodeOptions } from "../../src/net/options.ts"
import { delayedLinks, parseZoneDelays } from "../../src/net/zone-delay.ts"

const flags: NodeFlags = {
  id: "n1", host: "127.0.0.1", port: 7001, data: ":memory:", peers: "n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003",
  n: 3, r: 2, w: 2, sync: "full", record: undefined
}
const optionsOf = (over: Partial<NodeFlags>): NodeOptions => {
  const options = nodeOptionsOf({ ...flags, ...over })
  if (typeof options === "string") throw new Error(options)
  return options
}

describe("zone flags", () => {
  // Mutations caught: a zone suffix dropped by the parser (members without zones); a zone name
  // not validated (a space or an empty name accepted); the node's own --zone ignored or allowed
  // to contradict --peers; zones left out of the fingerprint (two nodes with different zone maps
  // would compute different preference lists and still talk).
  test("--peers carries each member's zone; --zone must agree; bad names are refused by name", () => {
    expect(parsePeers("n1=127.0.0.1:7001@z1,n2=127.0.0.1:7002")).toEqual([
      { id: "n1", host: "127.0.0.1", port: 7001, zone: "z1" }, { id: "n2", host: "127.0.0.1", port: 7002 }
    ])
    expect(parsePeers("n1=127.0.0.1:7001@")).toMatch(/not ID=HOST:PORT/)
    expect(parsePeers("n1=127.0.0.1:7001@bad zone")).toMatch(/zone "bad zone"/)
    const zoned = "n1=127.0.0.1:7001@z1,n2=127.0.0.1:7002@z2,n3=127.0.0.1:7003@z1"
    expect(optionsOf({ peers: zoned, zone: "z1" }).members.map((m) => m.zone)).toEqual(["z1", "z2", "z1"])
    expect(nodeOptionsOf({ ...flags, peers: zoned, zone: "z2" })).toMatch(/--peers puts n1 in zone z1 but --zone is z2/)
    expect(nodeOptionsOf({ ...flags, zone: "-z" })).toMatch(/^--zone: /)
    const plain = clusterFingerprint(optionsOf({}))
    expect(clusterFingerprint(optionsOf({ peers: "n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003" }))).toBe(plain)
    expect(clusterFingerprint(optionsOf({ peers: zoned, zone: "z1" }))).not.toBe(plain)
  })

  // Mutations caught: a delay applied to every peer (or to none); a delayed message sent but not
  // flushed (it would sit in the link's batch until the next unrelated flush); messages to one
  // peer reordered.
  test("--zone-delay-ms: parsed by zone; only messages to a delayed zone wait, in order, then flush", async () => {
    expect(parseZoneDelays("z2=20,z3=80")).toEqual(new Map([["z2", 20], ["z3", 80]]))
    expect(parseZoneDelays("z2=20,z2=30")).toMatch(/twice/)
    expect(parseZoneDelays("z2")).toMatch(/not ZONE=MS/)
    expect(parseZoneDelays("z2=99999")).toMatch(/at most/)
    const log: Array<string> = []
    const links = delayedLinks({ send: (to, m) => log.push(`send ${to} ${m._tag}`), flush: () => log.push("flush") },
      new Map([["z2", 30]]), (peer) => ({ a: "z1", b: "z2" } as Record<string, string>)[peer])
    const message = (tag: string) => ({ _tag: tag }) as unknown as PeerMessage
    links.send("a", message("First"))
    links.send("b", message("Second"))
    links.send("b", message("Third"))
    expect(log).toEqual(["send a First"])
    await new Promise((done) => setTimeout(done, 60))
    expect(log).toEqual(["send a First", "send b Second", "flush", "send b Third", "flush"])
  })
})
