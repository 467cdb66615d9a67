/**
 * `sdk-v2`: the official MCP TypeScript SDK v2 (`@modelcontextprotocol/server`
 * 2.x, mounted on `node:http` with `@modelcontextprotocol/node`), serving both
 * eras on one endpoint the way its docs compose them:
 *
 * - legacy (2025-11-25) sessions: one `McpServer` +
 *   `NodeStreamableHTTPServerTransport` per session (`enableJsonResponse:
 *   true`), kept in a map by `Mcp-Session-Id` (unknown id → 404, missing → 400);
 * - modern (2026-07-28): `toNodeHandler(createMcpHandler(factory, { legacy:
 *   'reject' }))`, the per-request entry (a fresh `McpServer` per request, as
 *   the SDK designs it).
 *
 * Routing is done in user land, as the SDK's `isLegacyRequest` docs describe,
 * but on headers instead of on a cloned web `Request`: a session id → its
 * session; a modern `MCP-Protocol-Version` header → the modern handler with
 * the body still unread; anything else is parsed, and `initialize` opens a
 * session. That is cheaper than the documented predicate for well-formed
 * traffic, i.e. it favours the SDK, never penalises it.
 *
 * Host/Origin guards: `localhostHostValidation()` / `localhostOriginValidation()`
 * from `@modelcontextprotocol/node`, as its README composes them for plain
 * `node:http` (velomcp runs the equivalent check by default).
 * Used through its public API only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostHostValidation, localhostOriginValidation, NodeStreamableHTTPServerTransport, toNodeHandler, type NodeIncomingMessageLike } from '@modelcontextprotocol/node';
import { createMcpHandler, isInitializeRequest, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { serveAdmin } from './admin.js';
import { ECHO_DESCRIPTION, idOf, jsonError, readJson } from './common.js';

function createV2Server(): McpServer {
  const server = new McpServer({ name: 'sdk-v2-bench', version: '1.0.0' });
  server.registerTool('echo', { description: ECHO_DESCRIPTION, inputSchema: z.object({ text: z.string() }) }, (args) => ({
    content: [{ type: 'text', text: args.text }],
  }));
  return server;
}

const validateHost = localhostHostValidation();
const validateOrigin = localhostOriginValidation();
const modern = toNodeHandler(createMcpHandler(() => createV2Server(), { legacy: 'reject' }));
const transports = new Map<string, NodeStreamableHTTPServerTransport>();
// (The cast: the adapter's structural request type declares `method: string`, which `IncomingMessage`'s
// optional `method` does not satisfy under exactOptionalPropertyTypes; node:http always sets it.)

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!validateHost(req, res) || !validateOrigin(req, res)) return;
  const sid = req.headers['mcp-session-id'];
  if (typeof sid === 'string') {
    const transport = transports.get(sid);
    if (!transport) {
      jsonError(res, 404, -32001, 'Session not found');
      return;
    }
    await transport.handleRequest(req, res);
    return;
  }
  if (req.headers['mcp-protocol-version'] === '2026-07-28') {
    await modern(req as NodeIncomingMessageLike, res);
    return;
  }
  let body: unknown;
  if (req.method === 'POST') {
    try {
      body = await readJson(req);
    } catch {
      jsonError(res, 400, -32700, 'Parse error');
      return;
    }
  }
  if (req.method === 'POST' && isInitializeRequest(body)) {
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
    };
    await createV2Server().connect(transport);
    await transport.handleRequest(req, res, body);
    return;
  }
  if (body !== undefined) {
    // Claim-less and sessionless: the modern handler owns the error answer.
    await modern(req as NodeIncomingMessageLike, res, body);
    return;
  }
  jsonError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required', idOf(body));
}

const http = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (!res.headersSent) jsonError(res, 500, -32603, `Internal error: ${err instanceof Error ? err.message : String(err)}`);
  });
});
http.listen(0, '127.0.0.1', () => {
  serveAdmin((http.address() as AddressInfo).port, { sessions: () => transports.size });
});
