import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeServer, modernRequest, raw, sseMessages, start, MODERN } from './helpers.js';
import type { HttpServerHandle } from '../../src/transports/http/index.js';

describe('modern era (2026-07-28) over Streamable HTTP', () => {
  let h: HttpServerHandle;
  before(async () => {
    h = await start(makeServer());
  });
  after(() => h.close());

  test('server/discover answers with JSON and serverInfo in _meta', async () => {
    const { headers, body } = modernRequest(1, 'server/discover');
    const r = await raw(h.url, { headers, body });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.equal(r.json.id, 1);
    assert.equal(r.json.result.resultType, 'complete');
    assert.ok(r.json.result.supportedVersions.includes(MODERN));
    assert.equal(r.json.result._meta['io.modelcontextprotocol/serverInfo'].name, 'http-test');
    assert.equal(r.headers['mcp-session-id'], undefined, 'the modern era never mints session ids');
  });

  test('tools/call without progress returns JSON', async () => {
    const { headers, body } = modernRequest('a', 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
    const r = await raw(h.url, { headers, body });
    assert.equal(r.status, 200);
    assert.equal(r.json.result.content[0].text, 'hi');
  });

  test('a tool that reports progress and logs streams SSE ending with its result', async () => {
    const { headers, body } = modernRequest(7, 'tools/call', { name: 'progress', arguments: {} }, { progressToken: 'p', 'io.modelcontextprotocol/logLevel': 'debug' });
    const r = await raw(h.url, { headers, body });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /text\/event-stream/);
    assert.equal(r.headers['x-accel-buffering'], 'no');
    const msgs = sseMessages(r.text);
    assert.equal(msgs[0].method, 'notifications/progress');
    assert.ok(msgs.some((m) => m.method === 'notifications/message'));
    const last = msgs[msgs.length - 1];
    assert.equal(last.id, 7);
    assert.equal(last.result.content[0].text, 'done');
    assert.ok(!r.text.includes('id: '), 'modern streams carry no event ids');
  });

  test('a client that accepts only JSON gets JSON even when the tool reports progress', async () => {
    const { headers, body } = modernRequest(8, 'tools/call', { name: 'progress', arguments: {} }, { progressToken: 'p' });
    const r = await raw(h.url, { headers: { ...headers, accept: 'application/json' }, body });
    assert.equal(r.status, 200);
    assert.equal(r.json.result.content[0].text, 'done');
  });

  test('subscriptions/listen from a client that refuses SSE → 406, not a request that never ends', async () => {
    const { headers, body } = modernRequest(81, 'subscriptions/listen', { notifications: { toolsListChanged: true } });
    const r = await raw(h.url, { headers: { ...headers, accept: 'application/json' }, body });
    assert.equal(r.status, 406);
    assert.equal(r.json.error.code, -32600);
    assert.equal(r.json.id, 81);
  });

  test('no logs are sent when the request carries no logLevel', async () => {
    const { headers, body } = modernRequest(9, 'tools/call', { name: 'progress', arguments: {} });
    const r = await raw(h.url, { headers, body });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /application\/json/);
  });

  test('unknown and removed methods get 404 with -32601 echoing the id', async () => {
    for (const [i, method] of ['nope/nope', 'initialize', 'ping', 'logging/setLevel', 'resources/subscribe'].entries()) {
      const { headers, body } = modernRequest(100 + i, method, method === 'initialize' ? { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } : {});
      const r = await raw(h.url, { headers, body });
      assert.equal(r.status, 404, method);
      assert.equal(r.json.error.code, -32601, method);
      assert.equal(r.json.id, 100 + i, method);
    }
  });

  test('an unknown tool is an in-band error with HTTP 200', async () => {
    const { headers, body } = modernRequest(11, 'tools/call', { name: 'missing', arguments: {} });
    const r = await raw(h.url, { headers, body });
    assert.equal(r.status, 200);
    assert.equal(r.json.error.code, -32602);
  });

  test('a notification is accepted with 202', async () => {
    const r = await raw(h.url, {
      headers: { 'content-type': 'application/json', 'mcp-protocol-version': MODERN, 'mcp-method': 'notifications/x' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/x', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } } }),
    });
    assert.equal(r.status, 202);
  });

  test('GET and DELETE get 405 when only the modern era is served', async () => {
    const only = await start(makeServer(), { legacy: false });
    try {
      assert.equal((await raw(only.url, { method: 'GET', headers: { accept: 'text/event-stream' } })).status, 405);
      assert.equal((await raw(only.url, { method: 'DELETE' })).status, 405);
    } finally {
      await only.close();
    }
  });
});
