// What the simulator records for the invariants that judge histories (src/invariants/oracle.ts:
// AckRecords, ReadRecords, LeaveRecords, EpochRecords): which persists each node's interpreter made
// durable, what the nodes received, acknowledged and handed over, what each disk held when a get
// was sent. Facts only, in plain events (write ids); the rules are in src/invariants/, and
// step-checks.ts feeds these records from each step and calls them.
import type { AckRecords, EpochRecords, LeaveRecords, ReadRecords } from "../invariants/oracle.ts"
import type { Oracle } from "../trace/oracle.ts"

type Events = ReadonlyArray<string>

/** What one node has held durably since its disk was last lost: own store events by key, hint events by key and intended node. */
interface Held {
  readonly own: Map<string, Set<string>>
  readonly hints: Map<string, Map<string, Set<string>>>
}

/** One node's records of its current incarnation (a crash forgets them, as the node forgets). */
interface Incarnation {
  durable: number
  readonly receipts: Map<string, Array<number>>
  readonly acks: Map<string, number>
  readonly copiesHeld: Map<string, Array<{ readonly batch: number; readonly batches: number }>>
  readonly copiesWaiting: Map<string, Array<{ readonly batch: number; readonly batches: number; readonly token: number }>>
  readonly confirmations: Map<string, number>
  /**
   * Per op: the get whose Reads this incarnation sent, who answered them, and the events of the
   * node's local view of the key when it first sent them (what an answer without a set holds).
   */
  readonly gets: Map<number, { readonly key: string; readonly epoch: number; readonly answered: Set<string>; readonly own: ReadonlyArray<string> }>
  epochInFlight: { readonly epoch: number; readonly actor: string; readonly token: number } | undefined
}

const incarnation = (): Incarnation => ({
  durable: -1, receipts: new Map(), acks: new Map(), copiesHeld: new Map(), copiesWaiting: new Map(), confirmations: new Map(), gets: new Map(), epochInFlight: undefined
})

const push = <K, V>(map: Map<K, Array<V>>, key: K, value: V): void => {
  const list = map.get(key)
  if (list === undefined) map.set(key, [value])
  else list.push(value)
}

export class SimRecords implements AckRecords<Events>, ReadRecords<Events>, LeaveRecords<Events>, EpochRecords {
  private readonly held = new Map<string, Held>()
  private readonly current = new Map<string, Incarnation>()
  private readonly diskLostAt = new Map<string, number>()
  /** The highest epoch each node ever started with (an epoch seen before may already be in clocks). */
  private readonly highestEpoch = new Map<string, number>()
  /** Per get id: when it was sent, and each node's own store events for its key at that moment. */
  private readonly sentGets = new Map<string, { readonly at: number; readonly held: ReadonlyMap<string, Events> }>()
  /** Per sender, by move id (`to|start|end`): what its Handoff messages carried. */
  private readonly handoffs = new Map<string, Map<string, { readonly at: number; readonly messages: Array<{ readonly batch: number; readonly keys: ReadonlyArray<{ readonly key: string; readonly events: Events }> }> }>>()

  constructor(
    private readonly oracle: Oracle,
    /** Whether a node is a home replica of a key, and what its own store holds on disk. */
    private readonly world: { isHome(node: string, key: string): boolean; diskHolds(node: string, key: string): Events }
  ) {}

  private of(node: string): Incarnation {
    let current = this.current.get(node)
    if (current === undefined) this.current.set(node, (current = incarnation()))
    return current
  }

  // ---- recording ---------------------------------------------------------------------------

