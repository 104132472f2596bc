// What `dynamo conform` needs of a store: get (values, several when siblings, and an opaque
// context), put (a value, with the context of an earlier get or none) and delete (a context),
// each reply classified ok, failed (certainly no effect) or indeterminate (it may have taken
// effect: a timeout, a lost connection, an error that does not say). One small module per store.
import type { ReadPromise } from "./history.ts"

/** How long a client waits for any reply before calling the operation indeterminate. */
export const CLIENT_TIMEOUT_MS = 3_000

export type Reply<A> =
  | { readonly _tag: "Ok"; readonly value: A }
  | { readonly _tag: "Failed"; readonly reason: string; readonly conflict?: boolean }
  | { readonly _tag: "Indeterminate"; readonly reason: string }

export interface GetResult {
  /** The live values (siblings when several); empty when the key holds none. */
  readonly values: ReadonlyArray<string>
  /** Opaque: passed back to put or delete to supersede exactly what this get returned. */
  readonly context: string | undefined
}

export interface Adapter {
  readonly name: string
  /** What the store promises about reads, and a line describing it (asked of the first node). */
  describe(url: string): Promise<{ readonly reads: ReadPromise; readonly store: string }>
  /**
   * Resolves true once the node at `url` answers (after a start). `pid` is the process the kit
   * started: an adapter whose store names its process checks that it is this one, since another
   * process can hold the port meanwhile (a node of a concurrent run, started on a port this run's
   * node had freed), and a kit that trusted any answer would send the run's writes to a stranger.
   */
  ready(url: string, pid?: number): Promise<boolean>
  get(url: string, key: string): Promise<Reply<GetResult>>
  put(url: string, key: string, value: string, context: string | undefined): Promise<Reply<void>>
  delete(url: string, key: string, context: string | undefined): Promise<Reply<void>>
}

export const ok = <A>(value: A): Reply<A> => ({ _tag: "Ok", value })
export const failed = (reason: string): Reply<never> => ({ _tag: "Failed", reason })
/** A compare-and-swap that lost the race: no effect, and not the store being unavailable. */
export const conflict = (reason: string): Reply<never> => ({ _tag: "Failed", reason, conflict: true })
export const indeterminate = (reason: string): Reply<never> => ({ _tag: "Indeterminate", reason })

/** The fetch the HTTP adapters use; tests pass a fake that answers in the store's documented format. */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>

/** The HTTP answer, or why there was none, classified as a write's outcome would be. */
export type HttpAnswer =
  | { readonly _tag: "Response"; readonly response: Response; readonly body: string }
  | { readonly _tag: "Unsent"; readonly reason: string }
  | { readonly _tag: "Lost"; readonly reason: string }

/** Connection errors that mean the request never reached the store. */
const UNSENT_CODES = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"])

/**
 * One HTTP request with a deadline. A refused connection is "Unsent" (the store cannot have
 * acted on it); a timeout or a connection lost midway is "Lost" (it may have).
 */
export const request = async (fetcher: Fetch, url: string, init: RequestInit, timeoutMs = CLIENT_TIMEOUT_MS): Promise<HttpAnswer> => {
  try {
    const response = await fetcher(url, { ...init, signal: AbortSignal.timeout(timeoutMs) })
    const body = await response.text()
    return { _tag: "Response", response, body }
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    const code = cause?.code ?? (error as { code?: string }).code
    if (code !== undefined && UNSENT_CODES.has(code)) return { _tag: "Unsent", reason: `${code}: the request was not sent` }
    const name = (error as Error).name
    if (name === "TimeoutError" || name === "AbortError") return { _tag: "Lost", reason: `no reply within ${timeoutMs} ms` }
    return { _tag: "Lost", reason: `${code ?? name}: ${cause?.message ?? (error as Error).message}`.slice(0, 200) }
  }
}

/** Parses a JSON body, or undefined when it is not JSON. */
export const jsonOf = (body: string): unknown => {
  try {
    return JSON.parse(body)
  } catch {
    return undefined
  }
}
