/**
 * JSON-RPC 2.0 and MCP error codes (spec-notes §5; MCP 2026-07-28 `basic/index.mdx`, "Error Codes").
 * Codes -32020…-32099 are reserved for the MCP specification; only the ones it defines are listed.
 */
export const ErrorCode = {
  /** Invalid JSON was received. HTTP 400 in 2026-07-28. */
  ParseError: -32700,
  /** The JSON sent is not a valid JSON-RPC request. HTTP 400. */
  InvalidRequest: -32600,
  /** Unknown method, or a method whose capability is not offered. HTTP 404 in 2026-07-28. */
  MethodNotFound: -32601,
  /** Invalid method parameters: unknown tool or prompt, bad cursor, missing `_meta`, resource not found (2026-07-28). */
  InvalidParams: -32602,
  /** Internal JSON-RPC error. */
  InternalError: -32603,
  /** Legacy-era (≤ 2025-11-25) resource-not-found code. Must not be emitted from 2026-07-28 on. */
  ResourceNotFound: -32002,
  /** A header and the body disagree, or a required header is missing or malformed (2026-07-28). HTTP 400. */
  HeaderMismatch: -32020,
  /** The request needs a client capability the client did not declare (2026-07-28); `data.requiredCapabilities`. HTTP 400. */
  MissingRequiredClientCapability: -32021,
  /** The requested protocol version is not supported (2026-07-28); `data: {supported, requested}`. HTTP 400. */
  UnsupportedProtocolVersion: -32022,
  /**
   * velomcp (implementation-defined range): the server is at a concurrency limit and its wait queue is full.
   * Retryable; `data: {reason: 'queue_full', scope, limit, retryAfterMs}`. HTTP 503 with `Retry-After`.
   */
  ServerBusy: -32010,
  /**
   * velomcp: a token-bucket rate limit refused the request. Retryable;
   * `data: {reason: 'rate_limited', scope, retryAfterMs}`. HTTP 429 with `Retry-After`.
   */
  RateLimited: -32011,
  /**
   * velomcp: the request's deadline passed (already past on arrival, while queued, or while running; work
   * is cancelled). `data: {reason: 'deadline_exceeded', deadlineMs, phase}`.
   */
  DeadlineExceeded: -32012,
  /**
   * velomcp: the shared-state backend (Redis) of a multi-node deployment is unreachable, so a request that
   * needs the shared state (legacy sessions) cannot be served now. Retryable; the backend reconnects by
   * itself. `data: {reason: 'backend_unavailable', code: 'VELO_BACKEND_UNAVAILABLE', retryAfterMs}`. HTTP 503
   * with `Retry-After`.
   */
  BackendUnavailable: -32013,
  /** URL-mode elicitation is required (2025-11-25 only); `data.elicitations`. */
  UrlElicitationRequired: -32042,
} as const;

/** A numeric JSON-RPC error code, from {@link ErrorCode} or application-defined. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];
