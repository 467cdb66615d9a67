/**
 * `raw`: the ceiling. A bare `node:http` JSON-RPC server with no framework,
 * no validation and no session state beyond a `Set` of ids:
 *
 * - POST → read the body → `JSON.parse`;
 * - `initialize` → mints an `Mcp-Session-Id` (added to the Set) and answers
 *   the InitializeResult as JSON;
 * - a notification → 202;
 * - `tools/call` → echoes `arguments.text` as JSON. A legacy request must name
 *   a session in the Set (404 otherwise); a request with the 2026-07-28
 *   `MCP-Protocol-Version` header is answered without one.
 *
 * Every other server of the HTTP benchmark is reported as a ratio against
 * this process.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveAdmin } from './admin.js';

const sessions = new Set<string>();
const JSON_TYPE = { 'content-type': 'application/json' };

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = JSON_TYPE): void {
  res.writeHead(status, headers);
  res.end(body);
}

function answer(req: IncomingMessage, res: ServerResponse, text: string): void {
  let msg: { id?: string | number | null; method?: string; params?: any };
  try {
    msg = JSON.parse(text);
  } catch {
    reply(res, 400, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
    return;
  }
  if (msg.id === undefined || msg.id === null) {
    reply(res, 202, '', {});
    return;
  }
  if (msg.method === 'initialize') {
    const sid = randomUUID();
    sessions.add(sid);
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: msg.id,
      result: {
        protocolVersion: typeof msg.params?.protocolVersion === 'string' ? msg.params.protocolVersion : '2025-11-25',
        capabilities: { tools: {} },
        serverInfo: { name: 'raw', version: '1.0.0' },
      },
    });
    reply(res, 200, body, { 'content-type': 'application/json', 'mcp-session-id': sid });
    return;
  }
  const modern = req.headers['mcp-protocol-version'] === '2026-07-28';
  if (!modern) {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid !== 'string' || !sessions.has(sid)) {
      reply(res, 404, JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32001, message: 'Session not found' } }));
      return;
    }
  }
  if (msg.method === 'tools/call') {
    const t = msg.params?.arguments?.text;
    const result = { content: [{ type: 'text', text: typeof t === 'string' ? t : 'ok' }] };
    reply(res, 200, JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: modern ? { resultType: 'complete', ...result } : result }));
    return;
  }
  reply(res, 200, JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } }));
}

const server = createServer((req, res) => {
  if (req.method !== 'POST') {
    reply(res, 405, '{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Method Not Allowed"}}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => answer(req, res, chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8')));
});

server.listen(0, '127.0.0.1', () => {
  serveAdmin((server.address() as AddressInfo).port, { sessions: () => sessions.size });
});
