/**
 * Correlation of outgoing requests with their responses (JSON-RPC 2.0 §4; MCP `basic/utilities/cancellation.mdx`,
 * `basic/utilities/progress.mdx`). Used by the server for server→client requests (legacy era) and by clients.
 */
import { McpError, VeloError } from '../jsonrpc/errors.js';
import type { JsonObject, JsonRpcErrorResponse, JsonRpcId, JsonRpcSuccess } from '../jsonrpc/message.js';
import { serializeNotification, serializeRequest } from '../jsonrpc/message.js';

/** Default time to wait for a response, in milliseconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** A `notifications/progress` payload. */
export interface ProgressParams {
  progressToken: string | number;
  progress: number;
  total?: number;
  message?: string;
}

/** Options of one outgoing request. */
export interface RequestOptions {
  /** Milliseconds without a response (or, with `resetTimeoutOnProgress`, without progress) before giving up. Default 60 000. */
  timeoutMs?: number;
  /** Restart the timeout whenever progress arrives for this request. */
  resetTimeoutOnProgress?: boolean;
  /** Hard limit in milliseconds from sending, whatever progress arrives (spec: SHOULD enforce a maximum). */
  maxTotalTimeoutMs?: number;
  /** Aborting sends `notifications/cancelled` and rejects with `VELO_REQUEST_CANCELLED`. */
  signal?: AbortSignal;
  /** Receives progress; when set, a `progressToken` is added to the request's `_meta`. */
  onProgress?: (progress: ProgressParams) => void;
  /** The inbound request this one is made on behalf of (routes it onto that request's stream over HTTP). */
  relatedRequestId?: JsonRpcId;
  /** Called synchronously with the JSON-RPC id chosen for this request, before it is sent. */
  onId?: (id: JsonRpcId) => void;
}

/** Sends one serialised message; `related` is the inbound request it belongs to, if any. */
export type SendMessage = (message: string, related?: JsonRpcId) => void;

/** Optional hooks of {@link OutboundRequests}. */
export interface OutboundOptions {
  /**
   * Chooses the id of each new request instead of the per-instance integer counter (for ids that must be
   * unique across connections, such as stateless HTTP routing). It may throw to refuse the request (the
   * request then rejects with that error); it must not return an id that is still pending.
   */
  nextId?: () => JsonRpcId;
  /** Called once when a request leaves the pending table (answered, failed, timed out, cancelled or closed). */
  onSettle?: (id: JsonRpcId) => void;
}

interface Pending {
  resolve(result: JsonObject): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
  started: number;
  options: RequestOptions;
  onAbort: (() => void) | undefined;
}

/**
 * Tracks requests sent to the peer until their response, timeout or cancellation.
 * Ids are integers from a per-instance counter.
 */
export class OutboundRequests {
  readonly #send: SendMessage;
  readonly #defaultTimeoutMs: number;
  readonly #pending = new Map<JsonRpcId, Pending>();
  readonly #idSource: (() => JsonRpcId) | undefined;
  readonly #onSettle: ((id: JsonRpcId) => void) | undefined;
  #nextId = 0;
  #closed: Error | undefined;

  /**
   * @param send - Writes a serialised message to the peer.
   * @param defaultTimeoutMs - Timeout when a request gives none (default {@link DEFAULT_REQUEST_TIMEOUT_MS}).
   * @param options - Id source and settle hook (see {@link OutboundOptions}).
   */
  constructor(send: SendMessage, defaultTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS, options: OutboundOptions = {}) {
    this.#send = send;
    this.#defaultTimeoutMs = defaultTimeoutMs;
    this.#idSource = options.nextId;
    this.#onSettle = options.onSettle;
  }

