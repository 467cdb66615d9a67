/**
 * The `node:http` Streamable HTTP handler and server (the fast path).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { McpServer } from '../../server/mcp-server.js';
import { LegacySseEngine, type LegacySseOptions } from '../sse/engine.js';
import { HttpEngine, type HttpHandlerOptions, type HttpNotifier } from './engine.js';
import { BodyError, type OutHeaders, type RequestPort, type ResponsePort, type StreamPort } from './ports.js';
import { isLoopbackAddress } from './validate.js';
import { listenOn, urlHost } from '../shared/listen.js';

/** A `(req, res)` listener for `node:http` (also usable from express and fastify's raw handlers). */
export interface NodeHttpHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Ends every session and stream and stops timers. */
  close(): void;
  /** Cluster-wide notifications (through `options.bus` when given). */
  readonly notify: HttpNotifier;
  /** Live legacy sessions in this process. */
  readonly sessionCount: number;
}

/** Options of {@link createHttpHandler}. */
export interface NodeHttpHandlerOptions extends HttpHandlerOptions {
  /**
   * Also serve the deprecated HTTP+SSE transport (2024-11-05): GET `ssePath` opens the stream, POST
   * `messagesPath?sessionId=…` sends. Default: off.
   */
  legacySse?: LegacySseOptions | boolean;
  /**
   * Extra `node:http` handlers by exact path, served before MCP and outside its DNS-rebinding checks, e.g.
   * `{ '/metrics': metricsHandler(metrics), ...healthRoutes() }` from `velomcp/metrics` and `velomcp/observability`.
   */
  routes?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => void>>;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** How long, and how many bytes of, the rest of an oversized body are read and discarded after the 413. */
const LINGER_MS = 2000;
const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * After a 413, reads and discards what the client still sends (so closing does not reset the connection
 * before the client read the 413), for at most {@link LINGER_MS} and {@link LINGER_BYTES}; past either the
 * socket is destroyed.
 */
function linger(req: IncomingMessage): void {
  let discarded = 0;
  const timer = setTimeout(() => req.socket?.destroy(), LINGER_MS);
  timer.unref();
  const onData = (c: Buffer): void => {
    discarded += c.length;
    if (discarded > LINGER_BYTES) req.socket?.destroy();
  };
  req.on('data', onData);
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function readNodeBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<string> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    linger(req);
    return Promise.reject(new BodyError(413, `body of ${declared} bytes exceeds the limit of ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (err) {
        if (err instanceof BodyError && err.status === 413) linger(req);
        else req.pause();
        reject(err);
      } else resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) finish(new BodyError(413, `body exceeds the limit of ${limit} bytes`));
      else chunks.push(c);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (e: Error): void => finish(new BodyError(400, e.message));
    const onAborted = (): void => finish(new BodyError(400, 'request aborted'));
    const timer = setTimeout(() => finish(new BodyError(408, `body not received within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/** @internal Adapts a node request. */
export function nodeRequestPort(req: IncomingMessage): RequestPort {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    header: (name) => firstHeader(req.headers[name]),
    loopback: isLoopbackAddress(req.socket?.localAddress),
    peer: req.socket?.remoteAddress,
    readBody: (limit, timeoutMs) => readNodeBody(req, limit, timeoutMs),
    raw: req,
  };
}

/**
 * @internal Adapts a node response. SSE backpressure is measured as the WebSocket and TCP transports do, on
 * data the socket has not accepted, after each event-loop turn's writes reached it (a chunked response is
 * corked until the next tick, so a synchronous burst is not yet unread data): a stream is destroyed when
 * more than `maxBuffer` bytes besides the newest event stay queued, or when its socket stays blocked for
 * `stallMs`.
 */
export function nodeResponsePort(res: ServerResponse, maxBuffer: number, stallMs = 30_000): ResponsePort {
  return {
    respond(status: number, headers: OutHeaders, body: string): void {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(status, headers);
      res.end(body);
    },
    openStream(headers: OutHeaders): StreamPort {
      res.writeHead(200, headers);
      res.flushHeaders();
      let newest = 0;
      let scheduled = false;
      /** Bytes handed to `res.write` so far (a stall is a period in which none of them reached the socket). */
      let written = 0;
      let stallTimer: NodeJS.Timeout | undefined;
      /**
       * libuv's queue of the write in flight, when the handle exposes it: it shrinks as the reader reads, while
       * `writableLength` only shrinks once a whole (corked) write completed.
       */
      const inFlight = (): number => {
        const q = (res.socket as unknown as { _handle?: { writeQueueSize?: unknown } } | null)?._handle?.writeQueueSize;
        return typeof q === 'number' ? q : 0;
      };
      const arm = (): void => {
        const queued = res.writableLength;
        const libuv = inFlight();
        const at = written;
        stallTimer = setTimeout(() => {
          stallTimer = undefined;
          if (res.destroyed || res.writableEnded || !res.writableNeedDrain) return;
          // A write completed, or the one in flight shrank: the reader is slow, not stalled.
          if (queued + (written - at) > res.writableLength || inFlight() < libuv) arm();
          else res.destroy(new Error(`SSE consumer too slow: nothing read for ${stallMs} ms`));
        }, stallMs);
        stallTimer.unref();
      };
      const check = (): void => {
        scheduled = false;
        if (res.destroyed || res.writableEnded) return;
        if (res.writableLength - newest > maxBuffer) {
          // A consumer this slow would grow memory without bound: close the stream with an error.
          res.destroy(new Error(`SSE consumer too slow: more than ${maxBuffer} bytes unread`));
          return;
        }
        if (res.writableNeedDrain && stallTimer === undefined) arm();
      };
      res.once('close', () => clearTimeout(stallTimer));
      const port: StreamPort = {
        write(chunk: string): boolean {
          if (res.destroyed || res.writableEnded) return false;
          res.write(chunk);
          newest = chunk.length;
          written += chunk.length;
          if (!scheduled) {
            scheduled = true;
            setImmediate(check);
          }
          return true;
        },
        end(): void {
          if (!res.destroyed && !res.writableEnded) res.end();
        },
        get closed(): boolean {
          return res.destroyed || res.writableEnded;
        },
      };
      return port;
    },
    onAbort(listener: () => void): void {
      res.once('close', () => {
        if (!res.writableFinished) listener();
      });
    },
  };
}

/**
 * Creates a Streamable HTTP handler serving `server` (both eras on one endpoint).
 *
 * @example
 * ```ts
 * const handler = createHttpHandler(server, { path: '/mcp' });
 * http.createServer(handler).listen(3000, '127.0.0.1');
 * ```
 */
export function createHttpHandler(server: McpServer, options: NodeHttpHandlerOptions = {}): NodeHttpHandler {
  const engine = new HttpEngine(server, options);
  const sse = options.legacySse ? new LegacySseEngine(server, engine, options.legacySse === true ? {} : options.legacySse) : undefined;
  const max = engine.maxStreamBufferBytes;
  const stallMs = engine.streamStallTimeoutMs;
  const routes = options.routes;
  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    const port = nodeRequestPort(req);
    const route = routes?.[port.path];
    if (route) return route(req, res);
    const out = nodeResponsePort(res, max, stallMs);
    if (sse?.handles(port)) sse.handle(port, out);
    else engine.handle(port, out);
  }) as NodeHttpHandler;
  Object.defineProperties(handler, {
    close: {
      value: () => {
        sse?.close();
        engine.close();
      },
    },
    notify: { value: engine.notify },
    sessionCount: { get: () => engine.sessions.size },
  });
  return handler;
}

/** Options of {@link serveHttp}. */
export interface ServeHttpOptions extends NodeHttpHandlerOptions {
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Port (default 3000; 0 picks a free one). */
  port?: number;
  /** Milliseconds to receive request headers (default 10 000). */
  headersTimeoutMs?: number;
}

/** A running HTTP server. */
export interface HttpServerHandle {
  /** The endpoint URL, e.g. `http://127.0.0.1:3000/mcp`. */
  readonly url: string;
  readonly port: number;
  readonly httpServer: Server;
  readonly handler: NodeHttpHandler;
  /** Ends sessions and streams, closes every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Creates a `node:http` server for `handler`, listens on `host:port` (default `127.0.0.1:3000`) and returns
 * the handle whose `close()` ends the handler's sessions and every connection. `headersTimeoutMs` (default
 * 10 000 ms) bounds how long a client may take to send its headers; there is no request timeout, since SSE
 * streams are long-lived. Rejects with the `listen` error (e.g. `EADDRINUSE`).
 */
export async function listenHttp(
  handler: NodeHttpHandler,
  options: Pick<ServeHttpOptions, 'host' | 'port' | 'headersTimeoutMs'> & { path: string },
): Promise<HttpServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const httpServer = createServer(
    {
      headersTimeout,
      requestTimeout: 0,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeout / 4))),
      keepAliveTimeout: 5000,
    },
    handler,
  );
  const port = await listenOn(httpServer, options.port ?? 3000, host);
  return {
    url: `http://${urlHost(host)}:${port}${options.path}`,
    port,
    httpServer,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        handler.close();
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  };
}

/** Serves `server` over Streamable HTTP at `http://host:port/path` (default `127.0.0.1:3000/mcp`). */
export async function serveHttp(server: McpServer, options: ServeHttpOptions = {}): Promise<HttpServerHandle> {
  const path = options.path ?? '/mcp';
  return listenHttp(createHttpHandler(server, { ...options, path }), { ...options, path });
}
