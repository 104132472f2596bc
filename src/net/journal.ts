// Trace recording for a real node (`dynamo node --record FILE`). Every input the node steps (with
// its `now`), every Recover / Crash / DiskLoss marker and every client reply is appended to
// FILE.jsonl, one JSON line each, written at the end of every tick (before the tick's persists
// are committed, so a record on disk always comes from journalled inputs). FILE itself, in the
// trace format of src/sim/trace.ts, is rebuilt from the journal when the node stops gracefully
// and when it starts again; `dynamo replay FILE` re-runs it through the core.
//
// A kill -9 loses at most the tick in progress (its inputs never reached the disk either). One
// window remains: a kill between a commit and the journal line of its PersistDone leaves records
// on disk that the trace calls lost; a replay then diverges at the restart (see README).
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs"
import { Schema } from "effect"
import { type ClientReply, ClientReplySchema, type NodeId, NodeInputSchema } from "../core/index.ts"
import { TRACE_FORMAT, TRACE_VERSION, decodeTrace, type Trace, type TraceConfig } from "../trace/format.ts"
import type { TraceEvent } from "../trace/step.ts"
import { Buffer } from "node:buffer"

export const JOURNAL_SUFFIX = ".jsonl"
const JOURNAL_FORMAT = "dynamo-shell-journal"
const JOURNAL_VERSION = 1

/** Lines hold the encoded forms (the Schemas' JSON), exactly as the trace file will. */
type JournalLine =
  | { readonly kind: "header"; readonly format: string; readonly version: number; readonly node: NodeId; readonly config: TraceConfig }
  | { readonly kind: "step"; readonly at: number; readonly event: unknown }
  | { readonly kind: "reply"; readonly at: number; readonly reply: unknown }

export class JournalError extends Error {}

const encodeInput = Schema.encodeSync(NodeInputSchema)
const encodeReply = Schema.encodeSync(ClientReplySchema)

/**
 * Rebuilds the trace file's text from a journal's text, checked by decoding it as a trace; a line
 * torn by a kill -9 at the end is ignored.
 */
export const traceOfJournal = (text: string, description?: string): { readonly text: string; readonly trace: Trace } => {
  const lines = text.split("\n")
  if (lines[lines.length - 1] === "") lines.pop()
  let header: Extract<JournalLine, { kind: "header" }> | undefined
  const steps: Array<{ at: number; node: NodeId; event: unknown }> = []
  const replies: Array<{ at: number; reply: unknown }> = []
  lines.forEach((raw, index) => {
    let line: JournalLine
    try {
      line = JSON.parse(raw) as JournalLine
    } catch {
      if (index === lines.length - 1) return
      throw new JournalError(`journal line ${index + 1} is not JSON`)
    }
    switch (line.kind) {
      case "header":
        header ??= line
        return
      case "step":
        steps.push({ at: line.at, node: header?.node ?? "", event: line.event })
        return
      case "reply":
        replies.push({ at: line.at, reply: line.reply })
        return
    }
  })
  if (header === undefined) throw new JournalError("journal has no header line")
  const document = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    source: "shell",
    description: description ?? `network shell, node ${header.node}`,
    config: header.config,
    steps,
    observations: { replies, finalReplicas: [], violations: [] }
  }
  const traceText = JSON.stringify(document) + "\n"
  // Decoded with the trace schema, so a file we write is one replay can read.
  const decoded = decodeTrace(traceText)
  if (decoded._tag === "Error") throw new JournalError(`journal does not make a valid trace: ${decoded.message}`)
  return { text: traceText, trace: decoded.trace }
}

export class Journal {
  private buffer: Array<string> = []
  private fd: number

  private constructor(
    readonly tracePath: string,
    readonly journalPath: string,
    fd: number,
    /** Whether earlier incarnations were recorded into this journal. */
    readonly continued: boolean
  ) {
    this.fd = fd
  }

  /**
   * Opens FILE.jsonl for appending (creating it with a header), after checking that an existing
   * journal was recorded by the same node with the same configuration.
   */
  static open(tracePath: string, node: NodeId, config: TraceConfig): Journal {
    const journalPath = tracePath + JOURNAL_SUFFIX
    let continued = false
    if (existsSync(journalPath)) {
      const text = readFileSync(journalPath, "utf8")
      const first = text.slice(0, text.indexOf("\n"))
      let header: JournalLine | undefined
      try {
        header = JSON.parse(first) as JournalLine
      } catch {
        header = undefined
      }
      if (header?.kind !== "header" || header.format !== JOURNAL_FORMAT) {
        throw new JournalError(`${journalPath} is not a Dynamo shell journal; move it away or pick another --record file`)
      }
      if (header.node !== node) throw new JournalError(`${journalPath} was recorded by node ${header.node}, not ${node}`)
      if (JSON.stringify(header.config) !== JSON.stringify(config)) {
        throw new JournalError(`${journalPath} was recorded with another configuration (members, N, R, W or timeouts differ)`)
      }
      // Drop a line torn by a kill -9, so the next line starts clean.
      const end = text.lastIndexOf("\n") + 1
      if (end < text.length) {
        const fd = openSync(journalPath, "r+")
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)))
        closeSync(fd)
      }
      continued = text.slice(0, end).includes('"kind":"step"')
      writeFileSync(tracePath, traceOfJournal(text.slice(0, end)).text)
    } else {
      const header: JournalLine = { kind: "header", format: JOURNAL_FORMAT, version: JOURNAL_VERSION, node, config }
      writeFileSync(journalPath, JSON.stringify(header) + "\n")
    }
    return new Journal(tracePath, journalPath, openSync(journalPath, "a"), continued)
  }

  step(at: number, event: TraceEvent): void {
    const encoded = event._tag === "Input" ? { _tag: "Input", input: encodeInput(event.input) } : event
    this.buffer.push(JSON.stringify({ kind: "step", at, event: encoded }))
  }

  reply(at: number, reply: ClientReply): void {
    this.buffer.push(JSON.stringify({ kind: "reply", at, reply: encodeReply(reply) }))
  }

  /** Appends the buffered lines to the journal (write, not fsync: it survives a process kill). */
  flush(): void {
    if (this.buffer.length === 0 || this.fd < 0) return
    const text = this.buffer.join("\n") + "\n"
    this.buffer = []
    writeSync(this.fd, text)
  }

  /** Flushes, closes the journal and writes the trace file FILE from it. */
  close(): void {
    if (this.fd < 0) return
    this.flush()
    closeSync(this.fd)
    this.fd = -1
    writeFileSync(this.tracePath, traceOfJournal(readFileSync(this.journalPath, "utf8")).text)
  }
}
