/**
 * @internal The Streamable HTTP logic shared by the `node:http` and fetch handlers: both protocol eras on
 * one endpoint (MCP 2025-03-26…2025-11-25 `basic/transports.mdx`; 2026-07-28
 * `basic/transports/streamable-http.mdx`; spec-notes §1.1). This file routes each exchange; the eras live in
 * their own modules:
 *
 * - **Modern** (a body whose `params._meta` carries a protocol version): {@link modernPost} in `modern.ts`.
 * - **Legacy** (`initialize`, or an `Mcp-Session-Id`): {@link LegacySessions} in `legacy.ts`, with the
 *   session and its streams in `legacy-session.ts`.
 * - **Legacy stateless** (`sessions: false`): {@link StatelessLegacy} in `stateless.ts`.
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { MessageKind, messageKind, recoverableId, invalidMessageError, serializeError, type JsonObject, type JsonRpcId, type JsonRpcRequest } from '../../jsonrpc/message.js';
import { MetaKey } from '../../protocol/meta.js';
import { MODERN_PROTOCOL_VERSIONS } from '../../protocol/versions.js';
import type { McpServer } from '../../server/mcp-server.js';
import { LegacySessions } from './legacy.js';
import { ClusterLink } from './legacy-cluster.js';
import { ALL_NODES, type ClusterBackend } from '../../cluster/types.js';
import { VeloError } from '../../jsonrpc/errors.js';
import { background } from '../../cluster/background.js';
import { isBackendUnavailable, respondUnavailable } from './unavailable.js';
import type { Session } from './legacy-session.js';
import { modernPost } from './modern.js';
import type { HttpHandlerOptions, HttpNotifier } from './options.js';
import { BodyError, type RequestPort, type ResponsePort } from './ports.js';
import { StatelessLegacy } from './stateless.js';
import { InMemoryEventStore, type BusEvent, type EventStore } from './stores.js';
import { checkOrigin, originPolicy, type OriginPolicy } from './validate.js';
import { JSON_HEADERS, JSON_MEDIA_TYPE, accepts, errorBody, smallRequestProblem } from './wire.js';

export type { HttpHandlerOptions, HttpNotifier } from './options.js';

/** @internal The protocol engine behind both handlers. */
export class HttpEngine {
  readonly server: McpServer;
  readonly legacy: boolean;
  readonly modern: boolean;
  /** False in the legacy stateless mode. */
  readonly sessionful: boolean;
  readonly path: string | undefined;
  readonly maxBodyBytes: number;
  readonly maxSmallRequestBytes: number;
  readonly bodyTimeoutMs: number;
  readonly eventStore: EventStore | undefined;
  readonly retryMs: number;
  readonly keepAliveMs: number;
  readonly maxStreamBufferBytes: number;
  readonly streamStallTimeoutMs: number;
  readonly protection: boolean | 'auto';
  readonly policy: OriginPolicy;
  readonly explicitPolicy: boolean;
  readonly principalOf: ((request: unknown) => string | undefined) | undefined;
  readonly notify: HttpNotifier;
  /** The sessionful legacy era. */
  readonly legacySessions: LegacySessions;
  /** The legacy era without sessions. */
  readonly stateless: StatelessLegacy;
  /** The link to the other nodes when serving as one node of a cluster (`options.cluster`, not local). */
  readonly cluster: ClusterLink | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(server: McpServer, options: HttpHandlerOptions = {}) {
    this.server = server;
    this.legacy = options.legacy ?? true;
    this.modern = options.modern ?? true;
    this.sessionful = options.sessions ?? true;
    this.path = options.path;
    this.maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
    this.maxSmallRequestBytes = options.maxSmallRequestBytes ?? 64 * 1024;
    this.bodyTimeoutMs = options.bodyTimeoutMs ?? 30_000;
    const backend = options.cluster;
    this.eventStore = options.eventStore === false ? undefined : (backend?.events ?? options.eventStore ?? new InMemoryEventStore());
    this.retryMs = options.retryMs ?? 1000;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
    this.maxStreamBufferBytes = options.maxStreamBufferBytes ?? 8 * 1024 * 1024;
    this.streamStallTimeoutMs = options.streamStallTimeoutMs ?? 30_000;
    this.protection = options.dnsRebindingProtection ?? 'auto';
    this.policy = originPolicy(options.allowedHosts, options.allowedOrigins);
    this.explicitPolicy = options.allowedHosts !== undefined || options.allowedOrigins !== undefined;
    this.principalOf = options.principal;
    this.legacySessions = new LegacySessions(this, options);
    this.stateless = new StatelessLegacy(this, options);
    this.cluster = backend && !backend.local ? joinCluster(this, backend, this.legacySessions.idleMs) : undefined;
    const bus = this.cluster ? undefined : options.bus;
    const local = (e: BusEvent): void => {
      if (e.type === 'listChanged') server.notifyListChanged(e.kind);
      else server.notifyResourceUpdated(e.uri);
    };
    const publish = bus ? (e: BusEvent): void => background(bus.publish(e), 'bus.publish') : local;
    if (bus) {
      background(
        Promise.resolve(bus.subscribe(local)).then((off) => {
          if (this.#closed) off();
          else this.#unsubscribe = off;
        }),
        'bus.subscribe',
      );
    }
    this.notify = {
      toolsChanged: () => publish({ type: 'listChanged', kind: 'tools' }),
      promptsChanged: () => publish({ type: 'listChanged', kind: 'prompts' }),
      resourcesChanged: () => publish({ type: 'listChanged', kind: 'resources' }),
      resourceUpdated: (uri) => publish({ type: 'resourceUpdated', uri }),
    };
    if (this.legacy && this.sessionful) this.legacySessions.startSweeper();
  }

  /**
   * The key of per-client quotas: the principal when one is set, else the peer address; `''` when neither is
   * known (the fetch handler without `principal`), and such clients are under no per-client quota.
   */
  clientKey(req: RequestPort, principal: string): string {
    if (principal !== '') return `principal:${principal}`;
    return req.peer === undefined ? '' : `address:${req.peer}`;
  }

  /** Live legacy sessions by id. */
  get sessions(): Map<string, Session> {
    return this.legacySessions.sessions;
  }

  /** Most legacy sessions at once. */
  get maxSessions(): number {
    return this.legacySessions.maxSessions;
  }

  /** Ends every session and open exchange, and stops timers. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    this.legacySessions.close();
    this.cluster?.close();
    if (this.cluster) this.server.setRelay(undefined);
    this.stateless.close();
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
        if (this.#refusedForOutage(res, null)) return;
        this.legacySessions.get(req, res).catch((err: unknown) => this.#internal(res, err));
        return;
      case 'DELETE':
        if (!this.legacy || !this.sessionful) break;
        if (this.#refusedForOutage(res, null)) return;
        this.legacySessions.delete(req, res).catch((err: unknown) => this.#internal(res, err));
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

  /**
   * Legacy sessions live in the cluster's shared state: while it is unreachable their requests get 503 +
   * `Retry-After` at once (true) instead of failing part-way.
   */
  #refusedForOutage(res: ResponsePort, id: JsonRpcId | null): boolean {
    const outage = this.cluster?.backend.unavailable?.();
    if (outage === undefined) return false;
    respondUnavailable(res, id, outage);
    return true;
  }

