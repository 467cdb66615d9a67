/**
 * The options of the Streamable HTTP handlers (`createHttpHandler`, `createFetchHandler`, `serveHttp`).
 */
import type { ClusterBackend } from '../../cluster/types.js';
import type { ClientCapabilities } from '../../protocol/types.js';
import type { EventStore, InMemoryEventStore, InMemorySessionStore, NotificationBus, SessionStore } from './stores.js';

/** Options of the Streamable HTTP handlers. */
export interface HttpHandlerOptions {
  /** Serve the legacy era (`initialize`, sessions). Default true. */
  legacy?: boolean;
  /** Serve the modern era (2026-07-28, stateless). Default true. */
  modern?: boolean;
  /**
   * Legacy-era sessions. Default true. `false` is the legacy **stateless mode** (the official SDK's
   * `sessionIdGenerator: undefined`): `initialize` is answered without `Mcp-Session-Id` (and without the
   * `listChanged`/`subscribe` capabilities, which would need a channel), every later legacy POST is served on
   * its own short-lived connection that counts as initialized (protocol version from `MCP-Protocol-Version`,
   * 2025-03-26 when absent), `resources/subscribe` answers -32601, GET and DELETE answer 405. Server→client
   * requests (`ctx.input`) still work within one POST's SSE stream. The modern era is unaffected.
   */
  sessions?: boolean;
  /**
   * Stateless legacy mode: the client capabilities every connection assumes, since the ones declared in
   * `initialize` are remembered nowhere. Default `{ sampling: {}, elicitation: { form: {}, url: {} }, roots: {} }`:
   * `ctx.input` sends its requests (as the SDK's stateless server does) and a client without the
   * capability answers with an error. Pass `{}` to make `ctx.input` refuse instead.
   */
  statelessClientCapabilities?: ClientCapabilities;
  /** Stateless legacy mode: most server→client requests awaiting an answer, server-wide. Default 10 000. */
  maxPendingClientRequests?: number;
  /**
   * Stateless legacy mode: most server→client requests awaiting one client's answers (a client is its
   * principal, else its peer address); past it `ctx.input` fails with `VELO_NOT_CONNECTED`. Default 100.
   */
  maxPendingClientRequestsPerClient?: number;
  /** Only this path is served (others get 404). Default: every path. */
  path?: string;
  /** Largest accepted body in bytes (413 past it). Default 4 MiB. */
  maxBodyBytes?: number;
  /**
   * Largest body of a message whose method is always small (`initialize`, `ping`, `resources/subscribe`,
   * `resources/unsubscribe`, `logging/setLevel`, lifecycle notifications), in bytes: 413 with -32600 past it.
   * Default 64 KiB.
   */
  maxSmallRequestBytes?: number;
  /** Milliseconds to receive a whole body (408 past it). Default 30 000. */
  bodyTimeoutMs?: number;
  /** Most legacy sessions at once (503 past it, with `Retry-After`). Default 10 000. */
  maxSessions?: number;
  /**
   * Most legacy sessions of one client at once (429 past it, with `Retry-After`). A client is its principal
   * when `principal` resolves one, else its peer address: behind a reverse proxy set `principal` or raise
   * this. Default 1000.
   */
  maxSessionsPerClient?: number;
  /**
   * A session that has not sent `notifications/initialized` this long after `initialize` is the first to be
   * evicted when the table (or its client's quota) is full. Default 10 000 ms.
   */
  uninitializedSessionGraceMs?: number;
  /** A legacy session with no activity and no work in flight for this long is ended. Default 30 min. */
  sessionIdleTimeoutMs?: number;
  /** Where legacy sessions are recorded. Default: an {@link InMemorySessionStore} of `maxSessions`. */
  sessionStore?: SessionStore;
  /** Where legacy SSE events are kept for `Last-Event-ID`. Default: an {@link InMemoryEventStore}; `false` turns resumability off. */
  eventStore?: EventStore | false;
  /** Fans `notify*` calls out to every process. Default: none (notifications stay in this process). */
  bus?: NotificationBus;
  /**
   * Serve as one node of a cluster (`velomcp/cluster`; docs/scaling.md): legacy sessions, events, tasks and
   * notifications go through the backend's shared seams, so any node serves any request of any session.
   * Replaces `sessionStore`, `eventStore` and `bus`. A backend with `local: true` only supplies the stores.
   * @throws VeloError `VELO_INVALID_CONFIG` (when the handler is created) if the server signs `requestState`
   *   with its random per-process key.
   */
  cluster?: ClusterBackend;
  /** The SSE `retry:` value sent with the priming event, in ms. Default 1000. */
  retryMs?: number;
  /** Interval of `:` keep-alive comments on open SSE streams, in ms; 0 turns them off. Default 15 000. */
  keepAliveMs?: number;
  /**
   * Unread bytes an SSE stream may hold, besides the newest event, measured once each event-loop turn's
   * writes reached the socket (a burst written in one turn that the client reads at once does not count);
   * past it the stream is closed with an error (resumable with `Last-Event-ID` when an event store is on).
   * A single event larger than this is still delivered. Default 8 MiB, as the WebSocket and TCP transports.
   */
  maxStreamBufferBytes?: number;
  /**
   * How long an SSE stream's socket may stay blocked without any of its queued data reaching the client
   * before the stream is closed (a slow reader that makes progress is kept). Node handler only. Default 30 000 ms.
   */
  streamStallTimeoutMs?: number;
  /**
   * DNS-rebinding protection: Host and Origin must be in the allow-lists (403 otherwise). `'auto'` (default)
   * protects requests that arrive on a loopback socket (node handler) or when allow-lists are given (fetch handler).
   */
  dnsRebindingProtection?: boolean | 'auto';
  /** Accepted `Host` values (hostname, or `host:port`). Default: localhost, 127.0.0.1, [::1]. */
  allowedHosts?: readonly string[];
  /** Accepted `Origin` values (full origin, or hostname). Default: localhost, 127.0.0.1, [::1]. */
  allowedOrigins?: readonly string[];
  /** Resolves the authenticated principal of a request (binds MRTR state and sessions). Default: anonymous. */
  principal?: (request: unknown) => string | undefined;
}

/** Sends cluster-wide notifications through the bus (or locally when there is none). */
export interface HttpNotifier {
  toolsChanged(): void;
  promptsChanged(): void;
  resourcesChanged(): void;
  resourceUpdated(uri: string): void;
}
