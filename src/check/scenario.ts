// Text scenarios in the style of etcd raft's testdata (its datadriven tests): a command per line,
// input lines below it, `----`, and the output the command must print. Every command drives the
// model checker's world one action at a time, so a scenario is a path through the very state graph
// `dynamo check` explores, written for a person to read, and test/scenarios.test.ts replays each
// file and compares what it prints. The commands and what they print: traces/scenarios/README.md.
import { buildModel, type CheckModel, type CheckOptions, type ScriptOp, type ScriptOpKind } from "./model.ts"
import { apply, compile, describeAction, enabledActions, finalReplicas, initialWorld, quiesce, type Action, type Compiled, type Recorder, type WorldState } from "./world.ts"
import { HashMap } from "effect"
import { hintsHeld, type ClientReply } from "../core/index.ts"

/** One command of a scenario file, with what it printed when the file was written. */
export interface ScenarioCase {
  /** 1-based line of the command in its file, for error messages. */
  readonly line: number
  readonly command: string
  readonly input: ReadonlyArray<string>
  readonly expected: string
}

export class ScenarioError extends Error {
  readonly _tag = "ScenarioError"
}

const SEPARATOR = "----"
/** `stabilize` gives up after this many deliveries and persists (a message storm is a bug). */
const STABILIZE_STEPS_MAX = 1_000

/** The cases of a scenario file; `#` lines outside a case's output are comments. */
export const parseScenario = (text: string, file: string): ReadonlyArray<ScenarioCase> => {
  const lines = text.split("\n")
  const cases: Array<ScenarioCase> = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i]!.trim()
    if (line === "" || line.startsWith("#")) {
      i++
      continue
    }
    const start = i + 1
    const command = line
    const input: Array<string> = []
    i++
    while (i < lines.length && lines[i]!.trim() !== SEPARATOR) {
      if (lines[i]!.trim() === "") throw new ScenarioError(`${file}:${start}: "${command}" has no "${SEPARATOR}" line before a blank line`)
      input.push(lines[i]!.trim())
      i++
    }
    if (i >= lines.length) throw new ScenarioError(`${file}:${start}: "${command}" has no "${SEPARATOR}" line`)
    i++
    const output: Array<string> = []
    while (i < lines.length && lines[i]!.trim() !== "") output.push(lines[i++]!)
    cases.push({ line: start, command, input, expected: output.join("\n") })
  }
  return cases
}

/** The file again, with each case's output replaced by `actual` (for rewriting a scenario). */
export const formatScenario = (text: string, actual: ReadonlyArray<string>): string => {
  const lines = text.split("\n")
  const out: Array<string> = []
  let i = 0
  let index = 0
  while (i < lines.length) {
    const line = lines[i]!.trim()
    if (line === "" || line.startsWith("#")) {
      out.push(lines[i++]!)
      continue
    }
    while (i < lines.length && lines[i]!.trim() !== SEPARATOR) out.push(lines[i++]!)
    out.push(lines[i++]!)
    while (i < lines.length && lines[i]!.trim() !== "") i++
    const printed = actual[index++] ?? ""
    if (printed !== "") out.push(...printed.split("\n"))
  }
  return out.join("\n")
}

const KINDS: ReadonlyArray<ScriptOpKind> = ["get", "put", "blind", "delete"]

/** `c0: put k1@n1, get k1@n2`: one client's script. */
const parseScript = (text: string, nodes: ReadonlyArray<string>, keys: ReadonlyArray<string>): { readonly client: number; readonly ops: ReadonlyArray<ScriptOp> } => {
  const match = /^c(\d+):\s*(.*)$/.exec(text)
  if (match === null) throw new ScenarioError(`a script line is "cK: KIND KEY@NODE, ...", got "${text}"`)
  const ops = match[2]!.split(",").map((part) => part.trim()).filter((part) => part !== "").map((part): ScriptOp => {
    const op = /^(\w+)\s+(\S+)@(\S+)$/.exec(part)
    if (op === null) throw new ScenarioError(`an operation is "KIND KEY@NODE", got "${part}"`)
    const kind = op[1] as ScriptOpKind
    if (!KINDS.includes(kind)) throw new ScenarioError(`"${op[1]}" is not one of ${KINDS.join(", ")}`)
    if (!keys.includes(op[2]!)) throw new ScenarioError(`"${op[2]}" is not a key of the model (${keys.join(", ")})`)
    if (!nodes.includes(op[3]!)) throw new ScenarioError(`"${op[3]}" is not a node of the model (${nodes.join(", ")})`)
    return { kind, key: op[2]!, node: op[3]! }
  })
  return { client: Number(match[1]), ops }
}

