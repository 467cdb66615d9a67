/**
 * The two error families (STYLE.md §5):
 * - {@link McpError}: a wire error with a numeric JSON-RPC code, a message and optional data. Thrown by
 *   handlers to answer a request with a JSON-RPC error; received by clients when the peer answers with one.
 * - {@link VeloError}: a local failure with a stable string code (timeouts, closed transports, bad
 *   configuration). It never goes on the wire as such. Every code is listed in `docs/errors.md`.
 */

import { ErrorCode } from './codes.js';

const mcpErrorBrand = Symbol.for('velomcp.McpError');
const veloErrorBrand = Symbol.for('velomcp.VeloError');

/** A JSON-RPC error object as carried in a response (JSON-RPC 2.0 §5.1). */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/**
 * A wire error: answering a request with it produces `{"error": {code, message, data}}`.
 * `instanceof` works across duplicate copies of the package (brand via `Symbol.for`).
 */
export class McpError extends Error {
  readonly code: number;
  readonly data: unknown;

  /**
   * @param code - JSON-RPC error code (see `ErrorCode`).
   * @param message - Human-readable message.
   * @param data - Optional structured data, sent as `error.data`.
   */
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'McpError';
    this.code = code;
    this.data = data;
  }

  /** The JSON-RPC error object for this error. */
  toJSON(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[mcpErrorBrand] === true;
  }
}
Object.defineProperty(McpError.prototype, mcpErrorBrand, { value: true });

/** Stable string codes of local errors. Listed with explanations in `docs/errors.md`. */
export type VeloErrorCode =
  | 'VELO_REQUEST_TIMEOUT'
  | 'VELO_REQUEST_CANCELLED'
  | 'VELO_CONNECTION_CLOSED'
  | 'VELO_INVALID_SCHEMA'
  | 'VELO_INVALID_REGISTRATION'
  | 'VELO_DUPLICATE_REGISTRATION'
  | 'VELO_INVALID_CONFIG'
  | 'VELO_INVALID_MODULE'
  | 'VELO_MESSAGE_TOO_LARGE'
  | 'VELO_CAPABILITY_MISSING'
  | 'VELO_NOT_CONNECTED'
  | 'VELO_HTTP_ERROR'
  | 'VELO_SESSION_EXPIRED'
  | 'VELO_PROTOCOL_ERROR'
  | 'VELO_CATEGORY_LOAD_FAILED'
  | 'VELO_POOL_CLOSED'
  | 'VELO_POOL_TIMEOUT'
  | 'VELO_QUEUE_FULL'
  | 'VELO_WORKER_CRASHED'
  | 'VELO_WORKER_TIMEOUT'
  | 'VELO_WORKFLOW_INVALID'
  | 'VELO_WORKFLOW_REFERENCE'
  | 'VELO_WORKFLOW_PARAMS'
  | 'VELO_WORKFLOW_TEMPLATE'
  | 'VELO_WORKFLOW_STEP_FAILED'
  | 'VELO_UNAUTHORIZED'
  | 'VELO_BACKEND_UNAVAILABLE';

/** A local failure with a stable string code; never sent on the wire. */
export class VeloError extends Error {
  readonly code: VeloErrorCode;

  /**
   * @param code - Stable string code (see `docs/errors.md`).
   * @param message - Human-readable message.
   * @param options - Standard `ErrorOptions` (`cause`).
   */
  constructor(code: VeloErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VeloError';
    this.code = code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[veloErrorBrand] === true;
  }
}
Object.defineProperty(VeloError.prototype, veloErrorBrand, { value: true });

/** `Retry-After` suggested when a backend outage gives no estimate of its own, in ms. */
const DEFAULT_RETRY_AFTER_MS = 1000;

/**
 * The JSON-RPC error for a request that needs a shared-state backend (Redis) while it is unreachable:
 * `BackendUnavailable` (-32013), retryable, `data: {reason: "backend_unavailable", code:
 * "VELO_BACKEND_UNAVAILABLE", retryAfterMs}` (docs/errors.md). Over HTTP it goes with 503 + `Retry-After`.
 *
 * @param message - What is unavailable (the store's `VELO_BACKEND_UNAVAILABLE` message).
 * @param retryAfterMs - Suggested wait before retrying, in ms (default 1000; at least 1).
 */
export function backendUnavailableError(message: string, retryAfterMs = DEFAULT_RETRY_AFTER_MS): JsonRpcErrorObject {
  return {
    code: ErrorCode.BackendUnavailable,
    message: `Service Unavailable: ${message}`,
    data: { reason: 'backend_unavailable', code: 'VELO_BACKEND_UNAVAILABLE', retryAfterMs: Math.max(1, retryAfterMs) },
  };
}
