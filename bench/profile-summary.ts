// Summarizes V8 CPU profiles of node processes (`node --cpu-prof`, e.g. through
// `npm run bench -- versus-etcd` with `--variant-node-args "--cpu-prof --cpu-prof-dir=DIR"`):
// self time by function and by subsystem, summed over every profile given. Functions in the
// install-time bundle (dist/dynamo.mjs) are placed in their source module by the `// path` comments
// esbuild writes before each module, so the table names src/net/api.ts, effect's http, and so on.
// Run: `npx tsx bench/profile-summary.ts [--bundle dist/dynamo.mjs] [--top 40] [--samples] FILE.cpuprofile...`
// (--samples: weigh by sample count, closer to CPU time on a contended machine; see summarize).
import { readFileSync } from "node:fs"
import { fileURLToPath, pathToFileURL } from "node:url"

interface CallFrame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
interface ProfileNode {
  readonly id: number
  readonly callFrame: CallFrame
  readonly children?: ReadonlyArray<number>
}
interface Profile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

/** Functions listed by self time. */
const TOP_DEFAULT = 40

/** The bundle's module starts: [first line (0-based), module path], in line order. */
const bundleModules = (bundlePath: string): ReadonlyArray<readonly [number, string]> => {
  const starts: Array<readonly [number, string]> = []
  const lines = readFileSync(bundlePath, "utf8").split("\n")
  for (let i = 0; i < lines.length; i++) {
    // A checkout whose node_modules is a symbolic link names them by their real path (../../x/node_modules/...).
    const match = /^\/\/ (?:\S*?\/)?((?:node_modules|src|bench)\/\S+)$/.exec(lines[i]!)
    if (match !== null) starts.push([i, match[1]!])
  }
  return starts
}

const moduleAt = (starts: ReadonlyArray<readonly [number, string]>, line: number): string => {
  let low = 0
  let high = starts.length - 1
  let found = "(bundle prologue)"
  while (low <= high) {
    const middle = (low + high) >> 1
    if (starts[middle]![0] <= line) {
      found = starts[middle]![1]
      low = middle + 1
    } else {
      high = middle - 1
    }
  }
  return found
}

/** The subsystem a module belongs to: the rows of the second table. */
export const subsystemOf = (module: string, functionName: string): string => {
  if (module === "") {
    if (functionName === "(idle)" || functionName === "(program)" || functionName === "(garbage collector)") return functionName
    return "(native)"
  }
  if (module.startsWith("node:")) {
    if (/^node:internal\/(streams|net|stream_base)|^node:net/.test(module)) return "node: net and streams"
    if (/^node:_http|^node:http|^node:internal\/http/.test(module)) return "node: http"
    if (/sqlite/.test(module)) return "node: sqlite"
    if (/timers|process\/task_queues/.test(module)) return "node: timers and ticks"
    return "node: other"
  }
  if (module.startsWith("node_modules/effect/dist/unstable/http") || module.startsWith("node_modules/effect/dist/http")) return "effect: http"
  if (module.startsWith("node_modules/@effect/platform-node")) return "effect: platform-node"
  if (/^node_modules\/effect\/dist\/(Schema|SchemaAST|SchemaParser|SchemaIssue|SchemaTransformation|SchemaGetter|internal\/schema)/.test(module)) return "effect: Schema"
  if (/^node_modules\/effect\/dist\/(HashMap|internal\/hashMap|HashSet|internal\/hashSet|Hash|Equal|internal\/hash|internal\/equal)/.test(module)) return "effect: HashMap/Hash/Equal"
  if (module.startsWith("node_modules/effect/")) return "effect: runtime (fibers, core)"
  if (module.startsWith("node_modules/")) return "other dependencies"
  if (module.startsWith("src/core/")) return `core: ${module.slice("src/core/".length)}`
  if (module.startsWith("src/")) return module
  return module
}

const moduleOf = (frame: CallFrame, bundleUrl: string, starts: ReadonlyArray<readonly [number, string]>): string => {
  if (frame.url === "") return ""
  if (frame.url === bundleUrl) return moduleAt(starts, frame.lineNumber)
  if (frame.url.startsWith("node:")) return frame.url
  const at = frame.url.search(/\/(src|node_modules|bench)\//)
  return at === -1 ? frame.url : frame.url.slice(at + 1)
}

/**
 * `weight`: "time" counts each sample's wall-clock interval; "samples" counts samples. V8 takes a
 * sample only while the thread runs, so on a contended machine a descheduled stretch inflates
 * the interval of the sample that follows it; sample counts are closer to CPU time.
 */
export const summarize = (profiles: ReadonlyArray<Profile>, bundlePath: string, top = TOP_DEFAULT, weight: "time" | "samples" = "time"): string => {
  const starts = bundleModules(bundlePath)
  const bundleUrl = pathToFileURL(bundlePath).href
  const byFunction = new Map<string, number>()
  const bySubsystem = new Map<string, number>()
  let totalUs = 0
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
    for (let i = 0; i < profile.samples.length; i++) {
      const node = nodes.get(profile.samples[i]!)
      if (node === undefined) continue
      const delta = weight === "samples" ? 1000 : (profile.timeDeltas[i] ?? 0)
      const frame = node.callFrame
      const module = moduleOf(frame, bundleUrl, starts)
      const fn = `${frame.functionName || "(anonymous)"}  ${module}${module === "" ? "" : `:${frame.lineNumber + 1}`}`
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + delta)
      const subsystem = subsystemOf(module, frame.functionName)
      bySubsystem.set(subsystem, (bySubsystem.get(subsystem) ?? 0) + delta)
      totalUs += delta
    }
  }
  const idleUs = bySubsystem.get("(idle)") ?? 0
  const busyUs = totalUs - idleUs
  const pct = (us: number) => `${((100 * us) / Math.max(1, busyUs)).toFixed(1)}%`
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  return [
    `${weight === "samples" ? "weighted by sample count (1 ms each); " : ""}${profiles.length} profiles, ${(totalUs / 1e6).toFixed(1)} s sampled, ${(idleUs / 1e6).toFixed(1)} s idle, ${(busyUs / 1e6).toFixed(1)} s busy (percentages of busy)`,
    "",
    "by subsystem (self time):",
    ...sorted(bySubsystem).filter(([name]) => name !== "(idle)").map(([name, us]) => `  ${pct(us).padStart(6)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${name}`),
    "",
    `top ${top} functions (self time):`,
    ...sorted(byFunction).filter(([name]) => !name.startsWith("(idle)")).slice(0, top).map(([name, us]) => `  ${pct(us).padStart(6)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${name}`)
  ].join("\n")
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2)
  const option = (name: string): string | undefined => {
    const index = args.indexOf(`--${name}`)
    if (index === -1) return undefined
    const value = args[index + 1]
    args.splice(index, 2)
    return value
  }
  const bundle = option("bundle") ?? fileURLToPath(new URL("../dist/dynamo.mjs", import.meta.url))
  const topText = option("top")
  const top = topText === undefined ? TOP_DEFAULT : Number(topText)
  if (!Number.isInteger(top) || top < 1) throw new Error(`--top must be a positive integer, got ${JSON.stringify(topText)}`)
  const bySamples = args.indexOf("--samples")
  if (bySamples !== -1) args.splice(bySamples, 1)
  if (args.length === 0) throw new Error("give one or more .cpuprofile files")
  console.log(summarize(args.map((file) => JSON.parse(readFileSync(file, "utf8")) as Profile), bundle, top, bySamples === -1 ? "time" : "samples"))
}
