/**
 * The resource server in front of the web-standard fetch handler (`createFetchHandler` of `velomcp/http`),
 * for runtimes and frameworks that speak `Request`/`Response` (Hono, Bun, Deno, edge functions). Same
 * policy as the `node:http` version: PRM, authentication, scopes per request, principal into the engine,
 * legacy sessions bound to their creator.
 */
import { LRUCache } from 'lru-cache';
import type { McpServer } from '../../server/mcp-server.js';
import { createFetchHandler, type FetchHandler } from '../../transports/http/fetch.js';
import type { HttpHandlerOptions } from '../../transports/http/engine.js';
import { ResourceServer, type AuthRejection, type ResourceServerOptions } from './resource-server.js';
import type { AuthInfo } from './verifier.js';

/** Options of {@link createProtectedFetchHandler}. */
export interface ProtectedFetchHandlerOptions extends Omit<HttpHandlerOptions, 'principal'> {
  auth: ResourceServerOptions | ResourceServer;
  /** Called for every authenticated request. */
  onAuthenticated?: (auth: AuthInfo, request: Request) => void;
}

function answer(r: AuthRejection | { status: number; headers: Record<string, string>; body: string }): Response {
  return new Response(r.body === '' ? null : r.body, { status: r.status, headers: { 'cache-control': 'no-store', ...r.headers } });
}

async function readLimited(request: Request, limit: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) return undefined;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Creates a fetch handler serving `server` over Streamable HTTP behind OAuth 2.1 bearer-token authorization.
 * @throws TypeError when `auth.resource` is not a valid resource identifier.
 */
export function createProtectedFetchHandler(server: McpServer, options: ProtectedFetchHandlerOptions): FetchHandler {
  const rs = options.auth instanceof ResourceServer ? options.auth : new ResourceServer(options.auth);
  const principals = new WeakMap<object, string>();
  const inner = createFetchHandler(server, { ...options, principal: (raw) => principals.get(raw as object) ?? '' });
  const owners = new LRUCache<string, string>({ max: Math.max(1000, (options.maxSessions ?? 10_000) * 2) });
  const mcpPath = options.path ?? '/mcp';
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  return {
    notify: inner.notify,
    close: () => inner.close(),
    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      if (rs.metadataPaths.includes(url.pathname)) {
        if (request.method !== 'GET' && request.method !== 'HEAD') return answer({ status: 405, headers: { allow: 'GET' }, body: '' });
        return new Response(rs.metadataJson, { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=3600', 'access-control-allow-origin': '*' } });
      }
      if (url.pathname !== mcpPath || request.method === 'OPTIONS') return inner.fetch(request);
      const outcome = await rs.authenticate(request.headers.get('authorization') ?? undefined);
      if (!outcome.ok) return answer(outcome.rejection);
      let body: string | undefined;
      if (request.method === 'POST') {
        body = await readLimited(request, maxBody);
        if (body === undefined) return answer({ status: 413, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `body exceeds ${maxBody} bytes` } }) });
        const denied = rs.authorize(outcome.auth, body);
        if (denied) return answer(denied);
      }
      const principal = rs.principalOf(outcome.auth);
      const sid = request.headers.get('mcp-session-id');
      if (sid !== null) {
        const owner = owners.get(sid);
        if (owner !== undefined && owner !== principal) {
          return answer({ status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }) });
        }
        if (request.method === 'DELETE') owners.delete(sid);
      }
      // The body was consumed for the scope check: hand the engine a copy carrying the same signal.
      const forwarded = body === undefined ? request : new Request(request, { body, ...(request.signal && { signal: request.signal }) });
      principals.set(forwarded, principal);
      options.onAuthenticated?.(outcome.auth, request);
      const res = await inner.fetch(forwarded);
      const created = res.headers.get('mcp-session-id');
      if (created !== null && res.status < 300) owners.set(created, principal);
      return res;
    },
  };
}
