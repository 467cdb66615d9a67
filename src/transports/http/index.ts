/**
 * `velomcp/http`: Streamable HTTP for both protocol eras on one endpoint (MCP 2025-03-26…2025-11-25
 * sessions and 2026-07-28 stateless requests), as a `node:http` handler, a web-standard fetch handler, and
 * a ready server; plus the deprecated HTTP+SSE transport (2024-11-05) and the pluggable state seams.
 * @packageDocumentation
 */
export { createHttpHandler, serveHttp, type NodeHttpHandler, type NodeHttpHandlerOptions, type ServeHttpOptions, type HttpServerHandle } from './node.js';
export { createFetchHandler, type FetchHandler } from './fetch.js';
export type { HttpHandlerOptions, HttpNotifier } from './options.js';
export {
  InMemorySessionStore,
  InMemoryEventStore,
  InMemoryNotificationBus,
  type SessionStore,
  type SessionRecord,
  type EventStore,
  type NotificationBus,
  type BusEvent,
  type MaybePromise,
  type InMemorySessionStoreOptions,
  type InMemoryEventStoreOptions,
} from './stores.js';
export type { LegacySseOptions } from '../sse/engine.js';
