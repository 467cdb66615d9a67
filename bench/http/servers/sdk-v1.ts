/**
 * `sdk-v1`: the official MCP TypeScript SDK v1 (`@modelcontextprotocol/sdk`)
 * over Streamable HTTP with sessions, wired the way its docs show: one
 * `McpServer` + `StreamableHTTPServerTransport` per session, kept in a map by
 * `Mcp-Session-Id`; `initialize` without a session creates the pair; an
 * unknown id gets 404, a missing one 400. `enableJsonResponse: true`, so
 * answers are plain JSON rather than SSE. The body is parsed once up front
 * and handed over as `parsedBody` (the Express pattern, without Express).
 * SDK v1 speaks only the legacy era. Used through its public API only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { serveAdmin } from './admin.js';
import { ECHO_DESCRIPTION, idOf, jsonError, localHostGuard, readJson } from './common.js';

function createMcpServer(): McpServer {
  const server = new McpServer({ name: 'sdk-v1-bench', version: '1.0.0' });
  server.registerTool('echo', { description: ECHO_DESCRIPTION, inputSchema: z.object({ text: z.string() }) }, (args) => ({
    content: [{ type: 'text', text: args.text }],
  }));
  return server;
}

const transports = new Map<string, StreamableHTTPServerTransport>();

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!localHostGuard(req, res)) return;
  const sid = req.headers['mcp-session-id'];
  let body: unknown;
  if (req.method === 'POST') {
    try {
      body = await readJson(req);
    } catch {
      jsonError(res, 400, -32700, 'Parse error');
      return;
    }
  }
  if (typeof sid === 'string') {
    const transport = transports.get(sid);
    if (!transport) {
      jsonError(res, 404, -32001, 'Session not found', idOf(body));
      return;
    }
    await transport.handleRequest(req, res, body);
    return;
  }
  if (req.method === 'POST' && isInitializeRequest(body)) {
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: true,
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId !== undefined) transports.delete(transport.sessionId);
    };
    await createMcpServer().connect(transport);
    await transport.handleRequest(req, res, body);
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
