/**
 * The WebSocket client transport, a velomcp extension (the MCP specification defines only stdio and
 * Streamable HTTP): the client side of {@link serveWebSocket}, on `ws`.
 */
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { deliverFrame, type ClientTransport, type TransportCloseInfo } from '../../client/transport.js';
import { VeloError } from '../../jsonrpc/errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../jsonrpc/framing.js';
import { MCP_SUBPROTOCOL, WsCloseCode } from './server.js';

/** Options of {@link WebSocketClientTransport}. Sizes are in bytes, durations in milliseconds. */
export interface WebSocketClientTransportOptions {
  /** Largest accepted inbound frame; a larger one closes the socket with 1009 (reported to `onerror`). Default 4 MiB. */
  maxMessageBytes?: number;
  /** Gives up the opening handshake after this long. Default 10 000. */
  connectTimeoutMs?: number;
  /**
   * Ping interval; when the previous ping got no pong the socket is terminated and `onclose` reports the
   * dead server. Default 0 (off: the server pings, and `ws` answers automatically).
   */
  keepAliveMs?: number;
  /** Extra handshake headers (e.g. `authorization`). */
  headers?: OutgoingHttpHeaders;
  /** The `Origin` header to send (browsers always send one; Node clients by default none). */
  origin?: string;
  /** Outbound bytes buffered before `send` waits for them to be written. Default 1 MiB. */
  highWaterMarkBytes?: number;
  /** TLS options for `wss:` URLs (e.g. `ca` for a private CA), passed to `ws`. */
  tls?: Pick<ClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'checkServerIdentity'>;
}

const CLOSE_REASONS: Record<number, string> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1006: 'abnormal closure (no close frame)',
  1007: 'invalid payload',
  1008: 'policy violation',
  1009: 'message too big',
  1011: 'internal error',
};

/**
 * A {@link ClientTransport} over WebSocket (velomcp extension), offering subprotocol `mcp`.
 *
 * - One message per text frame. `onmessage` gets each parsed message; a frame that is not JSON goes to
 *   `onerror` as a `SyntaxError` and the socket stays open. A frame over `maxMessageBytes` is reported to
 *   `onerror` as VeloError `VELO_MESSAGE_TOO_LARGE` and closes the socket with 1009 (WebSocket cannot skip a
 *   frame); a binary frame is reported as VeloError `VELO_PROTOCOL_ERROR` and closes with 1003.
 * - `send` resolves when the frame is queued; above `highWaterMarkBytes` buffered it resolves once written,
 *   so awaiting `send` applies backpressure.
 * - `onclose` fires once: `{remote: false}` after `close()`, otherwise `{remote: true, error}` with a
 *   VeloError `VELO_CONNECTION_CLOSED` naming the close code (1001 when the server shut down, 1006 for a
 *   reset).
 *
 * @example
 * ```ts
 * const transport = new WebSocketClientTransport('ws://127.0.0.1:3001/mcp');
 * transport.onmessage = (m) => console.log(m);
 * await transport.start();
 * ```
 */
