// MD5 for the ring (paper 4.2: "Dynamo applies a MD5 hash on the key to generate a 128-bit
// identifier"), and SHA-256 for the Merkle trees' key hashes. The only platform function the
// pure core uses: deterministic, no I/O, no clock.
import { hash } from "node:crypto"

/** Bits in an MD5 digest, and so in a ring position. */
export const HASH_BITS = 128

/** MD5 of `text` (UTF-8) as 32 lowercase hex digits. */
export function md5Hex(text: string): string {
  // The one-shot form: no Hash object per call, about twice as fast on short texts.
  return hash("md5", text, "hex")
}

/**
 * The 128-bit ring position of a key: its MD5 read as an unsigned big-endian integer.
 * @example keyPosition("") === 0xd41d8cd98f00b204e9800998ecf8427en
 */
export function keyPosition(key: string): bigint {
  return BigInt(`0x${md5Hex(key)}`)
}

/**
 * The first 128 bits of the SHA-256 of `text` (UTF-8), as an unsigned big-endian integer: a
 * Merkle leaf's key hash (merkle-hash.ts). Not MD5: the paper fixes MD5 for ring positions only,
 * and on a key's text of about a kilobyte SHA-256 costs about half of MD5 here (1.0 against 1.8
 * µs: the processor's SHA extensions); every version anti-entropy compares is hashed once.
 */
export function digest128(text: string): bigint {
  return BigInt(`0x${hash("sha256", text, "hex").slice(0, 32)}`)
}

/** The first 32 bits of the MD5 of `text`, as an unsigned integer: a seed for cheap mixing. */
export function hash32(text: string): number {
  return hash("md5", text, "buffer").readUInt32BE(0)
}
