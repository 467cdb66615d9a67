/**
 * The TCP server transport, a velomcp extension (the MCP specification defines only stdio and HTTP):
 * newline-delimited JSON-RPC exactly as on stdio, over a TCP socket or TLS (`node:tls`).
 *
 * - One socket is one {@link ServerConnection}: `initialize` opens a legacy session on it, and modern
 *   requests (per-request `_meta`) are served statelessly beside it.
 * - Framing uses {@link LineDecoder}: O(n) reassembly, a size limit per message (-32600 past it), and the
 *   socket keeps serving after malformed or oversized lines.
 * - Output is coalesced per event-loop turn. Backpressure: while the socket's send buffer is full the socket
 *   stops reading; a peer that lets more than `maxBufferedBytes` pile up, or stays blocked longer than
 *   `slowConsumerTimeoutMs`, is disconnected. Memory per connection is therefore bounded.
 * - A FIN or a reset from the peer means it is gone: the connection closes at once and its handlers are
 *   cancelled (`ctx.signal` aborts), since a dead peer and a half-closing one look the same on TCP. A client
 *   that wants its answers keeps the socket open until they arrive (as {@link TcpClientTransport} does).
 */
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { DEFAULT_MAX_MESSAGE_BYTES, LineDecoder } from '../../jsonrpc/framing.js';
import { serializeError } from '../../jsonrpc/message.js';
import type { ServerConnection } from '../../server/connection.js';
import type { McpServer } from '../../server/mcp-server.js';
import { deliver, Outbox, UNAVAILABLE_CODE, waitUntil } from '../shared/outbox.js';
import { positiveOption } from '../shared/config.js';
import { listenOn, urlHost } from '../shared/listen.js';

/** Options of {@link serveTcp}. Sizes are in bytes, durations in milliseconds. */
export interface ServeTcpOptions {
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Port (default 0: a free port, see {@link TcpServerHandle.port}). */
  port?: number;
  /**
   * Serve TLS instead of plain TCP: `node:tls` server options, at least `key` and `cert` (PEM). Omit for
   * plain TCP.
   */
  tls?: TlsOptions;
  /** Largest accepted message (one line) in bytes; larger ones are answered with -32600. Default 4 MiB. */
  maxMessageBytes?: number;
  /**
   * Most simultaneous connections (default 10 000). An excess connection receives one JSON-RPC error line
   * (`id: null`, code -32000, "connection limit reached") and is ended.
   */
  maxConnections?: number;
  /**
   * Most simultaneous connections of one client: its principal when `principal` resolves one, else its peer
   * address. An excess connection is refused like one past `maxConnections`. Default 1000.
   */
  maxConnectionsPerClient?: number;
  /** Delay before TCP keep-alive probes start on an idle socket (default 30 000; 0 turns keep-alive off). */
  keepAliveInitialDelayMs?: number;
  /** Unsent output one socket may hold before the peer is disconnected as a slow consumer. Default 8 MiB. */
  maxBufferedBytes?: number;
  /** How long a socket may stay blocked (send buffer full, reading paused) before it is disconnected. Default 30 000. */
  slowConsumerTimeoutMs?: number;
  /**
   * A socket that sent nothing for this long while no request of it is in flight is ended (a silent socket
   * must not hold a connection slot forever; clients that wait for notifications send `ping` now and then).
   * Default 300 000; 0 turns it off.
   */
  idleTimeoutMs?: number;
  /** How long {@link TcpServerHandle.close} waits for in-flight requests. Default 5000. */
  drainTimeoutMs?: number;
  /** Serve the legacy era (`initialize`). Default true. */
  legacy?: boolean;
  /** Serve the modern era (per-request `_meta`). Default true. */
  modern?: boolean;
  /** Resolves the authenticated principal of a socket (binds MRTR state). Default: anonymous. */
  principal?: (socket: Socket) => string | undefined;
}

/** A running TCP (or TLS) server from {@link serveTcp}. */
export interface TcpServerHandle {
  /** The bound port. */
  readonly port: number;
  /** The bound IP address, e.g. `127.0.0.1`. */
  readonly address: string;
  /** `tcp://host:port` or `tls://host:port` (IPv6 hosts in brackets). */
  readonly url: string;
  /** The underlying `net.Server` (a `tls.Server` with TLS). */
  readonly netServer: Server;
  /** Open connections right now. */
  readonly connections: number;
  /**
   * Graceful shutdown: stops accepting, answers new requests on open sockets with -32000 ("shutting down"),
   * lets in-flight requests finish for up to `drainTimeoutMs`, then cancels what remains, flushes and ends
   * every socket. Listen subscriptions are in-flight requests: call `server.close()` first to end them with
   * their result, otherwise they are cancelled at the deadline. Idempotent.
   */
  close(): Promise<void>;
}