const OPTION_NAMES = ["preset", "nodes", "keys", "clock", "timing", "restart", "persistence", "n", "r", "w", "read-repair", "anti-entropy",
  "crashes", "disk-losses", "drops", "dups", "partitions", "periodic"] as const

/** `{ [name]: value }`, or nothing when the value is absent (optional properties stay absent). */
const defined = <K extends string, A>(name: K, value: A | undefined): { readonly [P in K]?: A } =>
  (value === undefined ? {} : { [name]: value }) as { readonly [P in K]?: A }

/** `model preset=NAME key=value ...` with script lines: the model a scenario runs. */
const modelOf = (args: ReadonlyArray<string>, input: ReadonlyArray<string>): CheckModel => {
  const options = new Map<string, string>()
  for (const arg of args) {
    const [name, value] = arg.split("=", 2) as [string, string | undefined]
    if (!(OPTION_NAMES as ReadonlyArray<string>).includes(name) || value === undefined) {
      throw new ScenarioError(`model takes ${OPTION_NAMES.map((o) => `${o}=...`).join(" ")}; got "${arg}"`)
    }
    options.set(name, value)
  }
  const int = (name: string): number | undefined => {
    const value = options.get(name)
    if (value === undefined) return undefined
    if (!/^\d+$/.test(value)) throw new ScenarioError(`${name} must be a whole number, got "${value}"`)
    return Number(value)
  }
  const onOff = (name: string): boolean | undefined => {
    const value = options.get(name)
    if (value === undefined) return undefined
    if (value !== "on" && value !== "off") throw new ScenarioError(`${name} is on or off, got "${value}"`)
    return value === "on"
  }
  const oneOf = <A extends string>(name: string, allowed: ReadonlyArray<A>): A | undefined => {
    const value = options.get(name)
    if (value === undefined) return undefined
    if (!(allowed as ReadonlyArray<string>).includes(value)) throw new ScenarioError(`${name} is one of ${allowed.join(", ")}, got "${value}"`)
    return value as A
  }
  const request: CheckOptions = {
    preset: options.get("preset") ?? "small",
    ...defined("nodes", int("nodes")),
    ...defined("keys", int("keys")),
    ...defined("clock", oneOf("clock", ["dvv", "vv", "lww"] as const)),
    ...defined("timing", oneOf("timing", ["async", "prompt"] as const)),
    ...defined("restart", oneOf("restart", ["later", "at-once"] as const)),
    ...defined("persistence", oneOf("persistence", ["lazy", "eager"] as const)),
    ...defined("crashes", int("crashes")),
    ...defined("diskLosses", int("disk-losses")),
    ...defined("drops", int("drops")),
    ...defined("dups", int("dups")),
    ...defined("partitions", int("partitions")),
    ...defined("periodic", int("periodic"))
  }
  const built = buildModel(request)
  if (built._tag === "Error") throw new ScenarioError(built.message)
  let model = built.model
  const n = int("n"), r = int("r"), w = int("w")
  const readRepair = onOff("read-repair"), antiEntropy = onOff("anti-entropy")
  model = {
    ...model,
    protocol: {
      ...model.protocol,
      ...(n === undefined ? {} : { n }), ...(r === undefined ? {} : { r }), ...(w === undefined ? {} : { w }),
      ...(readRepair === undefined ? {} : { readRepair }), ...(antiEntropy === undefined ? {} : { antiEntropy })
    }
  }
  if (input.length > 0) {
    const scripts = input.map((line) => parseScript(line, model.nodes, model.keys))
    scripts.forEach((script, i) => {
      if (script.client !== i) throw new ScenarioError(`scripts are listed c0, c1, ... in order; line ${i + 1} is c${script.client}`)
    })
    model = { ...model, name: `${model.name}+script`, clients: scripts.map((script) => script.ops) }
  }
  return model
}

const describeReply = (reply: ClientReply): string => {
  switch (reply._tag) {
    case "GetOk":
      return `GetOk ${reply.key} [${reply.values.join(", ")}] from ${reply.nodes.join(" ")}`
    case "PutOk":
      return `PutOk ${reply.key} from ${reply.nodes.join(" ")}`
    case "Failed":
      return `Failed ${reply.key} ${reply.error} (${reply.acks} acks)`
  }
}

/**
 * The command that names `action` in world `w`: what a scenario file says. Deliveries, losses and
 * duplicates name the link and the message (its tag, key and operation); a timer is named as the
 * checker describes it; a periodic timer's choice follows as `pick=K`.
 */
