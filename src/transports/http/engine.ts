/**
 * @internal The Streamable HTTP logic shared by the `node:http` and fetch handlers: both protocol eras on
 * one endpoint (MCP 2025-03-26…2025-11-25 `basic/transports.mdx`; 2026-07-28
 * `basic/transports/streamable-http.mdx`; spec-notes §1.1).
 *
 * - **Modern** (a body whose `params._meta` carries a protocol version): POST only, no session; each request
 *   gets its own light connection, which closing the response stream closes (that is the cancel).
 *   JSON unless the handler emits progress or logs first; `subscriptions/listen` always streams.
 * - **Legacy** (`initialize`, or an `Mcp-Session-Id`): sessions in a bounded table, JSON or SSE per POST,
 *   the standalone GET stream, resumability through an {@link EventStore}, DELETE to end a session.
 * - **Legacy stateless** (`sessions: false`, like the SDK's `sessionIdGenerator: undefined`): no session
 *   ids; every legacy POST gets its own short-lived connection that counts as initialized. Server→client
 *   requests go out on that POST's SSE stream with server-wide unique ids, and the client's answers (POSTs
 *   without a session) are routed back through a bounded table of pending ids. GET and DELETE get 405.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { MessageKind, messageKind, recoverableId, invalidMessageError, serializeError, type JsonObject, type JsonRpcId, type JsonRpcRequest } from '../../jsonrpc/message.js';
import { MetaKey } from '../../protocol/meta.js';
import { LEGACY_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS, SUPPORTED_PROTOCOL_VERSIONS } from '../../protocol/versions.js';
import { VeloError } from '../../jsonrpc/errors.js';
import type { ClientCapabilities } from '../../protocol/types.js';
import type { ConnectionOptions, ConnectionSink, ServerConnection } from '../../server/connection.js';
import type { McpServer } from '../../server/mcp-server.js';
import { BodyError, type OutHeaders, type RequestPort, type ResponsePort, type StreamPort } from './ports.js';
import { InMemoryEventStore, InMemorySessionStore, type BusEvent, type EventStore, type NotificationBus, type SessionStore } from './stores.js';
import { checkOrigin, compareParam, decodeHeaderValue, originPolicy, paramHeaders, type OriginPolicy } from './validate.js';

/** Options of the Streamable HTTP handlers. */
export interface HttpHandlerOptions {
  /** Serve the legacy era (`initialize`, sessions). Default true. */
  legacy?: boolean;
  /** Serve the modern era (2026-07-28, stateless). Default true. */
  modern?: boolean;
  /**
   * Legacy-era sessions. Default true. `false` is the legacy **stateless mode** (the official SDK's
   * `sessionIdGenerator: undefined`): `initialize` is answered without `Mcp-Session-Id` (and without the
   * `listChanged`/`subscribe` capabilities, which would need a channel), every later legacy POST is served on
   * its own short-lived connection that counts as initialized (protocol version from `MCP-Protocol-Version`,
   * 2025-03-26 when absent), `resources/subscribe` answers -32601, GET and DELETE answer 405. Server→client
   * requests (`ctx.input`) still work within one POST's SSE stream. The modern era is unaffected.
   */
  sessions?: boolean;
  /**
   * Stateless legacy mode: the client capabilities every connection assumes, since the ones declared in
   * `initialize` are remembered nowhere. Default `{ sampling: {}, elicitation: { form: {}, url: {} }, roots: {} }`:
   * `ctx.input` sends its requests (as the SDK's stateless server does) and a client without the
   * capability answers with an error. Pass `{}` to make `ctx.input` refuse instead.
   */
  statelessClientCapabilities?: ClientCapabilities;
  /** Stateless legacy mode: most server→client requests awaiting an answer, server-wide. Default 10 000. */
  maxPendingClientRequests?: number;
  /** Only this path is served (others get 404). Default: every path. */
  path?: string;
  /** Largest accepted body in bytes (413 past it). Default 4 MiB. */
  maxBodyBytes?: number;
  /** Milliseconds to receive a whole body (408 past it). Default 30 000. */
  bodyTimeoutMs?: number;
  /** Most legacy sessions at once (503 past it). Default 10 000. */
  maxSessions?: number;
  /** A legacy session with no activity and no work in flight for this long is ended. Default 30 min. */
  sessionIdleTimeoutMs?: number;
  /** Where legacy sessions are recorded. Default: an {@link InMemorySessionStore} of `maxSessions`. */
  sessionStore?: SessionStore;
  /** Where legacy SSE events are kept for `Last-Event-ID`. Default: an {@link InMemoryEventStore}; `false` turns resumability off. */
  eventStore?: EventStore | false;
  /** Fans `notify*` calls out to every process. Default: none (notifications stay in this process). */
  bus?: NotificationBus;
  /** The SSE `retry:` value sent with the priming event, in ms. Default 1000. */
  retryMs?: number;
  /** Interval of `:` keep-alive comments on open SSE streams, in ms; 0 turns them off. Default 15 000. */
  keepAliveMs?: number;
  /** Unread bytes an SSE stream may buffer before it is closed with an error. Default 1 MiB. */
  maxStreamBufferBytes?: number;
  /**
   * DNS-rebinding protection: Host and Origin must be in the allow-lists (403 otherwise). `'auto'` (default)
   * protects requests that arrive on a loopback socket (node handler) or when allow-lists are given (fetch handler).
   */
  dnsRebindingProtection?: boolean | 'auto';
  /** Accepted `Host` values (hostname, or `host:port`). Default: localhost, 127.0.0.1, [::1]. */
  allowedHosts?: readonly string[];
  /** Accepted `Origin` values (full origin, or hostname). Default: localhost, 127.0.0.1, [::1]. */
  allowedOrigins?: readonly string[];
  /** Resolves the authenticated principal of a request (binds MRTR state and sessions). Default: anonymous. */
  principal?: (request: unknown) => string | undefined;
}

