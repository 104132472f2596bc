// `dynamo simulate`: one seeded run of the deterministic simulator, summarised; exits 1 naming
// the violated invariant, and writes the run as a trace with --out.
import { Console, Effect, Option, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { writeFileSync } from "node:fs"
import { FAULT_KINDS, defaultSimOptions, generateScenario, type FaultKind } from "../sim/scenario.ts"
import { formatSummary } from "../sim/summary.ts"
import { encodeTrace } from "../trace/format.ts"
import { traceOfReport } from "../sim/trace.ts"
import { World } from "../sim/world.ts"

export class InvariantViolated extends Schema.TaggedError<InvariantViolated>()("InvariantViolated", {
  invariant: Schema.String,
  message: Schema.String
}) {}

export class BadArguments extends Schema.TaggedError<BadArguments>()("BadArguments", {
  message: Schema.String
}) {}

const parseFaults = (text: string): ReadonlyArray<FaultKind> | string => {
  if (text.trim() === "" || text === "none") return []
  const parts = text.split(",").map((s) => s.trim())
  const unknown = parts.filter((p) => !(FAULT_KINDS as ReadonlyArray<string>).includes(p))
  if (unknown.length > 0) return `unknown fault kind(s) ${unknown.join(", ")}; known: ${FAULT_KINDS.join(", ")}`
  return parts as ReadonlyArray<FaultKind>
}

export const simulateCommand = Command.make(
  "simulate",
  {
    seed: Flag.Int("seed").pipe(Flag.withDescription("PRNG seed: same seed and flags, same run"), Flag.withDefault(1)),
    steps: Flag.Int("steps").pipe(Flag.withDescription("client operations in the workload"), Flag.withDefault(200)),
    nodes: Flag.Int("nodes").pipe(Flag.withDescription("initial members"), Flag.withDefault(5)),
    spares: Flag.Int("spares").pipe(Flag.withDescription("extra nodes the join fault brings in (default 2 with --faults join)"), Flag.optional),
    n: Flag.Int("n").pipe(Flag.withDefault(3)),
    r: Flag.Int("r").pipe(Flag.withDefault(2)),
    w: Flag.Int("w").pipe(Flag.withDefault(2)),
    keys: Flag.Int("keys").pipe(Flag.withDescription("distinct keys (few keys, many conflicts)"), Flag.withDefault(3)),
    clients: Flag.Int("clients").pipe(Flag.withDefault(3)),
    clock: Flag.Literals("clock", ["dvv", "vv"]).pipe(Flag.withDefault("dvv")),
    faults: Flag.String("faults").pipe(
      Flag.withDescription(`comma-separated: ${FAULT_KINDS.join(",")} (drop, dup, reorder: per message; the rest: timed faults drawn from the seed)`),
      Flag.withDefault("")
    ),
    zones: Flag.Int("zones").pipe(Flag.withDescription("data centers: nodes spread over them round robin (n1 in z1, n2 in z2, ...); with zone-down, zone-cut faults"), Flag.withDefault(1)),
    interZoneDelay: Flag.String("inter-zone-delay").pipe(Flag.withDescription("MIN-MAX ms of a message between zones (default 20-80 with --zones > 1; 1-10 inside a zone)"), Flag.withDefault("20-80")),
    busy: Flag.Int("busy").pipe(Flag.withDescription("percent of anti-entropy firings on which a node reports its foreground over target (admission control, AE-2: at most 3 rounds in a row are skipped)"), Flag.withDefault(0)),
    out: Flag.String("out").pipe(Flag.withDescription("write the run as a trace (spec/traces.md)"), Flag.optional)
  },
  Effect.fnUntraced(function*(flags) {
    const faults = parseFaults(flags.faults)
    if (typeof faults === "string") return yield* new BadArguments({ message: `--faults: ${faults}` })
    const problems: Array<string> = []
    if (flags.nodes < 1 || flags.nodes > 64) problems.push(`--nodes must be in 1..64, got ${flags.nodes}`)
    if (flags.n < 1 || flags.n > flags.nodes) problems.push(`--n must be in 1..nodes (${flags.nodes}), got ${flags.n}`)
    if (flags.r < 1 || flags.r > flags.n) problems.push(`--r must be in 1..N (${flags.n}), got ${flags.r}`)
    if (flags.w < 1 || flags.w > flags.n) problems.push(`--w must be in 1..N (${flags.n}), got ${flags.w}`)
    if (flags.steps < 0 || flags.steps > 1_000_000) problems.push(`--steps must be in 0..1000000, got ${flags.steps}`)
    if (flags.keys < 1 || flags.clients < 1) problems.push(`--keys and --clients must be at least 1`)
    const spares = Option.getOrElse(flags.spares, () => (faults.includes("join") ? 2 : 0))
    if (spares < 0 || spares > 16) problems.push(`--spares must be in 0..16, got ${spares}`)
    if (faults.includes("leave") && flags.nodes <= flags.n) problems.push(`--faults leave needs more nodes than N (--nodes ${flags.nodes}, --n ${flags.n})`)
    if (flags.zones < 1 || flags.zones > flags.nodes) problems.push(`--zones must be in 1..nodes (${flags.nodes}), got ${flags.zones}`)
    if ((faults.includes("zone-down") || faults.includes("zone-cut")) && flags.zones < 2) problems.push(`--faults zone-down or zone-cut needs --zones 2 or more`)
    const delay = /^(\d+)-(\d+)$/.exec(flags.interZoneDelay)
    const [delayMin, delayMax] = delay === null ? [NaN, NaN] : [Number(delay[1]), Number(delay[2])]
    if (!(delayMin >= 0 && delayMax >= delayMin && delayMax <= 10_000)) problems.push(`--inter-zone-delay must be MIN-MAX in ms (0 <= MIN <= MAX <= 10000), got ${flags.interZoneDelay}`)
    if (flags.busy < 0 || flags.busy > 100) problems.push(`--busy must be a percent in 0..100, got ${flags.busy}`)
    if (problems.length > 0) return yield* new BadArguments({ message: problems.join("; ") })
    const options = {
      ...defaultSimOptions,
      nodes: flags.nodes, spares, n: flags.n, r: flags.r, w: flags.w,
      keys: flags.keys, clients: flags.clients, clock: flags.clock, faults,
      ...(flags.zones > 1 ? { zones: flags.zones, interZoneDelayMsMin: delayMin, interZoneDelayMsMax: delayMax } : {}),
      ...(flags.busy > 0 ? { busyPercent: flags.busy } : {})
    }
    const scenario = generateScenario(flags.seed, options, flags.steps)
    const record = Option.isSome(flags.out)
    const report = new World(scenario, record).run()
    yield* Console.log(formatSummary(report))
    if (Option.isSome(flags.out)) {
      writeFileSync(flags.out.value, encodeTrace(traceOfReport(report, "simulator")))
      yield* Console.log(`trace written to ${flags.out.value}`)
    }
    const first = report.violations[0]
    if (first !== undefined) return yield* new InvariantViolated({ invariant: first.invariant, message: first.message })
  })
).pipe(Command.withDescription("Run a seeded failure schedule in the deterministic simulator"))
