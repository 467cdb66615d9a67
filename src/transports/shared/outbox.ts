/**
 * @internal Shared by the stdio, TCP and WebSocket server transports: per-connection write coalescing and the
 * shutdown gate.
 *
 * Messages produced in one turn of the event loop are handed to the
 * writer together (one `write` for TCP, one corked burst of frames for WebSocket). A response whose request
 * got a notification (progress, log) in the same turn waits for the next flush, because some clients handle
 * responses synchronously but notifications a microtask later and would drop a notification that arrives in
 * the same read as the response it precedes.
 */
import { MessageKind, messageKind, serializeError, type JsonRpcId, type JsonRpcRequest } from '../../jsonrpc/message.js';
import type { ServerConnection } from '../../server/connection.js';

/** @internal Collects outbound messages and hands them to `write` once per event-loop turn. */
export class Outbox {
  readonly #write: (parts: string[]) => void;
  #queue: string[] = [];
  /** Responses held back during this turn; they move to `#ready` at the next flush. */
  #held: string[] = [];
  #ready: string[] = [];
  /** Requests that got a notification in the batch being gathered. */
  readonly #notified = new Set<JsonRpcId>();
  #scheduled = false;
  #immediate: NodeJS.Immediate | undefined;

  /** @param write - Receives every batch, oldest message first; never called with an empty batch. */
  constructor(write: (parts: string[]) => void) {
    this.#write = write;
  }

  /** True while messages wait for a flush. */
  get pending(): boolean {
    return this.#queue.length > 0 || this.#held.length > 0 || this.#ready.length > 0;
  }

  /** Queues one serialised message (the `ConnectionSink.send` contract). */
  push(message: string, related?: JsonRpcId): void {
    if (related !== undefined) {
      if (message.startsWith('{"jsonrpc":"2.0","method"')) this.#notified.add(related);
      else if (this.#notified.size > 0 && this.#notified.has(related)) {
        this.#held.push(message);
        this.#schedule();
        return;
      }
    }
    this.#queue.push(message);
    this.#schedule();
  }

  /** Writes one batch now (held responses from the previous turn first). */
  flush(): void {
    this.#scheduled = false;
    this.#immediate = undefined;
    this.#notified.clear();
    const parts = this.#ready.length > 0 ? this.#ready.concat(this.#queue) : this.#queue;
    this.#ready = this.#held;
    this.#held = [];
    this.#queue = [];
    if (this.#ready.length > 0) this.#schedule();
    if (parts.length > 0) this.#write(parts);
  }

  /** Writes everything queued, held responses included, synchronously. */
  flushAll(): void {
    while (this.pending) this.flush();
    this.cancel();
  }

  /** Drops everything queued and the scheduled flush. */
  cancel(): void {
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    this.#scheduled = false;
    this.#queue = [];
    this.#held = [];
    this.#ready = [];
    this.#notified.clear();
  }

  #schedule(): void {
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#immediate = setImmediate(() => this.flush());
    }
  }
}

/**
 * The JSON-RPC error code (-32000, in the implementation-defined range -32000…-32019) of the WebSocket and TCP
 * transports' refusals: requests that arrive while the server drains, and (TCP, `id: null`) a connection past
 * the connection limit.
 */
export const UNAVAILABLE_CODE = -32000;

/**
 * @internal Feeds one inbound text message to `connection`. While `draining`, new requests are answered with
 * {@link UNAVAILABLE_CODE} instead of being served, so shutdown can finish; responses (to server→client
 * requests made by work in flight) and notifications (cancellation) still go through.
 */
export function deliver(connection: ServerConnection, text: string, draining: boolean, reply: (message: string, related?: JsonRpcId) => void): void {
  if (!draining) {
    connection.receiveText(text);
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    connection.receiveText(text); // answers -32700
    return;
  }
  if (messageKind(value) === MessageKind.Request) {
    const id = (value as JsonRpcRequest).id;
    reply(serializeError(id, { code: UNAVAILABLE_CODE, message: 'Server is shutting down; request not served' }), id);
    return;
  }
  connection.receive(value);
}

/** @internal Polls every 10 ms until `idle()` or the deadline (bounded, so its timer may keep the process alive). */
export function waitUntil(idle: () => boolean, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  return new Promise((resolve) => {
    const check = (): void => {
      if (idle() || Date.now() >= deadline) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
}
