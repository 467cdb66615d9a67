/**
 * One transport connection to an {@link McpServer}: it classifies each inbound message, decides its era,
 * validates it, runs the handler and writes the answer (MCP `basic/lifecycle.mdx` for the legacy era;
 * 2026-07-28 `basic/index.mdx` and `basic/versioning.mdx` for the modern era).
 *
 * Era per message, as a dual-era server must decide it: a request whose `_meta` carries
 * `io.modelcontextprotocol/protocolVersion` is served statelessly; `initialize` opens a legacy session on
 * this connection; other requests belong to that session. Nothing from one modern request carries over to
 * the next.
 */
import { ErrorCode } from '../jsonrpc/codes.js';
import { McpError, VeloError, backendUnavailableError, type JsonRpcErrorObject } from '../jsonrpc/errors.js';
import {
  invalidMessageError,
  MessageKind,
  messageKind,
  recoverableId,
  serializeError,
  serializeResult,
  type JsonObject,
  type JsonRpcErrorResponse,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcSuccess,
} from '../jsonrpc/message.js';
import * as observe from '../observability/channels.js';
import { MetaKey } from '../protocol/meta.js';
import { OutboundRequests, type OutboundOptions, type ProgressParams } from '../protocol/outbound.js';
import type { ClientCapabilities, Implementation, LoggingLevel } from '../protocol/types.js';
import { LOGGING_LEVELS } from '../protocol/types.js';
import {
  allowsBatches,
  LATEST_LEGACY_PROTOCOL_VERSION,
  LEGACY_PROTOCOL_VERSIONS,
  MODERN_PROTOCOL_VERSIONS,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '../protocol/versions.js';
import { missingCapability, ServerRequestContext, type ContextHost } from './context.js';
import type { LegacyListener, ServerCore } from './core.js';
import { InputRequiredSignal, isInputRequired, type InputRequiredResult } from './input.js';
import { METHODS, type MethodSpec } from './methods/index.js';
import { isObject, isPromise, Serialized } from './methods/shared.js';
import { echo, jsonBoundsProblem, knownCapabilities, knownImplementation } from './limits.js';
import { legacyCapabilities } from './tasks/legacy.js';

/** Where a connection writes: one serialised JSON-RPC message at a time. */
export interface ConnectionSink {
  /**
   * Sends one message (no trailing newline). `related` is the id of the inbound request it belongs to
   * (its response, progress, logs, and server→client requests made while serving it), so HTTP can put it on
   * that request's stream; undefined for connection-level messages such as list_changed. A 2025-03-26 batch
   * answer (a JSON array, sent once) has the id of the batch's first request as `related`, or undefined
   * when the batch held no request.
   */
  send(message: string, related?: JsonRpcId): void;
  /**
   * Optional (HTTP, legacy era): closes the SSE stream of the request `related` without ending the request,
   * so the client resumes with `Last-Event-ID` (SSE polling, SEP-1699). Returns false when not possible.
   */
  closeStream?(related: JsonRpcId): boolean;
}

/** Options of one connection. */
export interface ConnectionOptions {
  /** The authenticated principal; binds MRTR state. Default `''` (anonymous). */
  principal?: string;
  /** The legacy session id the transport minted, if any (exposed as `ctx.sessionId`). */
  sessionId?: string;
  /** Serve the legacy era (`initialize`) on this connection. Default true. */
  legacy?: boolean;
  /** Serve the modern era (per-request `_meta`) on this connection. Default true. */
  modern?: boolean;
  /**
   * Start with a legacy session that counts as initialized, without an `initialize` exchange (HTTP
   * legacy stateless mode, where every POST gets its own short-lived connection). Such a connection does
   * not join the server's list_changed fan-out; nothing from it outlives it.
   */
  legacySession?: AssumedLegacySession;
  /** How server→client request ids are chosen, and who hears when one settles (see {@link OutboundOptions}). */
  outbound?: OutboundOptions;
  /** The transport kind reported to observability (`stdio`, `http`, `sse`, `ws`, `tcp`). Default `memory`. */
  transport?: string;
  /**
   * Whether the legacy session joins this server's notification fan-out (list changes, resource updates of
   * its subscriptions). Default true. A cluster node serving a session whose GET stream another node holds
   * passes false (that node delivers them) and switches it with {@link ServerConnection.setFanout}.
   */
  fanout?: boolean;
  /**
   * Hears every change of the legacy session's state, so a cluster can record it (see `velomcp/cluster`).
   * When it returns a promise, the request that made the change (`resources/subscribe`, `resources/unsubscribe`,
   * `logging/setLevel`) is answered once it settles, so every node knows of the change before the client does.
   */
  onSessionChange?: (change: LegacySessionChange) => void | Promise<void>;
}

/** A change of a legacy session's state (one member set), as {@link ConnectionOptions.onSessionChange} hears it. */
export interface LegacySessionChange {
  logLevel?: LoggingLevel;
  subscribe?: string;
  unsubscribe?: string;
  initialized?: boolean;
}

/** What {@link ConnectionOptions.legacySession} assumes about the client. */
export interface AssumedLegacySession {
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo?: Implementation;
  /** The level set with `logging/setLevel` earlier (a session rebuilt from its cluster record). */
  logLevel?: LoggingLevel;
  /** Resource URIs subscribed earlier (a session rebuilt from its cluster record). */
  subscriptions?: readonly string[];
  /** Default true. */
  initialized?: boolean;
}

/** @internal The legacy session of a connection, opened by `initialize`. */
export interface LegacySession {
  protocolVersion: string;
  clientCapabilities: ClientCapabilities;
  clientInfo: Implementation | undefined;
  logLevel: LoggingLevel | undefined;
  initialized: boolean;
  /** Subscribed resource URIs; created on the first `resources/subscribe`. */
  subscriptions: Set<string> | undefined;
}

const LEVELS = new Set<string>(LOGGING_LEVELS);

interface Batch {
  remaining: number;
  parts: string[];
  /** The first member request's id: the batch answer is sent with it as `related` (HTTP routes on it). */
  key: JsonRpcId | undefined;
  /** True while the batch's members are being dispatched; the answer waits until then. */
  open: boolean;
}

/**
 * A live connection. Create it with `McpServer.connect(sink)`, feed it with {@link ServerConnection.receiveText}
 * or {@link ServerConnection.receive}, and {@link ServerConnection.close} it when the transport goes away.
 */
export class ServerConnection implements ContextHost, LegacyListener {
  /** @internal */
  readonly core: ServerCore;
  readonly #sink: ConnectionSink;
  /** Asynchronous requests in flight; created on first use and released when empty (idle sessions hold none). */
  #inflight: Map<JsonRpcId, ServerRequestContext> | undefined;
  readonly #legacyAllowed: boolean;
  readonly #modernAllowed: boolean;
  readonly principal: string;
  readonly sessionId: string | undefined;
  /** The transport kind (see {@link ConnectionOptions.transport}). */
  readonly transport: string;
  #session: LegacySession | undefined;
  #outbound: OutboundRequests | undefined;
  readonly #outboundOptions: OutboundOptions | undefined;
  #batches: Map<JsonRpcId, Batch> | undefined;
  #closed = false;
  #fanout: boolean;
  readonly #onChange: ((change: LegacySessionChange) => void | Promise<void>) | undefined;
  /** Called once after {@link ServerConnection.close}. */
  onclose: (() => void) | undefined;

  /** @internal Use `McpServer.connect`. */
  constructor(core: ServerCore, sink: ConnectionSink, options: ConnectionOptions = {}) {
    this.core = core;
    this.#sink = sink;
    this.principal = options.principal ?? '';
    this.sessionId = options.sessionId;
    this.#legacyAllowed = options.legacy ?? true;
    this.#modernAllowed = options.modern ?? true;
    this.#outboundOptions = options.outbound;
    this.transport = options.transport ?? 'memory';
    this.#fanout = options.fanout ?? true;
    this.#onChange = options.onSessionChange;
    if (observe.channels.connectionOpen.hasSubscribers) observe.publishConnectionOpen(this, this);
    const assumed = options.legacySession;
    if (assumed) {
      this.#session = {
        protocolVersion: assumed.protocolVersion,
        clientCapabilities: assumed.clientCapabilities,
        clientInfo: assumed.clientInfo,
        logLevel: assumed.logLevel,
        initialized: assumed.initialized ?? true,
        subscriptions: undefined,
      };
      if (assumed.subscriptions) for (const uri of assumed.subscriptions) this.#addSubscription(uri);
    }
  }

  /**
   * Joins or leaves this server's notification fan-out (see {@link ConnectionOptions.fanout}); a legacy
   * session's subscriptions follow.
   */
  setFanout(on: boolean): void {
    if (on === this.#fanout || this.#closed) return;
    this.#fanout = on;
    const session = this.#session;
    if (!session) return;
    if (on) this.core.legacyListeners.add(this);
    else this.core.legacyListeners.delete(this);
    if (session.subscriptions) for (const uri of session.subscriptions) (on ? this.#join(uri) : this.#unsubscribe(uri));
  }

  /** Applies state recorded elsewhere (a cluster record): the log level and the exact subscription set. */
  applySession(state: { logLevel?: LoggingLevel | undefined; subscriptions: readonly string[]; initialized?: boolean }): void {
    const session = this.#session;
    if (!session || this.#closed) return;
    session.logLevel = state.logLevel;
    if (state.initialized) session.initialized = true;
    const want = new Set(state.subscriptions);
    if (session.subscriptions) {
      for (const uri of [...session.subscriptions]) {
        if (!want.has(uri)) {
          session.subscriptions.delete(uri);
          this.#unsubscribe(uri);
        }
      }
    }
    for (const uri of want) if (!session.subscriptions?.has(uri)) this.#addSubscription(uri);
  }

  /** The legacy session, once `initialize` succeeded. */
  get session(): Readonly<LegacySession> | undefined {
    return this.#session;
  }

  /** Requests being served right now. */
  get inFlight(): number {
    return this.#inflight?.size ?? 0;
  }

  /** True after {@link ServerConnection.close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal */
  get outbound(): OutboundRequests | undefined {
    if (!this.#outbound && this.#session) {
      this.#outbound = new OutboundRequests((m, r) => this.send(m, r), this.core.options.requestTimeoutMs, this.#outboundOptions);
    }
    return this.#outbound;
  }

  /** @internal */
  get sessionLogLevel(): LoggingLevel | undefined {
    return this.#session?.logLevel;
  }

  /** @internal Writes through to the sink unless closed. */
  send(message: string, related?: JsonRpcId): void {
    if (!this.#closed) this.#sink.send(message, related);
  }

  /** @internal Asks the transport to close the stream of request `related` (see {@link ConnectionSink.closeStream}). */
  closeStream(related: JsonRpcId): boolean {
    return !this.#closed && (this.#sink.closeStream?.(related) ?? false);
  }

  /**
   * Handles one message as text (a stdio line, an HTTP body). Invalid JSON is answered with -32700 and
   * the connection keeps serving; blank text is ignored.
   */
  receiveText(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      if (text.trim() === '') return;
      this.#sendError(null, { code: ErrorCode.ParseError, message: `Parse error: ${(err as Error).message}` });
      return;
    }
    this.receive(value);
  }

  /** Reports a message the transport dropped for exceeding its size limit (answered with -32600). */
  reportOversize(bytes: number, limit: number): void {
    this.#sendError(null, { code: ErrorCode.InvalidRequest, message: `Invalid Request: message of ${bytes} bytes exceeds the limit of ${limit} bytes` });
  }

  /** Handles one parsed JSON value: a message, or a batch where the negotiated revision allows it. */
  receive(value: unknown): void {
    if (this.#closed) return;
    switch (messageKind(value)) {
      case MessageKind.Request:
        this.#onRequest(value as JsonRpcRequest);
        return;
      case MessageKind.Notification:
        this.#onNotification(value as JsonRpcNotification);
        return;
      case MessageKind.Success:
      case MessageKind.Error:
        // Responses to our server→client requests; unknown or late ones are ignored.
        this.#outbound?.handleResponse(value as JsonRpcSuccess | JsonRpcErrorResponse);
        return;
      default:
        if (Array.isArray(value)) this.#onBatch(value);
        else this.#sendError(recoverableId(value), invalidMessageError(value));
    }
  }

  /** Cancels everything in flight, rejects pending server→client requests and leaves every fan-out list. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Pending server→client requests learn the real reason before their handlers' signals abort.
    this.#outbound?.close();
    if (this.#inflight) for (const ctx of this.#inflight.values()) ctx.cancel(new VeloError('VELO_CONNECTION_CLOSED', 'Connection closed'));
    this.#inflight = undefined;
    this.core.legacyListeners.delete(this);
    if (this.#session) {
      if (this.#session.subscriptions) for (const uri of this.#session.subscriptions) this.#unsubscribe(uri);
      if (observe.channels.sessionClose.hasSubscribers) observe.publishSessionClose(this);
    }
    if (observe.channels.connectionClose.hasSubscribers) observe.publishConnectionClose(this);
    this.onclose?.();
  }

  #onBatch(items: unknown[]): void {
    if (!allowsBatches(this.#session?.protocolVersion)) {
      this.#sendError(null, { code: ErrorCode.InvalidRequest, message: 'Invalid Request: JSON-RPC batches are only allowed with protocol version 2025-03-26' });
      return;
    }
    if (items.length === 0) {
      this.#sendError(null, { code: ErrorCode.InvalidRequest, message: 'Invalid Request: empty batch' });
      return;
    }
    const batch: Batch = { remaining: 0, parts: [], key: undefined, open: true };
    for (const item of items) {
      if (messageKind(item) === MessageKind.Request) {
        const id = (item as JsonRpcRequest).id;
        if (!this.#inflight?.has(id) && !this.#batches?.has(id)) {
          batch.remaining++;
          batch.key ??= id;
          (this.#batches ??= new Map()).set(id, batch);
        }
      } else if (messageKind(item) === MessageKind.Invalid) {
        batch.parts.push(serializeError(recoverableId(item), invalidMessageError(item)));
      }
    }
    for (const item of items) if (messageKind(item) !== MessageKind.Invalid) this.receive(item);
    // Members answered synchronously only collected their parts; the answer goes out exactly once.
    batch.open = false;
    if (batch.remaining === 0 && batch.parts.length > 0) this.send(`[${batch.parts.join(',')}]`, batch.key);
  }

  /** Sends a response, or adds it to its batch. */
  #emit(id: JsonRpcId | null, message: string): void {
    const batch = id === null ? undefined : this.#batches?.get(id);
    if (!batch) {
      this.send(message, id ?? undefined);
      return;
    }
    this.#batches?.delete(id as JsonRpcId);
    batch.parts.push(message);
    if (--batch.remaining === 0 && !batch.open) this.send(`[${batch.parts.join(',')}]`, batch.key);
  }

  #sendError(id: JsonRpcId | null, error: JsonRpcErrorObject): void {
    if (observe.channels.requestRejected.hasSubscribers) observe.publishRejected(this, id, error);
    this.#emit(id, serializeError(id, error));
  }

  #onRequest(msg: JsonRpcRequest): void {
    const { id, method } = msg;
    if (this.#inflight?.has(id)) {
      // Ids must be unique among requests in flight; the original keeps running.
      this.#sendError(id, { code: ErrorCode.InvalidRequest, message: `Invalid Request: a request with id ${JSON.stringify(id)} is already in progress` });
      return;
    }
    const params = msg.params;
    const meta = params?._meta;
    const version = isObject(meta) ? meta[MetaKey.protocolVersion] : undefined;
    if (version !== undefined) {
      this.#onModernRequest(id, method, params as JsonObject, meta as JsonObject, version);
    } else if (method === 'initialize') {
      this.#initialize(id, params);
    } else if (this.#session) {
      this.#onLegacyRequest(id, method, params, this.#session);
    } else if (method === 'ping' && this.#legacyAllowed) {
      // Legacy clients may ping before initializing.
      this.#emit(id, serializeResult(id, '{}'));
    } else {
      this.#sendError(id, {
        code: ErrorCode.InvalidParams,
        message: `Invalid params: missing _meta["${MetaKey.protocolVersion}"] (2026-07-28 requests carry it on every request; legacy clients must send initialize first)`,
      });
    }
  }

  #onModernRequest(id: JsonRpcId, method: string, params: JsonObject, meta: JsonObject, version: unknown): void {
    if (!this.#modernAllowed) {
      this.#sendError(id, { code: ErrorCode.InvalidRequest, message: 'Invalid Request: this endpoint serves only the legacy era; send initialize' });
      return;
    }
    if (typeof version !== 'string' || !MODERN_PROTOCOL_VERSIONS.includes(version)) {
      this.#sendError(id, {
        code: ErrorCode.UnsupportedProtocolVersion,
        message: `Unsupported protocol version: ${String(version)}`,
        data: { supported: SUPPORTED_PROTOCOL_VERSIONS, requested: version },
      });
      return;
    }
    const caps = meta[MetaKey.clientCapabilities];
    if (!isObject(caps)) {
      this.#sendError(id, { code: ErrorCode.InvalidParams, message: `Invalid params: missing or invalid _meta["${MetaKey.clientCapabilities}"]` });
      return;
    }
    const level = meta[MetaKey.logLevel];
    if (level !== undefined && (typeof level !== 'string' || !LEVELS.has(level))) {
      this.#sendError(id, { code: ErrorCode.InvalidParams, message: `Invalid params: _meta["${MetaKey.logLevel}"] must be one of ${LOGGING_LEVELS.join(', ')}` });
      return;
    }
    const spec = METHODS.get(method);
    if (!spec || !spec.modern || !this.#offers(spec)) {
      this.#sendError(id, { code: ErrorCode.MethodNotFound, message: `Method not found: ${echo(method)}` });
      return;
    }
    const info = meta[MetaKey.clientInfo];
    const ctx = new ServerRequestContext(this, id, method, params, 'modern', version, caps as ClientCapabilities, isObject(info) ? (info as unknown as Implementation) : undefined);
    this.#execute(spec, params, ctx);
  }

  #onLegacyRequest(id: JsonRpcId, method: string, params: JsonObject | undefined, session: LegacySession): void {
    const spec = METHODS.get(method);
    if (!spec || !spec.legacy || !this.#offers(spec)) {
      this.#sendError(id, { code: ErrorCode.MethodNotFound, message: `Method not found: ${echo(method)}` });
      return;
    }
    const ctx = new ServerRequestContext(this, id, method, params, 'legacy', session.protocolVersion, session.clientCapabilities, session.clientInfo);
    this.#execute(spec, params, ctx);
  }

  #offers(spec: MethodSpec): boolean {
    return spec.capability === undefined || this.core.capabilities[spec.capability] !== undefined;
  }

  #initialize(id: JsonRpcId, params: JsonObject | undefined): void {
    if (!this.#legacyAllowed) {
      this.#sendError(id, {
        code: ErrorCode.UnsupportedProtocolVersion,
        message: 'This server does not serve the legacy era (initialize); use a supported version',
        data: { supported: MODERN_PROTOCOL_VERSIONS, requested: params?.protocolVersion ?? null },
      });
      return;
    }
    if (this.#session) {
      this.#sendError(id, { code: ErrorCode.InvalidRequest, message: 'Invalid Request: the session is already initialized' });
      return;
    }
    const requested = params?.protocolVersion;
    if (typeof requested !== 'string') {
      this.#sendError(id, { code: ErrorCode.InvalidParams, message: 'Invalid params: initialize needs a string "protocolVersion"' });
      return;
    }
    const caps = params?.capabilities ?? {};
    if (!isObject(caps)) {
      this.#sendError(id, { code: ErrorCode.InvalidParams, message: 'Invalid params: "capabilities" must be an object' });
      return;
    }
    const info = params?.clientInfo;
    // The session keeps these for its lifetime: only the protocol-defined members, within bounds.
    const limits = this.core.limits;
    const kept = knownCapabilities(caps);
    const keptInfo = isObject(info) ? knownImplementation(info) : undefined;
    for (const [name, value] of [['capabilities', kept], ['clientInfo', keptInfo]] as const) {
      const problem = value === undefined ? undefined : jsonBoundsProblem(value, limits.maxClientDataDepth, limits.maxClientDataBytes);
      if (problem) {
        this.#sendError(id, { code: ErrorCode.InvalidParams, message: `Invalid params: "${name}" is ${problem} (see docs/limits.md)` });
        return;
      }
    }
    const protocolVersion = LEGACY_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_LEGACY_PROTOCOL_VERSION;
    this.#session = {
      protocolVersion,
      clientCapabilities: kept as ClientCapabilities,
      clientInfo: keptInfo as unknown as Implementation | undefined,
      logLevel: undefined,
      initialized: false,
      subscriptions: undefined,
    };
    if (this.#fanout) this.core.legacyListeners.add(this);
    if (observe.channels.sessionOpen.hasSubscribers) observe.publishSessionOpen(this, this, protocolVersion);
    const result: JsonObject = { protocolVersion, capabilities: legacyCapabilities(this.core, protocolVersion), serverInfo: this.core.serverInfo };
    if (this.core.options.instructions !== undefined) result.instructions = this.core.options.instructions;
    this.#emit(id, serializeResult(id, JSON.stringify(result)));
  }

  #onNotification(msg: JsonRpcNotification): void {
    const params = msg.params;
    switch (msg.method) {
      case 'notifications/cancelled': {
        const requestId = params?.requestId;
        if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
        const ctx = this.#inflight?.get(requestId);
        // Unknown ids are ignored (the request may have finished); initialize cannot be cancelled.
        if (!ctx || ctx.method === 'initialize') return;
        this.#forget(requestId);
        this.#batches?.delete(requestId);
        ctx.cancel(typeof params?.reason === 'string' ? params.reason : 'cancelled by the client');
        return;
      }
      case 'notifications/initialized':
        if (this.#session && !this.#session.initialized) {
          this.#session.initialized = true;
          this.#onChange?.({ initialized: true });
        }
        return;
      case 'notifications/progress':
        if (params) this.#outbound?.handleProgress(params as unknown as ProgressParams);
        return;
      default:
        // Other notifications (roots/list_changed, unknown ones) need no action; JSON-RPC never answers them.
        return;
    }
  }

  #execute(spec: MethodSpec, params: JsonObject | undefined, ctx: ServerRequestContext): void {
    if (observe.channels.requestStart.hasSubscribers) observe.publishRequestStart(this, ctx, params);
    let out: unknown;
    try {
      // A closure only when a subscriber asked the handler to run inside its context (tracing with a span).
      const run = ctx.observed === undefined ? undefined : observe.observedRunner(ctx);
      if (run === undefined) out = spec.mrtr ? this.#runMrtr(spec, params, ctx) : spec.handler(this, params, ctx);
      else out = run(() => (spec.mrtr ? this.#runMrtr(spec, params, ctx) : spec.handler(this, params, ctx)));
    } catch (err) {
      this.#fail(ctx, err);
      return;
    }
    if (isPromise(out)) {
      // Only asynchronous work is tracked: nothing can cancel or duplicate a request that completes
      // before the next message is read.
      (this.#inflight ??= new Map()).set(ctx.requestId, ctx);
      out.then((r) => this.#respond(ctx, r), (e: unknown) => this.#fail(ctx, e));
    } else this.#respond(ctx, out);
  }

  #forget(id: JsonRpcId): void {
    const inflight = this.#inflight;
    if (!inflight) return;
    inflight.delete(id);
    if (inflight.size === 0) this.#inflight = undefined;
  }

  #settled(ctx: ServerRequestContext): boolean {
    if (this.#inflight?.get(ctx.requestId) === ctx) this.#forget(ctx.requestId);
    if (!ctx.cancelled && !this.#closed) return true;
    if (ctx.observed !== undefined) observe.publishRequestEnd(ctx, 'cancelled');
    return false;
  }

  #respond(ctx: ServerRequestContext, result: unknown): void {
    if (!this.#settled(ctx)) return; // a late result after cancellation is dropped
    let json: string;
    if (result instanceof Serialized) json = result.json;
    else if (!isObject(result)) {
      this.#fail(ctx, new McpError(ErrorCode.InternalError, `Handler for ${ctx.method} returned no result object`));
      return;
    } else if (ctx.era === 'modern') json = this.#modernJson(result);
    else json = JSON.stringify(result);
    if (ctx.observed !== undefined) observe.publishRequestEnd(ctx, 'ok', result);
    this.#emit(ctx.requestId, serializeResult(ctx.requestId, json));
  }

  /** Adds `resultType` and `_meta` serverInfo without copying the result when it has neither. */
  #modernJson(result: JsonObject): string {
    const core = this.core;
    if (result.resultType !== undefined || result._meta !== undefined) {
      const copy: JsonObject = { resultType: 'complete', ...result };
      copy._meta = isObject(result._meta) ? { ...core.serverInfoMeta, ...result._meta } : core.serverInfoMeta;
      return JSON.stringify(copy);
    }
    const body = JSON.stringify(result);
    return body.length === 2
      ? `{"resultType":"complete","_meta":${core.serverInfoMetaJson}}`
      : `{"resultType":"complete","_meta":${core.serverInfoMetaJson},${body.slice(1)}`;
  }

  #fail(ctx: ServerRequestContext, err: unknown): void {
    if (!this.#settled(ctx)) return;
    let error: JsonRpcErrorObject;
    if (err instanceof McpError) error = err.toJSON();
    // A shared store (Redis) unreachable: retryable, not a bug (2026-07-28 tasks, a legacy store race).
    else if (err instanceof VeloError && err.code === 'VELO_BACKEND_UNAVAILABLE') error = backendUnavailableError(err.message);
    else if (err instanceof Error) error = { code: ErrorCode.InternalError, message: `Internal error: ${err.message}` };
    else error = { code: ErrorCode.InternalError, message: `Internal error: ${String(err)}` };
    if (ctx.observed !== undefined) observe.publishRequestEnd(ctx, 'error', error);
    this.#emit(ctx.requestId, serializeError(ctx.requestId, error));
  }

  /**
   * Runs a method that may ask for input (tools/call, prompts/get, resources/read). Modern era: verifies the
   * echoed requestState, exposes inputResponses, and turns input requests into a sealed `input_required`
   * result. Legacy era: turns `inputRequired` results into server→client requests and re-runs the handler.
   * The common case (no input involved, synchronous handler) allocates nothing extra and awaits nothing.
   */
  #runMrtr(spec: MethodSpec, params: JsonObject | undefined, ctx: ServerRequestContext): unknown {
    if (ctx.era === 'legacy') {
      const first = spec.handler(this, params, ctx);
      if (!isPromise(first) && !isInputRequired(first)) return first;
      return this.#legacyInputLoop(spec, params, ctx, first);
    }
    if (params?.requestState !== undefined || params?.inputResponses !== undefined) this.#openRound(params, ctx);
    let out: unknown;
    try {
      out = spec.handler(this, params, ctx);
    } catch (err) {
      return this.#mrtrError(err, params, ctx);
    }
    if (isPromise(out)) {
      return out.then(
        (r) => (isInputRequired(r) ? this.#seal(r, params, ctx) : r),
        (e: unknown) => this.#mrtrError(e, params, ctx),
      );
    }
    return isInputRequired(out) ? this.#seal(out, params, ctx) : out;
  }

  /** Verifies the echoed requestState and exposes this retry's answers. */
  #openRound(params: JsonObject, ctx: ServerRequestContext): void {
    const state = params.requestState;
    if (state !== undefined) {
      const payload = this.core.codec.open(state, { method: ctx.method, params, principal: this.principal });
      ctx.rounds = payload.rounds;
      ctx.requestState = payload.user;
    }
    const responses = params.inputResponses;
    if (responses !== undefined) {
      if (!isObject(responses)) throw new McpError(ErrorCode.InvalidParams, 'Invalid params: "inputResponses" must be an object');
      ctx.inputResponses = responses as Record<string, JsonObject>;
    }
  }

  #mrtrError(err: unknown, params: JsonObject | undefined, ctx: ServerRequestContext): JsonObject {
    if (err instanceof InputRequiredSignal) {
      return this.#seal({ resultType: 'input_required', inputRequests: err.inputRequests, requestState: ctx.requestState }, params, ctx);
    }
    throw err;
  }

  /** Builds the wire `input_required` result: capability-checked requests and a sealed requestState. */
  #seal(r: InputRequiredResult, params: JsonObject | undefined, ctx: ServerRequestContext): JsonObject {
    const out: JsonObject = { resultType: 'input_required' };
    if (r.inputRequests) {
      for (const req of Object.values(r.inputRequests)) {
        const missing = missingCapability(req, ctx.clientCapabilities);
        if (missing) {
          throw new McpError(ErrorCode.MissingRequiredClientCapability, `The client did not declare the capability ${Object.keys(missing)[0]} that this request needs`, {
            requiredCapabilities: missing,
          });
        }
      }
      out.inputRequests = r.inputRequests;
    }
    const payload = r.requestState === undefined ? { rounds: ctx.rounds } : { rounds: ctx.rounds, user: r.requestState };
    out.requestState = this.core.codec.seal({ method: ctx.method, params, principal: this.principal }, payload);
    return out;
  }

  async #legacyInputLoop(spec: MethodSpec, params: JsonObject | undefined, ctx: ServerRequestContext, first: unknown): Promise<unknown> {
    let result = await first;
    for (let round = 0; isInputRequired(result); round++) {
      if (round >= this.core.maxInputRounds) {
        throw new McpError(ErrorCode.InternalError, `Internal error: request needed more than ${this.core.maxInputRounds} input rounds`);
      }
      ctx.inputResponses = result.inputRequests ? await ctx.input(result.inputRequests) : {};
      ctx.requestState = result.requestState;
      result = await spec.handler(this, params, ctx);
    }
    return result;
  }

  /** @internal `logging/setLevel` (legacy). Returns the cluster's recording of the change, if any. */
  setLogLevel(level: unknown): void | Promise<void> {
    if (typeof level !== 'string' || !LEVELS.has(level)) {
      throw new McpError(ErrorCode.InvalidParams, `Invalid params: "level" must be one of ${LOGGING_LEVELS.join(', ')}`);
    }
    if (this.#session) {
      this.#session.logLevel = level as LoggingLevel;
      return this.#onChange?.({ logLevel: level as LoggingLevel });
    }
  }

  /**
   * @internal `resources/subscribe` (legacy). Returns the cluster's recording of the change, if any.
   * @throws McpError -32602 past `limits.maxSubscriptionUriLength` or `limits.maxSubscriptionsPerSession`.
   */
  subscribe(uri: string): void | Promise<void> {
    const session = this.#session;
    if (!session || session.subscriptions?.has(uri)) return;
    const limits = this.core.limits;
    if (uri.length > limits.maxSubscriptionUriLength) {
      throw new McpError(ErrorCode.InvalidParams, `Invalid params: "uri" is longer than ${limits.maxSubscriptionUriLength} characters`);
    }
    if ((session.subscriptions?.size ?? 0) >= limits.maxSubscriptionsPerSession) {
      throw new McpError(ErrorCode.InvalidParams, `Invalid params: this session already holds ${limits.maxSubscriptionsPerSession} subscriptions (the limit); unsubscribe first`);
    }
    this.#addSubscription(uri);
    return this.#onChange?.({ subscribe: uri });
  }

  #addSubscription(uri: string): void {
    const session = this.#session as LegacySession;
    (session.subscriptions ??= new Set()).add(uri);
    if (this.#fanout) this.#join(uri);
  }

  #join(uri: string): void {
    let set = this.core.legacyResourceSubs.get(uri);
    if (!set) this.core.legacyResourceSubs.set(uri, (set = new Set()));
    set.add(this);
  }

  /** @internal `resources/unsubscribe` (legacy). Returns the cluster's recording of the change, if any. */
  unsubscribe(uri: string): void | Promise<void> {
    if (this.#session?.subscriptions?.delete(uri)) {
      this.#unsubscribe(uri);
      return this.#onChange?.({ unsubscribe: uri });
    }
  }

  #unsubscribe(uri: string): void {
    const set = this.core.legacyResourceSubs.get(uri);
    if (!set) return;
    set.delete(this);
    if (set.size === 0) this.core.legacyResourceSubs.delete(uri);
  }
}
