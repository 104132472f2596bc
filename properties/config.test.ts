// The protocol configuration's rules (src/core/config.ts), stated again here independently of
// validateProtocolConfig: a configuration a node would start with must be refused exactly when
// one rule fails, and the refusal names the rule. Catches: a bound off by one (R or W of 0 or
// N + 1 accepted, N above the member count, a request timeout equal to the replica timeout, which
// leaves no replacement round before the request gives up: mutant 81), or a hand-over knob
// (offers or keys in flight, resend ticks) of 0, negative or fractional accepted (issue 18: the
// Stryker survivors of those three checks).
import { fc, test } from "@fast-check/vitest"
import { describe, expect } from "vitest"
import { defaultProtocolConfig, validateProtocolConfig } from "../src/core/config.ts"

const configArb = fc.record({
  members: fc.integer({ min: 1, max: 6 }),
  n: fc.integer({ min: 0, max: 7 }),
  r: fc.integer({ min: 0, max: 7 }),
  w: fc.integer({ min: 0, max: 7 }),
  replicaTimeoutMs: fc.integer({ min: -1, max: 4 }).map((t) => t * 100),
  requestTimeoutMs: fc.integer({ min: 0, max: 5 }).map((t) => t * 100),
  orphansPerStepMax: fc.integer({ min: 0, max: 3 }),
  handoffOffersInFlightMax: fc.constantFrom(-1, 0, 1, 1.5, 4),
  handoffKeysInFlightMax: fc.constantFrom(-1, 0, 1, 2.5, 100),
  handoffResendTicks: fc.constantFrom(-1, 0, 1, 0.5, 3)
})
const positiveInteger = (x: number): boolean => Number.isSafeInteger(x) && x >= 1

describe("protocol configuration", () => {
  test.prop([configArb], { numRuns: 2_000 })("a configuration is refused exactly when a rule fails, naming it", (c) => {
    const config = {
      ...defaultProtocolConfig,
      n: c.n, r: c.r, w: c.w,
      replicaTimeoutMs: c.replicaTimeoutMs, requestTimeoutMs: c.requestTimeoutMs,
      orphansPerStepMax: c.orphansPerStepMax,
      handoffOffersInFlightMax: c.handoffOffersInFlightMax, handoffKeysInFlightMax: c.handoffKeysInFlightMax, handoffResendTicks: c.handoffResendTicks
    }
    const broken =
      c.n < 1 || c.n > c.members ? "N" :
      c.r < 1 || c.r > c.n ? "R" :
      c.w < 1 || c.w > c.n ? "W" :
      !positiveInteger(c.handoffOffersInFlightMax) ? "handoffOffersInFlightMax" :
      !positiveInteger(c.handoffKeysInFlightMax) ? "handoffKeysInFlightMax" :
      c.orphansPerStepMax < 1 ? "orphansPerStepMax" :
      !positiveInteger(c.handoffResendTicks) ? "handoffResendTicks" :
      !(0 < c.replicaTimeoutMs && c.replicaTimeoutMs < c.requestTimeoutMs) ? "timeouts" :
      undefined
    const error = validateProtocolConfig(config, c.members)
    if (broken === undefined) expect(error).toBeUndefined()
    else expect(error).toMatch(new RegExp(`^${broken}`))
  })

  // A rule's mutation (a bound off by one, a bad value accepted) shows only on a configuration
  // whose earlier rules all hold, and the generator above meets that rarely for the later rules:
  // per 2,000 runs about 5 with orphansPerStepMax = 0, 3 with each bad handoffResendTicks value,
  // under 1 at a timeout boundary. So each rule's boundary is also stated on its own, every other
  // rule valid: each case catches the check of its field dropped, or its bound moved by one (e.g.
  // `< 1` made `< 0` accepts the 0 case; `Number.isSafeInteger` dropped accepts the fractional one).
  test("each rule's boundary, every other rule valid", () => {
    const members = 5
    const valid = { ...defaultProtocolConfig, n: 3, r: 2, w: 2 }
    const refused: ReadonlyArray<readonly [keyof typeof valid, number, string]> = [
      ["n", 0, "N"], ["n", members + 1, "N"], ["n", 2.5, "N"],
      ["r", 0, "R"], ["r", 4, "R"], ["r", 1.5, "R"],
      ["w", 0, "W"], ["w", 4, "W"], ["w", 1.5, "W"],
      ["handoffOffersInFlightMax", 0, "handoffOffersInFlightMax"], ["handoffOffersInFlightMax", 1.5, "handoffOffersInFlightMax"],
      ["handoffKeysInFlightMax", 0, "handoffKeysInFlightMax"], ["handoffKeysInFlightMax", 2.5, "handoffKeysInFlightMax"],
      ["orphansPerStepMax", 0, "orphansPerStepMax"], ["orphansPerStepMax", 1.5, "orphansPerStepMax"],
      ["handoffResendTicks", 0, "handoffResendTicks"], ["handoffResendTicks", 0.5, "handoffResendTicks"], ["handoffResendTicks", -1, "handoffResendTicks"],
      // Above 1, so only the integer check refuses it (the generator's 0.5 is also below 1, and
      // no generated value catches that check dropped).
      ["handoffResendTicks", 1.5, "handoffResendTicks"]
    ]
    expect(validateProtocolConfig(valid, members)).toBeUndefined()
    for (const [field, value, rule] of refused) {
      expect(validateProtocolConfig({ ...valid, [field]: value }, members), `${field} = ${value}`).toMatch(new RegExp(`^${rule}`))
    }
    const accepted: ReadonlyArray<Partial<typeof valid>> = [
      { n: 1, r: 1, w: 1 }, { n: members }, { r: 1 }, { r: 3 }, { w: 1 }, { w: 3 },
      { handoffOffersInFlightMax: 1 }, { handoffKeysInFlightMax: 1 }, { orphansPerStepMax: 1 }, { handoffResendTicks: 1 }
    ]
    for (const change of accepted) {
      expect(validateProtocolConfig({ ...valid, ...change }, members), JSON.stringify(change)).toBeUndefined()
    }
  })

  // The generated configurations above reach a timeout boundary with every other rule valid only
  // rarely (a few in 10,000), so the boundaries are also stated one by one: each catches a
  // comparison off by one (mutant 81 accepts a request timeout equal to the replica timeout).
  test("the timeouts' boundaries, every other rule valid", () => {
    const withTimeouts = (replicaTimeoutMs: number, requestTimeoutMs: number) =>
      validateProtocolConfig({ ...defaultProtocolConfig, replicaTimeoutMs, requestTimeoutMs }, defaultProtocolConfig.n)
    expect(withTimeouts(300, 300)).toMatch(/^timeouts/)
    expect(withTimeouts(300, 299)).toMatch(/^timeouts/)
    expect(withTimeouts(0, 300)).toMatch(/^timeouts/)
    expect(withTimeouts(300, 301)).toBeUndefined()
    expect(withTimeouts(1, 2)).toBeUndefined()
  })
})
