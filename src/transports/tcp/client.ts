/**
 * The TCP client transport, a velomcp extension (the MCP specification defines only stdio and HTTP):
 * newline-delimited JSON-RPC over TCP or TLS, the client side of {@link serveTcp}.
 */
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { deliverFrame, type ClientTransport, type TransportCloseInfo } from '../../client/transport.js';
import { VeloError } from '../../jsonrpc/errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES, LineDecoder } from '../../jsonrpc/framing.js';

/** Options of {@link TcpClientTransport}. Sizes are in bytes, durations in milliseconds. */
export interface TcpClientTransportOptions {
  /** Server host name or IP (default `127.0.0.1`). */
  host?: string;
  /** Server port. */
  port: number;
  /**
   * Connect with TLS: `true` for defaults (verifies the server against the system CAs, SNI = `host`), or
   * `node:tls` connection options (e.g. `ca` for a private CA, `servername`). Omit for plain TCP.
   */
  tls?: boolean | ConnectionOptions;
  /** Largest accepted inbound message; larger lines are dropped and reported to `onerror`. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Gives up connecting (and the TLS handshake) after this long. Default 10 000. */
  connectTimeoutMs?: number;
  /** Delay before TCP keep-alive probes start on an idle socket (default 30 000; 0 turns keep-alive off). */
  keepAliveInitialDelayMs?: number;
}

/**
 * A {@link ClientTransport} over newline-delimited JSON on TCP or TLS (velomcp extension).
 *
 * - `onmessage` gets each parsed message; a line that is not JSON goes to `onerror` as a `SyntaxError`, a
 *   line over `maxMessageBytes` as VeloError `VELO_MESSAGE_TOO_LARGE`, and the connection stays open.
 * - `send` resolves once the message is queued in the socket; while the socket's buffer is full it waits for
 *   it to drain, so awaiting `send` applies backpressure.
 * - `onclose` fires once: `{remote: false}` after `close()`, otherwise `{remote: true, error}` with a
 *   VeloError `VELO_CONNECTION_CLOSED` (peer ended or reset the connection; `cause` holds the socket error).
 *
 * @example
 * ```ts
 * const transport = new TcpClientTransport({ host: '127.0.0.1', port: 7777 });
 * transport.onmessage = (m) => console.log(m);
 * await transport.start();
 * await transport.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: {...} } }));
 * ```
 */