/** @internal One accepted socket. */
interface TcpPeer {
  socket: Socket;
  connection: ServerConnection;
  outbox: Outbox;
  draining: boolean;
  closed: Promise<void>;
  /** Destroys the socket if the peer does not finish an orderly close in time. */
  killTimer: NodeJS.Timeout | undefined;
  /** When the peer last sent anything (ms since the epoch). */
  lastInbound: number;
}

/**
 * Serves `server` over newline-delimited JSON on TCP, or TLS when `options.tls` is given (a velomcp
 * extension; pair it with {@link TcpClientTransport}).
 *
 * @example
 * ```ts
 * const handle = await serveTcp(server, { port: 7777 });
 * console.error(`listening on ${handle.url}`);
 * ```
 * @throws VeloError `VELO_INVALID_CONFIG` for bad options; the listen error (e.g. `EADDRINUSE`) otherwise.
 */
export async function serveTcp(server: McpServer, options: ServeTcpOptions = {}): Promise<TcpServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const maxBytes = positiveOption('maxMessageBytes', options.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES);
  const maxConnections = positiveOption('maxConnections', options.maxConnections, 10_000);
  const maxPerClient = positiveOption('maxConnectionsPerClient', options.maxConnectionsPerClient, 1000);
  /** Open connections per client key. */
  const perClient = new Map<string, number>();
  const keepAliveDelay = positiveOption('keepAliveInitialDelayMs', options.keepAliveInitialDelayMs, 30_000, true);
  const maxBuffered = positiveOption('maxBufferedBytes', options.maxBufferedBytes, 8 * 1024 * 1024);
  const stallMs = positiveOption('slowConsumerTimeoutMs', options.slowConsumerTimeoutMs, 30_000);
  const drainMs = positiveOption('drainTimeoutMs', options.drainTimeoutMs, 5000, true);
  const idleMs = positiveOption('idleTimeoutMs', options.idleTimeoutMs, 300_000, true);
  const connectionOptions = {
    transport: 'tcp',
    ...(options.legacy !== undefined && { legacy: options.legacy }),
    ...(options.modern !== undefined && { modern: options.modern }),
  };
  const peers = new Set<TcpPeer>();
  /** Sockets refused or being refused; tracked so close() can destroy them. */
  const refused = new Set<Socket>();
  let closing = false;

  const refuse = (socket: Socket, message: string): void => {
    refused.add(socket);
    // A peer that never reads must not keep the refused socket open.
    const timer = setTimeout(() => socket.destroy(), 1000);
    timer.unref();
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      clearTimeout(timer);
      refused.delete(socket);
    });
    socket.end(`${serializeError(null, { code: UNAVAILABLE_CODE, message })}\n`);
  };

  const accept = (socket: Socket): void => {
    if (closing) {
      refuse(socket, 'Server is shutting down');
      return;
    }
    if (peers.size >= maxConnections) {
      refuse(socket, `Server busy: connection limit (${maxConnections}) reached`);
      return;
    }
    const principal = options.principal?.(socket);
    const client = principal ? `principal:${principal}` : `address:${socket.remoteAddress ?? ''}`;
    const held = perClient.get(client) ?? 0;
    if (held >= maxPerClient) {
      refuse(socket, `Server busy: this client already has ${maxPerClient} connections (maxConnectionsPerClient)`);
      return;
    }
    perClient.set(client, held + 1);
    socket.setNoDelay(true);
    if (keepAliveDelay > 0) socket.setKeepAlive(true, keepAliveDelay);

    let blocked = false;
    let stallTimer: NodeJS.Timeout | undefined;
    let resolveClosed!: () => void;
    const write = (parts: string[]): void => {
      if (socket.destroyed || !socket.writable) return;
      const text = parts.length === 1 ? `${parts[0]}\n` : `${parts.join('\n')}\n`;
      const ok = socket.write(text);
      if (socket.writableLength > maxBuffered) {
        // A consumer this slow would grow memory without bound.
        socket.destroy(new Error(`slow consumer: more than ${maxBuffered} bytes unsent`));
        return;
      }
      if (!ok && !blocked) {
        blocked = true;
        socket.pause();
        stallTimer = setTimeout(() => socket.destroy(new Error(`slow consumer: blocked for ${stallMs} ms`)), stallMs);
        stallTimer.unref();
        socket.once('drain', () => {
          blocked = false;
          clearTimeout(stallTimer);
          if (!socket.destroyed) socket.resume();
        });
      }
    };
    const outbox = new Outbox(write);
    const connection = server.connect({ send: (m, related) => outbox.push(m, related) }, principal === undefined ? connectionOptions : { ...connectionOptions, principal });
    const peer: TcpPeer = { socket, connection, outbox, draining: false, closed: new Promise((r) => (resolveClosed = r)), killTimer: undefined, lastInbound: Date.now() };
    peers.add(peer);
    const decoder = new LineDecoder(
      {
        onLine: (line) => deliver(connection, line, peer.draining, (m, related) => outbox.push(m, related)),
        onOversize: (bytes) => connection.reportOversize(bytes, maxBytes),
      },
      maxBytes,
    );
    socket.on('data', (chunk: Buffer) => {
      peer.lastInbound = Date.now();
      decoder.push(chunk);
    });
    socket.on('error', () => {
      // ECONNRESET, EPIPE, TLS errors: the socket is closing; 'close' cleans up.
    });
    socket.once('close', () => {
      clearTimeout(stallTimer);
      clearTimeout(peer.killTimer);
      // A peer that vanished cancels its handlers; unsent output is dropped.
      connection.close();
      outbox.cancel();
      peers.delete(peer);
      const n = (perClient.get(client) ?? 1) - 1;
      if (n <= 0) perClient.delete(client);
      else perClient.set(client, n);
      resolveClosed();
    });
  };

  /** Cancels what remains, flushes, ends the socket, and destroys it if the peer does not finish the close. */
  const endPeer = (peer: TcpPeer): void => {
    const { socket, connection, outbox } = peer;
    if (socket.destroyed) return;
    connection.close();
    outbox.flushAll();
    socket.end();
    peer.killTimer ??= setTimeout(() => socket.destroy(), 1000);
    peer.killTimer.unref();
  };

  const netServer = options.tls
    ? createTlsServer(options.tls, accept)
    : createNetServer({ noDelay: true }, accept);
  netServer.on('tlsClientError', (_err: Error, socket: Socket) => socket.destroy());
  // Every raw socket, including TLS handshakes that never complete, so close() can release them all.
  const rawSockets = new Set<Socket>();
  netServer.on('connection', (socket: Socket) => {
    rawSockets.add(socket);
    socket.once('close', () => rawSockets.delete(socket));
  });
  await listenOn(netServer, options.port ?? 0, host);
  netServer.on('error', () => {
    // Accept errors (EMFILE) are transient; keep listening.
  });
  let idleSweeper: NodeJS.Timeout | undefined;
  if (idleMs > 0) {
    idleSweeper = setInterval(() => {
      const now = Date.now();
      for (const p of [...peers]) if (!p.draining && p.connection.inFlight === 0 && now - p.lastInbound >= idleMs) endPeer(p);
    }, Math.max(20, Math.min(30_000, Math.floor(idleMs / 4))));
    idleSweeper.unref();
  }
  const info = netServer.address() as AddressInfo;
  const shown = urlHost(info.address);
  let closePromise: Promise<void> | undefined;

  return {
    port: info.port,
    address: info.address,
    url: `${options.tls ? 'tls' : 'tcp'}://${shown}:${info.port}`,
    netServer,
    get connections() {
      return peers.size;
    },
    close: () =>
      (closePromise ??= (async () => {
        closing = true;
        if (idleSweeper) clearInterval(idleSweeper);
        const stopped = new Promise<void>((r) => netServer.close(() => r()));
        for (const p of peers) p.draining = true;
        await waitUntil(() => [...peers].every((p) => p.connection.inFlight === 0), drainMs);
        for (const p of [...peers]) endPeer(p);
        await Promise.all([...peers].map((p) => p.closed));
        for (const s of refused) s.destroy();
        for (const s of rawSockets) s.destroy();
        await stopped;
      })()),
  };
}
