// What the trace viewer writes beside each step: a short label for the step's input, one line per
// effect, the keys a step touches and the writes (put values and tombstone ids) it carries. The
// writes are how the viewer follows one write through a run (spec/traces.md: a put's value is its
// request id in simulator and checker traces, so every value names the write that made it).
import { eventOf } from "../trace/format.ts"
import { type AntiEntropyMessage, type ClientReply, type ClientRequest, type NodeEffect, type NodeInput, type PeerMessage, type PersistRecord, siblingValues, type Timer, type Value, type VersionSet } from "../core/index.ts"
import type { TraceEvent } from "../trace/step.ts"

/** The name a write goes by: a put's value, a delete's tombstone id. */
export const writeOfValue: (value: Value) => string = eventOf

/** The writes a sibling set holds, in the core's order. */
export const writesOfSet = (set: VersionSet): ReadonlyArray<string> => siblingValues(set).map(writeOfValue)

const list = (items: ReadonlyArray<string>): string => `[${items.join(", ")}]`

/** The kind of step, for filters and colours: what arrived at the node. */
export type StepKind = "client" | "message" | "timer" | "persist" | "fault" | "start" | "admin"

/** The kind and the tag (message, timer, request or fault name) of a step. */
export const classify = (event: TraceEvent): { readonly kind: StepKind; readonly tag: string } => {
  switch (event._tag) {
    case "Crash":
    case "DiskLoss":
    case "Recover":
      return { kind: "fault", tag: event._tag }
    case "Input":
      return classifyInput(event.input)
  }
}

const classifyInput = (input: NodeInput): { readonly kind: StepKind; readonly tag: string } => {
  switch (input._tag) {
    case "Client":
      return { kind: "client", tag: input.request._tag }
    case "Receive":
      return { kind: "message", tag: input.message._tag }
    case "TimerFired":
      return { kind: "timer", tag: input.timer._tag }
    case "PersistDone":
      return { kind: "persist", tag: "PersistDone" }
    case "Start":
      return { kind: "start", tag: "Start" }
    case "Admin":
      return { kind: "admin", tag: input.command._tag }
    case "PeerUnreachable":
      return { kind: "admin", tag: "PeerUnreachable" }
    case "Beliefs":
      return { kind: "admin", tag: "Beliefs" }
  }
}

// ---------------------------------------------------------------------------------------------
// Writes and keys carried by messages, records, requests and replies

const fromEntries = (entries: ReadonlyArray<{ readonly set: VersionSet }>): ReadonlyArray<string> => entries.flatMap((e) => writesOfSet(e.set))

const antiEntropyWrites = (exchange: AntiEntropyMessage): ReadonlyArray<string> =>
  exchange._tag === "MerkleSync" || exchange._tag === "MerkleSyncReply" ? fromEntries(exchange.entries) : []

const antiEntropyKeys = (exchange: AntiEntropyMessage): ReadonlyArray<string> =>
  exchange._tag === "MerkleSync" ? [...exchange.entries.map((e) => e.key), ...exchange.wanted]
    : exchange._tag === "MerkleSyncReply" ? exchange.entries.map((e) => e.key) : []

export const writesOfRequest = (request: ClientRequest): ReadonlyArray<string> =>
  request._tag === "Put" ? [request.value] : request._tag === "Delete" ? [request.id] : []

export const writesOfReply = (reply: ClientReply): ReadonlyArray<string> =>
  reply._tag === "Failed" ? [] : reply.siblings.map(writeOfValue)

export const writesOfMessage = (message: PeerMessage): ReadonlyArray<string> => {
  switch (message._tag) {
    case "ReadReply":
      // Without a set: the coordinator's own versions, named by the Read's digest.
      return message.set === undefined ? [] : writesOfSet(message.set)
    case "Replicate":
    case "Repair":
    case "HintDeliver":
    case "HintAck":
    case "ForwardMinted":
      return writesOfSet(message.set)
    case "Forward":
      return writesOfRequest(message.request)
    case "ForwardReply":
      return writesOfReply(message.reply)
    case "Handoff":
      return fromEntries(message.entries)
    case "AntiEntropy":
      return message.exchanges.flatMap(antiEntropyWrites)
    case "ReplicateAck":
    case "Read":
    case "ForwardClaim":
    case "ForwardGrant":
    case "Gossip":
    case "HandoffAck":
    case "HandoffPull":
    case "Ping":
    case "Pong":
      return []
  }
}

export const keysOfMessage = (message: PeerMessage): ReadonlyArray<string> => {
  switch (message._tag) {
    case "Replicate":
    case "ReplicateAck":
    case "Read":
    case "ReadReply":
    case "Repair":
    case "HintDeliver":
    case "HintAck":
      return [message.key]
    case "Forward":
    case "ForwardReply":
      return [message._tag === "Forward" ? message.request.key : message.reply.key]
    case "Handoff":
      return message.entries.map((e) => e.key)
    case "AntiEntropy":
      return message.exchanges.flatMap(antiEntropyKeys)
    case "ForwardClaim":
    case "ForwardGrant":
    case "ForwardMinted":
    case "Gossip":
    case "HandoffAck":
    case "HandoffPull":
    case "Ping":
    case "Pong":
      return []
  }
}

export const writesOfRecord = (record: PersistRecord): ReadonlyArray<string> =>
  record._tag === "StoreKey" || record._tag === "StoreHint" ? writesOfSet(record.set) : []

const keyOfRecord = (record: PersistRecord): ReadonlyArray<string> =>
  record._tag === "StoreKey" || record._tag === "StoreHint" || record._tag === "DeleteHint" ? [record.key] : []

