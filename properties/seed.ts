// One fixed fast-check seed for every property of a test run, so `npm test` has one outcome: the
// same seed finds the same schedules every time. DYNAMO_FC_SEED=N picks another seed (the soak,
// `npm run soak`, is where new schedules are explored); a failing property prints the seed and
// the path of its shrunk counterexample (fast-check's report), and `DYNAMO_FC_SEED=<seed>`
// reproduces it.
import fc from "fast-check"

/** The seed `npm test` runs with unless DYNAMO_FC_SEED says otherwise. */
export const FC_SEED_DEFAULT = 20_261_203

const requested = process.env["DYNAMO_FC_SEED"]
const seed = requested === undefined ? FC_SEED_DEFAULT : Number(requested)
if (!Number.isSafeInteger(seed)) throw new Error(`DYNAMO_FC_SEED must be an integer, got ${requested}`)
// `npm run mutants` sets DYNAMO_FC_FIRST_FAILURE: a property stops at its first counterexample,
// unshrunk (the verdict needs only that it failed, and shrinking a mutant's failure is slow), and
// its report carries the assertion's message, so the table can name the invariant that fired.
const firstFailure = process.env["DYNAMO_FC_FIRST_FAILURE"] !== undefined
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed, ...(firstFailure ? { endOnFailure: true, includeErrorInReport: true } : {}) })
