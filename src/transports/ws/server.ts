/**
 * The WebSocket server transport, a velomcp extension (the MCP specification defines only stdio and
 * Streamable HTTP). Built on `ws`; the wire rules:
 *
 * - **Subprotocol `mcp`.** The server selects `mcp` when the client offers it and refuses (HTTP 400) a
 *   handshake that offers only other subprotocols. A handshake that offers none is accepted by default
 *   (generic tools such as `wscat` send none) and refused with 400 when `requireSubprotocol` is set.
 * - **One JSON-RPC message per text frame.** A binary frame closes the socket with 1003; invalid UTF-8
 *   closes with 1007 (by `ws`); a frame over `maxMessageBytes` closes with 1009 (by `ws`, reason
 *   "Max payload size exceeded"). Invalid JSON in a text frame is answered with -32700 and the socket keeps
 *   serving.
 * - **Keep-alive.** The server pings every `keepAliveMs`; a peer that has not answered the previous ping
 *   is terminated (no closing handshake: it is presumed dead).
 * - **Backpressure.** Output is coalesced per event-loop turn. While the socket's send buffer is full the
 *   server stops reading from that socket; a consumer that lets more than `maxBufferedBytes` pile up, or stays
 *   blocked longer than `slowConsumerTimeoutMs`, is closed with 1008 (and terminated if the close cannot get
 *   through). Memory per connection is bounded.
 * - **Close codes.** 1000 answers a client's normal close; the server itself closes with 1001 on shutdown,
 *   1002 protocol error and 1007 invalid UTF-8 (both by `ws`), 1003 binary frame, 1008 slow consumer, 1009
 *   oversized frame, 1011 internal error.
 * - **DNS-rebinding protection** like the HTTP transport: on a loopback socket (or when allow-lists are
 *   given), `Host` and `Origin` must be allowed, else the upgrade is answered with HTTP 403.
 * - **Connection limit.** Past `maxConnections` (and while shutting down) the upgrade is answered with
 *   HTTP 503 and `Retry-After`.
 *
 * Every socket is one {@link ServerConnection}: `initialize` opens a legacy session on it and modern requests
 * are served statelessly beside it. A socket that closes cancels its handlers (`ctx.signal` aborts).
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../jsonrpc/framing.js';
import type { ServerConnection } from '../../server/connection.js';
import type { McpServer } from '../../server/mcp-server.js';
import { checkOrigin, isLoopbackAddress, originPolicy } from '../http/validate.js';
import { deliver, Outbox, waitUntil } from '../shared/outbox.js';
import { positiveOption } from '../shared/config.js';
import { listenOn, urlHost } from '../shared/listen.js';

/** The WebSocket subprotocol of MCP over WebSocket (velomcp extension). */
export const MCP_SUBPROTOCOL = 'mcp';

/** WebSocket close codes used by this transport (RFC 6455 §7.4.1). */
export const WsCloseCode = {
  /** Normal closure. */
  Normal: 1000,
  /** The server is shutting down. */
  GoingAway: 1001,
  /** Protocol error (raised by `ws`). */
  ProtocolError: 1002,
  /** A binary frame: MCP messages are JSON text. */
  UnsupportedData: 1003,
  /** A text frame that is not valid UTF-8 (raised by `ws`). */
  InvalidPayload: 1007,
  /** Policy violation: a consumer too slow to read its output. */
  PolicyViolation: 1008,
  /** A frame over the size limit. */
  MessageTooBig: 1009,
  /** An unexpected server error. */
  InternalError: 1011,
} as const;