export class WebSocketClientTransport implements ClientTransport {
  onmessage: ((message: unknown) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  onclose: ((info: TransportCloseInfo) => void) | undefined;
  readonly #url: string;
  readonly #options: WebSocketClientTransportOptions;
  readonly #maxBytes: number;
  #ws: WebSocket | undefined;
  #state: 'new' | 'connecting' | 'open' | 'closed' = 'new';
  #closeRequested = false;
  /** A local reason for closing (protocol violation by the server) reported in `onclose`. */
  #violation: Error | undefined;
  #socketError: Error | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed: Promise<void> | undefined;

  /**
   * @param url - `ws:` or `wss:` URL of the endpoint, e.g. `ws://127.0.0.1:3001/mcp`.
   * @throws VeloError `VELO_INVALID_CONFIG` for a URL that is not `ws:`/`wss:` or a bad size.
   */
  constructor(url: string | URL, options: WebSocketClientTransportOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new VeloError('VELO_INVALID_CONFIG', `Invalid WebSocket URL: ${String(url)}`);
    }
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
      throw new VeloError('VELO_INVALID_CONFIG', `A WebSocket URL must use ws: or wss:, got ${parsed.protocol}`);
    }
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!(max > 0)) throw new VeloError('VELO_INVALID_CONFIG', 'maxMessageBytes must be positive');
    this.#url = parsed.href;
    this.#options = options;
    this.#maxBytes = max;
  }

  /** The negotiated subprotocol (`mcp`), or `''` before the handshake or when the server chose none. */
  get protocol(): string {
    return this.#ws?.protocol ?? '';
  }

  /**
   * Performs the opening handshake.
   * @throws VeloError `VELO_CONNECTION_CLOSED` when already started or closed, when the server refuses the
   *   upgrade (the message carries the HTTP status, e.g. 403 bad Origin, 503 connection limit), times out, or
   *   does not select subprotocol `mcp`.
   */
  start(): Promise<void> {
    if (this.#state !== 'new') return Promise.reject(new VeloError('VELO_CONNECTION_CLOSED', 'WebSocketClientTransport can be started only once'));
    this.#state = 'connecting';
    const o = this.#options;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
    const ws = new WebSocket(this.#url, [MCP_SUBPROTOCOL], {
      maxPayload: this.#maxBytes,
      perMessageDeflate: false,
      handshakeTimeout: o.connectTimeoutMs ?? 10_000,
      followRedirects: false,
      headers,
      ...(o.origin !== undefined && { origin: o.origin }),
      ...o.tls,
    });
    this.#ws = ws;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (message: string, cause?: Error): void => {
        if (settled) return;
        settled = true;
        this.#state = 'closed';
        ws.terminate();
        reject(new VeloError('VELO_CONNECTION_CLOSED', `Cannot open WebSocket ${this.#url}: ${message}`, cause ? { cause } : undefined));
      };
      const onResponse = (_req: unknown, res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        const done = (): void => {
          const body = Buffer.concat(chunks).toString('utf8').slice(0, 4096);
          let detail = '';
          try {
            const parsed = JSON.parse(body) as { error?: { message?: unknown } };
            if (typeof parsed.error?.message === 'string') detail = `: ${parsed.error.message}`;
          } catch {
            if (body !== '') detail = `: ${body}`;
          }
          fail(`server answered HTTP ${res.statusCode ?? 0}${detail}`);
        };
        res.once('end', done);
        res.once('error', done);
        res.once('close', done);
      };
      const onError = (err: Error): void => fail(err.message, err);
      const onClose = (): void => fail('closed during the handshake');
      ws.once('unexpected-response', onResponse);
      ws.once('error', onError);
      ws.once('close', onClose);
      ws.once('open', () => {
        if (settled) return;
        settled = true;
        ws.off('close', onClose);
        ws.off('error', onError);
        ws.off('unexpected-response', onResponse);
        if (this.#closeRequested) {
          this.#state = 'closed';
          ws.terminate();
          reject(new VeloError('VELO_CONNECTION_CLOSED', 'Transport closed while connecting'));
          return;
        }
        if (ws.protocol !== MCP_SUBPROTOCOL) {
          // ws rejects a subprotocol we did not offer; a server that picked none is not an MCP endpoint.
          settled = false;
          fail(`the server did not select subprotocol "${MCP_SUBPROTOCOL}"`);
          return;
        }
        this.#open(ws);
        resolve();
      });
    });
  }

  #open(ws: WebSocket): void {
    this.#state = 'open';
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        this.#violation = new VeloError('VELO_PROTOCOL_ERROR', 'The server sent a binary frame; MCP messages are text (closed with 1003)');
        this.onerror?.(this.#violation);
        ws.close(WsCloseCode.UnsupportedData, 'Binary frames are not supported');
        return;
      }
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      deliverFrame(this, text);
    });
    ws.on('error', (err: Error & { code?: string }) => {
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.#violation = new VeloError('VELO_MESSAGE_TOO_LARGE', `Inbound frame exceeds the limit of ${this.#maxBytes} bytes (closed with 1009)`, { cause: err });
        this.onerror?.(this.#violation);
      } else {
        this.#socketError = err;
      }
    });
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const every = this.#options.keepAliveMs ?? 0;
    if (every > 0) {
      this.#heartbeat = setInterval(() => {
        if (!alive) {
          this.#violation ??= new VeloError('VELO_CONNECTION_CLOSED', `The server did not answer a ping within ${every} ms`);
          ws.terminate();
          return;
        }
        alive = false;
        ws.ping();
      }, every);
      this.#heartbeat.unref();
    }
    this.#closed = new Promise((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        this.#state = 'closed';
        if (this.#heartbeat) clearInterval(this.#heartbeat);
        resolve();
        if (this.#closeRequested) {
          this.onclose?.({ remote: false });
          return;
        }
        const text = reason.toString('utf8');
        const described = `${code} ${CLOSE_REASONS[code] ?? ''}${text ? `: ${text}` : ''}`.trim();
        const cause = this.#violation ?? this.#socketError;
        const error = new VeloError('VELO_CONNECTION_CLOSED', `WebSocket closed (${described})${cause ? `; ${cause.message}` : ''}`, cause ? { cause } : undefined);
        this.onclose?.({ remote: true, error });
      });
    });
  }

  /**
   * Sends one serialised message as one text frame.
   * @throws VeloError `VELO_CONNECTION_CLOSED` when not open.
   */
  send(message: string): Promise<void> {
    const ws = this.#ws;
    if (this.#state !== 'open' || !ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new VeloError('VELO_CONNECTION_CLOSED', 'WebSocketClientTransport is not open'));
    }
    if (ws.bufferedAmount < (this.#options.highWaterMarkBytes ?? 1024 * 1024)) {
      ws.send(message);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      ws.send(message, (err) => (err ? reject(new VeloError('VELO_CONNECTION_CLOSED', `Send failed: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  /** Closes with 1000 and waits for the closing handshake (terminating after 2 s). Idempotent. */
  async close(): Promise<void> {
    this.#closeRequested = true;
    const ws = this.#ws;
    if (!ws || this.#state === 'new') {
      this.#state = 'closed';
      return;
    }
    if (this.#state === 'connecting') {
      ws.terminate(); // start() rejects
      return;
    }
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CLOSING) {
      ws.close(WsCloseCode.Normal);
      const timer = setTimeout(() => ws.terminate(), 2000);
      timer.unref();
      ws.once('close', () => clearTimeout(timer));
    }
    await this.#closed;
  }
}
