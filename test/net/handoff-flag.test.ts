// `--handoff-keys-in-flight` (src/net/options.ts): how many keys a node sends at once when the ring
// changes. Mutations caught: the flag parsed but not passed to the protocol's config (the
// hand-over keeps the default window); a zero, negative or fractional window accepted, or refused
// without naming the flag.
import { describe, expect, test } from "vitest"
import { nodeOptionsOf, SHELL_HANDOFF_KEYS_IN_FLIGHT_MAX, type NodeFlags } from "../../src/net/options.ts"

const flags: NodeFlags = {
  id: "n1", host: "127.0.0.1", port: 7001, data: ":memory:", peers: "n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003",
  n: 3, r: 2, w: 2, sync: "full", record: undefined
}

describe("--handoff-keys-in-flight", () => {
  test("sets the hand-over's key window; the default is the shell's", () => {
    const given = nodeOptionsOf({ ...flags, handoffKeysInFlight: 8 })
    const plain = nodeOptionsOf(flags)
    if (typeof given === "string" || typeof plain === "string") throw new Error(String(given) + String(plain))
    expect(given.config.handoffKeysInFlightMax).toBe(8)
    expect(plain.config.handoffKeysInFlightMax).toBe(SHELL_HANDOFF_KEYS_IN_FLIGHT_MAX)
  })

  test("a window that is not a positive integer is refused by the flag's name", () => {
    for (const bad of [0, -1, 1.5]) {
      expect(nodeOptionsOf({ ...flags, handoffKeysInFlight: bad })).toBe(`--handoff-keys-in-flight must be a positive integer, got ${bad}`)
    }
  })
})