  /** `records` of `node` became durable, up to and including `token`: own store and hint events by key. */
  durable(node: string, token: number, stored: ReadonlyArray<{ readonly key: string; readonly intended: string | undefined; readonly events: Events }>): void {
    const current = this.of(node)
    current.durable = Math.max(current.durable, token)
    let held = this.held.get(node)
    if (held === undefined) this.held.set(node, (held = { own: new Map(), hints: new Map() }))
    for (const { key, intended, events } of stored) {
      let set: Set<string> | undefined
      if (intended === undefined) {
        set = held.own.get(key)
        if (set === undefined) held.own.set(key, (set = new Set()))
      } else {
        let byNode = held.hints.get(key)
        if (byNode === undefined) held.hints.set(key, (byNode = new Map()))
        set = byNode.get(intended)
        if (set === undefined) byNode.set(intended, (set = new Set()))
      }
      for (const event of events) set.add(event)
    }
    // Copies of hand-over batches whose records are now durable are held, in token order.
    const done: Array<readonly [string, { readonly batch: number; readonly batches: number; readonly token: number }]> = []
    for (const [id, waiting] of current.copiesWaiting) {
      const left = waiting.filter((r) => r.token > token)
      for (const r of waiting) if (r.token <= token) done.push([id, r])
      if (left.length === 0) current.copiesWaiting.delete(id)
      else current.copiesWaiting.set(id, left)
    }
    done.sort((a, b) => a[1].token - b[1].token)
    for (const [id, r] of done) push(current.copiesHeld, id, { batch: r.batch, batches: r.batches })
    if (current.epochInFlight !== undefined && token >= current.epochInFlight.token) current.epochInFlight = undefined
  }

  /** A crash ends the incarnation (tokens restart at 0, requests are forgotten); a lost disk forgets what it held. */
  crashed(node: string, loseDisk: boolean, now: number): void {
    this.current.delete(node)
    if (loseDisk) {
      this.held.delete(node)
      this.diskLostAt.set(node, now)
    }
  }

  /** `node` started, persisting the record of `epoch` as `token`: a fresh epoch is in flight until durable. */
  started(node: string, epoch: number, actor: string, token: number): void {
    const current = this.of(node)
    current.gets.clear()
    // An epoch this node started with before (a lost disk without a floor restarts the count:
    // EPOCH-1's domain) may be in clocks already; only a fresh one says who minted what.
    if (epoch > (this.highestEpoch.get(node) ?? 0)) current.epochInFlight = { epoch, actor, token }
    this.highestEpoch.set(node, Math.max(this.highestEpoch.get(node) ?? 0, epoch))
  }

  /** `node` received Replicate `id`, and the step made it persist up to `token`. */
  receivedReplicate(node: string, id: string, token: number): void {
    push(this.of(node).receipts, id, token)
  }

  /** `node` sent a ReplicateAck of `id` (after the check judged it). */
  acknowledgedReplicate(node: string, id: string): void {
    const acks = this.of(node).acks
    acks.set(id, (acks.get(id) ?? 0) + 1)
  }

  /** `node` received a copy of batch `batch` of `batches` of offer `id`; its keys' records persist up to `token` (-1: none). */
  receivedBatch(node: string, id: string, batch: number, batches: number, token: number): void {
    const current = this.of(node)
    if (token <= current.durable) push(current.copiesHeld, id, { batch, batches })
    else push(current.copiesWaiting, id, { batch, batches, token })
  }

  /** `node` sent a HandoffAck of offer `id` (after the check judged it). */
  confirmedBatch(node: string, id: string): void {
    const confirmations = this.of(node).confirmations
    confirmations.set(id, (confirmations.get(id) ?? 0) + 1)
  }

  /**
   * `node` sent Reads for its get `op` of `key` in `epoch` (a new get, or a replacement: the same
   * get again), holding `own()` for the key (read before the step) when it first sent them:
   * asked only then, not for every Read of the get.
   */
  askedRead(node: string, op: number, key: string, epoch: number, own: () => ReadonlyArray<string>): void {
    const gets = this.of(node).gets
    const known = gets.get(op)
    if (known === undefined || known.key !== key || known.epoch !== epoch) gets.set(op, { key, epoch, answered: new Set(), own: own() })
  }

  /** What `node` held for the key when it first sent the Reads of get `op` of `key` in `epoch`; undefined for a get it never asked about in this incarnation. */
  heldWhenAsked(node: string, op: number, key: string, epoch: number): ReadonlyArray<string> | undefined {
    const known = this.of(node).gets.get(op)
    return known !== undefined && known.key === key && known.epoch === epoch ? known.own : undefined
  }

