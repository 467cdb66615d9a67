/**
 * @internal The legacy era served without sessions (`sessions: false`, like the official SDK's
 * `sessionIdGenerator: undefined`): no session ids; every legacy POST gets its own short-lived connection
 * that counts as initialized. Server→client requests go out on that POST's SSE stream with server-wide
 * unique ids, and the client's answers (POSTs without a session) are routed back through a bounded table of
 * pending ids. GET and DELETE get 405 (in the engine).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { VeloError } from '../../jsonrpc/errors.js';
import { MessageKind, messageKind, recoverableId, invalidMessageError, serializeError, type JsonRpcId, type JsonRpcRequest } from '../../jsonrpc/message.js';
import { LEGACY_PROTOCOL_VERSIONS } from '../../protocol/versions.js';
import type { ClientCapabilities } from '../../protocol/types.js';
import type { ConnectionOptions, ConnectionSink, ServerConnection } from '../../server/connection.js';
import type { HttpEngine } from './engine.js';
import type { HttpHandlerOptions } from './options.js';
import type { ResponsePort, RequestPort } from './ports.js';
import { SseWriter } from './sse-writer.js';
import { JSON_HEADERS, SSE_BASE, errorBody, idJsonOf, responseKind } from './wire.js';

/** The capabilities a stateless `initialize` result may advertise: nothing that needs a channel to the client. */
function withoutChannels(caps: unknown): unknown {
  if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) return caps;
  const out: Record<string, unknown> = { ...(caps as Record<string, unknown>) };
  for (const key of ['tools', 'prompts', 'resources']) {
    const c = out[key];
    if (typeof c !== 'object' || c === null || Array.isArray(c)) continue;
    const { listChanged: _l, subscribe: _s, ...rest } = c as Record<string, unknown>;
    out[key] = rest;
  }
  return out;
}

/**
 * One legacy POST served without a session (`sessions: false`): its own short-lived connection, treated as
 * initialized, answering on this POST's response (JSON, or SSE once anything else must go out first).
 */
export class StatelessExchange implements ConnectionSink {
  readonly #owner: StatelessLegacy;
  readonly #res: ResponsePort;
  /** The request served (undefined for a 2025-03-26 batch, which ends with its array answer). */
  readonly requestId: JsonRpcId | undefined;
  readonly #head: string | undefined;
  readonly principal: string;
  /** The per-client quota key (principal, else peer address). */
  client = '';
  /** Rewrites the `initialize` result's capabilities (see {@link withoutChannels}). */
  readonly #initialize: boolean;
  #stream: SseWriter | undefined;
  #done = false;
  conn: ServerConnection | undefined;
  /** This exchange's server→client request ids still awaiting an answer (mirrored in the engine's table). */
  readonly outstanding = new Set<JsonRpcId>();

  constructor(owner: StatelessLegacy, res: ResponsePort, requestId: JsonRpcId | undefined, principal: string, initialize = false) {
    this.#owner = owner;
    this.#res = res;
    this.requestId = requestId;
    this.#head = requestId === undefined ? undefined : `{"jsonrpc":"2.0","id":${idJsonOf(requestId)},`;
    this.principal = principal;
    this.#initialize = initialize;
  }

  get done(): boolean {
    return this.#done;
  }

