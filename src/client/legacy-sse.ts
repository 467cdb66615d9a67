/**
 * The deprecated HTTP+SSE client transport (MCP 2024-11-05 `basic/transports.mdx`, "HTTP with SSE"): a GET
 * opens an SSE stream whose first `endpoint` event names the URL to POST messages to; every server message
 * arrives as a `message` event on that stream.
 *
 * The stream is the connection: when it drops, the transport closes (remote), and a client built with a
 * transport factory reconnects and re-initializes.
 */
import { VeloError } from '../jsonrpc/errors.js';
import type { HttpAuthHook } from './auth-hook.js';
import { HttpAgentPool, mediaType, readText, type RawResponse } from './http-request.js';
import { readSseStream } from './sse.js';
import { deliverFrame, type ClientTransport, type TransportCloseInfo } from './transport.js';

/** Options of {@link SseClientTransport}. */
export interface SseClientOptions {
  /** Headers added to every request. */
  headers?: Record<string, string>;
  /** Largest accepted SSE event in characters (default 4 MiB). */
  maxMessageBytes?: number;
  /** Milliseconds to wait for the `endpoint` event (default 10 000). */
  endpointTimeoutMs?: number;
  /** Authorization for the GET stream and every POST (see `HttpAuthHook`; e.g. `OAuthClient` of `velomcp/auth`). */
  auth?: HttpAuthHook;
}

/** HTTP+SSE (2024-11-05) as a message-oriented {@link ClientTransport}. */
export class SseClientTransport implements ClientTransport {
  readonly #url: URL;
  readonly #options: SseClientOptions;
  readonly #pool = new HttpAgentPool();
  readonly #abort = new AbortController();
  #endpoint: URL | undefined;
  #closed = false;
  #started = false;
  onmessage: ((message: unknown) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  onclose: ((info: TransportCloseInfo) => void) | undefined;

  /** @param url - The SSE endpoint (e.g. `http://127.0.0.1:3000/sse`). */
  constructor(url: string | URL, options: SseClientOptions = {}) {
    this.#url = new URL(url);
    this.#options = options;
  }

  /**
   * Opens the stream and waits for the `endpoint` event.
   * @throws VeloError `VELO_HTTP_ERROR` (not an SSE endpoint), `VELO_REQUEST_TIMEOUT` (no endpoint event),
   *   `VELO_CONNECTION_CLOSED` (network failure).
   */
  async start(): Promise<void> {
    if (this.#closed || this.#started) throw new VeloError('VELO_CONNECTION_CLOSED', 'SSE transport cannot be started twice');
    this.#started = true;
    let res;
    try {
      res = await this.#request(this.#url, 'GET', { ...this.#options.headers, accept: 'text/event-stream' }, undefined);
    } catch (err) {
      this.#shutdown();
      if (err instanceof VeloError && err.code === 'VELO_UNAUTHORIZED') throw err;
      throw new VeloError('VELO_CONNECTION_CLOSED', `Cannot open ${this.#url.href}: ${(err as Error).message}`, { cause: err });
    }
    if (res.status !== 200 || mediaType(res.headers['content-type']) !== 'text/event-stream') {
      res.body.resume();
      this.#shutdown();
      throw new VeloError('VELO_HTTP_ERROR', `GET ${this.#url.href} answered HTTP ${res.status} (${mediaType(res.headers['content-type']) || 'no content type'}), not an SSE stream`);
    }
    let onEndpoint!: () => void;
    const endpoint = new Promise<void>((resolve) => (onEndpoint = resolve));
    const reading = readSseStream(
      res.body,
      {
        onEvent: (e) => {
          if (e.event === 'endpoint') {
            try {
              this.#endpoint = new URL(e.data.trim(), this.#url);
            } catch {
              this.onerror?.(new VeloError('VELO_PROTOCOL_ERROR', `Bad endpoint event: ${e.data}`));
              return;
            }
            onEndpoint();
            return;
          }
          if (e.event !== undefined && e.event !== 'message') return;
          deliverFrame(this, e.data);
        },
      },
      this.#options.maxMessageBytes ?? 4 * 1024 * 1024,
    );
    void reading.then(
      () => this.#dropped('The SSE stream ended'),
      (err: Error) => this.#dropped(err.message),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.#options.endpointTimeoutMs ?? 10_000;
    const ok = await Promise.race([
      endpoint.then(() => true),
      reading.then(() => false, () => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!ok) {
      this.#shutdown();
      throw new VeloError('VELO_REQUEST_TIMEOUT', `No endpoint event from ${this.#url.href}`);
    }
  }

  /**
   * POSTs one message to the endpoint; the answer arrives on the stream.
   * @throws VeloError `VELO_CONNECTION_CLOSED` when closed, `VELO_HTTP_ERROR` when the POST is refused.
   */
  async send(message: string): Promise<void> {
    const endpoint = this.#endpoint;
    if (this.#closed || !endpoint) throw new VeloError('VELO_CONNECTION_CLOSED', 'SSE transport is not open');
    let res;
    try {
      res = await this.#request(endpoint, 'POST', { ...this.#options.headers, 'content-type': 'application/json' }, message);
    } catch (err) {
      if (err instanceof VeloError && err.code === 'VELO_UNAUTHORIZED') throw err;
      throw new VeloError('VELO_CONNECTION_CLOSED', `POST ${endpoint.href} failed: ${(err as Error).message}`, { cause: err });
    }
    if (res.status >= 200 && res.status < 300) {
      res.body.resume();
      return;
    }
    const text = await readText(res.body, 4096).catch(() => '');
    throw new VeloError('VELO_HTTP_ERROR', `POST ${endpoint.href} answered HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`);
  }

  /** One HTTP exchange; with an auth hook: its headers, and challenge-and-retry on 401/403 (at most 4 rounds). */
  async #request(url: URL, method: string, headers: Record<string, string>, body: string | undefined): Promise<RawResponse> {
    const auth = this.#options.auth;
    if (!auth) return this.#pool.request(url, method, headers, body, this.#abort.signal);
    for (let attempt = 0; ; attempt++) {
      const res = await this.#pool.request(url, method, { ...headers, ...(await auth.headers({ method, url })) }, body, this.#abort.signal);
      const info = { method, url, status: res.status, headers: res.headers, attempt };
      if ((res.status !== 401 && res.status !== 403) || attempt >= 4) {
        auth.observe?.(info);
        return res;
      }
      res.body.resume();
      if (!(await auth.challenge(info))) {
        throw new VeloError('VELO_UNAUTHORIZED', `${method} ${url.href} answered HTTP ${res.status} (${String(res.headers['www-authenticate'] ?? 'no WWW-Authenticate challenge')})`);
      }
    }
  }

  /** Closes the stream and every socket. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#shutdown();
    this.onclose?.({ remote: false });
  }

  #shutdown(): void {
    this.#closed = true;
    this.#abort.abort();
    this.#pool.destroy();
  }

  #dropped(reason: string): void {
    if (this.#closed) return;
    this.#shutdown();
    if (this.#endpoint) this.onclose?.({ remote: true, error: new VeloError('VELO_CONNECTION_CLOSED', reason) });
  }
}
