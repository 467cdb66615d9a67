/**
 * The HTTP+SSE (2024-11-05) client transport carries the same auth hook as Streamable HTTP: headers on the
 * GET stream and on every POST, and challenge-and-retry on 401.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpClient, type HttpAuthHook } from '../../src/client/index.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { createHttpHandler } from '../../src/transports/http/index.js';

test('SSE client transport: 401 on the stream GET triggers the hook, then stream and POSTs carry its header', async () => {
  const server = new McpServer({ name: 'sse-auth', version: '1' });
  server.registerTool('ping_tool', { inputSchema: { type: 'object' } }, () => ({ content: [{ type: 'text', text: 'pong' }] }));
  const inner = createHttpHandler(server, { legacySse: true });
  const seen: string[] = [];
  const http = createServer((req, res) => {
    seen.push(`${req.method} ${(req.url ?? '').split('?')[0]} ${req.headers.authorization ?? '-'}`);
    if (req.headers.authorization !== 'Bearer let-me-in') {
      req.resume();
      res.writeHead(401, { 'www-authenticate': 'Bearer resource_metadata="http://127.0.0.1/.well-known/oauth-protected-resource"' }).end();
      return;
    }
    inner(req, res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let token: string | undefined;
  const challenges: number[] = [];
  const hook: HttpAuthHook = {
    headers: async () => (token ? { authorization: `Bearer ${token}` } : {}),
    challenge: async (r) => {
      challenges.push(r.status);
      assert.match(String(r.headers['www-authenticate']), /resource_metadata/);
      token = 'let-me-in';
      return true;
    },
  };
  const client = new McpClient({ name: 't', version: '1' }, { era: 'legacy', reconnect: false, http: { transport: 'sse', sseUrl: `${base}/sse`, auth: hook } });
  try {
    await client.connect(`${base}/sse`);
    const r = await client.callTool({ name: 'ping_tool', arguments: {} });
    assert.deepEqual(r.content, [{ type: 'text', text: 'pong' }]);
    assert.deepEqual(challenges, [401], 'one challenge, on the stream GET');
    assert.equal(seen[0], 'GET /sse -');
    assert.ok(seen.slice(1).every((s) => s.endsWith('Bearer let-me-in')), seen.join('\n'));
    assert.ok(seen.some((s) => s.startsWith('POST /messages')), 'POSTs went through the hook too');
  } finally {
    await client.close();
    inner.close();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  }
});
