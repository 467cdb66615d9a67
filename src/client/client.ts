/**
 * {@link McpClient}: one client for both protocol eras over any transport.
 *
 * - Legacy era (≤ 2025-11-25, `basic/lifecycle.mdx`): `initialize` / `notifications/initialized`, a session,
 *   server→client requests (sampling, elicitation, roots) answered by the handlers.
 * - Modern era (2026-07-28, `basic/index.mdx`): every request carries `_meta` (version, capabilities, client
 *   info, log level); `input_required` results are fulfilled with the same handlers and retried (MRTR,
 *   `basic/patterns/mrtr.mdx`); `subscriptions/listen` replaces the GET stream; cacheable results are reused
 *   while fresh (`server/utilities/caching.mdx`).
 * - Era negotiation (`basic/versioning.mdx`, `basic/transports/stdio.mdx`): `'auto'` probes with
 *   `server/discover` and falls back to `initialize` on any answer that is not a modern one.
 * - Requests survive reconnection: after a drop the client reconnects with backoff (when it can make a new
 *   transport); modern requests are re-issued with new ids, legacy ones resumed (HTTP `Last-Event-ID`) or
 *   failed with a VeloError.
 */
import { ErrorCode } from '../jsonrpc/codes.js';
import { CACHEABLE_METHODS, ResponseCache } from './cache.js';
import { McpError, VeloError } from '../jsonrpc/errors.js';
import {
  MessageKind,
  messageKind,
  serializeError,
  serializeNotification,
  serializeResult,
  type JsonObject,
  type JsonRpcErrorResponse,
  type JsonRpcId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcSuccess,
} from '../jsonrpc/message.js';
import { channels, publishClientRequestEnd, publishClientRequestStart } from '../observability/channels.js';
import { MetaKey } from '../protocol/meta.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type ProgressParams, type RequestOptions } from '../protocol/outbound.js';
import type {
  CallToolResult,
  ClientCapabilities,
  CompleteResult,
  GetPromptResult,
  Implementation,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Root,
  ServerCapabilities,
  Tool,
} from '../protocol/types.js';
import { MODERN_PROTOCOL_VERSIONS, type ProtocolEra } from '../protocol/versions.js';
import { isTransportDrop, transportDrop } from './errors.js';
import { paramHeadersFor, toolParamHeaders, type ParamHeaderSpec } from './headers.js';
import { SseClientTransport } from './legacy-sse.js';
import { MRTR_METHODS, runInputRounds } from './mrtr.js';
import { initialize, negotiate, supportedModern, type NegotiationHost, type ServerDescription } from './negotiation.js';
import { invalidateCacheFor, openSubscription, routeToSubscriptions, type SubscriptionState } from './subscriptions.js';
import { pause, reconnectWithBackoff, reissueDelayMs } from './reconnect.js';
import { fulfilServerRequest } from './server-requests.js';
import { StreamableHttpClientTransport } from './streamable-http.js';
import type { ClientTransport, TransportCloseInfo } from './transport.js';
import { closeWire, openWire, type Wire } from './wire.js';

import type {
  CallOptions,
  ListenFilter,
  ListResult,
  McpClientOptions,
  McpSubscription,
  ServerNotification,
} from './options.js';

export type * from './options.js';

type ConnectTarget = ClientTransport | (() => ClientTransport) | string | URL;

/**
 * An MCP client for both protocol eras.
 *
 * @example
 * ```ts
 * const client = new McpClient({ name: 'app', version: '1.0.0' });
 * await client.connect('http://127.0.0.1:3000/mcp');
 * const { tools } = await client.listTools();
 * const result = await client.callTool({ name: tools[0].name, arguments: {} });
 * await client.close();
 * ```
 */
export class McpClient {
  readonly #info: Implementation;
  readonly #options: McpClientOptions;
  #factory: (() => ClientTransport) | undefined;
  #wire: Wire | undefined;
  #reconnecting: Promise<Wire> | undefined;
  #reinitializing: Promise<void> | undefined;
  #closed = false;
  #connected = false;
  #era: ProtocolEra | undefined;
  #version: string | undefined;
  #serverCapabilities: ServerCapabilities | undefined;
  #serverInfo: Implementation | undefined;
  #instructions: string | undefined;
  #logLevel: LoggingLevel | undefined;
  #roots: Root[];
  readonly #cache = new ResponseCache();
  readonly #toolHeaders = new Map<string, readonly ParamHeaderSpec[]>();
  readonly #subscriptions = new Set<SubscriptionState>();
  readonly #legacySubscriptions = new Map<string, number>();
  readonly #closeController = new AbortController();
  readonly #inbound = new Map<JsonRpcId, AbortController>();