/** Options of {@link attachWebSocket}. Sizes are in bytes, durations in milliseconds. */
export interface WebSocketAttachOptions {
  /**
   * URL path that upgrades are accepted on (default `/mcp`). Upgrades for other paths are left to other
   * `upgrade` listeners, or answered with 404 when this is the only one.
   */
  path?: string;
  /** Largest accepted message (one frame) in bytes; larger frames close the socket with 1009. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Most simultaneous WebSocket connections (default 10 000); excess upgrades get HTTP 503. */
  maxConnections?: number;
  /**
   * Most simultaneous WebSocket connections of one client: its principal when `principal` resolves one, else
   * its peer address. Excess upgrades get HTTP 429 with `Retry-After`. Default 1000.
   */
  maxConnectionsPerClient?: number;
  /** Refuse handshakes that offer no subprotocol (HTTP 400). Default false: they are served as `mcp`. */
  requireSubprotocol?: boolean;
  /** Ping interval; a peer that missed the previous ping's pong is terminated. Default 30 000; 0 turns pings off. */
  keepAliveMs?: number;
  /** Unsent output one socket may hold before it is closed with 1008. Default 8 MiB. */
  maxBufferedBytes?: number;
  /** How long a socket may stay blocked (send buffer full, reading paused) before it is closed with 1008. Default 30 000. */
  slowConsumerTimeoutMs?: number;
  /**
   * A socket that sent no message for this long while no request of it is in flight is closed with 1000
   * ("idle timeout"); pongs do not count. Clients that wait for notifications send `ping` now and then.
   * Default 300 000; 0 turns it off.
   */
  idleTimeoutMs?: number;
  /** How long {@link WebSocketAttachment.close} waits for in-flight requests. Default 5000. */
  drainTimeoutMs?: number;
  /** How long a closing handshake may take before the socket is terminated. Default 2000. */
  closeTimeoutMs?: number;
  /**
   * DNS-rebinding protection: `Host` and `Origin` must be in the allow-lists (HTTP 403 otherwise). `'auto'`
   * (default) protects upgrades that arrive on a loopback socket, or all of them when allow-lists are given.
   */
  dnsRebindingProtection?: boolean | 'auto';
  /** Accepted `Host` values (hostname, or `host:port`). Default: localhost, 127.0.0.1, [::1]. */
  allowedHosts?: readonly string[];
  /** Accepted `Origin` values (full origin, or hostname). Default: localhost, 127.0.0.1, [::1]. */
  allowedOrigins?: readonly string[];
  /** Serve the legacy era (`initialize`). Default true. */
  legacy?: boolean;
  /** Serve the modern era (per-request `_meta`). Default true. */
  modern?: boolean;
  /** Resolves the authenticated principal of an upgrade request (binds MRTR state). Default: anonymous. */
  principal?: (request: IncomingMessage) => string | undefined;
}

/** What {@link attachWebSocket} returns. */
export interface WebSocketAttachment {
  /** Open WebSocket connections right now. */
  readonly connections: number;
  /**
   * Graceful shutdown of the WebSocket side (the HTTP server stays up): refuses new upgrades with 503,
   * answers new requests on open sockets with -32000 ("shutting down"), lets in-flight requests finish for up
   * to `drainTimeoutMs`, then cancels what remains, flushes, and closes every socket with 1001. Listen
   * subscriptions are in-flight requests: call `server.close()` first to end them with their result, otherwise
   * they are cancelled at the deadline. Idempotent.
   */
  close(): Promise<void>;
}

/** Options of {@link serveWebSocket}. */
export interface ServeWebSocketOptions extends WebSocketAttachOptions {
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Port (default 0: a free port, see {@link WebSocketServerHandle.port}). */
  port?: number;
}

/** A running WebSocket server from {@link serveWebSocket}. */
export interface WebSocketServerHandle {
  /** The endpoint, e.g. `ws://127.0.0.1:3000/mcp`. */
  readonly url: string;
  /** The bound port. */
  readonly port: number;
  /** The underlying HTTP server (plain HTTP requests get 426 on the path, 404 elsewhere). */
  readonly httpServer: HttpServer;
  /** Open WebSocket connections right now. */
  readonly connections: number;
  /** Graceful shutdown as {@link WebSocketAttachment.close}, then stops listening. Idempotent. */
  close(): Promise<void>;
}