/** Sends cluster-wide notifications through the bus (or locally when there is none). */
export interface HttpNotifier {
  toolsChanged(): void;
  promptsChanged(): void;
  resourcesChanged(): void;
  resourceUpdated(uri: string): void;
}

const JSON_HEADERS: OutHeaders = { 'content-type': 'application/json' };
const SSE_BASE: OutHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' };
const NAMED_METHODS = new Set(['tools/call', 'resources/read', 'prompts/get', 'tasks/get', 'tasks/update', 'tasks/cancel']);

/** HTTP status for a JSON-RPC error code the connection produced (modern era, spec-notes §4/§5). */
function modernStatus(code: number): number {
  switch (code) {
    case ErrorCode.ParseError:
    case ErrorCode.InvalidRequest:
    case ErrorCode.HeaderMismatch:
    case ErrorCode.MissingRequiredClientCapability:
    case ErrorCode.UnsupportedProtocolVersion:
      return 400;
    case ErrorCode.MethodNotFound:
      return 404;
    default:
      return 200;
  }
}

function errorBody(id: JsonRpcId | null, code: number, message: string, data?: unknown): string {
  return serializeError(id, data === undefined ? { code, message } : { code, message, data });
}

function idJsonOf(id: JsonRpcId): string {
  return typeof id === 'number' ? String(id) : JSON.stringify(id);
}

/** 'r' (result), 'e' (error) or '' when `message` is not the response to the request whose head is given. */
function responseKind(message: string, head: string): string {
  if (!message.startsWith(head)) return '';
  const c = message.charCodeAt(head.length + 1);
  return c === 114 ? 'r' : c === 101 ? 'e' : '';
}

