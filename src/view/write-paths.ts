// The path of each write through a run: the step that issued it, the messages and persists that
// carried it, the replies that listed it, and the steps where a node stopped holding it. Whether
// a drop lost the write or only superseded it is judged by the simulator's oracle (src/trace/oracle.ts),
// never by the clocks under test: a put has seen the writes of the reply whose context it carries,
// so a dropped write is superseded only if a write the node still holds has it in its past.
import type { ClientReply, ClientRequest } from "../core/index.ts"
import { Oracle } from "../trace/oracle.ts"

/** How a node stopped holding a write. */
export type DropKind =
  /** A step of the core replaced it with versions none of which has seen it (a lost write). */
  | "lost"
  /** A step of the core replaced it with a version that has seen it (the normal case). */
  | "superseded"
  /** The disk no longer holds it (a persist replaced it, or the disk was wiped). */
  | "lost-from-disk"
  /** A crash dropped the only (unpersisted) copy the node had. */
  | "lost-in-crash"

export interface Drop {
  readonly step: number
  readonly node: string
  readonly kind: DropKind
}

export interface WritePath {
  readonly key: string
  /** The client step that issued it; -1 when the trace never shows it (e.g. a shell peer's write). */
  origin: number
  /** Every step that carried it, ascending. */
  readonly steps: Array<number>
  /** Every arrow that carried it (its messages and their acknowledgements), ascending. */
  readonly arrows: Array<number>
  readonly drops: Array<Drop>
}

/** What a node holds, per key: the writes among its siblings (store and hints together). */
export type Holdings = ReadonlyMap<string, ReadonlySet<string>>

const canonical = (value: unknown): string => JSON.stringify(value)

export class WritePaths {
  readonly paths = new Map<string, WritePath>()
  private readonly oracle = new Oracle()
  /** Replies seen so far per key: the context they gave and the writes they listed, newest last. */
  private readonly replies = new Map<string, Array<{ readonly client: string; readonly context: string; readonly writes: ReadonlyArray<string> }>>()
  /** Replicate messages' writes by (replica, coordinator, op, epoch, key), so acks join their path. */
  private readonly replicated = new Map<string, ReadonlyArray<string>>()

  private path(write: string, key: string): WritePath {
    let path = this.paths.get(write)
    if (path === undefined) {
      path = { key, origin: -1, steps: [], arrows: [], drops: [] }
      this.paths.set(write, path)
    }
    return path
  }

  /** A client request: a put or delete issues a write, whose causal past the oracle records. */
  issued(step: number, client: string, request: ClientRequest): void {
    if (request._tag === "Get") return
    const write = request._tag === "Put" ? request.value : request.id
    const path = this.path(write, request.key)
    if (path.origin === -1) path.origin = step
    this.onPath([write], request.key, step)
    if (this.oracle.has(write)) return
    const context = canonical(request.context)
    const seen = request.context.length === 0 ? undefined : this.seenBy(request.key, client, context)
    this.oracle.record(write, request.key, seen ?? [])
  }

  /** The writes of the newest reply on `key` with this context (the client's own first). */
  private seenBy(key: string, client: string, context: string): ReadonlyArray<string> | undefined {
    const replies = this.replies.get(key) ?? []
    for (let i = replies.length - 1; i >= 0; i--) if (replies[i]!.client === client && replies[i]!.context === context) return replies[i]!.writes
    for (let i = replies.length - 1; i >= 0; i--) if (replies[i]!.context === context) return replies[i]!.writes
    return undefined
  }

  replied(client: string, reply: ClientReply, writes: ReadonlyArray<string>): void {
    if (reply._tag === "Failed") return
    let replies = this.replies.get(reply.key)
    if (replies === undefined) this.replies.set(reply.key, (replies = []))
    replies.push({ client, context: canonical(reply.context), writes })
  }

  /** `step` (and `arrow`, when given) carried these writes of `key`. */
  onPath(writes: ReadonlyArray<string>, key: string | undefined, step: number, arrow?: number): void {
    for (const write of new Set(writes)) {
      const path = this.path(write, key ?? this.oracle.keyOf(write) ?? "")
      if (path.steps.at(-1) !== step) path.steps.push(step)
      if (arrow !== undefined && !path.arrows.includes(arrow)) path.arrows.push(arrow)
    }
  }

  /** A Replicate from `coordinator` to `replica` carried `writes`: its ReplicateAck will join them. */
  replicate(coordinator: string, replica: string, op: number, epoch: number, key: string, writes: ReadonlyArray<string>): void {
    this.replicated.set(canonical([replica, coordinator, op, epoch, key]), writes)
  }

  /** The writes a ReplicateAck from `replica` to `coordinator` acknowledges. */
  acknowledged(replica: string, coordinator: string, op: number, epoch: number, key: string): ReadonlyArray<string> {
    return this.replicated.get(canonical([replica, coordinator, op, epoch, key])) ?? []
  }

  /**
   * Compares what a node held before and after a step, in memory (after an input the core decided
   * on) or on disk (after any step), and records each write it stopped holding. A disk that lets
   * go of a write for a version that has seen it is the normal end of a persist: not recorded.
   */
  compare(step: number, node: string, before: Holdings, after: Holdings, kind: "memory" | "disk"): void {
    for (const [key, writes] of before) {
      const now = after.get(key)
      for (const write of writes) {
        if (now?.has(write) === true) continue
        const held = now === undefined ? [] : [...now]
        const covered = this.oracle.coveredBy(write, held)
        if (covered && kind === "disk") continue
        const dropKind: DropKind = kind === "disk" ? (covered ? "superseded" : "lost-from-disk") : covered ? "superseded" : "lost"
        this.drop(step, node, write, key, dropKind)
      }
    }
  }

  drop(step: number, node: string, write: string, key: string, kind: DropKind): void {
    const path = this.path(write, key)
    path.drops.push({ step, node, kind })
    if (kind !== "superseded") this.onPath([write], key, step)
  }

  /** Paths with their steps and arrows sorted (steps are added in order; arrows nearly so). */
  finish(): ReadonlyMap<string, WritePath> {
    for (const path of this.paths.values()) {
      path.steps.sort((a, b) => a - b)
      path.arrows.sort((a, b) => a - b)
    }
    return this.paths
  }
}
