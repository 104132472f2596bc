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

/**
 * What is wrong with the flags in `argv` (the arguments after the script; leading section names
 * are skipped), or undefined: a flag that is not one of `values` (each followed by its value) or
 * `switches`, a value-taking flag with no value, or a word where a flag belongs. `--name=value`
 * is refused with the spelling that works, rather than silently ignored.
 */
export const flagProblem = (argv: ReadonlyArray<string>, values: ReadonlyArray<string>, switches: ReadonlyArray<string>): string | undefined => {
  const known = () => `known flags: ${[...values.map((v) => `--${v} VALUE`), ...switches.map((s) => `--${s}`)].join(", ")}`
  let i = argv.findIndex((arg) => arg.startsWith("-"))
  if (i === -1) return undefined
  while (i < argv.length) {
    const arg = argv[i]!
    const name = arg.replace(/^--/, "")
    if (values.includes(name)) {
      if (i + 1 >= argv.length) return `${arg} needs a value`
      i += 2
    } else if (switches.includes(name)) {
      i += 1
    } else {
      const eq = name.indexOf("=")
      if (arg.startsWith("--") && eq > 0 && values.includes(name.slice(0, eq))) return `write ${arg.slice(0, eq + 2)} VALUE, not ${arg}`
      return arg.startsWith("-") ? `unknown flag ${arg}; ${known()}` : `${JSON.stringify(arg)} is not a flag; ${known()}`
    }
  }
  return undefined
}

/** Ends the process with exit code 2 and flagProblem's message when the command line's flags have a problem. */
export const onlyKnownFlags = (values: ReadonlyArray<string>, switches: ReadonlyArray<string>): void => {
  const problem = flagProblem(process.argv.slice(2), values, switches)
  if (problem === undefined) return
  console.error(problem)
  process.exit(2)
}
