// `dynamo view FILE [--out PAGE.html] [--open]`: the trace viewer. Replays a trace (any the project
// writes: simulator, checker, shell --record, the paper's, Quint ITF) through the core and writes
// one self-contained HTML page to look at it (src/view/). Exit 2 on a file it cannot read.
import { spawn } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { basename } from "node:path"
import { Console, Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { pageOf } from "../view/page.ts"
import { modelOfFile, ViewInputError } from "../view/sources.ts"
import { BadArguments } from "./simulate.ts"

/** The Quint model whose NODES, PREFERENCE, N, R and W an ITF trace is read against. */
const SPEC_FILE = new URL("../../spec/dynamo.qnt", import.meta.url)

/** FILE.json -> FILE.html (FILE.itf.json -> FILE.html), beside the trace. */
export const defaultPagePath = (file: string): string => `${file.replace(/(\.itf)?\.json$/, "")}.html`

/** Opens the page in the desktop's browser; failing that, the path is already printed. */
const openPage = (path: string): void => {
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open"
  const child = spawn(opener, [path], { detached: true, stdio: "ignore" })
  child.on("error", () => console.error(`could not run ${opener}; open ${path} in a browser`))
  child.unref()
}

export const viewCommand = Command.make(
  "view",
  {
    file: Argument.String("file").pipe(Argument.withDescription("a trace (spec/traces.md) or a Quint ITF trace")),
    out: Flag.String("out").pipe(Flag.withDescription("the HTML page to write (default: the trace's path with .html)"), Flag.optional),
    open: Flag.Boolean("open").pipe(Flag.withDescription("open the page in the default browser"), Flag.withDefault(false))
  },
  Effect.fnUntraced(function*({ file, out, open }) {
    let text: string
    try {
      text = readFileSync(file, "utf8")
    } catch (error) {
      return yield* new BadArguments({ message: `cannot read ${file}: ${(error as Error).message}` })
    }
    const built = yield* Effect.try({
      try: () => modelOfFile(text, file, () => readFileSync(SPEC_FILE, "utf8")),
      catch: (error) => error instanceof ViewInputError ? new BadArguments({ message: error.message }) : new BadArguments({ message: `cannot view ${file}: ${String(error)}` })
    })
    const page = out._tag === "Some" ? out.value : defaultPagePath(file)
    try {
      writeFileSync(page, pageOf(built, text, basename(file)))
    } catch (error) {
      return yield* new BadArguments({ message: `cannot write ${page}: ${(error as Error).message}` })
    }
    const focus = built.focus
    yield* Console.log(
      `wrote ${page}: ${built.steps.length} steps, ${built.arrows.length} arrows` +
        (focus === undefined ? "" : `; ${focus.invariant} detected after step ${focus.step}${focus.write === undefined ? "" : `, write ${focus.write}`}`) +
        (built.divergence === undefined ? "" : `; the replay diverged: ${built.divergence.split("\n")[0]}`)
    )
    if (open) openPage(page)
  })
).pipe(Command.withDescription("Write an HTML page that shows a trace: sequence diagram, per-step node state, the violation's lost write"))
