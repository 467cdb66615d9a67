/**
 * An in-memory client transport: pairs an {@link McpClient} with an {@link McpServer} in the same process
 * through `server.connect(sink)`. Messages cross as serialised JSON, one microtask later, exactly as they
 * would over a byte stream; nothing is shared by reference.
 */
import { VeloError } from '../jsonrpc/errors.js';
import type { ServerConnection } from '../server/connection.js';
import type { McpServer } from '../server/mcp-server.js';
import { deliverFrame, type ClientTransport, type TransportCloseInfo } from './transport.js';

/** Connects to an `McpServer` in the same process. One instance is one connection (one legacy session). */
export class InMemoryClientTransport implements ClientTransport {
  readonly #server: McpServer;
  readonly #principal: string | undefined;
  #connection: ServerConnection | undefined;
  #closed = false;
  onmessage: ((message: unknown) => void) | undefined;
  onerror: ((error: Error) => void) | undefined;
  onclose: ((info: TransportCloseInfo) => void) | undefined;

  /**
   * @param server - The server to talk to; it may serve any number of other connections at once.
   * @param options - `principal`: the principal the server sees on this connection (default anonymous), for
   *   in-process callers acting on behalf of an authenticated request (e.g. a workflow step).
   */
  constructor(server: McpServer, options: { principal?: string } = {}) {
    this.#server = server;
    this.#principal = options.principal;
  }

  /** Attaches to the server. @throws VeloError `VELO_CONNECTION_CLOSED` after `close()`. */
  async start(): Promise<void> {
    if (this.#closed) throw new VeloError('VELO_CONNECTION_CLOSED', 'In-memory transport is closed');
    if (this.#connection) return;
    const sink = {
      send: (message: string) => {
        queueMicrotask(() => {
          if (this.#closed) return;
          deliverFrame(this, message);
        });
      },
    };
    const connection = this.#server.connect(sink, this.#principal === undefined ? undefined : { principal: this.#principal });
    connection.onclose = () => this.#finish(true);
    this.#connection = connection;
  }

  /** Delivers one message to the server. @throws VeloError `VELO_CONNECTION_CLOSED` when closed or not started. */
  async send(message: string): Promise<void> {
    const connection = this.#connection;
    if (this.#closed || !connection) throw new VeloError('VELO_CONNECTION_CLOSED', 'In-memory transport is not open');
    queueMicrotask(() => connection.receiveText(message));
  }

  /** Detaches from the server (its in-flight handlers are cancelled). Idempotent. */
  async close(): Promise<void> {
    this.#finish(false);
  }

  #finish(remote: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connection?.close();
    this.onclose?.({ remote });
  }
}
