// `npm run soak -- --runs 100000 [--workers 2] [--first-seed 1] [--steps 200]`: a long campaign of
// seeded simulations with every fault kind, printing a progress line; each failing seed is
// written as a trace under traces/counterexamples/ and the campaign exits 1. At the end it says in
// how many runs each Sometimes of src/invariants/ was reached, and warns of any never reached.
import { mkdirSync, writeFileSync } from "node:fs"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { soakScenario } from "./soak-scenario.ts"
import { encodeTrace } from "../trace/format.ts"
import { traceOfReport } from "./trace.ts"
import { World } from "./world.ts"
import { noneReached, type Reached, SOMETIMES_NAMES } from "../invariants/index.ts"

interface Progress { readonly done: number; readonly failed: Array<string>; readonly reached: Reached }

interface Plan { readonly firstSeed: number; readonly runs: number; readonly steps: number; readonly workers: number; readonly worker: number }

const runPlan = (plan: Plan, report: (message: Progress) => void): void => {
  let done = 0
  const failed: Array<string> = []
  /** Per Sometimes, the runs that reached it (since the last report). */
  let reached = noneReached()
  for (let i = plan.worker; i < plan.runs; i += plan.workers) {
    const seed = plan.firstSeed + i
    const scenario = soakScenario(seed, plan.steps)
    const result = new World(scenario).run()
    for (const name of SOMETIMES_NAMES) if (result.sometimes[name] > 0) reached[name] += 1
    if (result.violations.length > 0) {
      const file = `traces/counterexamples/soak-${seed}.json`
      mkdirSync("traces/counterexamples", { recursive: true })
      writeFileSync(file, encodeTrace(traceOfReport(new World(scenario, true).run(), "simulator", `soak seed ${seed}`)))
      failed.push(`seed ${seed}: ${result.violations[0]!.invariant} ${result.violations[0]!.message} (trace ${file})`)
    }
    done += 1
    if (done % 50 === 0) {
      report({ done, failed: failed.splice(0), reached })
      done = 0
      reached = noneReached()
    }
  }
  report({ done, failed, reached })
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
  const reached = noneReached()
  const print = (final: boolean) => {
    const seconds = (performance.now() - started) / 1000
    console.log(`${final ? "soak done" : "soak"}: ${done}/${plan.runs} runs, ${failures.length} failed, ${(done / Math.max(seconds, 0.001)).toFixed(0)} runs/s, ${seconds.toFixed(0)} s`)
    if (!final) return
    console.log(`sometimes (runs reaching each): ${SOMETIMES_NAMES.map((name) => `${name} ${reached[name]}`).join(", ")}`)
    const never = SOMETIMES_NAMES.filter((name) => reached[name] === 0)
    if (never.length > 0) console.log(`WARNING: never reached: ${never.join(", ")} (the invariants beside them were not exercised by these runs)`)
  }
  let running = plan.workers
  for (let worker = 0; worker < plan.workers; worker++) {
    const thread = new Worker(new URL(import.meta.url), { workerData: { ...plan, worker }, execArgv: ["--import", "tsx"] })
    thread.on("message", (message: Progress) => {
      done += message.done
      for (const name of SOMETIMES_NAMES) reached[name] += message.reached[name]
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