export class TcpClientTransport implements ClientTransport {
  onmessage: ((message: unknown) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  onclose: ((info: TransportCloseInfo) => void) | undefined;
  readonly #options: TcpClientTransportOptions;
  readonly #maxBytes: number;
  #socket: Socket | undefined;
  #state: 'new' | 'connecting' | 'open' | 'closed' = 'new';
  #closeRequested = false;
  #lastError: Error | undefined;
  #closed: Promise<void> | undefined;

  /** @throws VeloError `VELO_INVALID_CONFIG` for a bad port or size. */
  constructor(options: TcpClientTransportOptions) {
    if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
      throw new VeloError('VELO_INVALID_CONFIG', `port must be an integer from 1 to 65535, got ${String(options.port)}`);
    }
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!(max > 0)) throw new VeloError('VELO_INVALID_CONFIG', 'maxMessageBytes must be positive');
    this.#options = options;
    this.#maxBytes = max;
  }

  /**
   * Connects (and completes the TLS handshake).
   * @throws VeloError `VELO_CONNECTION_CLOSED` when already started or closed, or when the connection fails
   *   (refused, timed out, TLS verification); `cause` holds the socket error.
   */
  start(): Promise<void> {
    if (this.#state !== 'new') return Promise.reject(new VeloError('VELO_CONNECTION_CLOSED', 'TcpClientTransport can be started only once'));
    this.#state = 'connecting';
    const o = this.#options;
    const host = o.host ?? '127.0.0.1';
    const timeoutMs = o.connectTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      let socket: Socket;
      if (o.tls) {
        const tlsOptions: ConnectionOptions = o.tls === true ? {} : o.tls;
        socket = tlsConnect({ ...(isIP(host) === 0 && { servername: host }), ...tlsOptions, host, port: o.port });
      } else {
        socket = netConnect({ host, port: o.port });
      }
      this.#socket = socket;
      const connectEvent = o.tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${timeoutMs} ms`)), timeoutMs);
      const onFail = (err: Error): void => {
        clearTimeout(timer);
        this.#state = 'closed';
        socket.destroy();
        reject(new VeloError('VELO_CONNECTION_CLOSED', `Cannot connect to ${host}:${o.port}: ${err.message}`, { cause: err }));
      };
      socket.once('error', onFail);
      socket.once(connectEvent, () => {
        clearTimeout(timer);
        socket.off('error', onFail);
        if (this.#closeRequested) {
          socket.destroy();
          reject(new VeloError('VELO_CONNECTION_CLOSED', 'Transport closed while connecting'));
          return;
        }
        this.#open(socket);
        resolve();
      });
    });
  }

  #open(socket: Socket): void {
    this.#state = 'open';
    socket.setNoDelay(true);
    const delay = this.#options.keepAliveInitialDelayMs ?? 30_000;
    if (delay > 0) socket.setKeepAlive(true, delay);
    const decoder = new LineDecoder(
      {
        onLine: (line) => deliverFrame(this, line),
        onOversize: (bytes) =>
          this.onerror?.(new VeloError('VELO_MESSAGE_TOO_LARGE', `Inbound message of ${bytes} bytes exceeds the limit of ${this.#maxBytes} bytes; dropped`)),
      },
      this.#maxBytes,
    );
    let midMessage = false;
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('end', () => {
      // The server ends every message with a newline: a tail without one was cut off, not a message.
      midMessage = decoder.pendingBytes > 0;
    });
    socket.on('error', (err) => {
      this.#lastError = err;
    });
    this.#closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#state = 'closed';
        resolve();
        if (this.#closeRequested) {
          this.onclose?.({ remote: false });
          return;
        }
        const why = this.#lastError
          ? `connection lost: ${this.#lastError.message}`
          : midMessage
            ? 'the server closed the connection in the middle of a message'
            : 'the server closed the connection';
        this.onclose?.({ remote: true, error: new VeloError('VELO_CONNECTION_CLOSED', why, this.#lastError ? { cause: this.#lastError } : undefined) });
      });
    });
  }

  /**
   * Sends one serialised message (a newline is appended).
   * @throws VeloError `VELO_CONNECTION_CLOSED` when not open; `VELO_MESSAGE_TOO_LARGE` when the message holds
   *   a raw newline (it would split the frame; `JSON.stringify` output never does).
   */
  send(message: string): Promise<void> {
    const socket = this.#socket;
    if (this.#state !== 'open' || !socket || !socket.writable) {
      return Promise.reject(new VeloError('VELO_CONNECTION_CLOSED', 'TcpClientTransport is not open'));
    }
    if (message.includes('\n')) {
      return Promise.reject(new VeloError('VELO_MESSAGE_TOO_LARGE', 'A message must not contain a raw newline (newline-delimited framing)'));
    }
    if (socket.write(`${message}\n`)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        socket.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        socket.off('drain', onDrain);
        reject(new VeloError('VELO_CONNECTION_CLOSED', 'Connection closed before the message was sent'));
      };
      socket.once('drain', onDrain);
      socket.once('close', onClose);
    });
  }

  /** Ends the connection (FIN, then a reset after 2 s if the server does not close) and waits for it. Idempotent. */
  async close(): Promise<void> {
    this.#closeRequested = true;
    const socket = this.#socket;
    if (!socket || this.#state === 'new') {
      this.#state = 'closed';
      return;
    }
    if (this.#state === 'connecting') {
      socket.destroy(new Error('closed while connecting')); // start() rejects
      return;
    }
    if (!socket.destroyed) {
      socket.end();
      const timer = setTimeout(() => socket.destroy(), 2000);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
    }
    await this.#closed;
  }
}