/** @internal One accepted WebSocket. */
interface WsPeer {
  ws: WebSocket;
  socket: Duplex;
  connection: ServerConnection;
  outbox: Outbox;
  draining: boolean;
  alive: boolean;
  closed: Promise<void>;
  killTimer: NodeJS.Timeout | undefined;
  /** When the peer last sent a message (ms since the epoch). */
  lastInbound: number;
}

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
function rejectUpgrade(socket: Duplex, status: number, message: string, extra: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message } });
  const headers: Record<string, string | number> = { connection: 'close', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n\r\n${body}`);
}

/** The subprotocols a handshake offers (`Sec-WebSocket-Protocol`, comma-separated). */
function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  if (raw === undefined) return [];
  return raw.split(',').map((p) => p.trim()).filter((p) => p !== '');
}

function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

/**
 * Serves MCP over WebSocket on an existing `http.Server` (or `https.Server` for `wss:`), beside whatever
 * else it serves, e.g. the Streamable HTTP handler on the same path. Listens for the server's `upgrade`
 * event until {@link WebSocketAttachment.close}.
 *
 * @example
 * ```ts
 * const httpServer = http.createServer(createHttpHandler(server, { path: '/mcp' }));
 * const ws = attachWebSocket(httpServer, server, { path: '/mcp' });
 * httpServer.listen(3000, '127.0.0.1');
 * ```
 * @throws VeloError `VELO_INVALID_CONFIG` for bad options.
 */
export function attachWebSocket(httpServer: HttpServer, server: McpServer, options: WebSocketAttachOptions = {}): WebSocketAttachment {
  const path = options.path ?? '/mcp';
  const maxBytes = positiveOption('maxMessageBytes', options.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES);
  const maxConnections = positiveOption('maxConnections', options.maxConnections, 10_000);
  const maxPerClient = positiveOption('maxConnectionsPerClient', options.maxConnectionsPerClient, 1000);
  /** Open and pending connections per client key. */
  const perClient = new Map<string, number>();
  const keepAliveMs = positiveOption('keepAliveMs', options.keepAliveMs, 30_000, true);
  const maxBuffered = positiveOption('maxBufferedBytes', options.maxBufferedBytes, 8 * 1024 * 1024);
  const stallMs = positiveOption('slowConsumerTimeoutMs', options.slowConsumerTimeoutMs, 30_000);
  const drainMs = positiveOption('drainTimeoutMs', options.drainTimeoutMs, 5000, true);
  const closeMs = positiveOption('closeTimeoutMs', options.closeTimeoutMs, 2000);
  const idleMs = positiveOption('idleTimeoutMs', options.idleTimeoutMs, 300_000, true);
  const requireSubprotocol = options.requireSubprotocol ?? false;
  const protection = options.dnsRebindingProtection ?? 'auto';
  const policy = originPolicy(options.allowedHosts, options.allowedOrigins);
  const explicitPolicy = options.allowedHosts !== undefined || options.allowedOrigins !== undefined;
  const connectionOptions = {
    transport: 'ws',
    ...(options.legacy !== undefined && { legacy: options.legacy }),
    ...(options.modern !== undefined && { modern: options.modern }),
  };

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: maxBytes,
    perMessageDeflate: false,
    // Checked before the handshake (see onUpgrade); here only `mcp` can be among the offers.
    handleProtocols: (offered) => (offered.has(MCP_SUBPROTOCOL) ? MCP_SUBPROTOCOL : false),
  });
  const peers = new Set<WsPeer>();
  let pending = 0;
  let closing = false;

  /** Starts an orderly close; terminates the socket if it does not complete in time. */
  const closePeer = (peer: WsPeer, code: number, reason: string): void => {
    if (peer.ws.readyState === WebSocket.CLOSED) return;
    peer.connection.close();
    peer.outbox.flushAll();
    peer.ws.close(code, reason);
    peer.killTimer ??= setTimeout(() => peer.ws.terminate(), closeMs);
    peer.killTimer.unref();
  };

  const onConnection = (ws: WebSocket, req: IncomingMessage, socket: Duplex): void => {
    let resolveClosed!: () => void;
    let blocked = false;
    let stallTimer: NodeJS.Timeout | undefined;
    const write = (parts: string[]): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      // One frame per message; corking turns the burst into one write to the kernel.
      socket.cork();
      for (const part of parts) ws.send(part);
      socket.uncork();
      if (ws.bufferedAmount > maxBuffered) {
        closePeer(peer, WsCloseCode.PolicyViolation, `slow consumer: more than ${maxBuffered} bytes unsent`);
        return;
      }
      if (socket.writableNeedDrain && !blocked) {
        blocked = true;
        ws.pause();
        stallTimer = setTimeout(() => closePeer(peer, WsCloseCode.PolicyViolation, `slow consumer: blocked for ${stallMs} ms`), stallMs);
        stallTimer.unref();
        socket.once('drain', () => {
          blocked = false;
          clearTimeout(stallTimer);
          if (ws.readyState === WebSocket.OPEN) ws.resume();
        });
      }
    };
    const outbox = new Outbox(write);
    const principal = options.principal?.(req);
    const connection = server.connect({ send: (m, related) => outbox.push(m, related) }, principal === undefined ? connectionOptions : { ...connectionOptions, principal });
    const peer: WsPeer = { ws, socket, connection, outbox, draining: closing, alive: true, closed: new Promise((r) => (resolveClosed = r)), killTimer: undefined, lastInbound: Date.now() };
    peers.add(peer);

    ws.on('message', (data: RawData, isBinary: boolean) => {
      peer.lastInbound = Date.now();
      if (isBinary) {
        closePeer(peer, WsCloseCode.UnsupportedData, 'Binary frames are not supported: send each JSON-RPC message as one text frame');
        return;
      }
      const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
      try {
        deliver(connection, text, peer.draining, (m, related) => outbox.push(m, related));
      } catch {
        closePeer(peer, WsCloseCode.InternalError, 'Internal error');
      }
    });
    ws.on('pong', () => {
      peer.alive = true;
    });
    ws.on('error', () => {
      // Oversized frames (1009), invalid UTF-8 (1007), protocol errors (1002): `ws` closes the socket itself.
    });
    ws.once('close', () => {
      clearTimeout(stallTimer);
      clearTimeout(peer.killTimer);
      connection.close(); // cancels handlers of a peer that vanished
      outbox.cancel();
      peers.delete(peer);
      resolveClosed();
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(req.url) !== path) {
      if (httpServer.listenerCount('upgrade') <= 1) rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    socket.on('error', () => socket.destroy());
    const loopback = isLoopbackAddress(req.socket.localAddress);
    if (protection === true || (protection === 'auto' && (loopback || explicitPolicy))) {
      const origin = req.headers.origin;
      const why = checkOrigin(policy, req.headers.host, Array.isArray(origin) ? origin[0] : origin);
      if (why) {
        rejectUpgrade(socket, 403, `Forbidden: ${why}`);
        return;
      }
    }
    const offered = offeredProtocols(req);
    if (offered.length > 0 ? !offered.includes(MCP_SUBPROTOCOL) : requireSubprotocol) {
      rejectUpgrade(socket, 400, `Unsupported WebSocket subprotocol: offer "${MCP_SUBPROTOCOL}" in Sec-WebSocket-Protocol`);
      return;
    }
    if (closing) {
      rejectUpgrade(socket, 503, 'Server is shutting down', { 'retry-after': '1' });
      return;
    }
    if (peers.size + pending >= maxConnections) {
      rejectUpgrade(socket, 503, `Server busy: connection limit (${maxConnections}) reached`, { 'retry-after': '1' });
      return;
    }
    const principal = options.principal?.(req);
    const client = principal ? `principal:${principal}` : `address:${req.socket.remoteAddress ?? ''}`;
    const held = perClient.get(client) ?? 0;
    if (held >= maxPerClient) {
      rejectUpgrade(socket, 429, `Too Many Requests: this client already has ${maxPerClient} connections (maxConnectionsPerClient)`, { 'retry-after': '1' });
      return;
    }
    perClient.set(client, held + 1);
    socket.once('close', () => {
      const n = (perClient.get(client) ?? 1) - 1;
      if (n <= 0) perClient.delete(client);
      else perClient.set(client, n);
    });
    pending++;
    let settled = false;
    const settle = (): void => {
      if (!settled) {
        settled = true;
        pending--;
      }
    };
    socket.once('close', settle);
    wss.handleUpgrade(req, socket, head, (ws) => {
      settle();
      socket.off('close', settle);
      onConnection(ws, req, socket);
    });
  };
  httpServer.on('upgrade', onUpgrade);

  let heartbeat: NodeJS.Timeout | undefined;
  if (keepAliveMs > 0) {
    heartbeat = setInterval(() => {
      for (const peer of peers) {
        if (!peer.alive) {
          peer.ws.terminate(); // missed a whole interval: presumed dead, no closing handshake
          continue;
        }
        peer.alive = false;
        if (peer.ws.readyState === WebSocket.OPEN) peer.ws.ping();
      }
    }, keepAliveMs);
    heartbeat.unref();
  }

  let idleSweeper: NodeJS.Timeout | undefined;
  if (idleMs > 0) {
    idleSweeper = setInterval(() => {
      const now = Date.now();
      for (const p of [...peers]) if (!p.draining && p.connection.inFlight === 0 && now - p.lastInbound >= idleMs) closePeer(p, WsCloseCode.Normal, 'idle timeout');
    }, Math.max(20, Math.min(30_000, Math.floor(idleMs / 4))));
    idleSweeper.unref();
  }

  let closePromise: Promise<void> | undefined;
  return {
    get connections() {
      return peers.size;
    },
    close: () =>
      (closePromise ??= (async () => {
        closing = true;
        if (idleSweeper) clearInterval(idleSweeper);
        for (const p of peers) p.draining = true;
        await waitUntil(() => [...peers].every((p) => p.connection.inFlight === 0), drainMs);
        for (const p of [...peers]) closePeer(p, WsCloseCode.GoingAway, 'Server shutting down');
        await Promise.all([...peers].map((p) => p.closed));
        if (heartbeat) clearInterval(heartbeat);
        httpServer.off('upgrade', onUpgrade);
        wss.close();
      })()),
  };
}

/**
 * Serves `server` over WebSocket on its own HTTP server, at `ws://host:port/path` (default
 * `ws://127.0.0.1:<free port>/mcp`). A velomcp extension; pair it with {@link WebSocketClientTransport}.
 *
 * @example
 * ```ts
 * const handle = await serveWebSocket(server, { port: 3001 });
 * console.error(`listening on ${handle.url}`);
 * ```
 * @throws VeloError `VELO_INVALID_CONFIG` for bad options; the listen error (e.g. `EADDRINUSE`) otherwise.
 */
