// Command-line flags of the benches run directly (`npx tsx bench/X.ts --flag value`).

/**
 * The number after `--name`, or undefined when the flag is absent. Anything but a positive number
 * ends the process with exit code 2 and a message saying the flag must be `what`.
 */
export const positiveNumberFlag = (name: string, what: string): number | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  if (index === -1) return undefined
  const value = Number(process.argv[index + 1])
  if (!(value > 0)) {
    console.error(`--${name} must be ${what}`)
    process.exit(2)
  }
  return value
}

/** As positiveNumberFlag, where 0 is allowed too (a phase turned off). */
export const nonNegativeNumberFlag = (name: string, what: string): number | undefined => {
  const index = process.argv.indexOf(`--${name}`)
  if (index === -1) return undefined
  const text = process.argv[index + 1]
  const value = Number(text)
  if (text === undefined || text.trim() === "" || !(value >= 0)) {
    console.error(`--${name} must be ${what}`)
    process.exit(2)
  }
  return value
}
