/**
 * In-process harness: an McpServer connection whose outbound messages are captured and parsed, with
 * helpers to send requests and await their responses (bounded by a timeout).
 */
import type { JsonObject } from '../../src/jsonrpc/message.js';
import { McpServer } from '../../src/server/mcp-server.js';
import type { ServerConnection } from '../../src/server/connection.js';
import type { McpServerOptions } from '../../src/server/options.js';

export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

/** `_meta` for a modern request with the given client capabilities and extra members. */
export function modernMeta(caps: JsonObject = {}, extra: JsonObject = {}): JsonObject {
  return { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': caps, ...extra };
}

export interface Sent {
  message: any;
  related: unknown;
  raw: string;
}

export class Harness {
  readonly server: McpServer;
  readonly conn: ServerConnection;
  readonly sent: Sent[] = [];
  #waiters: { match: (m: Sent) => boolean; resolve: (m: Sent) => void }[] = [];
  #nextId = 1000;

  constructor(server?: McpServer, options?: McpServerOptions) {
    this.server = server ?? new McpServer({ name: 'test', version: '1.0.0' }, options);
    this.conn = this.server.connect({
      send: (raw, related) => {
        const s: Sent = { message: JSON.parse(raw), related, raw };
        this.sent.push(s);
        this.#waiters = this.#waiters.filter((w) => (w.match(s) ? (w.resolve(s), false) : true));
      },
    });
  }

  /** Waits for the first captured message (past or future) matching `match`. */
  waitFor(match: (m: Sent) => boolean, timeoutMs = 3000): Promise<Sent> {
    const found = this.sent.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
      this.#waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  /** Sends a request and resolves with its response message (`{id, result}` or `{id, error}`). */
  async request(method: string, params?: JsonObject, id: string | number = ++this.#nextId): Promise<any> {
    const msg: JsonObject = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    this.conn.receive(msg);
    const s = await this.waitFor((m) => m.message.id === id && ('result' in m.message || 'error' in m.message));
    return s.message;
  }

  /** Sends a modern (2026-07-28) request. */
  modern(method: string, params: JsonObject = {}, caps: JsonObject = {}, id?: string | number): Promise<any> {
    return this.request(method, { ...params, _meta: { ...modernMeta(caps), ...(params._meta as JsonObject | undefined) } }, id);
  }

  notify(method: string, params?: JsonObject): void {
    this.conn.receive(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  /** Opens a legacy session. */
  async initialize(capabilities: JsonObject = {}, protocolVersion = '2025-11-25'): Promise<any> {
    const r = await this.request('initialize', { protocolVersion, capabilities, clientInfo: { name: 'harness', version: '1' } });
    this.notify('notifications/initialized');
    return r;
  }

  notifications(method: string): any[] {
    return this.sent.filter((s) => s.message.method === method && !('id' in s.message)).map((s) => s.message);
  }
}

/** Resolves after the current I/O turn (lets setImmediate-scheduled work run). */
export const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
