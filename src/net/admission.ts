// Who may open a peer stream to this node: the checks of the peer handshake, in order, each
// refusal with an HTTP status, a reason the connecting node logs, and a line this node logs. The
// refusing node keeps serving; refusals of the same peer for the same reason are logged at most
// once per REFUSAL_LOG_INTERVAL_MS (a refused peer retries every second).
import { entryOf, type MembershipView } from "../core/index.ts"
import type { NodeOptions } from "./options.ts"
import { NODE_ID_PATTERN } from "./options.ts"
import { HandshakeVerifier } from "./secret.ts"
import { HEADER_ADDRESS, HEADER_AUTH, HEADER_CLUSTER, HEADER_CLUSTER_NAME, HEADER_FROM, HEADER_NONCE, HEADER_TIME, HEADER_TO } from "./wire.ts"

/** A refused peer's retries are logged again after this long. */
export const REFUSAL_LOG_INTERVAL_MS = 30_000
/** The cluster name a node without a secret file uses. */
export const CLUSTER_NAME_NONE = "-"

export type Admission =
  | { readonly _tag: "Admitted"; readonly from: string; readonly address: { readonly host: string; readonly port: number } | undefined }
  | { readonly _tag: "Refused"; readonly status: number; readonly reason: string; readonly log: string; readonly from: string }

const refused = (status: number, from: string, log: string, reason: string): Admission => ({ _tag: "Refused", status, reason, log, from })

const parseAddress = (text: string): { readonly host: string; readonly port: number } | undefined => {
  const match = /^(.+):(\d{1,5})$/.exec(text)
  if (match === null) return undefined
  const port = Number(match[2])
  return port >= 1 && port <= 65535 ? { host: match[1]!, port } : undefined
}

export class PeerAdmission {
  private readonly verifier: HandshakeVerifier | undefined
  private readonly lastLogged = new Map<string, number>()

  constructor(private readonly options: NodeOptions, private readonly fingerprint: string, private readonly now: () => number = Date.now) {
    this.verifier = options.secret === undefined ? undefined : new HandshakeVerifier(options.secret, now)
  }

  get clusterName(): string {
    return this.options.secret?.cluster ?? CLUSTER_NAME_NONE
  }

  /** Decides on a handshake's headers, given this node's current view. */
  admit(headers: Readonly<Record<string, string | undefined>>, view: MembershipView): Admission {
    const self = this.options.id
    const from = headers[HEADER_FROM] ?? ""
    if (!NODE_ID_PATTERN.test(from) || from === self) return refused(403, from, "refused a peer connection with a bad node id", `${JSON.stringify(from)} is not a peer's node id`)
    const name = headers[HEADER_CLUSTER_NAME] ?? CLUSTER_NAME_NONE
    if (name !== this.clusterName) {
      return refused(409, from, "refused a node from another cluster", `${from} belongs to cluster ${JSON.stringify(name)}; this is ${self} of cluster ${JSON.stringify(this.clusterName)}`)
    }
    const to = headers[HEADER_TO]
    if (to !== undefined && to !== self) return refused(409, from, "refused a peer that expected another node at this address", `this address serves ${self}, not ${to}`)
    if (this.verifier !== undefined) {
      const proof = headers[HEADER_AUTH]
      if (proof === undefined) return refused(401, from, "refused a peer without the cluster secret", `the handshake carries no proof of cluster ${this.clusterName}'s secret`)
      const claim = {
        from, address: headers[HEADER_ADDRESS] ?? "", cluster: name, to: to ?? "",
        timestampMs: Number(headers[HEADER_TIME] ?? NaN), nonce: headers[HEADER_NONCE] ?? ""
      }
      const problem = this.verifier.verify(claim, proof)
      if (problem !== undefined) return refused(401, from, "refused a peer that does not know the cluster secret", problem)
    }
    if (headers[HEADER_CLUSTER] !== this.fingerprint) {
      return refused(409, from, "refused a peer whose cluster configuration differs (members, ring or N)", `cluster configuration differs from ${self}'s (check --peers or --seeds and --n on every node)`)
    }
    const address = parseAddress(headers[HEADER_ADDRESS] ?? "")
    if (this.options.mode._tag === "Fixed") {
      if (!this.options.members.some((member) => member.id === from)) {
        return refused(403, from, "refused a peer connection from an unknown node", `${JSON.stringify(from)} is not a member of this cluster`)
      }
      return { _tag: "Admitted", from, address: undefined }
    }
    // With seeds anyone holding the secret may join, and a member proven by it may move to a new
    // address (its join announces it). Without a secret the address is all there is to go on: an
    // id the view places elsewhere is not that member (a stale process, a copied data directory).
    const entry = entryOf(view, from)
    const claimed = headers[HEADER_ADDRESS]
    if (this.verifier === undefined && entry?.address !== undefined && claimed !== undefined && entry.address !== claimed && entry.status !== "left") {
      return refused(403, from, "refused an unknown member: its id is another node's", `the cluster knows ${from} at ${entry.address}, not ${claimed}`)
    }
    return { _tag: "Admitted", from, address }
  }

  /** Whether to log this refusal now (the first time, then every REFUSAL_LOG_INTERVAL_MS). */
  shouldLog(refusal: Extract<Admission, { _tag: "Refused" }>): boolean {
    const key = `${refusal.from}\n${refusal.log}`
    const now = this.now()
    const last = this.lastLogged.get(key)
    if (last !== undefined && now - last < REFUSAL_LOG_INTERVAL_MS) return false
    if (this.lastLogged.size > 1_000) this.lastLogged.clear()
    this.lastLogged.set(key, now)
    return true
  }
}
