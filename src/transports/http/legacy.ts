/**
 * @internal The legacy era (2025-03-26…2025-11-25) over Streamable HTTP with sessions (`basic/transports.mdx`):
 * `initialize` creates a session in a bounded table; later POSTs, the standalone GET stream and DELETE name
 * it with `Mcp-Session-Id`.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { MessageKind, messageKind, recoverableId, invalidMessageError, serializeError, type JsonRpcId, type JsonRpcRequest } from '../../jsonrpc/message.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../../protocol/versions.js';
import type { HttpEngine } from './engine.js';
import { Session } from './legacy-session.js';
import type { HttpHandlerOptions } from './options.js';
import type { RequestPort, ResponsePort } from './ports.js';
import { SseWriter } from './sse-writer.js';
import { InMemorySessionStore, type SessionStore } from './stores.js';
import { JSON_HEADERS, SSE_BASE, accepts, errorBody } from './wire.js';

/** @internal The sessionful legacy era: the session table, idle expiry, and the POST/GET/DELETE handlers. */
export class LegacySessions {
  readonly #engine: HttpEngine;
  readonly sessions = new Map<string, Session>();
  readonly maxSessions: number;
  readonly idleMs: number;
  readonly sessionStore: SessionStore;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(engine: HttpEngine, options: HttpHandlerOptions) {
    this.#engine = engine;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.idleMs = options.sessionIdleTimeoutMs ?? 30 * 60_000;
    this.sessionStore = options.sessionStore ?? new InMemorySessionStore({ maxSessions: this.maxSessions });
  }

  /** Starts the idle sweeper (only when the engine serves sessions). */
  startSweeper(): void {
    const every = Math.max(50, Math.min(60_000, Math.floor(this.idleMs / 2)));
    this.#sweeper = setInterval(() => this.sweep(), every);
    this.#sweeper.unref();
  }

  /** Ends idle sessions that have no work in flight. */
  sweep(now = Date.now()): void {
    for (const s of this.sessions.values()) {
      if (!s.busy && now - s.lastSeen >= this.idleMs) this.endSession(s);
    }
  }

  endSession(s: Session): void {
    if (this.sessions.get(s.id) === s) this.sessions.delete(s.id);
    s.end();
    void this.sessionStore.delete(s.id);
  }

  /** Ends every session and stops the sweeper. */
  close(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    for (const s of [...this.sessions.values()]) this.endSession(s);
  }