/** Every key a step's input and effects name, sorted, each once. */
export const keysOfStep = (event: TraceEvent, effects: ReadonlyArray<NodeEffect>): ReadonlyArray<string> => {
  const keys = new Set<string>()
  if (event._tag === "Input") {
    const input = event.input
    if (input._tag === "Client") keys.add(input.request.key)
    if (input._tag === "Receive") for (const k of keysOfMessage(input.message)) keys.add(k)
  }
  for (const effect of effects) {
    if (effect._tag === "Send") for (const k of keysOfMessage(effect.message)) keys.add(k)
    if (effect._tag === "Persist") for (const k of keyOfRecord(effect.record)) keys.add(k)
    if (effect._tag === "Reply") keys.add(effect.reply.key)
  }
  return [...keys].sort()
}

// ---------------------------------------------------------------------------------------------
// Labels

const timerLabel = (timer: Timer): string => {
  switch (timer._tag) {
    case "RequestTimer":
      return `RequestTimer op ${timer.op} round ${timer.round}`
    case "ForwardTimer":
      return `ForwardTimer op ${timer.op}`
    case "HintScan":
    case "Probe":
    case "Gossip":
    case "AntiEntropy":
    case "Handoff":
      return timer._tag
  }
}

const carried = (writes: ReadonlyArray<string>): string => (writes.length === 0 ? "" : ` ${list([...new Set(writes)])}`)

/** A message in a few words: its tag, its key and op, the writes it carries. */
export const messageLabel = (message: PeerMessage): string => {
  const keys = [...new Set(keysOfMessage(message))]
  const op = "op" in message ? ` op ${message.op}` : ""
  const detail = message._tag === "Gossip" ? ` ${message.gossip._tag}`
    : message._tag === "AntiEntropy" ? ` ${message.exchanges.map((e) => e._tag).join(",")}` : ""
  const hintFor = (message._tag === "Replicate" || message._tag === "Repair") && message.hintFor !== undefined ? ` hint for ${message.hintFor}` : ""
  const same = message._tag === "ReadReply" && message.set === undefined ? " (the coordinator's versions)" : ""
  return `${message._tag}${detail}${keys.length === 0 ? "" : ` ${keys.slice(0, 3).join(",")}${keys.length > 3 ? ",…" : ""}`}${op}${hintFor}${same}${carried(writesOfMessage(message))}`
}

const requestLabel = (request: ClientRequest): string => {
  switch (request._tag) {
    case "Get":
      return `client get ${request.key} (${request.id}${request.r === undefined ? "" : `, R=${request.r}`})`
    case "Put":
      return `client put ${request.key} = ${request.value}${request.value === request.id ? "" : ` (${request.id})`}${request.context.length === 0 ? " blind" : ""}`
    case "Delete":
      return `client delete ${request.key} (${request.id})`
  }
}

export const replyLabel = (reply: ClientReply): string => {
  switch (reply._tag) {
    case "GetOk":
      return `GetOk ${reply.id} ${reply.key} ${list(reply.values)} from ${list(reply.nodes)}`
    case "PutOk":
      return `PutOk ${reply.id} ${reply.key} acked by ${list(reply.nodes)}`
    case "Failed":
      return `Failed ${reply.id} ${reply.key} ${reply.error} (${reply.acks} acks)`
  }
}

const recordLabel = (record: PersistRecord): string => {
  switch (record._tag) {
    case "StoreKey":
      return `StoreKey ${record.key}${carried(writesOfSet(record.set))}`
    case "StoreHint":
      return `StoreHint ${record.key} for ${record.intended}${carried(writesOfSet(record.set))}`
    case "DeleteHint":
      return `DeleteHint ${record.key} for ${record.intended}`
    case "Epoch":
      return `Epoch ${record.epoch}`
    case "Membership":
      return `Membership (${record.view.length} entries)`
    case "HandoffReceived":
      return `HandoffReceived ${record.offer}`
  }
}

/** The one-line label of a step (its input, or the fault). */
export const stepLabel = (event: TraceEvent, durable: ReadonlyArray<PersistRecord>): string => {
  switch (event._tag) {
    case "Crash":
      return "crash (volatile state and pending persists lost)"
    case "DiskLoss":
      return "disk lost (and crash)"
    case "Recover":
      return "recover from disk"
    case "Input": {
      const input = event.input
      switch (input._tag) {
        case "Start":
          return `start (epoch floor ${input.epochFloor})`
        case "Client":
          return requestLabel(input.request)
        case "Receive":
          return `from ${input.from}: ${messageLabel(input.message)}`
        case "TimerFired":
          return `timer ${timerLabel(input.timer)}${input.pick === undefined ? "" : ` pick ${input.pick}`}${input.busy === true ? " (foreground busy)" : ""}`
        case "PersistDone":
          return `persist done #${input.token}${durable.length === 0 ? "" : `: ${durable.map(recordLabel).join("; ")}`}`
        case "Admin":
          return `admin ${input.command._tag} ${input.command.node}`
        case "PeerUnreachable":
          return `peer ${input.node} unreachable`
        case "Beliefs":
          return `failure detector set: ${input.down.length === 0 ? "every peer up" : `${input.down.join(", ")} down`}`
      }
    }
  }
}

/** One line per effect. */
export const effectLabel = (effect: NodeEffect): string => {
  switch (effect._tag) {
    case "Send":
      return `send to ${effect.to}: ${messageLabel(effect.message)}`
    case "SetTimer":
      return `set timer ${timerLabel(effect.timer)} +${effect.afterMs} ms`
    case "CancelTimer":
      return `cancel timer ${timerLabel(effect.timer)}`
    case "Persist":
      return `persist #${effect.token} ${recordLabel(effect.record)}`
    case "Reply":
      return `reply ${replyLabel(effect.reply)}`
  }
}
