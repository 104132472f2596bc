// Peer authentication: a cluster's name and secret, kept in a file (`--secret-file`, written by
// `dynamo cluster`), and the proofs the peer handshake carries. A connecting node proves it knows
// the secret with an HMAC over its id, its address, the cluster, the receiver, a timestamp and a
// nonce; the receiver answers with an HMAC over the nonce, so each side knows the other holds the
// secret. The stream itself is not encrypted: run clusters on a private network (or a tunnel).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { Result, Schema } from "effect"
import { Buffer } from "node:buffer"

/** A handshake whose timestamp is further than this from the receiver's clock is refused. */
export const AUTH_CLOCK_SKEW_MS_MAX = 60_000
/** Nonces remembered to refuse a replayed handshake (older ones are past the skew window). */
export const AUTH_NONCES_REMEMBERED_MAX = 4_096
/** Bytes of a generated secret. */
export const SECRET_BYTES = 32
/** A cluster name: what a peer from another cluster is told it is not part of. */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export interface ClusterSecret {
  readonly cluster: string
  readonly key: Buffer
}

const SecretFileSchema = Schema.Struct({
  cluster: Schema.String.check(Schema.makeFilter((name: string) => CLUSTER_NAME_PATTERN.test(name) ? undefined : "letters, digits, . _ -, at most 64")),
  secret: Schema.String.check(Schema.makeFilter((hex: string) => /^[0-9a-f]{32,}$/.test(hex) ? undefined : "at least 32 lowercase hex digits"))
})
const decodeSecretFile = Schema.decodeUnknownResult(Schema.fromJsonString(SecretFileSchema))

/** The secret file's content, or the problem (naming the file). */
export const readSecretFile = (path: string): ClusterSecret | string => {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (error) {
    return `cannot read the secret file ${path}: ${(error as Error).message}`
  }
  const decoded = decodeSecretFile(text.trim())
  if (Result.isFailure(decoded)) return `${path} is not a cluster secret file ({"cluster": NAME, "secret": HEX}): ${decoded.failure.message.replace(/\s+/g, " ").slice(0, 300)}`
  return { cluster: decoded.success.cluster, key: Buffer.from(decoded.success.secret, "hex") }
}

/** Writes a new secret file (mode 0600) for cluster `name` unless one exists; returns its secret. */
export const ensureSecretFile = (path: string, name: string): ClusterSecret | string => {
  if (existsSync(path)) return readSecretFile(path)
  const secret = randomBytes(SECRET_BYTES)
  writeFileSync(path, JSON.stringify({ cluster: name, secret: secret.toString("hex") }) + "\n", { mode: 0o600 })
  return { cluster: name, key: secret }
}

/** A fresh cluster name: `dynamo-` and 8 hex digits. */
export const newClusterName = (): string => `dynamo-${randomBytes(4).toString("hex")}`

/** What a connecting node signs: everything the receiver decides on. */
export interface HandshakeClaim {
  readonly from: string
  readonly address: string
  readonly cluster: string
  readonly to: string
  readonly timestampMs: number
  readonly nonce: string
}

const mac = (key: Buffer, text: string): string => createHmac("sha256", key).update(text).digest("hex")

// "dynamo-peer/1 request" and "dynamo-peer/1 answer" below name what a MAC signs (a claim, an
// answer), so neither can stand for the other; they are not the wire's version, which the
// upgrade header carries (wire.ts PEER_PROTOCOL), and stay as they are when it changes.
const claimText = (claim: HandshakeClaim): string =>
  ["dynamo-peer/1 request", claim.from, claim.address, claim.cluster, claim.to, String(claim.timestampMs), claim.nonce].join("\n")

export const signClaim = (secret: ClusterSecret, claim: HandshakeClaim): string => mac(secret.key, claimText(claim))

/** The receiver's proof that it knows the secret too: over the connector's nonce and its own id. */
export const signAnswer = (secret: ClusterSecret, nonce: string, self: string): string =>
  mac(secret.key, ["dynamo-peer/1 answer", nonce, self].join("\n"))

const sameHex = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))

export const newNonce = (): string => randomBytes(16).toString("hex")

/** Checks handshakes: the proof, the clock, and that no nonce is used twice. */
export class HandshakeVerifier {
  private readonly seen = new Set<string>()

  constructor(private readonly secret: ClusterSecret, private readonly now: () => number = Date.now) {}

  /** undefined when the claim is proven; otherwise why not. */
  verify(claim: HandshakeClaim, proof: string): string | undefined {
    if (!sameHex(proof, signClaim(this.secret, claim))) return "wrong cluster secret (the handshake's proof does not match)"
    if (Math.abs(this.now() - claim.timestampMs) > AUTH_CLOCK_SKEW_MS_MAX) {
      return `handshake timestamp ${claim.timestampMs} is more than ${AUTH_CLOCK_SKEW_MS_MAX} ms from this node's clock`
    }
    if (this.seen.has(claim.nonce)) return "replayed handshake (nonce already used)"
    if (this.seen.size >= AUTH_NONCES_REMEMBERED_MAX) this.seen.clear()
    this.seen.add(claim.nonce)
    return undefined
  }

  answerMatches(nonce: string, peer: string, proof: string): boolean {
    return sameHex(proof, signAnswer(this.secret, nonce, peer))
  }
}
