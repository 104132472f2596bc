// The bench's flags (bench/flags.ts): a flag it does not know is an error naming it, never
// silently ignored (a `--variant-node-args=X` once ran an A/B without its variant).
import { describe, expect, test } from "vitest"
import { flagProblem } from "../bench/flags.ts"

const values = ["rounds", "variant-node-args"]
const switches = ["floor"]

describe("bench flags", () => {
  // Catches: a scan that accepts unknown flags, `--name=value`, a value-taking flag left without
  // its value, or a stray word; or that refuses a value that looks like a flag (node flags are
  // values of --variant-node-args) or the section names before the first flag.
  test("only known flags pass, each value-taking one with its value", () => {
    expect(flagProblem(["versus-etcd", "--floor", "--rounds", "4", "--variant-node-args", "--no-flush-bytecode"], values, switches)).toBeUndefined()
    expect(flagProblem(["versus-etcd"], values, switches)).toBeUndefined()
    expect(flagProblem(["--variant-node-args=--no-flush-bytecode"], values, switches)).toBe("write --variant-node-args VALUE, not --variant-node-args=--no-flush-bytecode")
    expect(flagProblem(["--flor"], values, switches)).toBe("unknown flag --flor; known flags: --rounds VALUE, --variant-node-args VALUE, --floor")
    expect(flagProblem(["--floor", "--rounds"], values, switches)).toBe("--rounds needs a value")
    expect(flagProblem(["--rounds", "4", "5"], values, switches)).toMatch(/^"5" is not a flag/)
  })
})
