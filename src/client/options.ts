/**
 * Options and public shapes of {@link McpClient}.
 */
import type { JsonObject } from '../jsonrpc/message.js';
import type { ProgressParams } from '../protocol/outbound.js';
import type {
  ClientCapabilities,
  CreateMessageParams,
  CreateMessageResult,
  ElicitFormParams,
  ElicitResult,
  ElicitUrlParams,
  Root,
} from '../protocol/types.js';
import type { ProtocolEra } from '../protocol/versions.js';
import type { McpClient } from './client.js';
import type { StreamableHttpClientOptions } from './streamable-http.js';

/** How the client picks its era: `'legacy'` (initialize), `'auto'` (probe, then fall back), or one pinned modern version. */
export type EraOption = 'legacy' | 'auto' | { pin: string };

/** Context given to the server→client handlers. */
export interface HandlerContext {
  /** Aborted when the request is cancelled or the client closes. */
  signal: AbortSignal;
  /** The era the request arrived in (legacy: a JSON-RPC request; modern: an MRTR input request). */
  era: ProtocolEra;
}

/** Answers `sampling/createMessage` (MCP `client/sampling.mdx`). */
export type SamplingHandler = (params: CreateMessageParams, ctx: HandlerContext) => CreateMessageResult | Promise<CreateMessageResult>;
/**
 * Answers `elicitation/create` in form or URL mode (MCP `client/elicitation.mdx`). For accepted forms the
 * client fills omitted fields with the schema's defaults (SEP-1034).
 */
export type ElicitationHandler = (params: ElicitFormParams | ElicitUrlParams, ctx: HandlerContext) => ElicitResult | Promise<ElicitResult>;
/** Answers `roots/list` (MCP `client/roots.mdx`); by default the client returns the roots given with {@link McpClient.setRoots}. */
export type RootsHandler = (ctx: HandlerContext) => Root[] | Promise<Root[]>;

/** A server notification as delivered to {@link McpClientOptions.onNotification}. */
export interface ServerNotification {
  method: string;
  params: JsonObject | undefined;
}

/** Options of {@link McpClient}. */
export interface McpClientOptions {
  /** Era negotiation (default `'auto'`). */
  era?: EraOption;
  /** The legacy version asked for in `initialize` (default `2025-11-25`). */
  legacyProtocolVersion?: string;
  /** Extra capabilities merged over the ones derived from the handlers. */
  capabilities?: ClientCapabilities;
  /** Server→client handlers; each one declares its capability. */
  handlers?: { sampling?: SamplingHandler; elicitation?: ElicitationHandler; roots?: RootsHandler };
  /** Initial roots (declares the `roots` capability with `listChanged`). */
  roots?: Root[];
  /** Default request timeout in milliseconds (default 60 000). */
  requestTimeoutMs?: number;
  /** Timeout of the `server/discover` probe in `'auto'` mode, in milliseconds (default 5000); a timeout means legacy. */
  probeTimeoutMs?: number;
  /** Most `input_required` rounds for one request before failing with `VELO_PROTOCOL_ERROR` (default 10). */
  maxInputRounds?: number;
  /** Most re-issues of one modern request after transport drops (default 3). */
  maxReissues?: number;
  /** Reconnection after a transport drop (needs a transport factory or a URL); `false` disables it. */
  reconnect?: false | { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Reuse fresh cacheable modern results (default true). */
  cache?: boolean;
  /** Options of the HTTP transports made for URL targets. `transport: 'auto'` falls back to HTTP+SSE. */
  http?: StreamableHttpClientOptions & { transport?: 'streamable-http' | 'sse' | 'auto'; sseUrl?: string };
  /** Every server notification (after the client's own handling: progress, cache invalidation, listen routing). */
  onNotification?: (notification: ServerNotification) => void;
  /** Problems that do not belong to one request: malformed frames, stream failures, handler crashes. */
  onError?: (error: Error) => void;
  /** Legacy era: the session expired (HTTP 404) or was lost with the connection, and a new one was initialized. */
  onSessionExpired?: (info: { reason: string }) => void;
  /** The transport dropped and the client reconnected (`attempt` counts from 1). */
  onReconnect?: (info: { attempt: number; era: ProtocolEra }) => void;
  /** The client closed for good (`error` set when it was not asked to). */
  onClose?: (info: { error?: Error }) => void;
}

/** Per-call options. Times are in milliseconds. */
export interface CallOptions {
  /** Aborting cancels the request (`notifications/cancelled`, or closing the HTTP stream in the modern era). */
  signal?: AbortSignal;
  /** Timeout without a response (default: the client's `requestTimeoutMs`). */
  timeoutMs?: number;
  /** Restart the timeout on each progress notification. */
  resetTimeoutOnProgress?: boolean;
  /** Hard limit whatever progress arrives, across re-issues and input rounds. */
  maxTotalTimeoutMs?: number;
  /** Receives progress; adds a `progressToken` to the request. */
  onProgress?: (progress: ProgressParams) => void;
  /** Skip the response cache for this call. */
  noCache?: boolean;
}

/** What `subscriptions/listen` asks for (2026-07-28 `basic/patterns/subscriptions.mdx`). */
export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

/** A live subscription made by {@link McpClient.listen}. */
export interface McpSubscription {
  /** The subset of the filter the server will honour (from its acknowledgement). */
  readonly acknowledged: ListenFilter;
  /** Resolves when the subscription ended (closed by either side, or the client closed). */
  readonly ended: Promise<void>;
  /** Ends the subscription. Idempotent. */
  close(): void;
}

/** A paginated list result. */
export interface ListResult {
  nextCursor?: string;
  _meta?: JsonObject;
  [key: string]: unknown;
}

