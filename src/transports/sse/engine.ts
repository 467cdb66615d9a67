/**
 * @internal The deprecated HTTP+SSE transport of MCP 2024-11-05 (`basic/transports.mdx`, "HTTP with SSE"):
 * GET on the SSE path opens a stream whose first event, `endpoint`, names the URI to POST to (carrying
 * the session id); every server message then arrives as a `message` event, and each POST gets 202.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { serializeError } from '../../jsonrpc/message.js';
import type { ServerConnection } from '../../server/connection.js';
import type { McpServer } from '../../server/mcp-server.js';
import type { HttpEngine } from '../http/engine.js';
import { BodyError, type RequestPort, type ResponsePort, type StreamPort } from '../http/ports.js';
import { checkOrigin } from '../http/validate.js';
import { smallRequestProblem } from '../http/wire.js';

/** Options of the HTTP+SSE transport. */
export interface LegacySseOptions {
  /** Path of the GET stream (default `/sse`). */
  ssePath?: string;
  /** Path clients POST to (default `/messages`). */
  messagesPath?: string;
}

interface SseSession {
  conn: ServerConnection;
  /** The principal that opened the stream; POSTs must present the same one. */
  principal: string;
  client: string;
  stream: StreamPort;
  timer: NodeJS.Timeout | undefined;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** @internal */
export class LegacySseEngine {
  readonly #server: McpServer;
  readonly #http: HttpEngine;
  readonly #ssePath: string;
  readonly #messagesPath: string;
  readonly #sessions = new Map<string, SseSession>();
  readonly #perClient = new Map<string, number>();

  constructor(server: McpServer, http: HttpEngine, options: LegacySseOptions = {}) {
    this.#server = server;
    this.#http = http;
    this.#ssePath = options.ssePath ?? '/sse';
    this.#messagesPath = options.messagesPath ?? '/messages';
  }

  /** Live HTTP+SSE sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  handles(req: RequestPort): boolean {
    return req.path === this.#ssePath || req.path === this.#messagesPath;
  }

  handle(req: RequestPort, res: ResponsePort): void {
    const http = this.#http;
    const protect = http.protection === 'auto' ? req.loopback || http.explicitPolicy : http.protection;
    if (protect) {
      const why = checkOrigin(http.policy, req.header('host'), req.header('origin'));
      if (why) {
        res.respond(403, JSON_HEADERS, serializeError(null, { code: -32000, message: `Forbidden: ${why}` }));
        return;
      }
    }
    if (req.path === this.#ssePath && req.method === 'GET') this.#open(req, res);
    else if (req.path === this.#messagesPath && req.method === 'POST') this.#post(req, res).catch(() => undefined);
    else res.respond(405, { allow: req.path === this.#ssePath ? 'GET' : 'POST' }, 'Method Not Allowed');
  }

  #open(req: RequestPort, res: ResponsePort): void {
    const principal = this.#http.principalOf?.(req.raw) ?? '';
    const client = this.#http.clientKey(req, principal);
    // A session lives as long as its stream, so there is nothing to evict; the client may retry soon.
    if (client !== '' && (this.#perClient.get(client) ?? 0) >= this.#http.legacySessions.maxPerClient) {
      res.respond(429, { 'retry-after': '1' }, 'Too Many Requests: this client holds too many sessions (maxSessionsPerClient)');
      return;
    }
    if (this.#sessions.size >= this.#http.maxSessions) {
      res.respond(503, { 'retry-after': '1' }, 'Service Unavailable: too many sessions');
      return;
    }
    const id = randomUUID();
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    const stream = res.openStream({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
    const end = (): void => {
      const s = this.#sessions.get(id);
      if (!s) return;
      this.#forget(id, s);
      if (s.timer) clearInterval(s.timer);
      s.conn.close();
      s.stream.end();
    };
    const conn = this.#server.connect(
      {
        send: (message) => {
          if (!stream.write(`event: message\ndata: ${message}\n\n`)) end();
        },
      },
      { sessionId: id, modern: false, principal, transport: 'sse', outbound: { nextId: () => randomUUID() } },
    );
    const session: SseSession = { conn, principal, client, stream, timer: undefined };
    const every = this.#http.keepAliveMs;
    if (every > 0) {
      session.timer = setInterval(() => {
        if (!stream.write(': keep-alive\n\n')) end();
      }, every);
      session.timer.unref();
    }
    this.#sessions.set(id, session);
    res.onAbort(end);
    stream.write(`event: endpoint\ndata: ${this.#messagesPath}?sessionId=${id}\n\n`);
  }

  async #post(req: RequestPort, res: ResponsePort): Promise<void> {
    const id = new URLSearchParams(req.query).get('sessionId');
    const found = id === null ? undefined : this.#sessions.get(id);
    // Another principal's session looks exactly like an unknown one.
    const session = found && found.principal === (this.#http.principalOf?.(req.raw) ?? '') ? found : undefined;
    if (!session) {
      res.respond(id === null ? 400 : 404, JSON_HEADERS, serializeError(null, { code: -32000, message: id === null ? 'Bad Request: sessionId query parameter is required' : 'Session not found' }));
      return;
    }
    let text: string;
    try {
      text = await req.readBody(this.#http.maxBodyBytes, this.#http.bodyTimeoutMs);
    } catch (err) {
      const status = err instanceof BodyError ? err.status : 400;
      res.respond(status, status === 413 ? JSON_HEADERS : { ...JSON_HEADERS, connection: 'close' }, serializeError(null, { code: ErrorCode.InvalidRequest, message: `Invalid Request: ${(err as Error).message}` }));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      res.respond(400, JSON_HEADERS, serializeError(null, { code: ErrorCode.ParseError, message: `Parse error: ${(err as Error).message}` }));
      return;
    }
    const small = smallRequestProblem(body, text.length, this.#http.maxSmallRequestBytes);
    if (small) {
      res.respond(413, JSON_HEADERS, small);
      return;
    }
    res.respond(202, { 'content-type': 'text/plain' }, 'Accepted');
    session.conn.receive(body);
  }

  #forget(id: string, s: SseSession): void {
    this.#sessions.delete(id);
    const n = (this.#perClient.get(s.client) ?? 1) - 1;
    if (n <= 0) this.#perClient.delete(s.client);
    else this.#perClient.set(s.client, n);
  }

  close(): void {
    for (const [id, s] of [...this.#sessions]) {
      this.#forget(id, s);
      if (s.timer) clearInterval(s.timer);
      s.conn.close();
      s.stream.end();
    }
  }
}
