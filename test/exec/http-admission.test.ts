import { test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { ErrorCode } from '../../src/jsonrpc/codes.js';
import { modernRequest, raw, start } from '../http/helpers.js';

test('over Streamable HTTP (2026-07-28) busy answers are 503 and rate limits 429, both with Retry-After', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const server = new McpServer({ name: 'http-admission', version: '1' }, { admission: { maxConcurrent: 1, maxQueue: 0, rateLimit: { ratePerSec: 0.5, burst: 3, per: 'principal' } } });
  server.registerTool('wait', {}, async () => {
    await gate;
    return { content: [{ type: 'text', text: 'ok' }] };
  });
  const h = await start(server);
  try {
    const first = modernRequest(1, 'tools/call', { name: 'wait', arguments: {} });
    const running = raw(h.url, first);
    for (let i = 0; i < 200 && server.admission!.stats().inFlight === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const busy = await raw(h.url, modernRequest(2, 'tools/call', { name: 'wait', arguments: {} }));
    assert.equal(busy.status, 503);
    assert.equal(busy.headers['retry-after'], '1');
    assert.equal(busy.json.error.code, ErrorCode.ServerBusy);
    assert.equal(busy.json.error.data.reason, 'queue_full');
    release();
    assert.equal((await running).json.result.content[0].text, 'ok');
    // Bucket of the anonymous principal: burst 3, two calls used; the fourth is refused.
    assert.equal((await raw(h.url, modernRequest(3, 'tools/call', { name: 'wait', arguments: {} }))).status, 200);
    const limited = await raw(h.url, modernRequest(4, 'tools/call', { name: 'wait', arguments: {} }));
    assert.equal(limited.status, 429);
    assert.equal(limited.json.error.code, ErrorCode.RateLimited);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
  } finally {
    await h.close();
  }
});
