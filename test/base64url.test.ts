// The context's base64url layer (src/core/base64url.ts) against Effect's codec, which defines it:
// the platform's btoa and atob take ASCII text, and must give Effect's bytes and refuse what it
// refuses, on any input.
import { fc, test } from "@fast-check/vitest"
import { Base64Url } from "effect/encoding"
import { describe, expect, test as unitTest } from "vitest"
import { base64UrlOf, textOfBase64Url } from "../src/core/base64url.ts"

/** Characters a base64url string is made of, those near it, and some far from it. */
const nearBase64 = fc.string({ unit: fc.constantFrom(..."AQZagz09-_+/= \n\u00e9\u2713"), maxLength: 24 })

describe("base64url: the platform's codec where Effect's would give the same", () => {
  // Catches an alphabet left standard ('+', '/'), padding kept, or a non-ASCII text given to btoa
  // (which would encode its Latin-1 code units, not its UTF-8 bytes, or throw).
  test.prop([fc.oneof(fc.string({ unit: "binary-ascii", maxLength: 64 }), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }))])(
    "encodes every text as Effect's encoder does",
    (text) => {
      expect(base64UrlOf(text)).toBe(Base64Url.encode(text))
    }
  )

  // Catches a string atob accepts and Effect refuses passed through (padding of the wrong length,
  // spaces, the standard alphabet), an unpadded length of 4k+1 accepted, and multi-byte text read
  // as Latin-1: each gives a text, or a success, Effect's decoder does not.
  test.prop([fc.oneof(nearBase64, fc.string({ unit: "grapheme" }).map((text) => Base64Url.encode(text)))])(
    "decodes every string as Effect's decoder does, its refusals included",
    (text) => {
      const fast = textOfBase64Url(text)
      const effect = Base64Url.decodeString(text)
      expect(fast._tag).toBe(effect._tag)
      if (fast._tag === "Success" && effect._tag === "Success") expect(fast.success).toBe(effect.success)
      if (fast._tag === "Failure" && effect._tag === "Failure") expect(fast.failure.message).toBe(effect.failure.message)
    }
  )

  unitTest("a context's JSON round-trips, and what is not base64url is refused in Effect's words", () => {
    const json = '[{"node":"n1","counter":3,"time":1700000000000}]'
    expect(base64UrlOf(json)).not.toMatch(/[+/=]/)
    // Bytes whose base64 has '+' and '/' in it: base64url writes '-' and '_'.
    expect(base64UrlOf("~~~???")).toBe("fn5-Pz8_")
    const decoded = textOfBase64Url(base64UrlOf(json))
    expect(decoded._tag === "Success" && decoded.success).toBe(json)
    for (const bad of ["Q", "QQ=", "Q Q", "%%%"]) expect(textOfBase64Url(bad)._tag, bad).toBe("Failure")
  })
})