export const commandOf = (c: Compiled, w: WorldState, action: Action): string => {
  const described = describeAction(c, w, action)
  switch (action._tag) {
    case "Issue":
      return `send c${action.client}`
    case "GiveUp":
      return `give-up c${action.client}`
    case "Deliver":
    case "Drop":
    case "Duplicate": {
      const packet = w.flight[action.packet]!
      const message = described.slice(described.indexOf(": ") + 2)
      const verb = action._tag === "Deliver" ? "deliver" : action._tag === "Drop" ? "lose" : "duplicate"
      return `${verb} ${c.ids[packet.from]}->${c.ids[packet.to]} ${message}`
    }
    case "Persist":
      return `persist ${c.ids[action.node]}`
    case "Fire": {
      const timer = described.slice(`${c.ids[action.node]} `.length, -" fires".length)
      return `fire ${c.ids[action.node]} ${timer}${action.pick === undefined ? "" : ` pick=${action.pick}`}`
    }
    case "Crash":
      return `crash ${c.ids[action.node]}`
    case "LoseDisk":
      return `lose-disk ${c.ids[action.node]}`
    case "Restart":
      return `restart ${c.ids[action.node]}`
    case "Partition":
      return `partition ${c.ids.filter((_, i) => ((action.cut >>> i) & 1) === 1).join(",")}`
    case "Heal":
      return "heal"
  }
}

/** A command matches an action's full command, or a prefix of it ending at a word. */
const matches = (command: string, full: string): boolean => full === command || full.startsWith(`${command} `)

const packetKey = (c: Compiled, w: WorldState, p: number): string => {
  const packet = w.flight[p]!
  return `${c.ids[packet.from]} -> ${c.ids[packet.to]}: ${describeAction(c, w, { _tag: "Deliver", packet: p }).split(": ").slice(1).join(": ")}`
}

/** Messages in flight in `after` and not in `before`, as a multiset difference, in flight order. */
const newPackets = (c: Compiled, before: WorldState, after: WorldState): ReadonlyArray<string> => {
  const left = new Map<string, number>()
  for (let p = 0; p < before.flight.length; p++) {
    const key = packetKey(c, before, p)
    left.set(key, (left.get(key) ?? 0) + 1)
  }
  const added: Array<string> = []
  for (let p = 0; p < after.flight.length; p++) {
    const key = packetKey(c, after, p)
    const count = left.get(key) ?? 0
    if (count > 0) left.set(key, count - 1)
    else added.push(key)
  }
  return added
}

/** Runs a scenario's commands in order, keeping the world between them. */
export class ScenarioRunner {
  private c: Compiled | undefined
  private world: WorldState | undefined

  run(scenarioCase: ScenarioCase): string {
    const [verb, ...args] = scenarioCase.command.split(/\s+/)
    if (verb === "model") return this.model(args, scenarioCase.input)
    if (scenarioCase.input.length > 0) throw new ScenarioError(`only "model" takes input lines, not "${verb}"`)
    const c = this.c
    const w = this.world
    if (c === undefined || w === undefined) throw new ScenarioError(`"${scenarioCase.command}" before any "model" command`)
    switch (verb) {
      case "quiesce":
        return this.quiesce(c, w)
      case "stabilize":
        return this.stabilize(c, w)
      case "replicas":
        return this.replicas(c, w)
      case "flight":
        return w.flight.length === 0 ? "nothing in flight" : w.flight.map((_, p) => packetKey(c, w, p)).join("\n")
      default:
        return this.step(c, w, scenarioCase.command)
    }
  }

  private model(args: ReadonlyArray<string>, input: ReadonlyArray<string>): string {
    const model = modelOf(args, input)
    this.c = compile(model)
    this.world = initialWorld(this.c)
    const c = this.c
    const p = model.protocol
    const bounds = Object.entries(model.bounds).filter(([, value]) => value > 0).map(([name, value]) => `${name} ${value}`)
    return [
      `nodes ${model.nodes.join(" ")}: N=${p.n} R=${p.r} W=${p.w}, clock ${p.versions.mode}${p.versions.truncateAt === undefined ? "" : ` truncated at ${p.versions.truncateAt}`}, read repair ${p.readRepair ? "on" : "off"}, anti-entropy ${p.antiEntropy ? "on" : "off"}`,
      `timing ${model.timing}, restart ${model.restart}, persistence ${model.persistence}; faults allowed: ${bounds.length === 0 ? "none" : bounds.join(", ")}`,
      ...model.keys.map((key, k) => `${key}: preference list ${c.top[k]!.map((i) => c.ids[i]).join(" ")}`),
      ...model.clients.map((script, i) => `c${i}: ${script.map((op, j) => `${op.kind} ${op.key}@${op.node} (${c.requestIds[i]![j]})`).join(", ")}`)
    ].join("\n")
  }

