// MD5 for the ring (paper 4.2: "Dynamo applies a MD5 hash on the key to generate a 128-bit
// identifier"). The only platform function the pure core uses: deterministic, no I/O, no clock.
import { createHash } from "node:crypto"

/** Bits in an MD5 digest, and so in a ring position. */
export const HASH_BITS = 128

/** MD5 of `text` (UTF-8) as 32 lowercase hex digits. */
export function md5Hex(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex")
}

/**
 * The 128-bit ring position of a key: its MD5 read as an unsigned big-endian integer.
 * @example keyPosition("") === 0xd41d8cd98f00b204e9800998ecf8427en
 */
export function keyPosition(key: string): bigint {
  return BigInt(`0x${md5Hex(key)}`)
}

/** The first 32 bits of the MD5 of `text`, as an unsigned integer: a seed for cheap mixing. */
export function hash32(text: string): number {
  return createHash("md5").update(text, "utf8").digest().readUInt32BE(0)
}