  /** Number of requests awaiting a response. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Sends a request and resolves with its result.
   * @throws McpError - the peer answered with a JSON-RPC error.
   * @throws VeloError - `VELO_REQUEST_TIMEOUT`, `VELO_REQUEST_CANCELLED` or `VELO_CONNECTION_CLOSED`.
   */
  request<T extends JsonObject = JsonObject>(method: string, params: JsonObject | undefined, options: RequestOptions = {}): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (options.signal?.aborted) {
      return Promise.reject(new VeloError('VELO_REQUEST_CANCELLED', `Request ${method} was cancelled before it was sent`, { cause: options.signal.reason }));
    }
    let id: JsonRpcId;
    try {
      id = this.#idSource ? this.#idSource() : ++this.#nextId;
    } catch (err) {
      return Promise.reject(err as Error);
    }
    let sent = params;
    if (options.onProgress) {
      const meta = (params?._meta as JsonObject | undefined) ?? {};
      sent = { ...params, _meta: { ...meta, progressToken: id } };
    }
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        resolve: resolve as (r: JsonObject) => void,
        reject,
        timer: undefined,
        started: Date.now(),
        options,
        onAbort: undefined,
      };
      this.#pending.set(id, entry);
      this.#arm(id, entry);
      if (options.signal) {
        const signal = options.signal;
        entry.onAbort = () => this.#cancel(id, new VeloError('VELO_REQUEST_CANCELLED', `Request ${method} was cancelled`, { cause: signal.reason }), String(signal.reason ?? 'cancelled'));
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      options.onId?.(id);
      this.#send(serializeRequest(id, method, sent), options.relatedRequestId);
    });
  }

  /**
   * Delivers a response. Returns false when no request with that id is pending (a late or unknown
   * response, which callers ignore as the spec asks).
   */
  handleResponse(message: JsonRpcSuccess | JsonRpcErrorResponse): boolean {
    const id = message.id;
    if (id === null) return false;
    const entry = this.#pending.get(id);
    if (!entry) return false;
    this.#settle(id, entry);
    if ('result' in message) entry.resolve(message.result);
    else entry.reject(new McpError(message.error.code, message.error.message, message.error.data));
    return true;
  }

  /** Delivers a progress notification; returns false when its token matches no pending request. */
  handleProgress(params: ProgressParams): boolean {
    const entry = this.#pending.get(params.progressToken);
    if (!entry || !entry.options.onProgress) return false;
    if (entry.options.resetTimeoutOnProgress) this.#arm(params.progressToken, entry);
    entry.options.onProgress(params);
    return true;
  }

  /**
   * Rejects one pending request with `error` without telling the peer (the transport lost its response
   * stream, for instance). Returns false when no request with that id is pending.
   */
  fail(id: JsonRpcId, error: Error): boolean {
    const entry = this.#pending.get(id);
    if (!entry) return false;
    this.#settle(id, entry);
    entry.reject(error);
    return true;
  }

  /** True while a request with this id awaits its response. */
  has(id: JsonRpcId): boolean {
    return this.#pending.has(id);
  }

  /** Rejects every pending request (the connection closed) and refuses new ones with the same error. */
  close(error: Error = new VeloError('VELO_CONNECTION_CLOSED', 'Connection closed')): void {
    this.#closed = error;
    for (const [id, entry] of this.#pending) {
      this.#settle(id, entry);
      entry.reject(error);
    }
  }

  #arm(id: JsonRpcId, entry: Pending): void {
    if (entry.timer) clearTimeout(entry.timer);
    let wait = entry.options.timeoutMs ?? this.#defaultTimeoutMs;
    const max = entry.options.maxTotalTimeoutMs;
    let clipped = false;
    if (max !== undefined) {
      const left = entry.started + max - Date.now();
      if (left <= 0) {
        this.#cancel(id, new VeloError('VELO_REQUEST_TIMEOUT', `Request ${String(id)} exceeded its maximum total time of ${max} ms`), 'timeout');
        return;
      }
      if (left < wait) {
        wait = left;
        clipped = true;
      }
    }
    entry.timer = setTimeout(() => {
      const message = clipped ? `Request ${String(id)} exceeded its maximum total time of ${max} ms` : `Request ${String(id)} timed out after ${wait} ms`;
      this.#cancel(id, new VeloError('VELO_REQUEST_TIMEOUT', message), 'timeout');
    }, wait);
  }

  #cancel(id: JsonRpcId, error: VeloError, reason: string): void {
    const entry = this.#pending.get(id);
    if (!entry) return;
    this.#settle(id, entry);
    // Tell the peer to stop working on it; a late response will find nothing pending and be dropped.
    this.#send(serializeNotification('notifications/cancelled', { requestId: id, reason }), entry.options.relatedRequestId);
    entry.reject(error);
  }

  #settle(id: JsonRpcId, entry: Pending): void {
    this.#pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.onAbort) entry.options.signal?.removeEventListener('abort', entry.onAbort);
    this.#onSettle?.(id);
  }
}
