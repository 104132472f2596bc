// Where the async writer (--writer async, src/net/sqlite.ts) syncs a batch: on the node's own
// thread when the writer has been idle, on Node's I/O thread pool otherwise (issue 19). Handing an
// fdatasync to the pool costs a thread wake-up and an event-loop wake-up on the way back, which a
// lone put pays on its coordinator and on each replica; syncing inline costs nothing extra but
// stops the node for the sync, which under load delays every message that arrives meanwhile (the
// reason the pool is the default). So: inline only when nothing was durable for a while, i.e.
// when the recent arrival rate is low against what a sync takes.

/** A batch is synced inline only if the writer was idle at least this long (ms), whatever the syncs take. */
export const IDLE_GAP_MS_MIN = 0.5
/** ...and at least this many times the recent sync duration: the chance that work arrives during the sync stays small. */
export const IDLE_GAP_SYNCS = 2
/** Weight of the newest sync duration in the running estimate (an exponential moving average). */
const SYNC_MS_WEIGHT = 0.25

/**
 * The choice, from the times (ms, one monotonic clock) the last batch became durable and the new
 * batch is written, and what syncs have taken lately.
 */
export class IdleSync {
  private lastDurableMs = -Infinity
  private syncMs = 0

  /** True: sync this batch on the calling thread. */
  inline(nowMs: number): boolean {
    return nowMs - this.lastDurableMs >= Math.max(IDLE_GAP_MS_MIN, IDLE_GAP_SYNCS * this.syncMs)
  }

  /** A batch whose sync started at `startedMs` became durable at `doneMs`. */
  durable(startedMs: number, doneMs: number): void {
    this.syncMs += SYNC_MS_WEIGHT * (Math.max(0, doneMs - startedMs) - this.syncMs)
    this.lastDurableMs = Math.max(this.lastDurableMs, doneMs)
  }

  /** The running estimate of a sync's duration (ms), for tests and status. */
  get recentSyncMs(): number {
    return this.syncMs
  }
}
