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

  let queue: string[] = [];
  let flushScheduled = false;
  let blocked = false;
  let closing = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  const flush = (): void => {
    flushScheduled = false;
    notified.clear();
    // Responses held back in the previous turn go first: they are older than anything queued now.
    const parts = ready.length > 0 ? ready.concat(queue) : queue;
    ready = held;
    held = [];
    queue = [];
    if (ready.length > 0) schedule();
    if (parts.length === 0 || !output.writable) return;
    const text = parts.length === 1 ? `${parts[0]}\n` : `${parts.join('\n')}\n`;
    if (!output.write(text) && !blocked) {
      blocked = true;
      input.pause();
      output.once('drain', () => {
        blocked = false;
        if (!closing) input.resume();
      });
    }
  };

  // Requests that got a notification (progress, log) in the batch being gathered. Their response waits for
  // the next write: some clients handle responses synchronously but notifications a microtask later, and
  // would drop a notification that arrives in the same read as the response it precedes.
  const notified = new Set<unknown>();
  /** Responses held back during this turn; they move to `ready` at the next flush. */
  let held: string[] = [];
  let ready: string[] = [];
  const schedule = (): void => {
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };
  const connection = server.connect({
    send(message, related) {
      if (related !== undefined) {
        if (message.startsWith('{"jsonrpc":"2.0","method"')) notified.add(related);
        else if (notified.size > 0 && notified.has(related)) {
          held.push(message);
          schedule();
          return;
        }
      }
      queue.push(message);
      schedule();
    },
  });

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
    while (queue.length > 0 || held.length > 0 || ready.length > 0) flush();
    input.off('data', onData);
    input.off('end', onEnd);
    output.off('error', onOutputError);
    resolveClosed();
  };

  const onData = (chunk: Buffer | string): void => {
    decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    // Answers produced synchronously while reading this chunk leave now, in one write; asynchronous
    // ones follow through the scheduled flush.
    if (queue.length > 0) flush();
  };
  const onEnd = (): void => {
    decoder.end();
    closing = true;
    const deadline = Date.now() + drainTimeoutMs;
    const wait = (): void => {
      if (connection.inFlight === 0 || Date.now() >= deadline) setImmediate(finish);
      else setTimeout(wait, 10).unref();
    };
    setImmediate(wait);
  };
  const onOutputError = (): void => {
    // EPIPE and friends: nobody reads our answers any more.
    queue = [];
    held = [];
    ready = [];
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