function errorCodeOf(message: string): number {
  try {
    const code = (JSON.parse(message) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'number' ? code : ErrorCode.InternalError;
  } catch {
    return ErrorCode.InternalError;
  }
}

function accepts(accept: string | undefined, type: string): boolean {
  if (accept === undefined) return true;
  return accept.includes(type) || accept.includes('*/*') || accept.includes(`${type.slice(0, type.indexOf('/'))}/*`);
}

/** An SSE writer over a stream port: events, keep-alives, and teardown. */
class SseWriter {
  readonly port: StreamPort;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(port: StreamPort, keepAliveMs: number) {
    this.port = port;
    if (keepAliveMs > 0) {
      this.#timer = setInterval(() => {
        if (!this.port.write(': keep-alive\n\n')) this.stop();
      }, keepAliveMs);
      this.#timer.unref();
    }
  }

  get closed(): boolean {
    return this.#ended || this.port.closed;
  }

  /** Writes one `message` event; false when the stream is gone. */
  event(data: string, id?: string): boolean {
    if (this.closed) return false;
    const ok = this.port.write(id === undefined ? `data: ${data}\n\n` : `id: ${id}\ndata: ${data}\n\n`);
    if (!ok) this.stop();
    return ok;
  }

  raw(text: string): boolean {
    if (this.closed) return false;
    const ok = this.port.write(text);
    if (!ok) this.stop();
    return ok;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  end(): void {
    this.stop();
    if (this.#ended) return;
    this.#ended = true;
    if (!this.port.closed) this.port.end();
  }
}

/** One modern request: a per-request connection writing to one HTTP response. */
class ModernExchange implements ConnectionSink {
  readonly #engine: HttpEngine;
  readonly #res: ResponsePort;
  readonly #head: string;
  readonly #sse: boolean;
  #stream: SseWriter | undefined;
  #done = false;
  conn: ServerConnection | undefined;

  constructor(engine: HttpEngine, res: ResponsePort, id: JsonRpcId, sse: boolean) {
    this.#engine = engine;
    this.#res = res;
    this.#head = `{"jsonrpc":"2.0","id":${idJsonOf(id)},`;
    this.#sse = sse;
  }

  send(message: string): void {
    if (this.#done) return;
    const kind = responseKind(message, this.#head);
    if (kind === '') {
      // Progress, logs and listen notifications: they switch the response to SSE.
      if (!this.#sse) return;
      if (!this.#stream) this.#stream = new SseWriter(this.#res.openStream(SSE_BASE), this.#engine.keepAliveMs);
      if (!this.#stream.event(message)) this.abort();
      return;
    }
    this.#done = true;
    if (this.#stream) {
      this.#stream.event(message);
      this.#stream.end();
    } else {
      this.#res.respond(kind === 'e' ? modernStatus(errorCodeOf(message)) : 200, JSON_HEADERS, message);
    }
    // Closing after the answer cancels nothing; it releases what the request held.
    queueMicrotask(() => this.conn?.close());
  }

  /** The peer closed the response: that cancels the request (2026-07-28). */
  abort(): void {
    this.#done = true;
    this.#stream?.stop();
    this.conn?.close();
  }
}

/** The reply channel of one legacy POST (one request, or a 2025-03-26 batch). */
class LegacyStream {
  readonly session: Session;
  readonly streamId: string;
  readonly pending = new Set<JsonRpcId>();
  readonly batch: boolean;
  readonly extraHeaders: OutHeaders;
  res: ResponsePort | undefined;
  sse: SseWriter | undefined;
  /** 0 nothing sent yet, 1 streaming, 2 complete. */
  state = 0;
  #head: string | undefined;

  constructor(session: Session, streamId: string, res: ResponsePort, batch: boolean, extraHeaders: OutHeaders) {
    this.session = session;
    this.streamId = streamId;
    this.res = res;
    this.batch = batch;
    this.extraHeaders = extraHeaders;
  }

  isFinal(message: string, related: JsonRpcId): boolean {
    if (this.batch) return false;
    this.#head = `{"jsonrpc":"2.0","id":${idJsonOf(related)},`;
    return responseKind(message, this.#head) !== '';
  }

  deliver(message: string, final: boolean): void {
    const engine = this.session.engine;
    if (this.state === 0 && final) {
      this.state = 2;
      this.session.streamDone(this);
      if (this.res) {
        const res = this.res;
        this.res = undefined;
        res.respond(200, { ...JSON_HEADERS, ...this.extraHeaders }, message);
        this.session.httpDone();
      }
      return;
    }
    if (this.state === 0) {
      this.state = 1;
      if (this.res) {
        this.sse = new SseWriter(this.res.openStream({ ...SSE_BASE, ...this.extraHeaders }), engine.keepAliveMs);
        this.session.prime(this.sse, this.streamId);
      }
    }
    this.session.emit(this.streamId, message, () => this.sse, () => {
      if (final) this.finish();
    });
  }

  finish(): void {
    this.state = 2;
    this.session.streamDone(this);
    if (this.sse) {
      this.sse.end();
      this.sse = undefined;
    }
    if (this.res) {
      this.res = undefined;
      this.session.httpDone();
    }
  }

  /** The POST's HTTP response went away (client disconnect, overflow, or server close for polling). */
  detach(): void {
    this.sse?.stop();
    this.sse = undefined;
    if (this.res) {
      this.res = undefined;
      this.session.httpDone();
    }
  }
}

/** A legacy session: its connection, its open streams, its activity. */
class Session implements ConnectionSink {
  readonly engine: HttpEngine;
  readonly id: string;
  conn!: ServerConnection;
  // Created on first use and released when empty: an idle session holds no collections.
  #streams: Map<JsonRpcId, LegacyStream> | undefined;
  #byStreamId: Map<string, LegacyStream> | undefined;
  #batches: LegacyStream[] | undefined;
  readonly standaloneId: string;
  standalone: SseWriter | undefined;
  lastSeen = Date.now();
  openHttp = 0;
  #nextStream = 0;
  #chain: Promise<void> | undefined;
  ended = false;

  constructor(engine: HttpEngine, id: string) {
    this.engine = engine;
    this.id = id;
    this.standaloneId = `${id}.g`;
  }

  /** Open request streams by request id. */
  get streams(): Map<JsonRpcId, LegacyStream> {
    return (this.#streams ??= new Map());
  }

  /** Streams by stream id (kept after they finish unseen, for `Last-Event-ID` resumption). */
  get byStreamId(): Map<string, LegacyStream> {
    return (this.#byStreamId ??= new Map());
  }

  /** Streams waiting for a 2025-03-26 batch answer, oldest first. */
  get batches(): LegacyStream[] {
    return (this.#batches ??= []);
  }

  /** Drops collections that became empty. */
  #compact(): void {
    if (this.#streams?.size === 0) this.#streams = undefined;
    if (this.#byStreamId?.size === 0) this.#byStreamId = undefined;
    if (this.#batches?.length === 0) this.#batches = undefined;
  }

  get busy(): boolean {
    return this.openHttp > 0 || this.conn.inFlight > 0;
  }

  get protocolVersion(): string | undefined {
    return this.conn.session?.protocolVersion;
  }

  newStream(res: ResponsePort, batch: boolean, extraHeaders: OutHeaders): LegacyStream {
    const s = new LegacyStream(this, `${this.id}.${this.#nextStream++}`, res, batch, extraHeaders);
    this.byStreamId.set(s.streamId, s);
    this.openHttp++;
    res.onAbort(() => s.detach());
    return s;
  }

  httpDone(): void {
    this.openHttp--;
    this.lastSeen = Date.now();
    this.#compact();
  }

  streamDone(s: LegacyStream): void {
    // A stream finished while nobody listened stays resumable until the session ends.
    if (s.res || s.sse) this.#byStreamId?.delete(s.streamId);
    this.#compact();
  }

  send(message: string, related?: JsonRpcId): void {
    if (related === undefined) {
      if (message.charCodeAt(0) === 91 /* [ */) {
        const s = this.#batches?.shift();
        if (s) s.deliver(message, true);
        return;
      }
      this.emit(this.standaloneId, message, () => this.standalone, undefined);
      return;
    }
    const s = this.#streams?.get(related);
    if (!s) return; // the request is gone; nothing listens for it
    const final = s.isFinal(message, related);
    if (final) {
      this.#streams?.delete(related);
      s.pending.delete(related);
    }
    s.deliver(message, final && s.pending.size === 0);
  }

  /**
   * Closes the POST stream of request `related` without ending it (SSE polling): the client resumes with
   * GET and `Last-Event-ID`. Needs an event store and a resumable revision (2025-03-26+; priming events are sent there too, as the conformance suite expects).
   */
  closeStream(related: JsonRpcId): boolean {
    const s = this.streams.get(related);
    if (!s || !this.engine.eventStore || (this.protocolVersion ?? '') < '2025-03-26' || !s.res || s.state === 2) return false;
    if (s.state === 0) {
      s.state = 1;
      s.sse = new SseWriter(s.res.openStream({ ...SSE_BASE, ...s.extraHeaders }), this.engine.keepAliveMs);
      this.prime(s.sse, s.streamId);
    }
    const w = s.sse;
    // After the events written so far (the store may be asynchronous), end the HTTP response.
    const close = (): void => {
      w?.end();
      if (s.sse === w) s.detach();
    };
    if (this.#chain) this.#chain = this.#chain.then(close);
    else close();
    return true;
  }

  /** Sends the priming event (an id with empty data) and `retry:` on resumable revisions (2025-03-26+: SSE event ids exist there; an id-only event is valid SSE). */
  prime(w: SseWriter, streamId: string): void {
    const store = this.engine.eventStore;
    if (!store || (this.protocolVersion ?? '') < '2025-03-26') return;
    this.emit(streamId, '', () => w, undefined);
  }

  /** Stores an event (when resumable) and writes it to whatever writer is attached then, in order. */
  emit(streamId: string, message: string, writer: () => SseWriter | undefined, after: (() => void) | undefined): void {
    const store = this.engine.eventStore;
    const write = (id: string | undefined): void => {
      const w = writer();
      if (w) {
        const ok = message === '' ? w.raw(`id: ${id}\nretry: ${this.engine.retryMs}\ndata: \n\n`) : w.event(message, id);
        if (!ok) this.#overflow(streamId);
      }
      after?.();
    };
    if (!store) {
      if (message !== '') write(undefined);
      else after?.();
      return;
    }
    if (this.#chain) {
      this.#chain = this.#chain.then(async () => write(await store.storeEvent(streamId, message)), () => undefined);
      return;
    }
    const id = store.storeEvent(streamId, message);
    if (typeof id === 'string') write(id);
    else {
      this.#chain = id.then(write, () => undefined);
    }
  }

  #overflow(streamId: string): void {
    if (streamId === this.standaloneId) {
      this.standalone?.end();
      this.standalone = undefined;
      return;
    }
    this.byStreamId.get(streamId)?.detach();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.conn.close();
    for (const s of this.byStreamId.values()) {
      s.sse?.end();
      s.detach();
    }
    this.standalone?.end();
    this.standalone = undefined;
    const store = this.engine.eventStore;
    if (store?.deleteStream) {
      for (const sid of this.byStreamId.keys()) void store.deleteStream(sid);
      void store.deleteStream(this.standaloneId);
    }
    this.byStreamId.clear();
    this.streams.clear();
  }
}

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
class StatelessExchange implements ConnectionSink {
  readonly #engine: HttpEngine;
  readonly #res: ResponsePort;
  /** The request served (undefined for a 2025-03-26 batch, which ends with its array answer). */
  readonly requestId: JsonRpcId | undefined;
  readonly #head: string | undefined;
  readonly principal: string;
  /** Rewrites the `initialize` result's capabilities (see {@link withoutChannels}). */
  readonly #initialize: boolean;
  #stream: SseWriter | undefined;
  #done = false;
  conn: ServerConnection | undefined;
  /** This exchange's server→client request ids still awaiting an answer (mirrored in the engine's table). */
  readonly outstanding = new Set<JsonRpcId>();

  constructor(engine: HttpEngine, res: ResponsePort, requestId: JsonRpcId | undefined, principal: string, initialize = false) {
    this.#engine = engine;
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
        ? related === undefined && message.charCodeAt(0) === 91 /* [ */
        : related === this.requestId && responseKind(message, this.#head) !== '';
    if (!final) {
      // Progress, logs and server→client requests: they switch the response to SSE.
      if (!this.#stream) this.#stream = new SseWriter(this.#res.openStream(SSE_BASE), this.#engine.keepAliveMs);
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
    this.#engine.releaseExchange(this);
  }
}

/** @internal The protocol engine behind both handlers. */
export class HttpEngine {
  readonly server: McpServer;
  readonly legacy: boolean;
  readonly modern: boolean;
  /** False in the legacy stateless mode. */
  readonly sessionful: boolean;
  readonly statelessCaps: ClientCapabilities;
  readonly maxPendingClientRequests: number;
  /** Stateless mode: pending server→client request id → the exchange that sent it. */
  readonly pendingClientRequests = new Map<JsonRpcId, StatelessExchange>();
  /** Stateless mode: exchanges whose response is still open. */
  readonly liveExchanges = new Set<StatelessExchange>();
  readonly path: string | undefined;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly maxSessions: number;
  readonly idleMs: number;
  readonly sessionStore: SessionStore;
  readonly eventStore: EventStore | undefined;
  readonly retryMs: number;
  readonly keepAliveMs: number;
  readonly maxStreamBufferBytes: number;
  readonly protection: boolean | 'auto';
  readonly policy: OriginPolicy;
  readonly explicitPolicy: boolean;
  readonly principalOf: ((request: unknown) => string | undefined) | undefined;
  readonly sessions = new Map<string, Session>();
  readonly notify: HttpNotifier;
  #sweeper: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(server: McpServer, options: HttpHandlerOptions = {}) {
    this.server = server;
    this.legacy = options.legacy ?? true;
    this.modern = options.modern ?? true;
    this.sessionful = options.sessions ?? true;
    this.statelessCaps = options.statelessClientCapabilities ?? { sampling: {}, elicitation: { form: {}, url: {} }, roots: {} };
    this.maxPendingClientRequests = options.maxPendingClientRequests ?? 10_000;
    this.path = options.path;
    this.maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
    this.bodyTimeoutMs = options.bodyTimeoutMs ?? 30_000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.idleMs = options.sessionIdleTimeoutMs ?? 30 * 60_000;
    this.sessionStore = options.sessionStore ?? new InMemorySessionStore({ maxSessions: this.maxSessions });
    this.eventStore = options.eventStore === false ? undefined : (options.eventStore ?? new InMemoryEventStore());
    this.retryMs = options.retryMs ?? 1000;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
    this.maxStreamBufferBytes = options.maxStreamBufferBytes ?? 1024 * 1024;
    this.protection = options.dnsRebindingProtection ?? 'auto';
    this.policy = originPolicy(options.allowedHosts, options.allowedOrigins);
    this.explicitPolicy = options.allowedHosts !== undefined || options.allowedOrigins !== undefined;
    this.principalOf = options.principal;
    const bus = options.bus;
    const local = (e: BusEvent): void => {
      if (e.type === 'listChanged') server.notifyListChanged(e.kind);
      else server.notifyResourceUpdated(e.uri);
    };
    const publish = bus ? (e: BusEvent): void => void bus.publish(e) : local;
    if (bus) {
      void Promise.resolve(bus.subscribe(local)).then((off) => {
        if (this.#closed) off();
        else this.#unsubscribe = off;
      });
    }
    this.notify = {
      toolsChanged: () => publish({ type: 'listChanged', kind: 'tools' }),
      promptsChanged: () => publish({ type: 'listChanged', kind: 'prompts' }),
      resourcesChanged: () => publish({ type: 'listChanged', kind: 'resources' }),
      resourceUpdated: (uri) => publish({ type: 'resourceUpdated', uri }),
    };
    if (this.legacy && this.sessionful) {
      const every = Math.max(50, Math.min(60_000, Math.floor(this.idleMs / 2)));
      this.#sweeper = setInterval(() => this.sweep(), every);
      this.#sweeper.unref();
    }
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

  /** Ends every session and stops timers. */
  close(): void {
    this.#closed = true;
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#unsubscribe?.();
    for (const s of [...this.sessions.values()]) this.endSession(s);
    for (const ex of [...this.liveExchanges]) ex.abort();
  }

  /** Stateless mode: forgets an exchange that ended (its pending ids were settled by its connection's close). */
  releaseExchange(ex: StatelessExchange): void {
    this.liveExchanges.delete(ex);
    for (const id of ex.outstanding) if (this.pendingClientRequests.get(id) === ex) this.pendingClientRequests.delete(id);
    ex.outstanding.clear();
  }

  /** Handles one HTTP exchange. Never throws; failures become HTTP errors. */
  handle(req: RequestPort, res: ResponsePort): void {
    if (this.path !== undefined && req.path !== this.path) {
      res.respond(404, { 'content-type': 'text/plain' }, 'Not Found');
      return;
    }
    const protect = this.protection === 'auto' ? req.loopback || this.explicitPolicy : this.protection;
    if (protect) {
      const why = checkOrigin(this.policy, req.header('host'), req.header('origin'));
      if (why) {
        res.respond(403, JSON_HEADERS, errorBody(null, -32000, `Forbidden: ${why}`));
        return;
      }
    }
    switch (req.method) {
      case 'POST':
        this.#post(req, res).catch((err: unknown) => this.#internal(res, err));
        return;
      case 'GET':
        if (!this.legacy || !this.sessionful) break;
        this.#get(req, res).catch((err: unknown) => this.#internal(res, err));
        return;
      case 'DELETE':
        if (!this.legacy || !this.sessionful) break;
        this.#delete(req, res);
        return;
      default:
        break;
    }
    const sessionful = this.legacy && this.sessionful;
    res.respond(
      405,
      { ...JSON_HEADERS, allow: sessionful ? 'GET, POST, DELETE' : 'POST' },
      errorBody(null, -32000, this.legacy && !sessionful ? 'Method Not Allowed: this server runs without sessions (no standalone stream, nothing to delete)' : 'Method Not Allowed'),
    );
  }

  #internal(res: ResponsePort, err: unknown): void {
    try {
      res.respond(500, JSON_HEADERS, errorBody(null, ErrorCode.InternalError, `Internal error: ${err instanceof Error ? err.message : String(err)}`));
    } catch {
      // The response was already under way.
    }
  }

  async #post(req: RequestPort, res: ResponsePort): Promise<void> {
    const ctype = req.header('content-type');
    if (ctype === undefined || !/^application\/(?:[\w.+-]+\+)?json\b/i.test(ctype.trim())) {
      res.respond(415, JSON_HEADERS, errorBody(null, ErrorCode.InvalidRequest, 'Unsupported Media Type: Content-Type must be application/json'));
      return;
    }
    const accept = req.header('accept');
    if (accept !== undefined && !accepts(accept, 'application/json') && !accepts(accept, 'text/event-stream')) {
      res.respond(406, JSON_HEADERS, errorBody(null, ErrorCode.InvalidRequest, 'Not Acceptable: Accept must allow application/json or text/event-stream'));
      return;
    }
    let text: string;
    try {
      text = await req.readBody(this.maxBodyBytes, this.bodyTimeoutMs);
    } catch (err) {
      const status = err instanceof BodyError ? err.status : 400;
      res.respond(status, { ...JSON_HEADERS, connection: 'close' }, errorBody(null, ErrorCode.InvalidRequest, `Invalid Request: ${(err as Error).message}`));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      res.respond(400, JSON_HEADERS, errorBody(null, ErrorCode.ParseError, `Parse error: ${(err as Error).message}`));
      return;
    }
    const sid = req.header('mcp-session-id');
    const kind = messageKind(body);
    const params = kind === MessageKind.Request || kind === MessageKind.Notification ? (body as JsonRpcRequest).params : undefined;
    const meta = params?._meta;
    const bodyVersion = typeof meta === 'object' && meta !== null ? (meta as JsonObject)[MetaKey.protocolVersion] : undefined;
    if (this.modern && bodyVersion !== undefined) {
      this.#modern(req, res, body, kind);
      return;
    }
    if (this.legacy && !this.sessionful) {
      const header = req.header('mcp-protocol-version');
      const invalid = kind === MessageKind.Invalid && !Array.isArray(body);
      if (this.modern && ((header !== undefined && MODERN_PROTOCOL_VERSIONS.includes(header)) || invalid)) this.#modern(req, res, body, kind);
      else this.#stateless(req, res, body, kind);
      return;
    }
    if (sid !== undefined && this.legacy) {
      this.#legacyPost(req, res, body, kind, sid);
      return;
    }
    if (this.legacy && (kind === MessageKind.Request || kind === MessageKind.Notification) && (body as JsonRpcRequest).method === 'initialize') {
      await this.#initialize(req, res, body as JsonRpcRequest);
      return;
    }
    const header = req.header('mcp-protocol-version');
    if (this.modern && (!this.legacy || (header !== undefined && MODERN_PROTOCOL_VERSIONS.includes(header)) || kind === MessageKind.Invalid)) {
      this.#modern(req, res, body, kind);
      return;
    }
    if (this.legacy && kind === MessageKind.Invalid) {
      res.respond(400, JSON_HEADERS, serializeError(recoverableId(body), invalidMessageError(body)));
      return;
    }
    // Legacy-looking, no session: either a missing session or (dual-era) a request without _meta.
    const id = kind === MessageKind.Request ? (body as JsonRpcRequest).id : null;
    res.respond(
      400,
      JSON_HEADERS,
      errorBody(
        id,
        this.modern ? ErrorCode.InvalidParams : -32000,
        this.modern
          ? `Invalid params: missing _meta["${MetaKey.protocolVersion}"] (2026-07-28 requests carry it; legacy clients send initialize first and then Mcp-Session-Id)`
          : 'Bad Request: Mcp-Session-Id header is required',
      ),
    );
  }

  // ----- legacy era without sessions (`sessions: false`) -----

  #stateless(req: RequestPort, res: ResponsePort, body: unknown, kind: number): void {
    if (kind === MessageKind.Invalid && !Array.isArray(body)) {
      res.respond(400, JSON_HEADERS, serializeError(recoverableId(body), invalidMessageError(body)));
      return;
    }
    const principal = this.principalOf?.(req.raw) ?? '';
    if ((kind === MessageKind.Request || kind === MessageKind.Notification) && (body as JsonRpcRequest).method === 'initialize') {
      if (kind === MessageKind.Notification) {
        res.respond(202, {}, '');
        return;
      }
      const ex = new StatelessExchange(this, res, (body as JsonRpcRequest).id, principal, true);
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
      this.#statelessBatch(res, body, version, principal);
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
        this.#open(ex, res, principal, version).receive(msg);
        return;
      }
      case MessageKind.Notification:
        this.#statelessNotification(body as JsonRpcRequest, principal);
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
    const options: ConnectionOptions = { legacy: true, modern: false, principal };
    if (version !== undefined) {
      options.legacySession = { protocolVersion: version, clientCapabilities: this.statelessCaps };
      options.outbound = {
        nextId: () => this.#allocate(ex),
        onSettle: (rid) => {
          ex.outstanding.delete(rid);
          if (this.pendingClientRequests.get(rid) === ex) this.pendingClientRequests.delete(rid);
        },
      };
    }
    const conn = this.server.connect(ex, options);
    ex.conn = conn;
    this.liveExchanges.add(ex);
    res.onAbort(() => ex.abort());
    return conn;
  }

  /** A server-wide unique, unguessable id for a server→client request of `ex`. */
  #allocate(ex: StatelessExchange): JsonRpcId {
    if (this.pendingClientRequests.size >= this.maxPendingClientRequests) {
      throw new VeloError('VELO_NOT_CONNECTED', `Too many server→client requests awaiting an answer (maxPendingClientRequests = ${this.maxPendingClientRequests})`);
    }
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
  #statelessNotification(msg: JsonRpcRequest, principal: string): void {
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

  #statelessBatch(res: ResponsePort, items: unknown[], version: string, principal: string): void {
    if (version !== '2025-03-26' || items.length === 0) {
      res.respond(400, JSON_HEADERS, errorBody(null, ErrorCode.InvalidRequest, 'Invalid Request: JSON-RPC batches are only allowed with protocol version 2025-03-26'));
      return;
    }
    const served: unknown[] = [];
    let requests = 0;
    for (const item of items) {
      const k = messageKind(item);
      if (k === MessageKind.Success || k === MessageKind.Error) void this.#routeResponse(item as { id: JsonRpcId | null }, principal);
      else if (k === MessageKind.Notification) this.#statelessNotification(item as JsonRpcRequest, principal);
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
    this.#open(ex, res, principal, version).receive(served);
  }

  // ----- modern era -----

  #modern(req: RequestPort, res: ResponsePort, body: unknown, kind: number): void {
    if (kind !== MessageKind.Request) {
      if (kind === MessageKind.Notification) {
        res.respond(202, {}, '');
        return;
      }
      const err =
        kind === MessageKind.Invalid
          ? invalidMessageError(body)
          : { code: ErrorCode.InvalidRequest, message: 'Invalid Request: clients must not POST responses in the 2026-07-28 era' };
      res.respond(400, JSON_HEADERS, serializeError(recoverableId(body), err));
      return;
    }
    const msg = body as JsonRpcRequest;
    const id = msg.id;
    const reject = (status: number, code: number, message: string, data?: unknown): void => res.respond(status, JSON_HEADERS, errorBody(id, code, message, data));
    const header = req.header('mcp-protocol-version');
    if (header === undefined) {
      reject(400, ErrorCode.HeaderMismatch, 'Header mismatch: the MCP-Protocol-Version header is required');
      return;
    }
    const meta = msg.params?._meta as JsonObject | undefined;
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      reject(400, ErrorCode.InvalidParams, 'Invalid params: params._meta is required (protocolVersion and clientCapabilities)');
      return;
    }
    const version = meta[MetaKey.protocolVersion];
    if (version === undefined) {
      reject(400, ErrorCode.InvalidParams, `Invalid params: missing _meta["${MetaKey.protocolVersion}"]`);
      return;
    }
    const caps = meta[MetaKey.clientCapabilities];
    if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) {
      reject(400, ErrorCode.InvalidParams, `Invalid params: missing or invalid _meta["${MetaKey.clientCapabilities}"]`);
      return;
    }
    if (header !== version) {
      reject(400, ErrorCode.HeaderMismatch, `Header mismatch: MCP-Protocol-Version ${JSON.stringify(header)} differs from _meta protocolVersion ${JSON.stringify(version)}`);
      return;
    }
    if (typeof version !== 'string' || !MODERN_PROTOCOL_VERSIONS.includes(version)) {
      reject(400, ErrorCode.UnsupportedProtocolVersion, `Unsupported protocol version: ${String(version)}`, { supported: SUPPORTED_PROTOCOL_VERSIONS, requested: version });
      return;
    }
    const why = this.#checkModernHeaders(req, msg);
    if (why) {
      reject(400, ErrorCode.HeaderMismatch, `Header mismatch: ${why}`);
      return;
    }
    const accept = req.header('accept');
    const sse = accept === undefined || accepts(accept, 'text/event-stream');
    if (!sse && msg.method === 'subscriptions/listen') {
      // A listen answer is a stream by nature; without SSE the request could never complete.
      reject(406, ErrorCode.InvalidRequest, 'Not Acceptable: subscriptions/listen answers with an SSE stream; Accept must include text/event-stream');
      return;
    }
    const exchange = new ModernExchange(this, res, id, sse);
    const principal = this.principalOf?.(req.raw);
    const conn = this.server.connect(exchange, principal === undefined ? { legacy: false } : { legacy: false, principal });
    exchange.conn = conn;
    res.onAbort(() => exchange.abort());
    conn.receive(msg);
  }

  #checkModernHeaders(req: RequestPort, msg: JsonRpcRequest): string | undefined {
    const method = req.header('mcp-method');
    if (method === undefined) return 'the Mcp-Method header is required';
    if (method !== msg.method) return `Mcp-Method ${JSON.stringify(method)} differs from the body's method ${JSON.stringify(msg.method)}`;
    if (!NAMED_METHODS.has(msg.method)) return undefined;
    const params = msg.params;
    // Tasks methods route on the task id (ext-tasks "Streamable HTTP: Routing Headers").
    const target = msg.method === 'resources/read' ? params?.uri : msg.method.startsWith('tasks/') ? params?.taskId : params?.name;
    const rawName = req.header('mcp-name');
    if (typeof target === 'string') {
      if (rawName === undefined) return 'the Mcp-Name header is required';
      const name = decodeHeaderValue(rawName);
      if (name === undefined) return 'Mcp-Name has an invalid Base64 value';
      if (name !== target) return `Mcp-Name ${JSON.stringify(name)} differs from the body`;
    }
    if (msg.method !== 'tools/call' || typeof target !== 'string') return undefined;
    const tool = this.server.toolDefinition(target);
    if (!tool) return undefined;
    const headers = paramHeaders(tool.inputSchema as JsonObject | undefined);
    if (headers.length === 0) return undefined;
    const args = (params?.arguments ?? {}) as JsonObject;
    for (const p of headers) {
      const why = compareParam(p, req.header(p.header), typeof args === 'object' && args !== null ? args[p.property] : undefined);
      if (why) return why;
    }
    return undefined;
  }

  // ----- legacy era -----

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

  async #initialize(req: RequestPort, res: ResponsePort, msg: JsonRpcRequest): Promise<void> {
    const id = 'id' in msg ? msg.id : null;
    if (this.sessions.size >= this.maxSessions) this.#evictOne();
    const sid = randomUUID();
    const now = Date.now();
    const added = this.sessions.size < this.maxSessions && (await this.sessionStore.add({ id: sid, protocolVersion: '', createdAt: now, lastSeenAt: now }));
    if (!added) {
      res.respond(503, { ...JSON_HEADERS, 'retry-after': '5' }, errorBody(id, -32000, 'Service Unavailable: the session table is full'));
      return;
    }
    const session = new Session(this, sid);
    const principal = this.principalOf?.(req.raw);
    session.conn = this.server.connect(session, principal === undefined ? { sessionId: sid, modern: false } : { sessionId: sid, modern: false, principal });
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

  #legacyPost(req: RequestPort, res: ResponsePort, body: unknown, kind: number, _sid: string): void {
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

  async #get(req: RequestPort, res: ResponsePort): Promise<void> {
    if (!accepts(req.header('accept'), 'text/event-stream') || req.header('accept') === undefined) {
      res.respond(406, JSON_HEADERS, errorBody(null, -32000, 'Not Acceptable: Accept must include text/event-stream'));
      return;
    }
    const session = this.#lookup(req, res, null);
    if (!session) return;
    const last = req.header('last-event-id');
    const store = this.eventStore;
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
      const w = new SseWriter(res.openStream(SSE_BASE), this.keepAliveMs);
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
    const w = new SseWriter(res.openStream(SSE_BASE), this.keepAliveMs);
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

  #delete(req: RequestPort, res: ResponsePort): void {
    const session = this.#lookup(req, res, null);
    if (!session) return;
    this.endSession(session);
    res.respond(200, {}, '');
  }
}
