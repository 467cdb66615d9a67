/** @internal Small wire helpers of the Streamable HTTP engine: headers, error bodies, response detection. */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { serializeError, type JsonRpcId } from '../../jsonrpc/message.js';
import type { OutHeaders } from './ports.js';

export const JSON_HEADERS: OutHeaders = { 'content-type': 'application/json' };
export const SSE_BASE: OutHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };
export const NAMED_METHODS = new Set(['tools/call', 'resources/read', 'prompts/get', 'tasks/get', 'tasks/update', 'tasks/cancel']);

/** HTTP status for a JSON-RPC error code the connection produced (modern era, spec-notes §4/§5). */
export function modernStatus(code: number): number {
  switch (code) {
    case ErrorCode.ParseError:
    case ErrorCode.InvalidRequest:
    case ErrorCode.HeaderMismatch:
    case ErrorCode.MissingRequiredClientCapability:
    case ErrorCode.UnsupportedProtocolVersion:
      return 400;
    case ErrorCode.MethodNotFound:
      return 404;
    case ErrorCode.ServerBusy:
    case ErrorCode.BackendUnavailable:
      return 503;
    case ErrorCode.RateLimited:
      return 429;
    default:
      return 200;
  }
}

/**
 * `application/json` or a `+json` structured suffix, then end or parameters. Linear (no nested quantifier can
 * re-split input), and `application/json-seq` (RFC 7464, a different framing) does not pass.
 */
export const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json[\t ]*(?:;|$)/i;

/** Methods whose requests are always small; their bodies get `maxSmallRequestBytes` instead of `maxBodyBytes`. */
export const SMALL_METHODS: ReadonlySet<string> = new Set(['initialize', 'ping', 'resources/subscribe', 'resources/unsubscribe', 'logging/setLevel', 'notifications/initialized', 'notifications/cancelled', 'notifications/roots/list_changed']);

/**
 * The 413 body for a message of a small method (see {@link SMALL_METHODS}) longer than `limit` characters, or
 * undefined when the body is within bounds. Batches are measured as a whole when any member is small.
 */
export function smallRequestProblem(body: unknown, length: number, limit: number): string | undefined {
  if (length <= limit) return undefined;
  const items = Array.isArray(body) ? body : [body];
  for (const item of items) {
    if (typeof item !== 'object' || item === null) continue;
    const method = (item as { method?: unknown }).method;
    if (typeof method === 'string' && SMALL_METHODS.has(method)) {
      const id = (item as { id?: unknown }).id;
      return errorBody(
        typeof id === 'string' || typeof id === 'number' ? id : null,
        ErrorCode.InvalidRequest,
        `Invalid Request: a ${method} message exceeds the limit of ${limit} bytes for small requests (maxSmallRequestBytes)`,
      );
    }
  }
  return undefined;
}

/**
 * Response headers of a modern-era JSON error answer: `Retry-After` (whole seconds, at least 1) for the
 * retryable admission errors (-32010 busy → 503, -32011 rate limited → 429) from `error.data.retryAfterMs`.
 */
export function errorHeaders(message: string, status: number): OutHeaders {
  if (status !== 503 && status !== 429) return JSON_HEADERS;
  let ms = 1000;
  try {
    const v = (JSON.parse(message) as { error?: { data?: { retryAfterMs?: unknown } } }).error?.data?.retryAfterMs;
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) ms = v;
  } catch {
    // keep the default
  }
  return { ...JSON_HEADERS, 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) };
}

export function errorBody(id: JsonRpcId | null, code: number, message: string, data?: unknown): string {
  return serializeError(id, data === undefined ? { code, message } : { code, message, data });
}

export function idJsonOf(id: JsonRpcId): string {
  return typeof id === 'number' ? String(id) : JSON.stringify(id);
}

/** 'r' (result), 'e' (error) or '' when `message` is not the response to the request whose head is given. */
export function responseKind(message: string, head: string): string {
  if (!message.startsWith(head)) return '';
  const c = message.charCodeAt(head.length + 1);
  return c === 114 ? 'r' : c === 101 ? 'e' : '';
}

export function errorCodeOf(message: string): number {
  try {
    const code = (JSON.parse(message) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'number' ? code : ErrorCode.InternalError;
  } catch {
    return ErrorCode.InternalError;
  }
}

export function accepts(accept: string | undefined, type: string): boolean {
  if (accept === undefined) return true;
  return accept.includes(type) || accept.includes('*/*') || accept.includes(`${type.slice(0, type.indexOf('/'))}/*`);
}

