// The simulator's per-step invariant checks that live outside world.ts (issue 18): ACK-1, ACK-2,
// ACK-3, HINT-2, EPOCH-1, EPOCH-2, LEAVE-1, READ-2, READ-3 here (DUR-2 is in
// src/invariants/durability.ts). The world calls four hooks: after each step, when records become
// durable, at a crash, at each acknowledged put.
import type { DurableState } from "../../core/index.ts"
import type { ClientReply, NodeEffect, NodeInput, PersistRecord } from "../../core/index.ts"
import type { NodeState } from "../../core/index.ts"
import { epochOf } from "../../core/index.ts"
import type { Oracle } from "../../trace/oracle.ts"
import { AcknowledgementChecks } from "./acks.ts"
import { checkStartEpoch } from "./epoch.ts"
import { EpochDurableChecks } from "./epoch-durable.ts"
import type { Finding } from "./events.ts"
import { HandoffAckChecks } from "./handoff-acks.ts"
import { LeaveChecks } from "./leave.ts"
import { ReadAnswerChecks } from "./read-answers.ts"
import { checkReadReplies } from "./reads.ts"
import { GetReplyChecks } from "./get-replies.ts"

export type { Finding } from "./events.ts"

export class StepChecks {
  private readonly acks: AcknowledgementChecks
  private readonly leaves: LeaveChecks
  private readonly gets: GetReplyChecks
  private readonly handoffAcks = new HandoffAckChecks()
  private readonly readAnswers = new ReadAnswerChecks()
  private readonly epochs = new EpochDurableChecks()

  constructor(private readonly oracle: Oracle, w: number) {
    this.acks = new AcknowledgementChecks(oracle, w)
    this.leaves = new LeaveChecks(oracle)
    this.gets = new GetReplyChecks(oracle)
  }

  /** One step of `node`; `diskOf` gives any node's disk and when it was last lost. */
  step(
    node: string,
    before: NodeState,
    after: NodeState,
    input: NodeInput,
    effects: ReadonlyArray<NodeEffect>,
    now: number,
    diskOf: (id: string) => { readonly disk: DurableState; readonly lostAt: number }
  ): Finding | undefined {
    return checkStartEpoch(node, epochOf(before), input, effects)
      ?? this.epochs.step(node, input, effects)
      ?? this.acks.step(node, input, effects)
      ?? this.handoffAcks.step(node, input, effects)
      ?? this.readAnswers.step(node, input, effects)
      ?? checkReadReplies(this.oracle, node, before, effects)
      ?? this.leaves.step(node, before, after, effects, now, diskOf)
  }

  durable(node: string, token: number, records: ReadonlyArray<PersistRecord>): void {
    this.acks.durable(node, token, records)
    this.handoffAcks.durable(node, token)
    this.epochs.durable(node, token)
  }

  crashed(node: string, loseDisk: boolean, now: number): void {
    this.acks.crashed(node, loseDisk, now)
    this.handoffAcks.crashed(node)
    this.readAnswers.crashed(node)
    this.epochs.crashed(node)
  }

  getIssued(id: string, key: string, at: number, disks: ReadonlyArray<readonly [node: string, disk: DurableState]>): void {
    this.gets.issued(id, key, at, disks)
  }

  getAnswered(reply: Extract<ClientReply, { _tag: "GetOk" }>, diskLostAt: (node: string) => number): Finding | undefined {
    return this.gets.answered(reply, diskLostAt)
  }

  putAcknowledged(reply: Extract<ClientReply, { _tag: "PutOk" }>, issuedAt: number, homes: ReadonlySet<string>): Finding | undefined {
    return this.acks.putAcknowledged(reply, issuedAt, homes)
  }
}
