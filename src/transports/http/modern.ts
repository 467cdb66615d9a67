/**
 * @internal The 2026-07-28 era over Streamable HTTP (`basic/transports/streamable-http.mdx`; spec-notes §1.1):
 * POST only, no session; each request gets its own light connection, which closing the response stream
 * closes (that is the cancel). JSON unless the handler emits progress or logs first; `subscriptions/listen`
 * always streams.
 */
import { ErrorCode } from '../../jsonrpc/codes.js';
import { MessageKind, recoverableId, invalidMessageError, serializeError, type JsonObject, type JsonRpcId, type JsonRpcRequest } from '../../jsonrpc/message.js';
import { MetaKey } from '../../protocol/meta.js';
import { MODERN_PROTOCOL_VERSIONS, SUPPORTED_PROTOCOL_VERSIONS } from '../../protocol/versions.js';
import type { ConnectionSink, ServerConnection } from '../../server/connection.js';
import type { HttpEngine } from './engine.js';
import type { RequestPort, ResponsePort } from './ports.js';
import { SseWriter } from './sse-writer.js';
import { compareParam, decodeHeaderValue, paramHeaders } from './validate.js';
import { JSON_HEADERS, NAMED_METHODS, SSE_BASE, accepts, errorBody, errorCodeOf, errorHeaders, idJsonOf, modernStatus, responseKind } from './wire.js';

/** One modern request: a per-request connection writing to one HTTP response. */
class ModernExchange implements ConnectionSink {
  readonly #keepAliveMs: number;
  readonly #res: ResponsePort;
  readonly #head: string;
  readonly #sse: boolean;
  #stream: SseWriter | undefined;
  #done = false;
  conn: ServerConnection | undefined;

  constructor(keepAliveMs: number, res: ResponsePort, id: JsonRpcId, sse: boolean) {
    this.#keepAliveMs = keepAliveMs;
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
      if (!this.#stream) this.#stream = new SseWriter(this.#res.openStream(SSE_BASE), this.#keepAliveMs);
      if (!this.#stream.event(message)) this.abort();
      return;
    }
    this.#done = true;
    if (this.#stream) {
      this.#stream.event(message);
      this.#stream.end();
    } else {
      const status = kind === 'e' ? modernStatus(errorCodeOf(message)) : 200;
      this.#res.respond(status, status === 200 ? JSON_HEADERS : errorHeaders(message, status), message);
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

/**
 * Serves one 2026-07-28 POST: validates the envelope and the routing headers (`MCP-Protocol-Version`,
 * `Mcp-Method`, `Mcp-Name`, `Mcp-Param-*`), then runs the request on its own connection.
 */
export function modernPost(engine: HttpEngine, req: RequestPort, res: ResponsePort, body: unknown, kind: number): void {
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
  const why = checkModernHeaders(engine, req, msg);
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
  const exchange = new ModernExchange(engine.keepAliveMs, res, id, sse);
  const principal = engine.principalOf?.(req.raw);
  const conn = engine.server.connect(exchange, principal === undefined ? { legacy: false, transport: 'http' } : { legacy: false, principal, transport: 'http' });
  exchange.conn = conn;
  res.onAbort(() => exchange.abort());
  conn.receive(msg);
}

function checkModernHeaders(engine: HttpEngine, req: RequestPort, msg: JsonRpcRequest): string | undefined {
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
  const tool = engine.server.toolDefinition(target);
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
