/**
 * The stdio server transport (MCP `basic/transports.mdx`, "stdio"): newline-delimited JSON-RPC on
 * stdin/stdout; stderr is free for logs.
 *
 * - Framing uses {@link LineDecoder}: O(n) reassembly, a size limit per message (-32600 past it), and the
 *   connection keeps serving after malformed or oversized lines.
 * - Output is coalesced: everything answered while reading one chunk, or in one turn of the event loop,
 *   goes out in one write.
 * - Backpressure: while stdout is full, stdin is paused, so a slow reader cannot grow memory without bound.
 * - When stdin ends, in-flight requests get up to `drainTimeoutMs` to finish; a broken stdout (the client
 *   went away) closes the connection at once, cancelling handlers.
 */
import type { Readable, Writable } from 'node:stream';
import { DEFAULT_MAX_MESSAGE_BYTES, LineDecoder } from '../../jsonrpc/framing.js';
import { Outbox, waitUntil } from '../shared/outbox.js';
import type { ServerConnection } from '../../server/connection.js';
import type { McpServer } from '../../server/mcp-server.js';

/** Options of {@link serveStdio}. */
export interface StdioServerOptions {
  /** Input stream (default `process.stdin`). */
  stdin?: Readable;
  /** Output stream (default `process.stdout`). */
  stdout?: Writable;
  /** Largest accepted message in bytes (default 4 MiB). */
  maxMessageBytes?: number;
  /** Milliseconds to let in-flight requests finish after stdin ends (default 2000). */
  drainTimeoutMs?: number;
}

/** A running stdio server. */
export interface StdioServerHandle {
  /** The connection (legacy session and modern requests on this process). */
  readonly connection: ServerConnection;
  /** Resolves once the transport has closed. */
  readonly closed: Promise<void>;
  /** Stops reading, cancels what is in flight, flushes output and closes. */
  close(): Promise<void>;
}

/**
 * Serves `server` over stdio. One process is one connection: `initialize` opens a legacy session on it,
 * and modern requests are served statelessly beside it.
 */
export function serveStdio(server: McpServer, options: StdioServerOptions = {}): StdioServerHandle {
  const input = options.stdin ?? process.stdin;
  const output = options.stdout ?? process.stdout;
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const drainTimeoutMs = options.drainTimeoutMs ?? 2000;

  let blocked = false;
  let closing = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  const outbox = new Outbox((parts) => {
    if (!output.writable) return;
    const text = parts.length === 1 ? `${parts[0]}\n` : `${parts.join('\n')}\n`;
    if (!output.write(text) && !blocked) {
      blocked = true;
      input.pause();
      output.once('drain', () => {
        blocked = false;
        if (!closing) input.resume();
      });
    }
  });
  const connection = server.connect({ send: (message, related) => outbox.push(message, related) }, { transport: 'stdio' });

  const decoder = new LineDecoder(
    {
      onLine: (line) => connection.receiveText(line),
      onOversize: (bytes) => connection.reportOversize(bytes, maxBytes),
    },
    maxBytes,
  );

  const finish = (): void => {
    if (connection.closed) return;
    connection.close();
    outbox.flushAll();
    input.off('data', onData);
    input.off('end', onEnd);
    output.off('error', onOutputError);
    resolveClosed();
  };

  const onData = (chunk: Buffer | string): void => {
    decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    // Answers produced synchronously while reading this chunk leave now, in one write; asynchronous
    // ones follow through the scheduled flush.
    if (outbox.pending) outbox.flush();
  };
  const onEnd = (): void => {
    decoder.end();
    closing = true;
    // In-flight requests get up to drainTimeoutMs to finish before the connection closes.
    void waitUntil(() => connection.inFlight === 0, drainTimeoutMs).then(() => setImmediate(finish));
  };
  const onOutputError = (): void => {
    // EPIPE and friends: nobody reads our answers any more.
    outbox.cancel();
    finish();
  };

  input.on('data', onData);
  input.on('end', onEnd);
  output.on('error', onOutputError);

  return {
    connection,
    closed,
    close: async () => {
      closing = true;
      input.pause();
      finish();
      await closed;
    },
  };
}