  private step(c: Compiled, w: WorldState, command: string): string {
    const enabled = enabledActions(c, w)
    const candidates = enabled.filter((action) => matches(command, commandOf(c, w, action)))
    if (candidates.length === 0) {
      const listed = enabled.map((action) => `  ${commandOf(c, w, action)}`)
      throw new ScenarioError(`"${command}" is not enabled here; enabled:\n${listed.join("\n") || "  (nothing)"}`)
    }
    // Several matching actions that lead to different worlds: the command must say which.
    const first = apply(c, w, candidates[0]!).state.fp
    if (candidates.slice(1).some((other) => apply(c, w, other).state.fp !== first)) {
      throw new ScenarioError(`"${command}" is ambiguous; say which of:\n${candidates.map((action) => `  ${commandOf(c, w, action)}`).join("\n")}`)
    }
    const step = this.transition(c, w, candidates[0]!)
    this.world = step.world
    return step.printed.join("\n")
  }

  /** One action: what the checker calls it, the messages it sent, the replies and any violation. */
  private transition(c: Compiled, w: WorldState, action: Action): { readonly world: WorldState; readonly printed: ReadonlyArray<string> } {
    const rec: Recorder = { steps: [], replies: [] }
    const transition = apply(c, w, action, rec)
    const printed = [describeAction(c, w, action)]
    for (const packet of newPackets(c, w, transition.state)) printed.push(`  sends ${packet}`)
    for (const { reply } of rec.replies) printed.push(`  replies ${describeReply(reply)} to ${reply.id}`)
    if (transition.violation !== undefined) printed.push(`  VIOLATION ${transition.violation.invariant}: ${transition.violation.message}`)
    return { world: transition.state, printed }
  }

  /**
   * Deliver every message and complete every persist, oldest choice first, until none is left
   * (raft's `stabilize`): the run with no fault and no timer. Timers stay armed.
   */
  private stabilize(c: Compiled, w: WorldState): string {
    const printed: Array<string> = []
    let world = w
    for (let steps = 0; ; steps++) {
      if (steps === STABILIZE_STEPS_MAX) throw new ScenarioError(`stabilize did not end within ${STABILIZE_STEPS_MAX} steps`)
      const next = enabledActions(c, world).find((action) => action._tag === "Deliver" || action._tag === "Persist")
      if (next === undefined) break
      const step = this.transition(c, world, next)
      printed.push(...step.printed)
      world = step.world
    }
    this.world = world
    return printed.length === 0 ? "nothing to deliver or persist" : printed.join("\n")
  }

  private quiesce(c: Compiled, w: WorldState): string {
    const rec: Recorder = { steps: [], replies: [] }
    const quiesced = quiesce(c, w, rec, true)
    this.world = quiesced.state
    const replies = rec.replies.filter(({ reply }) => !reply.id.startsWith("quiesce.")).map(({ reply }) => `  replies ${describeReply(reply)} to ${reply.id}`)
    return [
      "healed everything and quiesced; every key read at R=N twice",
      ...replies,
      ...this.replicaLines(c, quiesced.state),
      quiesced.violation === undefined ? "no violation" : `VIOLATION ${quiesced.violation.invariant}: ${quiesced.violation.message}`
    ].join("\n")
  }

  private replicas(c: Compiled, w: WorldState): string {
    return this.replicaLines(c, w).join("\n")
  }

  private replicaLines(c: Compiled, w: WorldState): ReadonlyArray<string> {
    const crashed = c.ids.filter((_, i) => w.nodes[i]!.state === undefined)
    // Hints held, sorted: a map's iteration order is not part of what a scenario pins.
    const hints = w.nodes.flatMap((slot, i) => slot.state === undefined ? [] :
      [...HashMap.values(hintsHeld(slot.state))].map((hint) => `  ${c.ids[i]} holds a hint of ${hint.key} for ${hint.intended}`)).sort()
    return [
      ...finalReplicas(c, w).map((replica) => `  ${replica.node} ${replica.key}: [${replica.values.join(", ")}]`),
      ...hints,
      ...(crashed.length === 0 ? [] : [`  crashed: ${crashed.join(" ")}`])
    ]
  }
}

/**
 * Every case's output, in order. A command that cannot run prints `error: ...` as its output and
 * leaves the world as it was, so a scenario can also show what is refused.
 */
export const runScenario = (cases: ReadonlyArray<ScenarioCase>): ReadonlyArray<string> => {
  const runner = new ScenarioRunner()
  return cases.map((scenarioCase) => {
    try {
      return runner.run(scenarioCase)
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error
      return `error: ${error.message}`
    }
  })
}
