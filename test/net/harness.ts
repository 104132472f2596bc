// Shared plumbing for the network-shell tests: a local cluster of real node processes in a
// temporary directory, a small HTTP client for the API, and polling with a deadline.
import { vi } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { defaultProtocolConfig } from "../../src/core/config.ts"
import { buildRing, preferenceList, RING_CONFIG_DEFAULT, type Ring } from "../../src/core/ring.ts"
import { LocalCluster, type ClusterOptions } from "../../src/net/cluster.ts"

/** Every test and hook of these files is bounded: a cluster test that hangs fails in a minute. */
export const TEST_TIMEOUT_MS = 60_000
vi.setConfig({ testTimeout: TEST_TIMEOUT_MS, hookTimeout: TEST_TIMEOUT_MS })

export const tempDir = (name: string): string => mkdtempSync(join(tmpdir(), `dynamo-${name}-`))

export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true })

export interface Reply {
  readonly status: number
  readonly body: any
  readonly nodes: ReadonlyArray<string>
  readonly coordinator: string | null
  readonly ms: number
}

const call = async (url: string, init: RequestInit = {}): Promise<Reply> => {
  const started = performance.now()
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) })
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // keep the text
  }
  const nodes = response.headers.get("x-dynamo-nodes")
  return {
    status: response.status,
    body,
    nodes: nodes === null || nodes === "" ? [] : nodes.split(","),
    coordinator: response.headers.get("x-dynamo-coordinator"),
    ms: performance.now() - started
  }
}

/** The client API of one node. */
export const api = (base: string) => ({
  get: (key: string, r?: number) => call(`${base}/kv/${encodeURIComponent(key)}${r === undefined ? "" : `?r=${r}`}`),
  put: (key: string, value: string, context?: string, w?: number) =>
    call(`${base}/kv/${encodeURIComponent(key)}${w === undefined ? "" : `?w=${w}`}`, {
      method: "PUT",
      body: JSON.stringify(context === undefined ? { value } : { value, context })
    }),
  del: (key: string, context: string) => call(`${base}/kv/${encodeURIComponent(key)}`, { method: "DELETE", body: JSON.stringify({ context }) }),
  raw: (path: string, init?: RequestInit) => call(`${base}${path}`, init),
  local: (key: string) => call(`${base}/local/${encodeURIComponent(key)}`),
  status: () => call(`${base}/status`)
})

/** Polls `check` until it returns a value other than undefined, or fails naming `what`. */
export const until = async <A>(what: string, check: () => Promise<A | undefined>, timeoutMs: number, intervalMs = 200): Promise<A> => {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last === undefined ? "" : ` (last error: ${String(last)})`}`)
    await new Promise((done) => setTimeout(done, intervalMs))
  }
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

/** The ring every node of an `nodes`-node local cluster computes. */
export const clusterRing = (nodes: number): Ring =>
  buildRing(Array.from({ length: nodes }, (_, i) => ({ id: `n${i + 1}` })), RING_CONFIG_DEFAULT)

export const replicasOf = (ring: Ring, key: string, n = defaultProtocolConfig.n): ReadonlyArray<string> => preferenceList(ring, key, n)

/**
 * Starts a cluster in a fresh temporary directory (traces, with `record`, in DIR/traces);
 * `cleanup` kills it and removes the directory.
 */
export const startCluster = async (name: string, options: Omit<ClusterOptions, "dataDir" | "recordDir"> & { readonly record?: boolean }) => {
  const dir = tempDir(name)
  const cluster = await LocalCluster.start({ ...options, dataDir: join(dir, "data"), recordDir: options.record ? join(dir, "traces") : undefined })
  const cleanup = () => {
    cluster.killAll()
    removeDir(dir)
  }
  return { cluster, dir, cleanup, url: (id: string) => cluster.node(id).url, client: (id: string) => api(cluster.node(id).url) }
}
