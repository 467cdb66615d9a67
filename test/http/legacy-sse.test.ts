import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { makeServer, raw, start, parseSse } from './helpers.js';
import type { HttpServerHandle } from '../../src/transports/http/index.js';

/** Opens GET /sse and collects its events until closed. */
function openSse(base: string, headers: Record<string, string> = {}): Promise<{ res: IncomingMessage; events: () => ReturnType<typeof parseSse>; close: () => void; status: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/sse`, { method: 'GET', headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('error', () => undefined);
      resolve({ res, status: res.statusCode ?? 0, events: () => parseSse(text), close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor<T>(get: () => T | undefined, ms = 3000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('legacy HTTP+SSE transport (2024-11-05)', () => {
  let h: HttpServerHandle;
  let base: string;
  before(async () => {
    h = await start(makeServer(), { legacySse: true, maxBodyBytes: 1024 });
    base = h.url.replace(/\/mcp$/, '');
  });
  after(() => h.close());

  test('GET /sse announces the POST endpoint; answers arrive as message events', async () => {
    const sse = await openSse(base);
    assert.equal(sse.status, 200);
    assert.match(String(sse.res.headers['content-type']), /text\/event-stream/);
    const endpoint = await waitFor(() => sse.events().find((e) => e.event === 'endpoint'));
    assert.match(endpoint.data, /^\/messages\?sessionId=[0-9a-f-]{36}$/);
    const post = await raw(`${base}${endpoint.data}`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    assert.equal(post.status, 202);
    const answer = await waitFor(() => sse.events().find((e) => e.event === 'message' && e.data.includes('"id":1')));
    assert.equal(JSON.parse(answer.data).result.protocolVersion, '2024-11-05');
    sse.close();
  });

  test('bad POSTs get clear errors and the session keeps working', async () => {
    const sse = await openSse(base);
    const endpoint = await waitFor(() => sse.events().find((e) => e.event === 'endpoint'));
    const url = `${base}${endpoint.data}`;
    const json = { 'content-type': 'application/json' };
    assert.equal((await raw(`${base}/messages`, { headers: json, body: '{}' })).status, 400, 'missing sessionId');
    assert.equal((await raw(`${base}/messages?sessionId=nope`, { headers: json, body: '{}' })).status, 404, 'unknown session');
    const garbage = await raw(url, { headers: json, body: '{"jsonrpc":' });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.json.error.code, -32700);
    const big = await raw(url, { headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping', params: { pad: 'x'.repeat(5000) } }) });
    assert.equal(big.status, 413);
    assert.equal((await raw(`${base}/sse`, { method: 'POST', headers: json, body: '{}' })).status, 405);
    const init = await raw(url, { headers: json, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {} } }) });
    assert.equal(init.status, 202);
    await waitFor(() => sse.events().find((e) => e.data.includes('"id":2')));
    sse.close();
  });

  test('closing the stream ends the session', async () => {
    const sse = await openSse(base);
    const endpoint = await waitFor(() => sse.events().find((e) => e.event === 'endpoint'));
    sse.close();
    await new Promise((r) => setTimeout(r, 100));
    const r = await raw(`${base}${endpoint.data}`, { headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    assert.equal(r.status, 404);
  });

  test('a foreign Origin is refused with 403', async () => {
    const r = await raw(`${base}/sse`, { method: 'GET', headers: { origin: 'http://evil.example' } });
    assert.equal(r.status, 403);
  });
});
