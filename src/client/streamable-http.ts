/**
 * The Streamable HTTP client transport (MCP 2025-03-26…2025-11-25 `basic/transports.mdx`, "Streamable HTTP";
 * 2026-07-28 `basic/transports/streamable-http.mdx`). Every message is a POST; each request's answer comes
 * back as JSON or as an SSE stream that carries its notifications (and, in the legacy era, server→client
 * requests) before the response.
 *
 * Era-dependent behaviour, set by the client through {@link HttpClientTransport}:
 * - legacy: `Mcp-Session-Id` captured from the initialize response and echoed; a 404 to a request that
 *   carried it means the session expired; the standalone GET stream; a cut SSE stream is resumed by GET with
 *   `Last-Event-ID` after the server's `retry:` delay (SEP-1699).
 * - modern: no sessions; `Mcp-Method`/`Mcp-Name`/`Mcp-Param-*` headers; a cut stream loses its request,
 *   which is reported as a transport drop so the client re-issues it with a new id; cancelling a request
 *   closes its stream instead of POSTing `notifications/cancelled`.
 */
import { VeloError } from '../jsonrpc/errors.js';
import type { JsonObject, JsonRpcId } from '../jsonrpc/message.js';
import type { ProtocolEra } from '../protocol/versions.js';
import { transportDrop } from './errors.js';
import { encodeHeaderValue } from './headers.js';
import { headerValue, HttpAgentPool, mediaType, readText, type RawResponse } from './http-request.js';
import { readSseStream } from './sse.js';
import type { ClientTransport, TransportCloseInfo } from './transport.js';

/**
 * The request-oriented seam an {@link McpClient} uses with HTTP: a {@link ClientTransport} that also learns
 * the era and version, reports per-request failures, and manages the legacy session.
 */
export interface HttpClientTransport extends ClientTransport {
  /** The era the client negotiated (undefined while probing). Decides sessions, resumption and cancellation. */
  era: ProtocolEra | undefined;
  /** Sent as `MCP-Protocol-Version` when set. */
  protocolVersion: string | undefined;
  /** The legacy session id the server assigned, if any. */
  readonly sessionId: string | undefined;
  /** Extra headers for one outgoing request (the client adds `Mcp-Param-*` from tool schemas). */
  headersFor: ((message: JsonObject) => Record<string, string>) | undefined;
  /** A request failed without a JSON-RPC answer (HTTP status, lost stream, network error). */
  onrequesterror: ((id: JsonRpcId, error: Error) => void) | undefined;
  /** Legacy era: the server answered 404 to our session id; the session is gone and has been forgotten. */
  onsessionexpired: (() => void) | undefined;
  /** Legacy era: opens the standalone GET stream for server-initiated messages (ignored on 405). */
  openStandaloneStream(): void;
  /** Legacy era: ends the session with DELETE (best effort) and forgets it. */
  terminateSession(): Promise<void>;
}

/** Options of {@link StreamableHttpClientTransport}. */
export interface StreamableHttpClientOptions {
  /** Headers added to every request (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** Largest accepted JSON body or SSE event, in bytes/characters (default 4 MiB). */
  maxMessageBytes?: number;
  /** Reconnection delay when the server gave no `retry:`, in milliseconds (default 1000). */
  defaultRetryMs?: number;
  /** Attempts to resume one cut stream (legacy) or to reopen the GET stream before giving up (default 5). */
  maxReconnectAttempts?: number;
}

interface Inflight {
  abort: AbortController;
  /** Request id this POST or resumption waits for; undefined for the standalone GET stream. */
  id: JsonRpcId | undefined;
}

const SAFE_NAME = (v: string): string => encodeHeaderValue(v);

