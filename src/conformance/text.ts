// Canonical text of versions, messages and replies, the same for the model and the core: the
// conformance driver compares the two sides through these lines.
import { actorOf, contextOf, isEmptySet, type Value, type VClock, type VersionSet } from "../core/index.ts"
import type { Actor, Message, Versions } from "./itf.ts"

const actorName = (actor: Actor): string => actorOf({ id: actor.node, epoch: actor.epoch })
const writeName = (writeId: number, tombstone: boolean): string => `w${writeId}${tombstone ? "†" : ""}`
/** Write w is put as value `w<w>`, a delete of it carries the request id `w<w>`. */
const valueName = (value: Value): string => (value._tag === "Put" ? value.value : `${value.id}†`)
export const sorted = (items: Iterable<string>): Array<string> => [...items].sort()

const modelContext = (versions: Versions): Array<string> =>
  sorted(versions.context.filter(([, counter]) => counter > 0).map(([actor, counter]) => `${actorName(actor)}:${counter}`))
const coreContext = (context: VClock): Array<string> => sorted(context.map((entry) => `${entry.node}:${entry.counter}`))

/** Siblings with their dots, and the context: `{w1@n1:1 w3†@n2#2:1 | n1:1 n2#2:1}`. */
export function modelVersionsText(versions: Versions): string {
  const siblings = sorted(versions.siblings.map((s) => `${writeName(s.writeId, s.tombstone)}@${actorName(s.dotActor)}:${s.dotCounter}`))
  return `{${siblings.join(" ")} | ${modelContext(versions).join(" ")}}`
}

export function coreVersionsText(set: VersionSet): string {
  if (isEmptySet(set)) return "{ | }"
  if (set.mode !== "dvv") throw new Error(`the conformance driver compares dvv sets, got ${set.mode}`)
  const siblings: Array<string> = []
  // DVVSet: values[j] of an entry carries the dot (node, counter - j).
  for (const entry of set.entries) entry.values.forEach((value, j) => siblings.push(`${valueName(value)}@${entry.node}:${entry.counter - j}`))
  return `{${sorted(siblings).join(" ")} | ${coreContext(contextOf(set)).join(" ")}}`
}

/** What a client sees: the siblings (no dots) and the context. */
export const modelReplyVersions = (versions: Versions): string =>
  `{${sorted(versions.siblings.map((s) => writeName(s.writeId, s.tombstone))).join(" ")} | ${modelContext(versions).join(" ")}}`
export const coreReplyVersions = (siblings: ReadonlyArray<Value>, context: VClock): string =>
  `{${sorted(siblings.map(valueName)).join(" ")} | ${coreContext(context).join(" ")}}`

export function modelMessageText(message: Message): string {
  switch (message.tag) {
    case "Replicate": {
      const m = message.value
      const hint = m.placement === undefined ? "" : ` hint for ${m.placement}`
      return `Replicate ${m.src}->${m.dst} ${m.key} w${m.writeId}${hint} ${modelVersionsText(m.versions)}`
    }
    case "Ack":
      return `Ack ${message.value.src}->${message.value.dst} w${message.value.writeId}`
    case "Handoff": {
      const m = message.value
      return `Handoff ${m.src}->${m.dst} ${m.hint.key} hint ${m.hint.holder}->${m.hint.intended} ${modelVersionsText(m.hint.versions)}`
    }
    case "HandoffAck": {
      const m = message.value
      return `HandoffAck ${m.src}->${m.dst} ${m.hint.key} hint ${m.hint.holder}->${m.hint.intended} ${modelVersionsText(m.hint.versions)}`
    }
    case "Repair": {
      const m = message.value
      return `Repair ${m.src}->${m.dst} ${m.key} ${modelVersionsText(m.versions)}`
    }
  }
}
