// `npm run soak -- --runs 100000 [--workers 2] [--first-seed 1] [--steps 200]`: a long campaign of
// seeded simulations with every fault kind, printing a progress line; each failing seed is
// written as a trace under traces/counterexamples/ and the campaign exits 1.
import { mkdirSync, writeFileSync } from "node:fs"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { Prng } from "../host/prng.ts"
import { defaultSimOptions, FAULT_KINDS, generateScenario, type Scenario } from "./scenario.ts"
import { encodeTrace } from "../trace/format.ts"
import { traceOfReport } from "./trace.ts"
import { World } from "./world.ts"

interface Plan { readonly firstSeed: number; readonly runs: number; readonly steps: number; readonly workers: number; readonly worker: number }

const QUORUMS: ReadonlyArray<readonly [number, number, number]> = [[3, 2, 2], [3, 1, 3], [3, 3, 1], [3, 1, 1], [3, 2, 1]]

/** The scenario of one soak seed: shape, quorum and enabled faults all drawn from the seed. */
export const soakScenario = (seed: number, steps: number): Scenario => {
  const prng = new Prng(seed)
  const [n, r, w] = prng.pick(QUORUMS)
  const faults = FAULT_KINDS.filter(() => prng.chance(60))
  const nodes = prng.int(3, 7)
  const keys = prng.int(1, 4)
  const clients = prng.int(1, 5)
  // One run in four converges by anti-entropy alone (no reads at quiescence: CONV-1's hard case).
  const quiesceReads = !prng.chance(25)
  return generateScenario(seed, { ...defaultSimOptions, nodes, n, r, w, keys, clients, faults, quiesceReads }, steps)
}

const runPlan = (plan: Plan, report: (message: { done: number; failed: Array<string> }) => void): void => {
  let done = 0
  const failed: Array<string> = []
  for (let i = plan.worker; i < plan.runs; i += plan.workers) {
    const seed = plan.firstSeed + i
    const scenario = soakScenario(seed, plan.steps)
    const result = new World(scenario).run()
    if (result.violations.length > 0) {
      const file = `traces/counterexamples/soak-${seed}.json`
      mkdirSync("traces/counterexamples", { recursive: true })
      writeFileSync(file, encodeTrace(traceOfReport(new World(scenario, true).run(), "simulator", `soak seed ${seed}`)))
      failed.push(`seed ${seed}: ${result.violations[0]!.invariant} ${result.violations[0]!.message} (trace ${file})`)
    }
    done += 1
    if (done % 50 === 0) {
      report({ done, failed: failed.splice(0) })
      done = 0
    }
  }
  report({ done, failed })
}

const parse = (argv: ReadonlyArray<string>): Plan | string => {
  const flags = new Map<string, number>()
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!
    const value = Number(argv[i + 1])
    if (!["--runs", "--workers", "--first-seed", "--steps"].includes(name)) return `unknown flag ${name} (known: --runs --workers --first-seed --steps)`
    if (!Number.isInteger(value) || value < 0) return `${name} needs a non-negative integer, got ${argv[i + 1]}`
    flags.set(name, value)
  }
  const workers = flags.get("--workers") ?? 2
  if (workers < 1 || workers > 64) return `--workers must be in 1..64`
  return { runs: flags.get("--runs") ?? 10_000, workers, firstSeed: flags.get("--first-seed") ?? 1, steps: flags.get("--steps") ?? 150, worker: 0 }
}

if (isMainThread) {
  const plan = parse(process.argv.slice(2))
  if (typeof plan === "string") {
    console.error(`error: ${plan}`)
    process.exit(2)
  }
  const started = performance.now()
  let done = 0
  let lastPrint = 0
  const failures: Array<string> = []
  const print = (final: boolean) => {
    const seconds = (performance.now() - started) / 1000
    console.log(`${final ? "soak done" : "soak"}: ${done}/${plan.runs} runs, ${failures.length} failed, ${(done / Math.max(seconds, 0.001)).toFixed(0)} runs/s, ${seconds.toFixed(0)} s`)
  }
  let running = plan.workers
  for (let worker = 0; worker < plan.workers; worker++) {
    const thread = new Worker(new URL(import.meta.url), { workerData: { ...plan, worker }, execArgv: ["--import", "tsx"] })
    thread.on("message", (message: { done: number; failed: Array<string> }) => {
      done += message.done
      for (const f of message.failed) {
        failures.push(f)
        console.log(`FAILED ${f}`)
      }
      if (performance.now() - lastPrint > 5_000) {
        lastPrint = performance.now()
        print(false)
      }
    })
    thread.on("error", (error) => {
      console.error(`worker ${worker} crashed: ${error.message}`)
      process.exitCode = 1
    })
    thread.on("exit", () => {
      running -= 1
      if (running === 0) {
        print(true)
        if (failures.length > 0) process.exitCode = 1
      }
    })
  }
} else {
  runPlan(workerData as Plan, (message) => parentPort!.postMessage(message))
}