  #internal(res: ResponsePort, err: unknown): void {
    try {
      if (isBackendUnavailable(err)) {
        // A store call failed as the backend went away (a race with the outage check): retryable, not a bug.
        respondUnavailable(res, null, this.cluster?.backend.unavailable?.() ?? { message: err.message });
        return;
      }
      res.respond(500, JSON_HEADERS, errorBody(null, ErrorCode.InternalError, `Internal error: ${err instanceof Error ? err.message : String(err)}`));
    } catch {
      // The response was already under way.
    }
  }

  async #post(req: RequestPort, res: ResponsePort): Promise<void> {
    const ctype = req.header('content-type');
    if (ctype === undefined || !JSON_MEDIA_TYPE.test(ctype.trim())) {
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
      // 413 keeps the connection while the rest of the body is discarded (the node reader lingers, bounded),
      // so the client reads the 413 instead of a reset; other failures close it.
      res.respond(status, status === 413 ? JSON_HEADERS : { ...JSON_HEADERS, connection: 'close' }, errorBody(null, ErrorCode.InvalidRequest, `Invalid Request: ${(err as Error).message}`));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      res.respond(400, JSON_HEADERS, errorBody(null, ErrorCode.ParseError, `Parse error: ${(err as Error).message}`));
      return;
    }
    const small = smallRequestProblem(body, text.length, this.maxSmallRequestBytes);
    if (small) {
      res.respond(413, JSON_HEADERS, small);
      return;
    }
    const sid = req.header('mcp-session-id');
    const kind = messageKind(body);
    const params = kind === MessageKind.Request || kind === MessageKind.Notification ? (body as JsonRpcRequest).params : undefined;
    const meta = params?._meta;
    const bodyVersion = typeof meta === 'object' && meta !== null ? (meta as JsonObject)[MetaKey.protocolVersion] : undefined;
    if (this.modern && bodyVersion !== undefined) {
      modernPost(this, req, res, body, kind);
      return;
    }
    if (this.legacy && !this.sessionful) {
      const header = req.header('mcp-protocol-version');
      const invalid = kind === MessageKind.Invalid && !Array.isArray(body);
      if (this.modern && ((header !== undefined && MODERN_PROTOCOL_VERSIONS.includes(header)) || invalid)) modernPost(this, req, res, body, kind);
      else this.stateless.post(req, res, body, kind);
      return;
    }
    const legacyId = kind === MessageKind.Request ? (body as JsonRpcRequest).id : null;
    if (sid !== undefined && this.legacy) {
      if (this.#refusedForOutage(res, legacyId)) return;
      const pending = this.legacySessions.post(req, res, body, kind);
      if (pending) await pending;
      return;
    }
    if (this.legacy && (kind === MessageKind.Request || kind === MessageKind.Notification) && (body as JsonRpcRequest).method === 'initialize') {
      if (this.#refusedForOutage(res, legacyId)) return;
      await this.legacySessions.initialize(req, res, body as JsonRpcRequest);
      return;
    }
    const header = req.header('mcp-protocol-version');
    if (this.modern && (!this.legacy || (header !== undefined && MODERN_PROTOCOL_VERSIONS.includes(header)) || kind === MessageKind.Invalid)) {
      modernPost(this, req, res, body, kind);
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
}

/**
 * Makes the engine one node of a cluster: the server's explicit notifications reach every node, tasks live
 * in the shared store, and `requestState` must be signed with a key every node shares.
 * @throws VeloError `VELO_INVALID_CONFIG` when the server still signs `requestState` with its random per-process key.
 */
function joinCluster(engine: HttpEngine, backend: ClusterBackend, idleMs: number): ClusterLink {
  const server = engine.server;
  if (engine.modern && server.requestStateKeyIsRandom) {
    throw new VeloError(
      'VELO_INVALID_CONFIG',
      'a multi-node setup needs one requestState key on every node: set --state-secret (or VELOMCP_STATE_SECRET, at least 32 bytes) or McpServerOptions.requestState.key',
    );
  }
  try {
    server.setTaskStore(backend.tasks);
  } catch {
    // Tasks already ran in this process with their own store; they stay there.
  }
  const link = new ClusterLink(engine, backend, idleMs);
  server.setRelay((event) => background(backend.bus.send(ALL_NODES, { type: 'server', event }), 'bus.send server'));
  return link;
}
