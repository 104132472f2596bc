// The peer handshake's checks (src/net/admission.ts, src/net/secret.ts) without processes: a
// wrong secret, a replayed or stale handshake, a node of another cluster, an unknown member of a
// fixed cluster, and an id the view places elsewhere are refused, each with its own reason; a
// peer with the secret is admitted and its address learnt.
import { describe, expect, test } from "vitest"
import { defaultProtocolConfig } from "../../src/core/config.ts"
import { foundingView } from "../../src/core/membership.ts"
import { RING_CONFIG_DEFAULT } from "../../src/core/ring.ts"
import { PeerAdmission } from "../../src/net/admission.ts"
import { clusterFingerprint, type NodeOptions } from "../../src/net/options.ts"
import { newNonce, signClaim, type ClusterSecret } from "../../src/net/secret.ts"

const secret: ClusterSecret = { cluster: "east", key: Buffer.alloc(32, 7) }
const other: ClusterSecret = { cluster: "east", key: Buffer.alloc(32, 8) }
const NOW = 1_800_000_000_000

const options = (overrides: Partial<NodeOptions> = {}): NodeOptions => ({
  id: "n1", host: "127.0.0.1", listen: "127.0.0.1", port: 7001, data: ":memory:", members: [],
  mode: { _tag: "Seeds", seeds: [{ host: "127.0.0.1", port: 7001 }], standby: false, waitMs: 1_000 },
  secret, config: defaultProtocolConfig, nGiven: false, ring: RING_CONFIG_DEFAULT, sync: "full", writer: "inline", record: undefined,
  ...overrides
})

const headers = (node: NodeOptions, from: string, key: ClusterSecret | undefined, extra: Record<string, string> = {}) => {
  const claim = { from, address: "127.0.0.1:7009", cluster: key?.cluster ?? "-", to: "n1", timestampMs: NOW, nonce: newNonce() }
  return {
    "x-dynamo-from": from, "x-dynamo-address": claim.address, "x-dynamo-cluster-name": claim.cluster, "x-dynamo-to": "n1",
    "x-dynamo-cluster": clusterFingerprint(node),
    ...(key === undefined ? {} : { "x-dynamo-time": String(NOW), "x-dynamo-nonce": claim.nonce, "x-dynamo-auth": signClaim(key, claim) }),
    ...extra
  }
}

describe("peer admission", () => {
  test("a peer proving the secret is admitted and its address learnt", () => {
    const node = options()
    const admission = new PeerAdmission(node, clusterFingerprint(node), () => NOW)
    expect(admission.admit(headers(node, "n9", secret), foundingView("n1"))).toEqual({ _tag: "Admitted", from: "n9", address: { host: "127.0.0.1", port: 7009 } })
  })

  // Catches: a handshake whose proof is not checked (anyone who knows the cluster's name joins).
  test("a wrong secret, no proof, a replay and a stale clock are refused, each saying why", () => {
    const node = options()
    const admission = new PeerAdmission(node, clusterFingerprint(node), () => NOW)
    const view = foundingView("n1")
    const wrong = admission.admit(headers(node, "n9", other), view)
    expect(wrong).toMatchObject({ _tag: "Refused", status: 401, reason: expect.stringMatching(/wrong cluster secret/) })
    const none = admission.admit(headers(node, "n9", undefined, { "x-dynamo-cluster-name": "east" }), view)
    expect(none).toMatchObject({ _tag: "Refused", status: 401, reason: expect.stringMatching(/no proof/) })
    const once = headers(node, "n9", secret)
    expect(admission.admit(once, view)._tag).toBe("Admitted")
    expect(admission.admit(once, view)).toMatchObject({ _tag: "Refused", reason: expect.stringMatching(/replayed/) })
    const late = new PeerAdmission(node, clusterFingerprint(node), () => NOW + 120_000)
    expect(late.admit(headers(node, "n9", secret), view)).toMatchObject({ _tag: "Refused", reason: expect.stringMatching(/more than 60000 ms/) })
  })

  test("a node of another cluster, or one expecting another node here, is refused", () => {
    const node = options()
    const admission = new PeerAdmission(node, clusterFingerprint(node), () => NOW)
    const view = foundingView("n1")
    expect(admission.admit(headers(node, "n9", { cluster: "west", key: secret.key }), view))
      .toMatchObject({ _tag: "Refused", status: 409, reason: expect.stringMatching(/belongs to cluster "west"; this is n1 of cluster "east"/) })
    expect(admission.admit(headers(node, "n9", secret, { "x-dynamo-to": "n4" }), view))
      .toMatchObject({ _tag: "Refused", status: 409, reason: expect.stringMatching(/serves n1, not n4/) })
  })

  test("an unknown member: not listed in a fixed cluster; without a secret, an id the view places elsewhere", () => {
    const fixed = options({ mode: { _tag: "Fixed" }, secret: undefined, members: [{ id: "n1", host: "127.0.0.1", port: 7001 }, { id: "n2", host: "127.0.0.1", port: 7002 }] })
    const admitFixed = new PeerAdmission(fixed, clusterFingerprint(fixed), () => NOW)
    expect(admitFixed.admit(headers(fixed, "n9", undefined), [])).toMatchObject({ _tag: "Refused", status: 403, reason: expect.stringMatching(/not a member/) })
    expect(admitFixed.admit(headers(fixed, "n2", undefined), [])._tag).toBe("Admitted")
    const open = options({ secret: undefined })
    const admitOpen = new PeerAdmission(open, clusterFingerprint(open), () => NOW)
    const view = [...foundingView("n1"), { id: "n9", status: "member" as const, capacity: 1, version: 2, address: "10.0.0.9:7009" }]
    expect(admitOpen.admit(headers(open, "n9", undefined), view)).toMatchObject({ _tag: "Refused", status: 403, reason: expect.stringMatching(/knows n9 at 10\.0\.0\.9:7009/) })
  })

  test("a refusal is logged once per peer and reason within the interval", () => {
    const node = options()
    let now = NOW
    const admission = new PeerAdmission(node, clusterFingerprint(node), () => now)
    const refusal = admission.admit(headers(node, "n9", other), foundingView("n1"))
    if (refusal._tag !== "Refused") throw new Error("expected a refusal")
    expect(admission.shouldLog(refusal)).toBe(true)
    expect(admission.shouldLog(refusal)).toBe(false)
    now += 31_000
    expect(admission.shouldLog(refusal)).toBe(true)
  })
})
