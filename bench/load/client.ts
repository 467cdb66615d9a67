/**
 * The MCP-over-Streamable-HTTP client side of the load scenarios (legacy 2025-11-25 era, with sessions).
 *
 * Request/response exchanges reuse the HTTP benchmark's raw `node:http` primitives
 * (`bench/http/loadgen.ts`: `post`, `openSession`, `headersFor`, `messageOf`); this file adds what the
 * scenarios need on top: a pre-serialised tool call checked by scanning, `resources/subscribe`, and the
 * standing GET SSE stream a session receives notifications on.
 */
import http, { type OutgoingHttpHeaders } from 'node:http';
import { createParser } from 'eventsource-parser';
import { headersFor, messageOf, openSession, post, postAsync, LEGACY_VERSION } from '../http/loadgen.js';

export { openSession };

/** A tool call whose body is serialised once; only the id changes per request. */
export class ToolCall {
  readonly #prefix: string;
  readonly #suffix: string;
  readonly #name: string;

  /** @param name tool name; @param args its arguments (JSON). */
  constructor(name: string, args: unknown) {
    const MARK = 987654321;
    const t = JSON.stringify({ jsonrpc: '2.0', id: MARK, method: 'tools/call', params: { name, arguments: args } });
    const cut = t.indexOf(String(MARK));
    this.#prefix = t.slice(0, cut);
    this.#suffix = t.slice(cut + String(MARK).length);
    this.#name = name;
  }

  /**
   * Sends call `id` on session `sid`; `done(error?, body?)` once. Success means HTTP 200 with this id and
   * a `result` that is not `isError: true`.
   */
  send(agent: http.Agent, port: number, sid: string, id: number, done: (error: string | undefined, body: string) => void): void {
    const body = this.#prefix + id + this.#suffix;
    const headers = headersFor('legacy', body, sid, 'tools/call', this.#name);
    post(agent, port, headers, body, 30_000, (err, ex) => {
      if (err !== undefined || ex === undefined) return done(`transport error: ${err?.message ?? 'no exchange'}`, '');
      const b = ex.body;
      if (ex.status !== 200 || b.indexOf(`"id":${id}`) === -1 || b.indexOf('"result"') === -1 || b.indexOf('"isError":true') !== -1) {
        return done(`HTTP ${ex.status} ${b.slice(0, 300)}`, b);
      }
      done(undefined, b);
    });
  }
}

/**
 * `resources/subscribe` for `uri` on session `sid`.
 * @throws Error when the server answers with anything but a result.
 */
export async function subscribe(agent: http.Agent, port: number, sid: string, id: number, uri: string): Promise<void> {
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'resources/subscribe', params: { uri } });
  const ex = await postAsync(agent, port, headersFor('legacy', body, sid, 'resources/subscribe'), body, 15_000);
  const msg = messageOf(ex);
  if (ex.status !== 200 || msg?.result === undefined) throw new Error(`resources/subscribe: HTTP ${ex.status} ${ex.body.slice(0, 300)}`);
}

/** A session's standing GET SSE stream (server → client messages). */
export interface SseStream {
  /** Destroys the request and its socket. */
  close(): void;
}

/**
 * Opens the GET stream of session `sid` on its own socket (optionally from `localAddress`, a 127.x
 * address, so many streams spread over several client addresses) and calls `onMessage` with each JSON-RPC
 * message and the time it was parsed (`performance.now()` is up to the caller; the raw message is passed).
 * Resolves once the server answered 200 with `text/event-stream`.
 * @throws Error on any other status or a transport error before that.
 */
export function openStream(port: number, sid: string, onMessage: (msg: Record<string, unknown>) => void, localAddress?: string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { accept: 'text/event-stream', 'mcp-protocol-version': LEGACY_VERSION, 'mcp-session-id': sid };
    const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'GET', headers, agent: false, ...(localAddress === undefined ? {} : { localAddress }) }, (res) => {
      const ctype = String(res.headers['content-type'] ?? '');
      if (res.statusCode !== 200 || !ctype.includes('text/event-stream')) {
        res.resume();
        reject(new Error(`GET stream: HTTP ${res.statusCode ?? 0} (${ctype})`));
        return;
      }
      const parser = createParser({
        onEvent: (ev) => {
          try {
            const msg: unknown = JSON.parse(ev.data);
            if (typeof msg === 'object' && msg !== null) onMessage(msg as Record<string, unknown>);
          } catch {
            /* a non-JSON event (priming/comment): not a message */
          }
        },
      });
      res.setEncoding('utf8');
      res.on('data', (c: string) => parser.feed(c));
      res.on('error', () => {});
      resolve({ close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A keep-alive agent for `connections` sockets, optionally bound to a 127.x source address. */
export function agentFor(connections: number, localAddress?: string): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo', ...(localAddress === undefined ? {} : { localAddress }) });
}