  /**
   * @param clientInfo - Name and version sent in `initialize` or per-request `_meta`.
   * @param options - See {@link McpClientOptions}.
   */
  constructor(clientInfo: Implementation, options: McpClientOptions = {}) {
    this.#info = clientInfo;
    this.#options = options;
    this.#roots = options.roots ?? [];
    const era = options.era;
    if (typeof era === 'object' && !MODERN_PROTOCOL_VERSIONS.includes(era.pin)) {
      throw new VeloError('VELO_INVALID_CONFIG', `Cannot pin protocol version ${era.pin}; modern versions supported: ${MODERN_PROTOCOL_VERSIONS.join(', ')}`);
    }
  }

  /** The negotiated era, once connected. */
  get era(): ProtocolEra | undefined {
    return this.#era;
  }
  /** The negotiated protocol version (legacy: from `initialize`; modern: the one every request carries). */
  get protocolVersion(): string | undefined {
    return this.#version;
  }
  /** The server's capabilities (InitializeResult or DiscoverResult). */
  get serverCapabilities(): ServerCapabilities | undefined {
    return this.#serverCapabilities;
  }
  /** The server's Implementation (InitializeResult `serverInfo`, or DiscoverResult `_meta`/`serverInfo`). */
  get serverInfo(): Implementation | undefined {
    return this.#serverInfo;
  }
  /** The server's instructions, if any. */
  get instructions(): string | undefined {
    return this.#instructions;
  }
  /** The legacy session id over Streamable HTTP, if the server assigned one. */
  get sessionId(): string | undefined {
    return this.#wire?.http?.sessionId;
  }
  /** The capabilities this client declares. */
  get capabilities(): ClientCapabilities {
    const h = this.#options.handlers ?? {};
    const caps: ClientCapabilities = {};
    if (h.roots || this.#options.roots) caps.roots = { listChanged: true };
    if (h.sampling) caps.sampling = {};
    if (h.elicitation) caps.elicitation = { form: {}, url: {} };
    return { ...caps, ...this.#options.capabilities };
  }

  /**
   * Connects and negotiates the era. `target` is a transport, a factory of transports (which enables
   * reconnection), or an HTTP(S) URL (Streamable HTTP, falling back to HTTP+SSE).
   * @throws VeloError `VELO_REQUEST_TIMEOUT` (no answer to initialize), `VELO_PROTOCOL_ERROR` (no common
   *   version), `VELO_CONNECTION_CLOSED` / `VELO_HTTP_ERROR` (transport), McpError (the server refused).
   */
  async connect(target: ConnectTarget): Promise<void> {
    if (this.#closed) throw new VeloError('VELO_NOT_CONNECTED', 'This client was closed; create a new one');
    if (this.#connected || this.#wire) throw new VeloError('VELO_INVALID_CONFIG', 'connect() was already called');
    let url: URL | undefined;
    if (typeof target === 'string' || target instanceof URL) {
      url = new URL(target);
      const http = this.#options.http ?? {};
      const sse = http.transport === 'sse';
      this.#factory = sse ? () => new SseClientTransport(http.sseUrl ?? url!, http) : () => new StreamableHttpClientTransport(url!, http);
    } else if (typeof target === 'function') {
      this.#factory = target;
    }
    const first = typeof target === 'object' && !(target instanceof URL) ? target : this.#factory!();
    try {
      this.#wire = await this.#open(first);
      await this.#negotiate();
    } catch (err) {
      const fallback = url && (this.#options.http?.transport ?? 'auto') === 'auto' && this.#era !== 'modern' && err instanceof VeloError && err.code === 'VELO_HTTP_ERROR';
      await this.#dropWire();
      if (!fallback) {
        this.#closed = true;
        throw err;
      }
      // 2025-03-26 backwards compatibility: a POST refused with 4xx means an HTTP+SSE server; GET the stream.
      const http = this.#options.http ?? {};
      this.#factory = () => new SseClientTransport(http.sseUrl ?? url!, http);
      try {
        this.#wire = await this.#open(this.#factory());
        await this.#initialize();
      } catch (err2) {
        await this.#dropWire();
        this.#closed = true;
        // No HTTP+SSE server either: report what was asked for first (the POST), then what the probe found.
        if (err2 instanceof VeloError && err2.code === 'VELO_HTTP_ERROR') {
          throw new VeloError('VELO_HTTP_ERROR', `${err.message}; the HTTP+SSE fallback failed too: ${err2.message}`, { cause: err2 });
        }
        throw err2;
      }
    }
    this.#connected = true;
  }

  /**
   * Closes the client: ends subscriptions, terminates the legacy HTTP session (DELETE), closes the transport
   * (for stdio: stdin, then SIGTERM, then SIGKILL) and fails pending requests with `VELO_CONNECTION_CLOSED`.
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed && !this.#wire) return;
    this.#closed = true;
    this.#closeController.abort();
    for (const c of this.#inbound.values()) c.abort();
    const wire = this.#wire;
    if (wire?.http && this.#era === 'legacy') await wire.http.terminateSession();
    await this.#dropWire(new VeloError('VELO_CONNECTION_CLOSED', 'The client was closed'));
    this.#options.onClose?.({});
  }

  // ---------------------------------------------------------------- public MCP methods

  /** `tools/list` (MCP `server/tools.mdx`). Tools with invalid `x-mcp-header` annotations are left out (SEP-2243). */
  async listTools(params: { cursor?: string } = {}, options?: CallOptions): Promise<ListResult & { tools: Tool[] }> {
    const result = (await this.#request('tools/list', params as JsonObject, options)) as ListResult & { tools: Tool[] };
    const tools: Tool[] = [];
    for (const tool of Array.isArray(result.tools) ? result.tools : []) {
      const headers = toolParamHeaders(tool);
      if (headers === undefined) {
        this.#toolHeaders.delete(tool.name);
        continue;
      }
      this.#toolHeaders.set(tool.name, headers);
      tools.push(tool);
    }
    return { ...result, tools };
  }

  /**
   * `tools/call`. Tool failures come back as results with `isError: true`; `input_required` rounds are
   * fulfilled with the handlers. @throws McpError (unknown tool…), VeloError (timeout, cancel, closed).
   */
  callTool(params: { name: string; arguments?: JsonObject; _meta?: JsonObject }, options?: CallOptions): Promise<CallToolResult> {
    return this.#request('tools/call', params as JsonObject, options) as Promise<CallToolResult>;
  }

  /** `resources/list`. */
  listResources(params: { cursor?: string } = {}, options?: CallOptions): Promise<ListResult & { resources: Resource[] }> {
    return this.#request('resources/list', params as JsonObject, options) as Promise<ListResult & { resources: Resource[] }>;
  }

  /** `resources/templates/list`. */
  listResourceTemplates(params: { cursor?: string } = {}, options?: CallOptions): Promise<ListResult & { resourceTemplates: ResourceTemplate[] }> {
    return this.#request('resources/templates/list', params as JsonObject, options) as Promise<ListResult & { resourceTemplates: ResourceTemplate[] }>;
  }

  /** `resources/read`. An unknown URI is an McpError (-32602 from 2026-07-28, -32002 before). */
  readResource(params: { uri: string; _meta?: JsonObject }, options?: CallOptions): Promise<ReadResourceResult> {
    return this.#request('resources/read', params as JsonObject, options) as Promise<ReadResourceResult>;
  }

  /**
   * Subscribes to `notifications/resources/updated` for one URI. Legacy: `resources/subscribe`; modern: a
   * `subscriptions/listen` with `resourceSubscriptions`. Updates reach `onNotification`.
   */
  async subscribeResource(params: { uri: string }, options?: CallOptions): Promise<void> {
    if (this.#legacySubscriptions.has(params.uri) || this.#modernResourceSubs.has(params.uri)) return;
    if (this.#era === 'modern') {
      const sub = await this.listen({ resourceSubscriptions: [params.uri] });
      this.#modernResourceSubs.set(params.uri, sub);
      return;
    }
    await this.#request('resources/subscribe', params as JsonObject, options);
    this.#legacySubscriptions.set(params.uri, 1);
  }

  readonly #modernResourceSubs = new Map<string, McpSubscription>();

  /** Ends a {@link subscribeResource}. */
  async unsubscribeResource(params: { uri: string }, options?: CallOptions): Promise<void> {
    const sub = this.#modernResourceSubs.get(params.uri);
    if (sub) {
      this.#modernResourceSubs.delete(params.uri);
      sub.close();
      return;
    }
    this.#legacySubscriptions.delete(params.uri);
    if (this.#era === 'legacy') await this.#request('resources/unsubscribe', params as JsonObject, options);
  }

  /** `prompts/list`. */
  listPrompts(params: { cursor?: string } = {}, options?: CallOptions): Promise<ListResult & { prompts: Prompt[] }> {
    return this.#request('prompts/list', params as JsonObject, options) as Promise<ListResult & { prompts: Prompt[] }>;
  }

  /** `prompts/get`. */
  getPrompt(params: { name: string; arguments?: Record<string, string>; _meta?: JsonObject }, options?: CallOptions): Promise<GetPromptResult> {
    return this.#request('prompts/get', params as JsonObject, options) as Promise<GetPromptResult>;
  }

  /** `completion/complete` (MCP `server/utilities/completion.mdx`). */
  complete(params: { ref: JsonObject; argument: { name: string; value: string }; context?: JsonObject }, options?: CallOptions): Promise<CompleteResult> {
    return this.#request('completion/complete', params as JsonObject, options) as unknown as Promise<CompleteResult>;
  }

  /**
   * Sets the minimum level of `notifications/message`. Legacy: `logging/setLevel`. Modern: remembered and sent
   * as `_meta` logLevel on every later request (no message is sent now).
   */
  async setLoggingLevel(level: LoggingLevel, options?: CallOptions): Promise<void> {
    this.#logLevel = level;
    if (this.#era === 'legacy') await this.#request('logging/setLevel', { level }, options);
  }

  /** Liveness check. Legacy: `ping`. Modern (ping was removed): an uncached `server/discover`. */
  async ping(options?: CallOptions): Promise<void> {
    if (this.#era === 'modern') await this.#request('server/discover', {}, { ...options, noCache: true });
    else await this.#request('ping', undefined, options);
  }

  /**
   * Opens a subscription (2026-07-28 `subscriptions/listen`) and resolves once the server acknowledged it.
   * After a transport drop the client re-subscribes by itself. Legacy era: emulated with
   * `resources/subscribe` and the session's list_changed notifications.
   * @throws McpError (refused), VeloError (timeout, closed).
   */
  listen(filter: ListenFilter, handlers: { onNotification?: (n: ServerNotification) => void } = {}, options: Pick<CallOptions, 'timeoutMs' | 'signal'> = {}): Promise<McpSubscription> {
    return openSubscription(
      {
        era: this.#era,
        serverCapabilities: this.#serverCapabilities ?? {},
        subscriptions: this.#subscriptions,
        requestTimeoutMs: this.#options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        request: (method, params, o) => this.#request(method, params, o),
        listen: (params, o, onId) => this.#send('subscriptions/listen', params, o, { listen: true, onId }),
      },
      filter,
      handlers,
      options,
    );
  }

  /**
   * Replaces the roots. Legacy era: sends `notifications/roots/list_changed` (removed in 2026-07-28, where
   * servers ask for roots through `input_required`).
   */
  async setRoots(roots: Root[]): Promise<void> {
    this.#roots = [...roots];
    const wire = this.#wire;
    if (this.#era === 'legacy' && wire && !wire.closed) await wire.transport.send(serializeNotification('notifications/roots/list_changed', undefined));
  }

  /** Forgets every cached result. */
  clearCache(): void {
    this.#cache.clear();
  }

  // ---------------------------------------------------------------- negotiation

  #open(transport: ClientTransport): Promise<Wire> {
    return openWire(transport, {
      requestTimeoutMs: this.#options.requestTimeoutMs,
      era: this.#era,
      version: this.#version,
      onMessage: (wire, m) => this.#onMessage(wire, m),
      onClose: (wire, info) => this.#onTransportClose(wire, info),
      onError: (err) => this.#options.onError?.(err),
      onSessionExpired: () => void this.#reinitialize('the server answered 404 to the session id').catch((err: Error) => this.#options.onError?.(err)),
      headersFor: (msg) => this.#headersFor(msg),
    });
  }

  /** The view of this client that `negotiation.ts` works on. */
  get #negotiationHost(): NegotiationHost {
    const client = this;
    return {
      options: this.#options,
      clientInfo: this.#info,
      get capabilities() {
        return client.capabilities;
      },
      get logLevel() {
        return client.#logLevel;
      },
      legacySubscriptionUris: () => this.#legacySubscriptions.keys(),
      wire: () => this.#wire!,
      setEra: (era, version, probing) => this.#setEra(era, version, probing),
      meta: () => this.#meta(),
      describeServer: (d: ServerDescription) => {
        this.#serverCapabilities = d.capabilities;
        this.#serverInfo = d.serverInfo;
        this.#instructions = d.instructions;
      },
    };
  }

  #negotiate(): Promise<void> {
    return negotiate(this.#negotiationHost);
  }

  #initialize(): Promise<void> {
    return initialize(this.#negotiationHost);
  }

  /** Legacy era: a new session after expiry (HTTP 404) or reconnection. Single-flight. */
  #reinitialize(reason: string): Promise<void> {
    this.#reinitializing ??= (async () => {
      try {
        await this.#initialize();
        this.#options.onSessionExpired?.({ reason });
      } finally {
        this.#reinitializing = undefined;
      }
    })();
    return this.#reinitializing;
  }

  #setEra(era: ProtocolEra | undefined, version: string | undefined, probing = false): void {
    this.#era = era;
    this.#version = version;
    const http = this.#wire?.http;
    if (http) {
      http.era = probing ? 'modern' : era;
      http.protocolVersion = version;
    }
  }

  // ---------------------------------------------------------------- requests

  #meta(): JsonObject {
    const meta: JsonObject = {
      [MetaKey.protocolVersion]: this.#version,
      [MetaKey.clientCapabilities]: this.capabilities,
      [MetaKey.clientInfo]: this.#info,
    };
    if (this.#logLevel) meta[MetaKey.logLevel] = this.#logLevel;
    return meta;
  }

  #headersFor(message: JsonObject): Record<string, string> {
    if (this.#era !== 'modern' || message.method !== 'tools/call') return {};
    const params = message.params as JsonObject | undefined;
    const specs = typeof params?.name === 'string' ? this.#toolHeaders.get(params.name) : undefined;
    return specs && specs.length > 0 ? paramHeadersFor(specs, params?.arguments) : {};
  }

  /** One MCP request with caching (modern) and the MRTR loop (modern, three methods). */
  async #request(method: string, params: JsonObject | undefined, options: CallOptions = {}, observed = false): Promise<JsonObject> {
    if (!observed && channels.clientRequestStart.hasSubscribers) return this.#observedRequest(method, params, options);
    const started = Date.now();
    const cacheKey = this.#era === 'modern' && CACHEABLE_METHODS.has(method) && this.#options.cache !== false ? ResponseCache.key(method, params) : undefined;
    if (cacheKey && !options.noCache) {
      const hit = this.#cache.get(cacheKey);
      if (hit) return hit;
    }
    if (this.#era !== 'modern' || !MRTR_METHODS.has(method)) {
      const result = await this.#send(method, params, options, { started });
      if (cacheKey) this.#cache.store(cacheKey, result);
      return result;
    }
    const { result, round } = await runInputRounds(method, params, {
      maxRounds: this.#options.maxInputRounds ?? 10,
      send: (p) => this.#send(method, p, options, { started }),
      fulfil: (m, p) => this.#fulfil(m, p, options.signal),
    });
    if (cacheKey && round === 0) this.#cache.store(cacheKey, result);
    return result;
  }

  /** {@link McpClient.#request} inside `velomcp:client:request:*` events; subscribers' trace context goes into `_meta`. */
  async #observedRequest(method: string, params: JsonObject | undefined, options: CallOptions): Promise<JsonObject> {
    const event = publishClientRequestStart(method, params, this.#era, this.#version);
    let sent = params;
    for (const _key in event.meta) {
      sent = { ...params, _meta: { ...(params?._meta as JsonObject | undefined), ...event.meta } };
      break;
    }
    try {
      const result = await this.#request(method, sent, options, true);
      publishClientRequestEnd(event, 'ok', result);
      return result;
    } catch (err) {
      publishClientRequestEnd(event, options.signal?.aborted ? 'cancelled' : 'error', err);
      throw err;
    }
  }

  /**
   * Sends one JSON-RPC request and awaits its answer, surviving transport drops: modern requests are re-issued
   * with a new id (listen requests for as long as the client is open), legacy ones fail with a clear error;
   * a legacy request refused because the session expired is sent again in the new session.
   */
  async #send(method: string, params: JsonObject | undefined, options: CallOptions, extra: { started?: number; listen?: boolean; onId?: (id: JsonRpcId) => void } = {}): Promise<JsonObject> {
    const started = extra.started ?? Date.now();
    const maxReissues = extra.listen ? Infinity : (this.#options.maxReissues ?? 3);
    for (let attempt = 0; ; attempt++) {
      const wire = await this.#ready();
      let p = params;
      if (this.#era === 'modern') p = { ...params, _meta: { ...(params?._meta as JsonObject | undefined), ...this.#meta() } };
      const ro: RequestOptions = {};
      if (options.signal) ro.signal = options.signal;
      if (options.timeoutMs !== undefined) ro.timeoutMs = options.timeoutMs;
      if (options.resetTimeoutOnProgress) ro.resetTimeoutOnProgress = true;
      if (options.onProgress) ro.onProgress = options.onProgress;
      if (extra.onId) ro.onId = extra.onId;
      if (options.maxTotalTimeoutMs !== undefined) {
        const left = started + options.maxTotalTimeoutMs - Date.now();
        if (left <= 0) throw new VeloError('VELO_REQUEST_TIMEOUT', `${method} exceeded its maximum total time of ${options.maxTotalTimeoutMs} ms`);
        ro.maxTotalTimeoutMs = left;
      }
      try {
        return await wire.outbound.request(method, p, ro);
      } catch (err) {
        if (this.#closed || options.signal?.aborted) throw err;
        if (err instanceof McpError && this.#era === 'modern' && attempt === 0) {
          // 2026-07-28 versioning: a -32022 listing another modern version we speak → retry with it.
          const next = supportedModern(err);
          if (next !== undefined) {
            this.#setEra('modern', next);
            continue;
          }
        }
        if (err instanceof VeloError && err.code === 'VELO_SESSION_EXPIRED' && attempt === 0) {
          await this.#reinitialize('the server answered 404 to the session id');
          continue;
        }
        if (isTransportDrop(err)) {
          if (this.#era === 'modern' && attempt < maxReissues && this.#canRecover(wire)) {
            await pause(reissueDelayMs(attempt, extra.listen === true), this.#closeController.signal);
            continue;
          }
          throw new VeloError('VELO_CONNECTION_CLOSED', `${method} was lost: ${(err as Error).message}${this.#era === 'legacy' ? ' (legacy session; not re-sent)' : ''}`, { cause: err });
        }
        throw err;
      }
    }
  }

  #canRecover(wire: Wire): boolean {
    if (this.#closed) return false;
    if (!wire.closed) return true; // HTTP: the connection is per request
    return this.#factory !== undefined && this.#options.reconnect !== false;
  }

  /** The open wire, waiting for a reconnection in progress. @throws VeloError `VELO_NOT_CONNECTED` when closed. */
  async #ready(): Promise<Wire> {
    if (this.#closed) throw new VeloError('VELO_NOT_CONNECTED', 'The client is closed');
    const wire = this.#wire;
    if (wire && !wire.closed) {
      if (this.#reinitializing) await this.#reinitializing;
      return wire;
    }
    if (this.#reconnecting) return this.#reconnecting;
    throw new VeloError('VELO_NOT_CONNECTED', this.#connected ? 'The connection was lost and cannot be re-established' : 'Call connect() first');
  }

  // ---------------------------------------------------------------- inbound

  #onMessage(wire: Wire, value: unknown): void {
    switch (messageKind(value)) {
      case MessageKind.Success:
      case MessageKind.Error:
        wire.outbound.handleResponse(value as JsonRpcSuccess | JsonRpcErrorResponse);
        return;
      case MessageKind.Request:
        void this.#onRequest(wire, value as JsonRpcRequest);
        return;
      case MessageKind.Notification:
        this.#onNotification(wire, value as JsonRpcNotification);
        return;
      default:
        this.#options.onError?.(new VeloError('VELO_PROTOCOL_ERROR', `The server sent an invalid JSON-RPC message: ${JSON.stringify(value).slice(0, 200)}`));
    }
  }

  async #onRequest(wire: Wire, req: JsonRpcRequest): Promise<void> {
    const abort = new AbortController();
    this.#inbound.set(req.id, abort);
    let reply: string;
    try {
      const result = req.method === 'ping' ? {} : await this.#fulfil(req.method, req.params, abort.signal, 'legacy');
      reply = serializeResult(req.id, JSON.stringify(result));
    } catch (err) {
      const e = err instanceof McpError ? err : new McpError(ErrorCode.InternalError, err instanceof Error ? err.message : String(err));
      reply = serializeError(req.id, e.toJSON());
    } finally {
      this.#inbound.delete(req.id);
    }
    if (abort.signal.aborted || wire.closed) return;
    wire.transport.send(reply).catch((err: Error) => this.#options.onError?.(err));
  }

  /** Runs a server→client request (legacy JSON-RPC request or modern input request) through the handlers. */
  #fulfil(method: string, params: JsonObject | undefined, signal: AbortSignal | undefined, era: ProtocolEra = 'modern'): Promise<JsonObject> {
    const host = { options: this.#options, capabilities: this.capabilities, roots: () => this.#roots };
    return fulfilServerRequest(host, method, params, { signal: signal ?? this.#closeController.signal, era });
  }

  #onNotification(wire: Wire, n: JsonRpcNotification): void {
    const params = n.params;
    switch (n.method) {
      case 'notifications/progress':
        if (params) wire.outbound.handleProgress(params as unknown as ProgressParams);
        break;
      case 'notifications/cancelled':
        if (params?.requestId !== undefined) this.#inbound.get(params.requestId as JsonRpcId)?.abort();
        break;
      default:
        invalidateCacheFor(this.#cache, n);
    }
    const notification = routeToSubscriptions(this.#subscriptions, this.#era, n);
    this.#options.onNotification?.(notification);
  }

  // ---------------------------------------------------------------- connection loss

  #onTransportClose(wire: Wire, info: TransportCloseInfo): void {
    if (wire.closed) return;
    wire.closed = true;
    for (const c of this.#inbound.values()) c.abort();
    const reason = info.error?.message ?? (info.remote ? 'the server closed the connection' : 'the transport closed');
    wire.outbound.close(transportDrop(`Connection lost: ${reason}`, info.error));
    if (this.#closed || wire !== this.#wire || !info.remote) return;
    if (!this.#connected || !this.#factory || this.#options.reconnect === false) {
      this.#closed = true;
      this.#options.onClose?.(info.error ? { error: info.error } : {});
      return;
    }
    this.#reconnecting = this.#reconnect(reason);
    this.#reconnecting.then(
      () => (this.#reconnecting = undefined),
      (err: Error) => {
        this.#reconnecting = undefined;
        this.#closed = true;
        this.#options.onClose?.({ error: err });
      },
    );
  }

  #reconnect(reason: string): Promise<Wire> {
    return reconnectWithBackoff(
      {
        options: this.#options.reconnect || {},
        signal: this.#closeController.signal,
        isClosed: () => this.#closed,
        open: async () => {
          const wire = await this.#open(this.#factory!());
          this.#wire = wire;
          return wire;
        },
        afterOpen: async (_wire, attempt) => {
          if (this.#era === 'legacy') {
            await this.#initialize();
            this.#options.onSessionExpired?.({ reason: `reconnected after: ${reason}` });
          }
          this.#options.onReconnect?.({ attempt, era: this.#era ?? 'legacy' });
        },
      },
      reason,
    );
  }

  async #dropWire(error: Error = new VeloError('VELO_CONNECTION_CLOSED', 'The connection was closed')): Promise<void> {
    const wire = this.#wire;
    this.#wire = undefined;
    if (!wire) return;
    await closeWire(wire, error);
  }
}
