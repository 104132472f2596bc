// Command-line flags of the benches run directly (`npx tsx bench/X.ts --flag value`).

/**
 * The number after `--name`, or undefined when the flag is absent. A missing or blank value, or
 * one `accepts` refuses, ends the process with exit code 2 and a message saying the flag must be
 * `what`.
 */
const numberFlag = (name: string, what: string, accepts: (value: number) => boolean): number | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  if (index === -1) return undefined
  const text = process.argv[index + 1]
  const value = Number(text)
  if (text === undefined || text.trim() === "" || !accepts(value)) {
    console.error(`--${name} must be ${what}`)
    process.exit(2)
  }
  return value
}

/** The number after `--name` (see numberFlag), which must be positive. */
export const positiveNumberFlag = (name: string, what: string): number | undefined => numberFlag(name, what, (value) => value > 0)

/** As positiveNumberFlag, where 0 is allowed too (a phase turned off). */
export const nonNegativeNumberFlag = (name: string, what: string): number | undefined => numberFlag(name, what, (value) => value >= 0)