  #versionProblem(req: RequestPort): string | undefined {
    const v = req.header('mcp-protocol-version');
    // Missing: assume 2025-03-26 (2025-06-18 `basic/transports.mdx`).
    if (v === undefined || LEGACY_PROTOCOL_VERSIONS.includes(v)) return undefined;
    return `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(v)} (supported: ${LEGACY_PROTOCOL_VERSIONS.join(', ')})`;
  }

  #lookup(req: RequestPort, res: ResponsePort, id: JsonRpcId | null): Session | undefined {
    const sid = req.header('mcp-session-id');
    if (sid === undefined) {
      res.respond(400, JSON_HEADERS, errorBody(id, -32000, 'Bad Request: Mcp-Session-Id header is required'));
      return undefined;
    }
    const s = this.sessions.get(sid);
    if (!s || s.ended) {
      res.respond(404, JSON_HEADERS, errorBody(id, -32001, 'Session not found'));
      return undefined;
    }
    const problem = this.#versionProblem(req);
    if (problem) {
      res.respond(400, JSON_HEADERS, errorBody(id, -32000, problem));
      return undefined;
    }
    s.lastSeen = Date.now();
    void this.sessionStore.touch(s.id, s.lastSeen);
    return s;
  }

  /** Serves `initialize` without a session: creates the session (503 when the table is full). */
  async initialize(req: RequestPort, res: ResponsePort, msg: JsonRpcRequest): Promise<void> {
    const id = 'id' in msg ? msg.id : null;
    if (this.sessions.size >= this.maxSessions) this.#evictOne();
    const sid = randomUUID();
    const now = Date.now();
    const added = this.sessions.size < this.maxSessions && (await this.sessionStore.add({ id: sid, protocolVersion: '', createdAt: now, lastSeenAt: now }));
    if (!added) {
      res.respond(503, { ...JSON_HEADERS, 'retry-after': '5' }, errorBody(id, -32000, 'Service Unavailable: the session table is full'));
      return;
    }
    const session = new Session(this.#engine, sid);
    const principal = this.#engine.principalOf?.(req.raw);
    session.conn = this.#engine.server.connect(session, principal === undefined ? { sessionId: sid, modern: false, transport: 'http' } : { sessionId: sid, modern: false, principal, transport: 'http' });
    this.sessions.set(sid, session);
    if (!('id' in msg)) {
      res.respond(202, {}, '');
      session.conn.receive(msg);
      this.endSession(session);
      return;
    }
    const stream = session.newStream(res, false, { 'mcp-session-id': sid });
    stream.pending.add(msg.id);
    session.streams.set(msg.id, stream);
    session.conn.receive(msg);
    const negotiated = session.conn.session?.protocolVersion;
    if (negotiated === undefined) this.endSession(session);
    else {
      const rec = await this.sessionStore.get(sid);
      if (rec) {
        rec.protocolVersion = negotiated;
      }
    }
  }

  #evictOne(): void {
    let victim: Session | undefined;
    for (const s of this.sessions.values()) {
      if (s.busy) continue;
      if (!victim || s.lastSeen < victim.lastSeen) victim = s;
    }
    // Only sessions idle past the timeout are evicted to make room; active ones are never displaced.
    if (victim && Date.now() - victim.lastSeen >= this.idleMs) this.endSession(victim);
  }

  /** Serves a POST that carries `Mcp-Session-Id`. */
  post(req: RequestPort, res: ResponsePort, body: unknown, kind: number): void {
    const id = kind === MessageKind.Request ? (body as JsonRpcRequest).id : null;
    const session = this.#lookup(req, res, id);
    if (!session) return;
    const conn = session.conn;
    if (Array.isArray(body)) {
      if (session.protocolVersion !== '2025-03-26' || body.length === 0) {
        res.respond(400, JSON_HEADERS, errorBody(null, ErrorCode.InvalidRequest, 'Invalid Request: JSON-RPC batches are only allowed with protocol version 2025-03-26'));
        return;
      }
      const ids: JsonRpcId[] = [];
      for (const item of body) if (messageKind(item) === MessageKind.Request) ids.push((item as JsonRpcRequest).id);
      if (ids.length === 0) {
        res.respond(202, {}, '');
        conn.receive(body);
        return;
      }
      const stream = session.newStream(res, true, {});
      for (const rid of ids) {
        stream.pending.add(rid);
        session.streams.set(rid, stream);
      }
      session.batches.push(stream);
      conn.receive(body);
      return;
    }
    switch (kind) {
      case MessageKind.Request: {
        const rid = (body as JsonRpcRequest).id;
        if (session.streams.has(rid)) {
          res.respond(200, JSON_HEADERS, errorBody(rid, ErrorCode.InvalidRequest, `Invalid Request: a request with id ${JSON.stringify(rid)} is already in progress`));
          return;
        }
        const stream = session.newStream(res, false, {});
        stream.pending.add(rid);
        session.streams.set(rid, stream);
        conn.receive(body);
        return;
      }
      case MessageKind.Notification:
      case MessageKind.Success:
      case MessageKind.Error:
        // Notifications, and the client's answers to our server→client requests.
        res.respond(202, {}, '');
        conn.receive(body);
        return;
      default:
        res.respond(400, JSON_HEADERS, serializeError(recoverableId(body), invalidMessageError(body)));
    }
  }

  /** Serves GET: the standalone stream, or a resumption with `Last-Event-ID`. */
  async get(req: RequestPort, res: ResponsePort): Promise<void> {
    if (!accepts(req.header('accept'), 'text/event-stream') || req.header('accept') === undefined) {
      res.respond(406, JSON_HEADERS, errorBody(null, -32000, 'Not Acceptable: Accept must include text/event-stream'));
      return;
    }
    const session = this.#lookup(req, res, null);
    if (!session) return;
    const last = req.header('last-event-id');
    const store = this.#engine.eventStore;
    if (last !== undefined && store) {
      const replayed: [string, string][] = [];
      const streamId = await store.replayEventsAfter(last, (eid, m) => void replayed.push([eid, m]));
      const target = streamId === undefined ? undefined : streamId === session.standaloneId ? 'standalone' : session.byStreamId.get(streamId);
      if (target === undefined || session.ended) {
        res.respond(404, JSON_HEADERS, errorBody(null, -32000, 'Not Found: unknown or expired Last-Event-ID for this session'));
        return;
      }
      if (target === 'standalone' && session.standalone && !session.standalone.closed) {
        res.respond(409, JSON_HEADERS, errorBody(null, -32000, 'Conflict: a standalone SSE stream is already open for this session'));
        return;
      }
      const w = new SseWriter(res.openStream(SSE_BASE), this.#engine.keepAliveMs);
      for (const [eid, m] of replayed) if (m !== '' && !w.event(m, eid)) break;
      if (target === 'standalone') this.#attachStandalone(session, res, w);
      else if (target.state === 2) {
        w.end();
        session.byStreamId.delete(target.streamId);
      } else {
        target.detach();
        target.sse = w;
        target.res = res;
        session.openHttp++;
        res.onAbort(() => target.detach());
      }
      return;
    }
    if (session.standalone && !session.standalone.closed) {
      res.respond(409, JSON_HEADERS, errorBody(null, -32000, 'Conflict: a standalone SSE stream is already open for this session'));
      return;
    }
    const w = new SseWriter(res.openStream(SSE_BASE), this.#engine.keepAliveMs);
    this.#attachStandalone(session, res, w);
    session.prime(w, session.standaloneId);
  }

  #attachStandalone(session: Session, res: ResponsePort, w: SseWriter): void {
    session.standalone = w;
    session.openHttp++;
    res.onAbort(() => {
      w.stop();
      if (session.standalone === w) session.standalone = undefined;
      session.httpDone();
    });
  }

  /** Serves DELETE: ends the session. */
  delete(req: RequestPort, res: ResponsePort): void {
    const session = this.#lookup(req, res, null);
    if (!session) return;
    this.endSession(session);
    res.respond(200, {}, '');
  }
}
