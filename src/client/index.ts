// The client library (`import { Client } from "dynamo-reference/client"`): a Promise face
// (`Client`), an Effect service with its layers (`DynamoClient`), the tagged errors, the result
// types and the routing of client-driven coordination (paper section 6.4).
export { Client } from "./promise.ts"
export {
  ATTEMPT_TIMEOUT_MS_DEFAULT,
  ATTEMPTS_MAX_DEFAULT,
  DynamoClient,
  RING_REFRESH_INTERVAL_MS,
  withClient,
  type ClientOptions,
  type Coordination,
  type DeleteOptions,
  type DynamoClientShape,
  type GetOptions,
  type PutOptions,
  type Resolver,
  type UpdateOptions,
  type WriteOptions
} from "./service.ts"
export {
  BadRequest,
  ClusterUnknown,
  errorOfReply,
  nothingWritten,
  OutcomeUnknown,
  ReadFailed,
  TooManySiblings,
  Unavailable,
  UnexpectedReply,
  Unreachable,
  type DynamoError,
  type Operation
} from "./errors.ts"
export type { Deleted, Read, Written } from "./replies.ts"
export { replicaTargets, viewOfStatus, type ClusterView, type Target } from "./routing.ts"