/** The Streamable HTTP client transport. See the module comment for era behaviour. */
export class StreamableHttpClientTransport implements HttpClientTransport {
  readonly #url: URL;
  readonly #options: StreamableHttpClientOptions;
  readonly #pool = new HttpAgentPool();
  readonly #inflight = new Set<Inflight>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #started = false;
  #closed = false;
  #sessionId: string | undefined;
  #standalone = false;
  era: ProtocolEra | undefined;
  protocolVersion: string | undefined;
  headersFor: ((message: JsonObject) => Record<string, string>) | undefined;
  onmessage: ((message: unknown) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  onclose: ((info: TransportCloseInfo) => void) | undefined;
  onrequesterror: ((id: JsonRpcId, error: Error) => void) | undefined;
  onsessionexpired: (() => void) | undefined;

  /**
   * @param url - The MCP endpoint (e.g. `http://127.0.0.1:3000/mcp`).
   * @param options - See {@link StreamableHttpClientOptions}.
   */
  constructor(url: string | URL, options: StreamableHttpClientOptions = {}) {
    this.#url = new URL(url);
    this.#options = options;
  }

  /** The legacy session id, if the server assigned one. */
  get sessionId(): string | undefined {
    return this.#sessionId;
  }

  /** Nothing to open: HTTP connects per request. @throws VeloError `VELO_CONNECTION_CLOSED` after `close()`. */
  async start(): Promise<void> {
    if (this.#closed) throw new VeloError('VELO_CONNECTION_CLOSED', 'HTTP transport is closed');
    this.#started = true;
  }

  /**
   * POSTs one message. Resolves once the request is dispatched; its answer arrives through `onmessage`, or
   * its failure through `onrequesterror` (requests) or `onerror` (notifications and responses).
   * @throws VeloError `VELO_CONNECTION_CLOSED` when closed.
   */
  async send(message: string): Promise<void> {
    if (this.#closed || !this.#started) throw new VeloError('VELO_CONNECTION_CLOSED', 'HTTP transport is not open');
    const parsed = JSON.parse(message) as JsonObject;
    const method = typeof parsed.method === 'string' ? parsed.method : undefined;
    const id = method !== undefined && (typeof parsed.id === 'string' || typeof parsed.id === 'number') ? parsed.id : undefined;
    if (method === 'notifications/cancelled' && this.era === 'modern') {
      // 2026-07-28: closing the request's stream is the cancellation; there is nothing to POST.
      const target = (parsed.params as JsonObject | undefined)?.requestId;
      for (const f of this.#inflight) if (f.id === target) f.abort.abort();
      return;
    }
    const headers = this.#headers('application/json, text/event-stream');
    headers['content-type'] = 'application/json';
    if (method !== undefined) {
      headers['mcp-method'] = method;
      const params = parsed.params as JsonObject | undefined;
      const name = method === 'resources/read' ? params?.uri : method === 'tools/call' || method === 'prompts/get' ? params?.name : undefined;
      if (typeof name === 'string') headers['mcp-name'] = SAFE_NAME(name);
      if (this.headersFor) Object.assign(headers, this.headersFor(parsed));
    }
    const sentSession = headers['mcp-session-id'] !== undefined;
    const flight: Inflight = { abort: new AbortController(), id };
    this.#inflight.add(flight);
    void this.#post(flight, headers, message, sentSession).finally(() => this.#inflight.delete(flight));
  }

  async #post(flight: Inflight, headers: Record<string, string>, body: string, sentSession: boolean): Promise<void> {
    const id = flight.id;
    let res: RawResponse;
    try {
      res = await this.#pool.request(this.#url, 'POST', headers, body, flight.abort.signal);
    } catch (err) {
      if (flight.abort.signal.aborted || this.#closed) return;
      this.#fail(id, transportDrop(`HTTP request to ${this.#url.href} failed: ${(err as Error).message}`, err));
      return;
    }
    if (this.era !== 'modern' && this.#sessionId === undefined) {
      const sid = headerValue(res.headers['mcp-session-id']);
      if (sid) this.#sessionId = sid;
    }
    const type = mediaType(res.headers['content-type']);
    if (res.status === 404 && sentSession && this.era === 'legacy') {
      res.body.resume();
      this.#sessionId = undefined;
      this.#fail(id, new VeloError('VELO_SESSION_EXPIRED', 'The server no longer knows this session (HTTP 404)'));
      this.onsessionexpired?.();
      return;
    }
    if (res.status === 202 || res.status === 204) {
      res.body.resume();
      if (id !== undefined) this.#fail(id, new VeloError('VELO_PROTOCOL_ERROR', `The server answered a request with HTTP ${res.status} and no body`));
      return;
    }
    if (type === 'text/event-stream' && res.status >= 200 && res.status < 300) {
      await this.#consumeStream(flight, res, true);
      return;
    }
    let text: string;
    try {
      text = await readText(res.body, this.#max());
    } catch (err) {
      if (flight.abort.signal.aborted || this.#closed) return;
      this.#fail(id, transportDrop(`Reading the HTTP response failed: ${(err as Error).message}`, err));
      return;
    }
    let value: unknown;
    try {
      value = text === '' ? undefined : JSON.parse(text);
    } catch {
      value = undefined;
    }
    const messages = Array.isArray(value) ? value : value === undefined ? [] : [value];
    const rpc = messages.filter((m) => typeof m === 'object' && m !== null && (m as JsonObject).jsonrpc === '2.0') as JsonObject[];
    if (rpc.length === 0) {
      const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
      const what = headers['mcp-method'] ? ` (${headers['mcp-method']})` : '';
      this.#fail(id, new VeloError('VELO_HTTP_ERROR', `POST ${this.#url.href}${what} answered HTTP ${res.status} (${type || 'no content type'})${snippet ? `: ${snippet}` : ''}`));
      return;
    }
    let answered = false;
    for (const m of rpc) {
      // An entry-gate error (400 for a header problem, say) may carry a null id: it still answers our request.
      if ('error' in m && (m.id === null || m.id === undefined) && id !== undefined) m.id = id;
      if (id !== undefined && m.id === id && ('result' in m || 'error' in m)) answered = true;
      this.onmessage?.(m);
    }
    if (id !== undefined && !answered) this.#fail(id, new VeloError('VELO_PROTOCOL_ERROR', `HTTP ${res.status} carried no response to request ${String(id)}`));
  }

  /**
   * Reads one SSE stream. For a POST stream (or a resumption) it ends when the awaited response arrives;
   * if the stream is cut first, legacy streams with an event id are resumed, anything else is a drop.
   */
  async #consumeStream(flight: Inflight, res: RawResponse, first: boolean, attempt = 0): Promise<void> {
    const id = flight.id;
    let lastEventId: string | undefined;
    let retry = this.#options.defaultRetryMs ?? 1000;
    let answered = false;
    let end: { clean: boolean } | undefined;
    try {
      end = await readSseStream(
        res.body,
        {
          onEvent: (e) => {
            if (e.id !== undefined) lastEventId = e.id;
            if (e.data.trim() === '' || (e.event !== undefined && e.event !== 'message')) return;
            let value: unknown;
            try {
              value = JSON.parse(e.data);
            } catch (err) {
              this.onerror?.(err as Error);
              return;
            }
            const m = value as JsonObject;
            if (id !== undefined && typeof m === 'object' && m !== null && m.id === id && ('result' in m || 'error' in m)) answered = true;
            this.onmessage?.(value);
            // A resumption GET may stay open as a general stream; once our answer came, we are done with it.
            if (answered && !first) flight.abort.abort();
          },
          onRetry: (ms) => (retry = ms),
        },
        this.#max(),
      );
    } catch (err) {
      if (!flight.abort.signal.aborted) this.#fail(id, err as Error);
      return;
    }
    if (answered || this.#closed || flight.abort.signal.aborted) return;
    void end;
    if (id === undefined) {
      // The standalone GET stream ended: reopen it after the retry delay.
      this.#later(retry, () => this.#openGet(flight, lastEventId, 0));
      return;
    }
    if (this.era !== 'modern' && lastEventId !== undefined && attempt < (this.#options.maxReconnectAttempts ?? 5)) {
      this.#later(retry, () => void this.#resume(flight, lastEventId!, attempt + 1));
      return;
    }
    this.#fail(id, transportDrop(`The response stream of request ${String(id)} closed before its response`));
  }

  async #resume(flight: Inflight, lastEventId: string, attempt: number): Promise<void> {
    if (this.#closed || flight.abort.signal.aborted) return;
    this.#inflight.add(flight);
    const headers = this.#headers('text/event-stream');
    headers['last-event-id'] = lastEventId;
    try {
      const res = await this.#pool.request(this.#url, 'GET', headers, undefined, flight.abort.signal);
      if (res.status !== 200 || mediaType(res.headers['content-type']) !== 'text/event-stream') {
        res.body.resume();
        this.#fail(flight.id, transportDrop(`Resuming the stream of request ${String(flight.id)} failed with HTTP ${res.status}`));
        return;
      }
      await this.#consumeStream(flight, res, false, attempt);
    } catch (err) {
      if (flight.abort.signal.aborted || this.#closed) return;
      if (attempt < (this.#options.maxReconnectAttempts ?? 5)) {
        this.#later(Math.min(30_000, (this.#options.defaultRetryMs ?? 1000) * 2 ** attempt), () => void this.#resume(flight, lastEventId, attempt + 1));
      } else {
        this.#fail(flight.id, transportDrop(`Resuming the stream of request ${String(flight.id)} failed: ${(err as Error).message}`, err));
      }
    } finally {
      if (flight.abort.signal.aborted) this.#inflight.delete(flight);
    }
  }

  /** Legacy era: opens the standalone GET stream (server→client messages outside any request). */
  openStandaloneStream(): void {
    if (this.#standalone || this.#closed || this.era !== 'legacy') return;
    this.#standalone = true;
    void this.#openGet({ abort: new AbortController(), id: undefined }, undefined, 0);
  }

  async #openGet(flight: Inflight, lastEventId: string | undefined, attempt: number): Promise<void> {
    if (this.#closed) return;
    this.#inflight.add(flight);
    const headers = this.#headers('text/event-stream');
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    try {
      const res = await this.#pool.request(this.#url, 'GET', headers, undefined, flight.abort.signal);
      if (res.status === 405 || res.status === 404) {
        // The server offers no standalone stream (405), or the session is gone (404: the next POST finds out).
        res.body.resume();
        this.#standalone = false;
        return;
      }
      if (res.status !== 200 || mediaType(res.headers['content-type']) !== 'text/event-stream') {
        res.body.resume();
        throw new Error(`HTTP ${res.status}`);
      }
      await this.#consumeStream(flight, res, true, attempt);
    } catch (err) {
      if (this.#closed || flight.abort.signal.aborted) return;
      if (attempt < (this.#options.maxReconnectAttempts ?? 5)) {
        this.#later(Math.min(30_000, (this.#options.defaultRetryMs ?? 1000) * 2 ** attempt), () => void this.#openGet(flight, lastEventId, attempt + 1));
      } else {
        this.#standalone = false;
        this.onerror?.(new VeloError('VELO_CONNECTION_CLOSED', `The standalone SSE stream could not be reopened: ${(err as Error).message}`));
      }
    } finally {
      this.#inflight.delete(flight);
    }
  }

  /** Legacy era: DELETEs the session (best effort, at most 2 s) and forgets it. */
  async terminateSession(): Promise<void> {
    const sid = this.#sessionId;
    if (sid === undefined || this.#closed) return;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 2000);
    try {
      const res = await this.#pool.request(this.#url, 'DELETE', this.#headers('application/json'), undefined, abort.signal);
      res.body.resume();
    } catch {
      // The session expires on its own.
    } finally {
      clearTimeout(timer);
      this.#sessionId = undefined;
    }
  }

  /** Aborts every request and stream, cancels reconnection timers and closes every socket. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const f of this.#inflight) f.abort.abort();
    this.#inflight.clear();
    this.#pool.destroy();
    this.onclose?.({ remote: false });
  }

  #headers(accept: string): Record<string, string> {
    const h: Record<string, string> = { ...this.#options.headers, accept };
    if (this.protocolVersion !== undefined) h['mcp-protocol-version'] = this.protocolVersion;
    if (this.era !== 'modern' && this.#sessionId !== undefined) h['mcp-session-id'] = this.#sessionId;
    return h;
  }

  #max(): number {
    return this.#options.maxMessageBytes ?? 4 * 1024 * 1024;
  }

  #fail(id: JsonRpcId | undefined, error: Error): void {
    if (this.#closed) return;
    if (id !== undefined) this.onrequesterror?.(id, error);
    else this.onerror?.(error);
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      if (!this.#closed) fn();
    }, ms);
    this.#timers.add(t);
  }
}