export async function serveWebSocket(server: McpServer, options: ServeWebSocketOptions = {}): Promise<WebSocketServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const path = options.path ?? '/mcp';
  const httpServer = createServer({ headersTimeout: 10_000, requestTimeout: 10_000, keepAliveTimeout: 5000 }, (req, res) => {
    const onPath = pathOf(req.url) === path;
    const body = onPath ? 'Upgrade Required: connect with WebSocket (subprotocol "mcp")' : 'Not Found';
    res.writeHead(onPath ? 426 : 404, { 'content-type': 'text/plain', ...(onPath && { upgrade: 'websocket', connection: 'Upgrade' }) });
    res.end(body);
  });
  const attachment = attachWebSocket(httpServer, server, { ...options, path });
  let port: number;
  try {
    port = await listenOn(httpServer, options.port ?? 0, host);
  } catch (err) {
    await attachment.close();
    throw err;
  }
  let closePromise: Promise<void> | undefined;
  return {
    url: `ws://${urlHost(host)}:${port}${path}`,
    port,
    httpServer,
    get connections() {
      return attachment.connections;
    },
    close: () =>
      (closePromise ??= (async () => {
        const stopped = new Promise<void>((r) => httpServer.close(() => r()));
        await attachment.close();
        httpServer.closeAllConnections();
        await stopped;
      })()),
  };
}
