/**
 * The resource server in front of velomcp's Streamable HTTP handler on `node:http`: serves Protected
 * Resource Metadata, authenticates every MCP request before the engine sees it, checks scopes against the
 * JSON-RPC body, and hands the verified principal to the engine through its `principal` option (which
 * binds sessions, MRTR `requestState` and tasks to it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '../../server/mcp-server.js';
import { HttpEngine } from '../../transports/http/engine.js';
import { listenHttp, nodeRequestPort, nodeResponsePort, type HttpServerHandle, type NodeHttpHandler, type NodeHttpHandlerOptions, type ServeHttpOptions } from '../../transports/http/node.js';
import { BodyError, type ResponsePort } from '../../transports/http/ports.js';
import { VeloError } from '../../jsonrpc/errors.js';
import { LRUCache } from 'lru-cache';
import { ResourceServer, type AuthRejection, type ResourceServerOptions } from './resource-server.js';
import type { AuthInfo } from './verifier.js';

/** Options of {@link createProtectedHttpHandler}: the HTTP handler's, plus the resource-server policy. */
export interface ProtectedHttpHandlerOptions extends Omit<NodeHttpHandlerOptions, 'principal'> {
  auth: ResourceServerOptions | ResourceServer;
  /** Called for every authenticated request (auditing, metrics). */
  onAuthenticated?: (auth: AuthInfo, req: IncomingMessage) => void;
}

const auths = new WeakMap<object, AuthInfo>();

/** The verified token of a request served by a protected handler (e.g. in a custom principal mapping). */
export function authInfoOf(req: IncomingMessage): AuthInfo | undefined {
  return auths.get(req);
}

function reject(res: ResponsePort, r: AuthRejection | { status: number; headers: Record<string, string>; body: string }): void {
  res.respond(r.status, { 'cache-control': 'no-store', ...r.headers }, r.body);
}

/**
 * Creates a `node:http` handler that serves `server` over Streamable HTTP behind OAuth 2.1 bearer-token
 * authorization (MCP `basic/authorization`). Requests to paths other than the MCP endpoint and the PRM
 * paths get the engine's 404.
 * @throws TypeError when `auth.resource` is not a valid resource identifier; VeloError
 *   `VELO_INVALID_CONFIG` with `legacySse` (HTTP+SSE is not served behind authorization).
 */
export function createProtectedHttpHandler(server: McpServer, options: ProtectedHttpHandlerOptions): NodeHttpHandler {
  const rs = options.auth instanceof ResourceServer ? options.auth : new ResourceServer(options.auth);
  if (options.legacySse) {
    // HTTP+SSE (2024-11-05) predates MCP authorization, and its sessions (named in the stream, not a header)
    // cannot be bound to a principal here: refuse rather than serve it half-protected.
    throw new VeloError('VELO_INVALID_CONFIG', 'the legacy HTTP+SSE transport cannot be served behind the resource server; drop legacySse');
  }
  const principals = new WeakMap<object, string>();
  const engine = new HttpEngine(server, { ...options, principal: (raw) => principals.get(raw as object) ?? '' });
  const mcpPath = options.path ?? '/mcp';
  const max = engine.maxStreamBufferBytes;
  // Legacy sessions belong to the principal that created them: another principal presenting the id is
  // answered like an unknown session (404), so ids neither leak nor work across users. Local to this process.
  const owners = new LRUCache<string, string>({ max: Math.max(1000, (options.maxSessions ?? 10_000) * 2) });
  const recordOwner = (res: ResponsePort, principal: string): ResponsePort => ({
    respond: (status, headers, body) => {
      const sid = headers['mcp-session-id'];
      if (sid !== undefined && status < 300) owners.set(sid, principal);
      res.respond(status, headers, body);
    },
    openStream: (headers) => {
      const sid = headers['mcp-session-id'];
      if (sid !== undefined) owners.set(sid, principal);
      return res.openStream(headers);
    },
    onAbort: (listener) => res.onAbort(listener),
  });

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const port = nodeRequestPort(req);
    // Operator routes (metrics, health) are served as by createHttpHandler: before MCP, without a token.
    const route = options.routes?.[port.path];
    if (route) return route(req, res);
    const out = nodeResponsePort(res, max);
    if (rs.metadataPaths.includes(port.path)) {
      req.resume();
      if (port.method === 'OPTIONS') return reject(out, { status: 204, headers: { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, OPTIONS', 'access-control-allow-headers': 'mcp-protocol-version' }, body: '' });
      if (port.method !== 'GET' && port.method !== 'HEAD') return reject(out, { status: 405, headers: { allow: 'GET, OPTIONS' }, body: '' });
      out.respond(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600', 'access-control-allow-origin': '*' }, rs.metadataJson);
      return;
    }
    if (port.path !== mcpPath) return engine.handle(port, out);
    if (port.method === 'OPTIONS') return engine.handle(port, out);
    const header = req.headers.authorization;
    const outcome = await rs.authenticate(header);
    if (!outcome.ok) {
      req.resume();
      return reject(out, outcome.rejection);
    }
    let body: string | undefined;
    if (port.method === 'POST') {
      try {
        body = await port.readBody(engine.maxBodyBytes, engine.bodyTimeoutMs);
      } catch (err) {
        const status = err instanceof BodyError ? err.status : 400;
        return reject(out, { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: (err as Error).message } }) });
      }
      const denied = rs.authorize(outcome.auth, body);
      if (denied) return reject(out, denied);
    }
    const principal = rs.principalOf(outcome.auth);
    const sid = port.header('mcp-session-id');
    if (sid !== undefined) {
      const owner = owners.get(sid);
      if (owner !== undefined && owner !== principal) {
        return reject(out, { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }) });
      }
      if (port.method === 'DELETE') owners.delete(sid);
    }
    auths.set(req, outcome.auth);
    principals.set(req, principal);
    options.onAuthenticated?.(outcome.auth, req);
    const text = body;
    const authed = text === undefined ? port : { ...port, header: port.header, readBody: () => Promise.resolve(text) };
    engine.handle(authed, recordOwner(out, principal));
  };

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    serve(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'server_error', error_description: (err as Error).message }));
    });
  }) as NodeHttpHandler;
  Object.defineProperties(handler, {
    close: { value: () => engine.close() },
    notify: { value: engine.notify },
    sessionCount: { get: () => engine.sessions.size },
  });
  return handler;
}

/** Options of {@link serveProtectedHttp}. */
export type ServeProtectedHttpOptions = ProtectedHttpHandlerOptions & Pick<ServeHttpOptions, 'host' | 'port' | 'headersTimeoutMs'>;

/**
 * Serves `server` behind the resource server at `http://host:port/path` (default `127.0.0.1`, port 3000,
 * `/mcp`). Like `serveHttp` from `velomcp/http`, with authorization.
 */
export async function serveProtectedHttp(server: McpServer, options: ServeProtectedHttpOptions): Promise<HttpServerHandle> {
  const path = options.path ?? '/mcp';
  return listenHttp(createProtectedHttpHandler(server, { ...options, path }), { ...options, path });
}
