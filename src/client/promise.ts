// The client for code that does not use Effect: the same service (src/client/service.ts) behind
// Promises. A failed operation rejects with one of the tagged errors of src/client/errors.ts
// (each an Error with a `_tag`); `close()` stops the ring refresh and the connection pools.
import { Effect, ManagedRuntime } from "effect"
import type { ClusterUnknown } from "./errors.ts"
import type { Deleted, Read, Written } from "./replies.ts"
import type { ClusterView } from "./routing.ts"
import {
  DynamoClient,
  type ClientOptions,
  type DeleteOptions,
  type DynamoClientShape,
  type GetOptions,
  type PutOptions,
  type Resolver,
  type UpdateOptions,
  type WriteOptions
} from "./service.ts"

/**
 * A connected client. `Client.connect` learns the ring (client-driven) before it resolves.
 * @example
 * const client = await Client.connect({ nodes: ["http://127.0.0.1:7001"] })
 * const read = await client.get("cart")
 * await client.put("cart", "milk", { context: read.context })
 * await client.close()
 */
export class Client {
  private constructor(
    private readonly runtime: ManagedRuntime.ManagedRuntime<DynamoClient, ClusterUnknown>,
    private readonly service: DynamoClientShape
  ) {}

  /** Connects; rejects with ClusterUnknown when client-driven and no node gives the ring. */
  static async connect(options: ClientOptions): Promise<Client> {
    const runtime = ManagedRuntime.make(DynamoClient.layerNode(options))
    try {
      return new Client(runtime, await runtime.runPromise(DynamoClient.use(Effect.succeed)))
    } catch (error) {
      await runtime.dispose()
      throw error
    }
  }

  get coordination(): ClientOptions["coordination"] {
    return this.service.coordination
  }

  get(key: string, options?: GetOptions): Promise<Read> {
    return this.runtime.runPromise(this.service.get(key, options))
  }

  put(key: string, value: string, options?: PutOptions): Promise<Written> {
    return this.runtime.runPromise(this.service.put(key, value, options))
  }

  delete(key: string, options: DeleteOptions): Promise<Deleted> {
    return this.runtime.runPromise(this.service.delete(key, options))
  }

  resolve(key: string, resolver: Resolver, options?: WriteOptions & GetOptions): Promise<Read> {
    return this.runtime.runPromise(this.service.resolve(key, resolver, options))
  }

  update(key: string, modify: (current: string | undefined) => string, options: UpdateOptions): Promise<Written> {
    return this.runtime.runPromise(this.service.update(key, modify, options))
  }

  status(url?: string): Promise<{ readonly url: string; readonly body: unknown }> {
    return this.runtime.runPromise(this.service.status(url))
  }

  refresh(): Promise<ClusterView> {
    return this.runtime.runPromise(this.service.refresh)
  }

  /** The ring as last learnt (undefined when server-driven). */
  view(): ClusterView | undefined {
    return this.service.view()
  }

  close(): Promise<void> {
    return this.runtime.dispose()
  }
}
