/**
 * @internal The legacy era (2025-03-26…2025-11-25) over Streamable HTTP with sessions (`basic/transports.mdx`):
 * `initialize` creates a session in a bounded table; later POSTs, the standalone GET stream and DELETE name
 * it with `Mcp-Session-Id`.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterSessionRecord } from '../../cluster/types.js';
import type { LegacySessionChange } from '../../server/connection.js';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { MessageKind, messageKind, recoverableId, invalidMessageError, serializeError, type JsonRpcId, type JsonRpcRequest } from '../../jsonrpc/message.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../../protocol/versions.js';
import type { HttpEngine } from './engine.js';
import { isPriming, Session } from './legacy-session.js';
import type { HttpHandlerOptions } from './options.js';
import type { RequestPort, ResponsePort } from './ports.js';
import { SseWriter } from './sse-writer.js';
import { InMemorySessionStore, type SessionStore } from './stores.js';
import { JSON_HEADERS, SSE_BASE, accepts, errorBody } from './wire.js';
import { background } from '../../cluster/background.js';

/** @internal The sessionful legacy era: the session table, idle expiry, and the POST/GET/DELETE handlers. */
export class LegacySessions {
  readonly #engine: HttpEngine;
  readonly sessions = new Map<string, Session>();
  readonly maxSessions: number;
  readonly idleMs: number;
  /** Most sessions of one client (principal, else peer address). */
  readonly maxPerClient: number;
  /** How long a session may go without `notifications/initialized` before it is the first to be evicted. */
  readonly graceMs: number;
  readonly sessionStore: SessionStore;
  /** Live sessions per client key (see {@link HttpEngine.clientKey}). */
  readonly #perClient = new Map<string, number>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(engine: HttpEngine, options: HttpHandlerOptions) {
    this.#engine = engine;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.idleMs = options.sessionIdleTimeoutMs ?? 30 * 60_000;
    this.maxPerClient = options.maxSessionsPerClient ?? 1000;
    this.graceMs = options.uninitializedSessionGraceMs ?? 10_000;
    this.sessionStore = options.cluster?.sessions ?? options.sessionStore ?? new InMemorySessionStore({ maxSessions: this.maxSessions });
  }

  /** Starts the idle sweeper (only when the engine serves sessions). */
  startSweeper(): void {
    const every = Math.max(50, Math.min(60_000, Math.floor(this.idleMs / 2)));
    this.#sweeper = setInterval(() => this.sweep(), every);
    this.#sweeper.unref();
  }

  /**
   * Ends idle sessions that have no work in flight. In a cluster a copy idle here may be busy elsewhere:
   * it is ended everywhere only when the shared record is idle (or gone) too, else just dropped here.
   */
  sweep(now = Date.now()): void {
    const link = this.#engine.cluster;
    for (const s of this.sessions.values()) {
      if (s.busy || now - s.lastSeen < this.idleMs) continue;
      if (!link) {
        this.endSession(s);
        continue;
      }
      // While the store is unreachable the copy stays; the next sweep looks again.
      background(
        Promise.resolve(this.sessionStore.get(s.id)).then((r) => {
          if (s.busy || s.ended) return;
          if (r && now - r.lastSeenAt < this.idleMs) this.dropLocal(s);
          else this.endSession(s);
        }),
        'sessions.get (sweep)',
      );
    }
  }

  #forgetLocal(s: Session): void {
    if (this.sessions.get(s.id) !== s) return;
    this.sessions.delete(s.id);
    if (!s.counted) return;
    const n = (this.#perClient.get(s.client) ?? 1) - 1;
    if (n <= 0) this.#perClient.delete(s.client);
    else this.#perClient.set(s.client, n);
  }

  /** Ends a session everywhere (DELETE, idle expiry, eviction). */
  endSession(s: Session): void {
    this.#forgetLocal(s);
    s.end();
    background(this.sessionStore.delete(s.id), 'sessions.delete');
    this.#engine.cluster?.ended(s.id);
  }

  /** Cluster: drops this node's copy of a session that lives on (or ended elsewhere); its events stay. */
  dropLocal(s: Session): void {
    this.#forgetLocal(s);
    s.end(false);
  }

  /** Ends every session (in a cluster: drops this node's copies) and stops the sweeper. */
  close(): void {
    if (this.#sweeper) clearInterval(this.#sweeper);
    // In a cluster the sessions live on in the shared state and other nodes serve them (a drained worker
    // must not end the calls they are running): only this node's copies go.
    const link = this.#engine.cluster;
    for (const s of [...this.sessions.values()]) {
      if (link) this.dropLocal(s);
      else this.endSession(s);
    }
  }

  #versionProblem(req: RequestPort): string | undefined {
    const v = req.header('mcp-protocol-version');
    // Missing: assume 2025-03-26 (2025-06-18 `basic/transports.mdx`).
    if (v === undefined || LEGACY_PROTOCOL_VERSIONS.includes(v)) return undefined;
    return `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(v)} (supported: ${LEGACY_PROTOCOL_VERSIONS.join(', ')})`;
  }

  /** The session a request names; synchronous when this node holds it, a promise when it must be loaded. */
  #lookup(req: RequestPort, res: ResponsePort, id: JsonRpcId | null): Session | undefined | Promise<Session | undefined> {
    const sid = req.header('mcp-session-id');
    if (sid === undefined) {
      res.respond(400, JSON_HEADERS, errorBody(id, -32000, 'Bad Request: Mcp-Session-Id header is required'));
      return undefined;
    }
    const s = this.sessions.get(sid);
    const link = this.#engine.cluster;
    if (!s && link) return link.load(sid).then((loaded) => this.#admit(req, res, id, loaded));
    return this.#admit(req, res, id, s);
  }

  #admit(req: RequestPort, res: ResponsePort, id: JsonRpcId | null, s: Session | undefined): Session | undefined {
    // A session answers only to the principal that created it; to anyone else it does not exist.
    if (!s || s.ended || s.principal !== (this.#engine.principalOf?.(req.raw) ?? '')) {
      res.respond(404, JSON_HEADERS, errorBody(id, -32001, 'Session not found'));
      return undefined;
    }
    const problem = this.#versionProblem(req);
    if (problem) {
      res.respond(400, JSON_HEADERS, errorBody(id, -32000, problem));
      return undefined;
    }
    const now = Date.now();
    s.lastSeen = now;
    const link = this.#engine.cluster;
    // In a cluster activity is written at most every touchEveryMs per session: no store round trip per call.
    if (!link || now - s.touchedAt >= link.touchEveryMs) {
      s.touchedAt = now;
      background(this.sessionStore.touch(s.id, now), 'sessions.touch');
    }
    return s;
  }

  /**
   * Serves `initialize` without a session: creates the session. Past `maxSessionsPerClient` the client gets
   * 429, and with the table full 503, each with a `Retry-After` of when room can next be made.
   */
  async initialize(req: RequestPort, res: ResponsePort, msg: JsonRpcRequest): Promise<void> {
    const id = 'id' in msg ? msg.id : null;
    const principal = this.#engine.principalOf?.(req.raw) ?? '';
    const client = this.#engine.clientKey(req, principal);
    // A client that is neither authenticated nor addressable (fetch handler without `principal`) has no quota.
    if (client !== '' && (this.#perClient.get(client) ?? 0) >= this.maxPerClient) {
      const wait = this.#evictOne(client);
      if (wait !== undefined) {
        res.respond(429, { ...JSON_HEADERS, 'retry-after': String(wait) }, errorBody(id, -32000, `Too Many Requests: this client already holds ${this.maxPerClient} sessions (maxSessionsPerClient); end one with DELETE`));
        return;
      }
    }
    let wait: number | undefined;
    if (this.sessions.size >= this.maxSessions) wait = this.#evictOne(undefined);
    const full = (): void => res.respond(503, { ...JSON_HEADERS, 'retry-after': String(wait ?? Math.ceil(this.graceMs / 1000)) }, errorBody(id, -32000, 'Service Unavailable: the session table is full'));
    if (this.sessions.size >= this.maxSessions) {
      full();
      return;
    }
    if (!('id' in msg)) {
      // A notification cannot open a session: nothing is recorded.
      res.respond(202, {}, '');
      return;
    }
    const sid = randomUUID();
    const link = this.#engine.cluster;
    const session = new Session(this.#engine, sid, principal, client);
    // Server→client request ids are random (a session's pending requests cannot be guessed from outside it);
    // in a cluster they start with this node's id, so an answer arriving at another node is routed here.
    session.conn = this.#engine.server.connect(session, {
      sessionId: sid,
      modern: false,
      principal,
      transport: 'http',
      outbound: { nextId: link ? link.nextId : randomUUID },
      ...(link ? { fanout: false, onSessionChange: (c: LegacySessionChange) => link.changed(session, c) } : {}),
    });
    session.counted = true;
    this.sessions.set(sid, session);
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    const stream = session.newStream(res, false, { 'mcp-session-id': sid });
    stream.pending.add(msg.id);
    session.streams.set(msg.id, stream);
    // The answer waits until the record is stored: any node must find the session the client learns of.
    session.held = [];
    session.conn.receive(msg);
    const held = session.held;
    const negotiated = session.conn.session;
    let added = false;
    if (negotiated) {
      const now = Date.now();
      const record: ClusterSessionRecord = {
        id: sid,
        protocolVersion: negotiated.protocolVersion,
        createdAt: now,
        lastSeenAt: now,
        principal,
        client,
        clientCapabilities: negotiated.clientCapabilities,
        ...(negotiated.clientInfo === undefined ? {} : { clientInfo: negotiated.clientInfo }),
        subscriptions: [],
        initialized: false,
        revision: 0,
      };
      if (link) session.record = record;
      try {
        added = await this.sessionStore.add(record);
      } catch (err) {
        session.held = undefined;
        this.#forgetLocal(session);
        session.end();
        throw err;
      }
      if (!added) {
        session.held = undefined;
        this.#forgetLocal(session);
        session.end();
        full();
        return;
      }
    }
    session.held = undefined;
    for (const [m, r] of held) session.send(m, r);
    if (!added) this.endSession(session);
  }

  /**
   * Makes room for one session (of `client`, or anyone's when undefined) by ending the session that became
   * evictable first: a session that never sent `notifications/initialized` once `graceMs` has passed since it
   * was created, or any session idle past `idleMs`. Sessions with work in flight or open streams are never
   * displaced. Returns undefined when a session was ended, else the seconds until one can be (`Retry-After`).
   */
  #evictOne(client: string | undefined): number | undefined {
    const now = Date.now();
    let victim: Session | undefined;
    let victimAt = Infinity;
    for (const s of this.sessions.values()) {
      if (s.busy || (client !== undefined && s.client !== client)) continue;
      const at = s.conn.session?.initialized === false ? Math.min(s.createdAt + this.graceMs, s.lastSeen + this.idleMs) : s.lastSeen + this.idleMs;
      if (at < victimAt) {
        victim = s;
        victimAt = at;
      }
    }
    if (victim && victimAt <= now) {
      this.endSession(victim);
      return undefined;
    }
    return Math.max(1, Math.ceil(((victim ? victimAt : now + this.graceMs) - now) / 1000));
  }

  /** Serves a POST that carries `Mcp-Session-Id`. */
  post(req: RequestPort, res: ResponsePort, body: unknown, kind: number): void | Promise<void> {
    const id = kind === MessageKind.Request ? (body as JsonRpcRequest).id : null;
    const found = this.#lookup(req, res, id);
    if (found instanceof Promise) return found.then((s) => s && this.#serve(res, s, body, kind));
    if (found) this.#serve(res, found, body, kind);
  }

  #serve(res: ResponsePort, session: Session, body: unknown, kind: number): void {
    const conn = session.conn;
    if (Array.isArray(body)) {
      if (session.protocolVersion !== '2025-03-26' || body.length === 0) {
        res.respond(400, JSON_HEADERS, errorBody(null, ErrorCode.InvalidRequest, 'Invalid Request: JSON-RPC batches are only allowed with protocol version 2025-03-26'));
        return;
      }
      const ids: JsonRpcId[] = [];
      let invalid = false;
      for (const item of body) {
        const k = messageKind(item);
        if (k === MessageKind.Request) ids.push((item as JsonRpcRequest).id);
        else if (k === MessageKind.Invalid) invalid = true;
      }
      if (ids.length === 0 && !invalid) {
        res.respond(202, {}, '');
        conn.receive(body);
        return;
      }
      const seen = new Set<JsonRpcId>();
      for (const rid of ids) {
        if (seen.has(rid) || session.streams.has(rid)) {
          // Ids must be unique among requests in flight; answering such a batch could not be routed reliably.
          res.respond(400, JSON_HEADERS, errorBody(null, ErrorCode.InvalidRequest, `Invalid Request: a request with id ${JSON.stringify(rid)} is already in progress`));
          return;
        }
        seen.add(rid);
      }
      const stream = session.newStream(res, true, {});
      if (ids.length === 0) {
        // Only invalid members (and notifications): the connection answers with their errors at once.
        session.anonymousBatch = stream;
        conn.receive(body);
        session.anonymousBatch = undefined;
        if (stream.state === 0) {
          stream.res?.respond(202, {}, '');
          stream.finish();
        }
        return;
      }
      for (const rid of ids) {
        stream.pending.add(rid);
        session.streams.set(rid, stream);
      }
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
        // Notifications, and the client's answers to our server→client requests (in a cluster, answers to
        // another node's requests go there, and cancellation and progress go everywhere).
        res.respond(202, {}, '');
        if (this.#engine.cluster?.routeClientMessage(session, body)) return;
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
    const session = await this.#lookup(req, res, null);
    if (!session) return;
    const last = req.header('last-event-id');
    const store = this.#engine.eventStore;
    if (last !== undefined && store) {
      const replayed: [string, string][] = [];
      const streamId = await store.replayEventsAfter(last, (eid, m) => void replayed.push([eid, m]));
      const link = this.#engine.cluster;
      const target = streamId === undefined ? undefined : streamId === session.standaloneId ? 'standalone' : (session.byStreamId.get(streamId) ?? (link && streamId.startsWith(`${session.id}.`) ? 'remote' : undefined));
      if (target === undefined || session.ended) {
        res.respond(404, JSON_HEADERS, errorBody(null, -32000, 'Not Found: unknown or expired Last-Event-ID for this session'));
        return;
      }
      if (target === 'standalone' && session.standalone && !session.standalone.closed) {
        res.respond(409, JSON_HEADERS, errorBody(null, -32000, 'Conflict: a standalone SSE stream is already open for this session'));
        return;
      }
      const w = new SseWriter(res.openStream(SSE_BASE), this.#engine.keepAliveMs);
      for (const [eid, m] of replayed) if (!isPriming(m) && !w.event(m, eid)) break;
      if (target === 'standalone') this.#attachStandalone(session, res, w);
      else if (target === 'remote') {
        // Produced on another node: it forwards the rest (or, when it died, the stream's requests fail).
        session.openHttp++;
        res.onAbort(() => {
          w.stop();
          session.remote?.delete(streamId as string);
          session.httpDone();
        });
        link?.resumeRemote(session, streamId as string, w, replayed, last);
      } else if (target.state === 2) {
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
    const link = this.#engine.cluster;
    // In a cluster the node holding the GET stream delivers the session's notifications.
    link?.holdStream(session, true);
    res.onAbort(() => {
      w.stop();
      if (session.standalone === w) {
        session.standalone = undefined;
        if (link && !session.ended) link.holdStream(session, false);
      }
      session.httpDone();
    });
  }

  /** Serves DELETE: ends the session (everywhere). */
  async delete(req: RequestPort, res: ResponsePort): Promise<void> {
    const session = await this.#lookup(req, res, null);
    if (!session) return;
    this.endSession(session);
    res.respond(200, {}, '');
  }
}