  /** `node` received `from`'s ReadReply to op `op` of `key` in `epoch`. */
  answeredRead(node: string, op: number, key: string, epoch: number, from: string): void {
    const known = this.of(node).gets.get(op)
    if (known !== undefined && known.key === key && known.epoch === epoch) known.answered.add(from)
  }

  /** A client sent get `id`: what each node's own store held on disk for its key. */
  sentGet(id: string, at: number, held: ReadonlyMap<string, Events>): void {
    this.sentGets.set(id, { at, held })
  }

  /** Get `id` was answered: its record is no longer needed. */
  answeredGet(id: string): void {
    this.sentGets.delete(id)
  }

  /** `node` sent a Handoff of move `id` at `at`: batch `batch` with these keys' events. */
  handedOff(node: string, id: string, at: number, batch: number, keys: ReadonlyArray<{ readonly key: string; readonly events: Events }>): void {
    let byMove = this.handoffs.get(node)
    if (byMove === undefined) this.handoffs.set(node, (byMove = new Map()))
    let sent = byMove.get(id)
    if (sent === undefined) byMove.set(id, (sent = { at, messages: [] }))
    sent.messages.push({ batch, keys })
  }

  // ---- AckRecords --------------------------------------------------------------------------

  recorded(event: string): boolean {
    return this.oracle.has(event)
  }

  heldDurably(node: string, key: string, sentAt: number) {
    if ((this.diskLostAt.get(node) ?? -1) >= sentAt) return undefined
    const held = this.held.get(node)
    const own = held?.own.get(key)
    const hints = Array.from(held?.hints.get(key) ?? [], ([intended, events]) => ({ intended, events: [...events] }))
    return { own: own === undefined ? undefined : [...own], hints }
  }

  isHome(node: string, key: string): boolean {
    return this.world.isHome(node, key)
  }

  durableUpTo(node: string): number {
    return this.current.get(node)?.durable ?? -1
  }

  receipts(node: string, id: string): ReadonlyArray<number> {
    return this.current.get(node)?.receipts.get(id) ?? []
  }

  acknowledgements(node: string, id: string): number {
    return this.current.get(node)?.acks.get(id) ?? 0
  }

  copiesHeld(node: string, id: string): ReadonlyArray<{ readonly batch: number; readonly batches: number }> {
    return this.current.get(node)?.copiesHeld.get(id) ?? []
  }

  copiesWaiting(node: string, id: string): ReadonlyArray<{ readonly batch: number; readonly token: number }> {
    return this.current.get(node)?.copiesWaiting.get(id) ?? []
  }

  confirmations(node: string, id: string): number {
    return this.current.get(node)?.confirmations.get(id) ?? 0
  }

  // ---- ReadRecords -------------------------------------------------------------------------

  heldWhenSent(id: string, node: string): Events | undefined {
    const sent = this.sentGets.get(id)
    if (sent === undefined || (this.diskLostAt.get(node) ?? -1) >= sent.at) return undefined
    return sent.held.get(node) ?? []
  }

  gets(coordinator: string): ReadonlyArray<{ readonly op: number; readonly key: string }> {
    return Array.from(this.current.get(coordinator)?.gets ?? [], ([op, get]) => ({ op, key: get.key }))
  }

  answered(coordinator: string, op: number, key: string, from: string): boolean {
    const get = this.current.get(coordinator)?.gets.get(op)
    return get !== undefined && get.key === key && get.answered.has(from)
  }

  // ---- LeaveRecords ------------------------------------------------------------------------

  handedOver(node: string, id: string) {
    return this.handoffs.get(node)?.get(id)
  }

  diskLostSince(node: string, at: number): boolean {
    return (this.diskLostAt.get(node) ?? -1) >= at
  }

  diskHolds(node: string, key: string): Events {
    return this.world.diskHolds(node, key)
  }

  // ---- EpochRecords ------------------------------------------------------------------------

  epochInFlight(node: string) {
    return this.current.get(node)?.epochInFlight
  }
}