  send(message: string, related?: JsonRpcId): void {
    if (this.#done) return;
    const final =
      this.#head === undefined
        ? message.charCodeAt(0) === 91 /* [ */ // the batch answer (its `related` is its first request's id)
        : related === this.requestId && responseKind(message, this.#head) !== '';
    if (!final) {
      // Progress, logs and server→client requests: they switch the response to SSE.
      if (!this.#stream) this.#stream = new SseWriter(this.#res.openStream(SSE_BASE), this.#owner.keepAliveMs);
      if (!this.#stream.event(message)) this.abort();
      return;
    }
    this.#done = true;
    let out = message;
    if (this.#initialize && responseKind(message, this.#head ?? '') === 'r') {
      const parsed = JSON.parse(message) as { result: { capabilities?: unknown } };
      parsed.result.capabilities = withoutChannels(parsed.result.capabilities);
      out = JSON.stringify(parsed);
    }
    if (this.#stream) {
      this.#stream.event(out);
      this.#stream.end();
    } else {
      this.#res.respond(200, JSON_HEADERS, out);
    }
    // Closing after the answer cancels nothing; it releases what the request held.
    queueMicrotask(() => this.#release());
  }

  /** The client cancelled the request (`notifications/cancelled`): no answer follows, so the response ends empty. */
  cancelled(): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#stream) this.#stream = new SseWriter(this.#res.openStream(SSE_BASE), 0);
    this.#stream.end();
    this.#release();
  }

  /** The peer closed the response, or the server shuts down: the connection (and its requests) end. */
  abort(): void {
    this.#done = true;
    this.#stream?.end();
    this.#release();
  }

  #release(): void {
    this.conn?.close();
    this.#owner.releaseExchange(this);
  }
}

/** @internal The legacy era without sessions: exchanges, and the table routing client answers back to them. */
export class StatelessLegacy {
  readonly #engine: HttpEngine;
  readonly #caps: ClientCapabilities;
  readonly #maxPending: number;
  readonly #maxPendingPerClient: number;
  /** Pending server→client requests per client key. */
  readonly #pendingPerClient = new Map<string, number>();
  /** Pending server→client request id → the exchange that sent it. */
  readonly pendingClientRequests = new Map<JsonRpcId, StatelessExchange>();
  /** Exchanges whose response is still open. */
  readonly liveExchanges = new Set<StatelessExchange>();

  constructor(engine: HttpEngine, options: HttpHandlerOptions) {
    this.#engine = engine;
    this.#caps = options.statelessClientCapabilities ?? { sampling: {}, elicitation: { form: {}, url: {} }, roots: {} };
    this.#maxPending = options.maxPendingClientRequests ?? 10_000;
    this.#maxPendingPerClient = options.maxPendingClientRequestsPerClient ?? 100;
  }

  get keepAliveMs(): number {
    return this.#engine.keepAliveMs;
  }

  /** Forgets an exchange that ended (its pending ids were settled by its connection's close). */
  releaseExchange(ex: StatelessExchange): void {
    this.liveExchanges.delete(ex);
    for (const id of ex.outstanding) this.#dropPending(id, ex);
    ex.outstanding.clear();
  }

  #dropPending(id: JsonRpcId, ex: StatelessExchange): void {
    if (this.pendingClientRequests.get(id) !== ex) return;
    this.pendingClientRequests.delete(id);
    const n = (this.#pendingPerClient.get(ex.client) ?? 1) - 1;
    if (n <= 0) this.#pendingPerClient.delete(ex.client);
    else this.#pendingPerClient.set(ex.client, n);
  }

  /** Aborts every open exchange. */
  close(): void {
    for (const ex of [...this.liveExchanges]) ex.abort();
  }

  /** Serves one legacy POST without a session. */
  post(req: RequestPort, res: ResponsePort, body: unknown, kind: number): void {
    if (kind === MessageKind.Invalid && !Array.isArray(body)) {
      res.respond(400, JSON_HEADERS, serializeError(recoverableId(body), invalidMessageError(body)));
      return;
    }
    const principal = this.#engine.principalOf?.(req.raw) ?? '';
    const client = this.#engine.clientKey(req, principal);
    if ((kind === MessageKind.Request || kind === MessageKind.Notification) && (body as JsonRpcRequest).method === 'initialize') {
      if (kind === MessageKind.Notification) {
        res.respond(202, {}, '');
        return;
      }
      const ex = new StatelessExchange(this, res, (body as JsonRpcRequest).id, principal, true);
      ex.client = client;
      this.#open(ex, res, principal, undefined).receive(body);
      return;
    }
    const id = kind === MessageKind.Request ? (body as JsonRpcRequest).id : null;
    const header = req.header('mcp-protocol-version');
    // Missing: assume 2025-03-26 (2025-06-18 `basic/transports.mdx`).
    const version = header ?? '2025-03-26';
    if (!LEGACY_PROTOCOL_VERSIONS.includes(version)) {
      res.respond(400, JSON_HEADERS, errorBody(id, -32000, `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)} (supported: ${LEGACY_PROTOCOL_VERSIONS.join(', ')})`));
      return;
    }
    if (Array.isArray(body)) {
      this.#batch(res, body, version, principal, client);
      return;
    }
    switch (kind) {
      case MessageKind.Request: {
        const msg = body as JsonRpcRequest;
        if (msg.method === 'resources/subscribe' || msg.method === 'resources/unsubscribe') {
          res.respond(
            200,
            JSON_HEADERS,
            errorBody(msg.id, ErrorCode.MethodNotFound, `Method not found: ${msg.method} (this server runs without sessions, so it has no channel for notifications/resources/updated)`),
          );
          return;
        }
        const ex = new StatelessExchange(this, res, msg.id, principal);
        ex.client = client;
        this.#open(ex, res, principal, version).receive(msg);
        return;
      }
      case MessageKind.Notification:
        this.#notification(body as JsonRpcRequest, principal);
        res.respond(202, {}, '');
        return;
      default: {
        // The client's answer to a server→client request sent on another POST's stream.
        const why = this.#routeResponse(body as { id: JsonRpcId | null }, principal);
        if (why === undefined) res.respond(202, {}, '');
        else res.respond(why[0], JSON_HEADERS, errorBody(null, ErrorCode.InvalidRequest, why[1]));
      }
    }
  }

  /** Creates the exchange's connection (initialized when `version` is given) and tracks the exchange. */
  #open(ex: StatelessExchange, res: ResponsePort, principal: string, version: string | undefined): ServerConnection {
    const options: ConnectionOptions = { legacy: true, modern: false, principal, transport: 'http' };
    if (version !== undefined) {
      options.legacySession = { protocolVersion: version, clientCapabilities: this.#caps };
      options.outbound = {
        nextId: () => this.#allocate(ex),
        onSettle: (rid) => {
          ex.outstanding.delete(rid);
          this.#dropPending(rid, ex);
        },
      };
    }
    const conn = this.#engine.server.connect(ex, options);
    ex.conn = conn;
    this.liveExchanges.add(ex);
    res.onAbort(() => ex.abort());
    return conn;
  }

  /** A server-wide unique, unguessable id for a server→client request of `ex`. */
  #allocate(ex: StatelessExchange): JsonRpcId {
    if (this.pendingClientRequests.size >= this.#maxPending) {
      throw new VeloError('VELO_NOT_CONNECTED', `Too many server→client requests awaiting an answer (maxPendingClientRequests = ${this.#maxPending})`);
    }
    const mine = this.#pendingPerClient.get(ex.client) ?? 0;
    if (ex.client !== '' && mine >= this.#maxPendingPerClient) {
      throw new VeloError('VELO_NOT_CONNECTED', `Too many server→client requests awaiting this client's answers (maxPendingClientRequestsPerClient = ${this.#maxPendingPerClient})`);
    }
    this.#pendingPerClient.set(ex.client, mine + 1);
    let id = randomUUID();
    while (this.pendingClientRequests.has(id)) id = randomUUID();
    this.pendingClientRequests.set(id, ex);
    ex.outstanding.add(id);
    return id;
  }

  /** Routes a client's response to the connection waiting for it; returns [status, message] when it cannot. */
  #routeResponse(msg: { id: JsonRpcId | null }, principal: string): [number, string] | undefined {
    const id = msg.id;
    if (id === null) return [400, 'Invalid Request: a response without an id cannot be routed (this server runs without sessions)'];
    const ex = this.pendingClientRequests.get(id);
    // Another principal's request looks exactly like an unknown one.
    if (!ex || ex.principal !== principal || ex.done || !ex.conn) {
      return [404, `Not Found: no server→client request with id ${JSON.stringify(id)} is pending (answered, timed out, or its POST ended; without sessions an answer must arrive while the POST that asked is still open)`];
    }
    ex.conn.receive(msg);
    return undefined;
  }

  /** Notifications without a session: only `notifications/cancelled` has an effect (see docs/transports.md). */
  #notification(msg: JsonRpcRequest, principal: string): void {
    if (msg.method !== 'notifications/cancelled') return; // initialized, roots/list_changed, …: nothing to remember them in
    const rid = msg.params?.requestId;
    if (typeof rid !== 'string' && typeof rid !== 'number') return;
    // Request ids are only unique per client: cancel only when exactly one open POST of this principal matches.
    let match: StatelessExchange | undefined;
    for (const ex of this.liveExchanges) {
      if (ex.requestId !== rid || ex.principal !== principal || ex.done) continue;
      if (match) return;
      match = ex;
    }
    if (!match?.conn) return;
    match.conn.receive(msg);
    match.cancelled();
  }

  #batch(res: ResponsePort, items: unknown[], version: string, principal: string, client: string): void {
    if (version !== '2025-03-26' || items.length === 0) {
      res.respond(400, JSON_HEADERS, errorBody(null, ErrorCode.InvalidRequest, 'Invalid Request: JSON-RPC batches are only allowed with protocol version 2025-03-26'));
      return;
    }
    const served: unknown[] = [];
    let requests = 0;
    for (const item of items) {
      const k = messageKind(item);
      if (k === MessageKind.Success || k === MessageKind.Error) void this.#routeResponse(item as { id: JsonRpcId | null }, principal);
      else if (k === MessageKind.Notification) this.#notification(item as JsonRpcRequest, principal);
      else {
        if (k === MessageKind.Request) requests++;
        served.push(item);
      }
    }
    if (requests === 0) {
      res.respond(202, {}, '');
      return;
    }
    const ex = new StatelessExchange(this, res, undefined, principal);
    ex.client = client;
    this.#open(ex, res, principal, version).receive(served);
  }
}
