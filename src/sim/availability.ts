// AVAIL-1 and AVAIL-2 (spec/README.md): which client requests the store owes an answer, judged
// from the simulator's own record of what happened (crashes, restarts, partitions, lost
// messages, ring changes), never from a node's failure detector, which is what is under test.
import { availabilityBoundMs, type ProtocolConfig } from "../core/index.ts"
import { availOwedAnswered, type OwedOutcome } from "../invariants/availability.ts"

/** A request that arrives within this long of its node's start may find it still recovering (NotReady). */
export const STARTUP_GRACE_MS = 100

export interface RequestRecord {
  readonly id: string
  readonly node: string
  readonly kind: "get" | "put" | "delete"
  readonly key: string
  readonly at: number
  /** The key's top N on the ring the run started with (no ring change happens in a judged run). */
  readonly top: ReadonlyArray<string>
  replied?: { readonly ok: boolean; readonly at: number; readonly error?: string }
}

export interface AvailabilityViolation {
  readonly invariant: "AVAIL-1" | "AVAIL-2"
  readonly at: number
  readonly message: string
}

type Happening =
  | { readonly _tag: "Crash"; readonly node: string; readonly at: number }
  | { readonly _tag: "Start"; readonly node: string; readonly at: number }
  | { readonly _tag: "Cut"; readonly isolated: ReadonlyArray<string>; readonly at: number }
  | { readonly _tag: "Drop"; readonly at: number }
  | { readonly _tag: "RingChange"; readonly at: number }

/** The log the world appends to as the run goes, and the judgement over it. */
export class AvailabilityRecord {
  private readonly happenings: Array<Happening> = []
  private readonly requests: Array<RequestRecord> = []
  private readonly byId = new Map<string, RequestRecord>()
  /** Sometimes: how many requests were judged owed, and how many of those went through a fault. */
  owed = 0
  owedAfterCrash = 0

  constructor(private readonly members: ReadonlyArray<string>, private readonly config: ProtocolConfig) {}

  crash(node: string, at: number): void {
    this.happenings.push({ _tag: "Crash", node, at })
  }

  start(node: string, at: number): void {
    this.happenings.push({ _tag: "Start", node, at })
  }

  cut(isolated: ReadonlyArray<string>, at: number): void {
    this.happenings.push({ _tag: "Cut", isolated, at })
  }

  drop(at: number): void {
    const last = this.happenings[this.happenings.length - 1]
    if (last?._tag === "Drop" && last.at === at) return
    this.happenings.push({ _tag: "Drop", at })
  }

  ringChange(at: number): void {
    this.happenings.push({ _tag: "RingChange", at })
  }

  request(record: RequestRecord): void {
    this.requests.push(record)
    this.byId.set(record.id, record)
  }

  reply(id: string, ok: boolean, at: number, error?: string): void {
    const record = this.byId.get(id)
    if (record === undefined || record.replied !== undefined) return
    record.replied = error === undefined ? { ok, at } : { ok, at, error }
  }

  /**
   * Every request whose window [at, at + bound] ended by `now` and met the premise, but was not
   * answered with success within it. The premise: the receiving node was up and had been up
   * STARTUP_GRACE_MS; no join or leave happened before the window ended; during the window no
   * node of the key's top N crashed, the partition did not change, no message was lost; and at least W nodes (R for a get)
   * stayed up on the receiving node's side of the partition, itself included.
   */
  judge(now: number): ReadonlyArray<AvailabilityViolation> {
    const bound = availabilityBoundMs(this.config)
    const violations: Array<AvailabilityViolation> = []
    for (const request of this.requests) {
      const end = request.at + bound
      if (end > now || !this.premiseHolds(request, end)) continue
      this.owed += 1
      if (this.happenings.some((h) => h._tag === "Crash" && h.at <= request.at)) this.owedAfterCrash += 1
      const replied = request.replied
      const outcome: OwedOutcome = replied === undefined ? { _tag: "Unanswered", by: end }
        : !replied.ok ? { _tag: "Failed", at: replied.at, error: replied.error ?? "error" }
        : replied.at > end ? { _tag: "Late", at: replied.at } : { _tag: "Succeeded" }
      const finding = availOwedAnswered({
        kind: request.kind, id: request.id, key: request.key, node: request.node, at: request.at,
        up: this.upThroughout(request, end),
        quorum: request.kind === "get" ? `R=${this.config.r}` : `W=${this.config.w}`,
        premise: `no crash among [${request.top.join(", ")}], no cut, loss or ring change`
      }, outcome)
      if (finding !== undefined) violations.push({ invariant: finding.invariant as AvailabilityViolation["invariant"], at: end, message: finding.message })
    }
    return violations
  }

  private premiseHolds(request: RequestRecord, end: number): boolean {
    if (!this.upAt(request.node, request.at - STARTUP_GRACE_MS) || !this.upAt(request.node, request.at)) return false
    for (const h of this.happenings) {
      // A join or leave changes the ring for as long as its hand-overs take: none may precede the window's end.
      if (h._tag === "RingChange" && h.at <= end) return false
      if (h.at < request.at - STARTUP_GRACE_MS || h.at > end) continue
      const inWindow = h.at >= request.at
      switch (h._tag) {
        case "Crash":
          if (h.node === request.node || (inWindow && request.top.includes(h.node))) return false
          break
        case "Start":
          if (h.node === request.node) return false
          break
        case "Cut":
        case "Drop":
          if (inWindow) return false
          break
        case "RingChange":
          break
      }
    }
    const quorum = request.kind === "get" ? this.config.r : this.config.w
    return this.upThroughout(request, end).length >= quorum
  }

  /** Nodes up for the whole window on the receiving node's side of the partition in force. */
  private upThroughout(request: RequestRecord, end: number): ReadonlyArray<string> {
    const isolated = this.isolatedAt(request.at)
    const side = (node: string) => isolated.has(node) === isolated.has(request.node)
    return this.members.filter((node) =>
      side(node) && this.upAt(node, request.at) &&
      !this.happenings.some((h) => h._tag === "Crash" && h.node === node && h.at >= request.at && h.at <= end))
  }

  private upAt(node: string, at: number): boolean {
    let up = false
    for (const h of this.happenings) {
      if (h.at > at) break
      if (h._tag === "Start" && h.node === node) up = true
      if (h._tag === "Crash" && h.node === node) up = false
    }
    return up
  }

  private isolatedAt(at: number): ReadonlySet<string> {
    let isolated: ReadonlySet<string> = new Set()
    for (const h of this.happenings) {
      if (h.at > at) break
      if (h._tag === "Cut") isolated = new Set(h.isolated)
    }
    return isolated
  }
}
