import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFetchHandler, InMemoryNotificationBus } from '../../src/transports/http/index.js';
import { makeServer, modernRequest, sseMessages, type Probe } from './helpers.js';

const URL_ = 'http://localhost/mcp';

describe('the fetch(Request) → Response handler', () => {
  test('serves modern requests with JSON and streams progress as SSE', async () => {
    const handler = createFetchHandler(makeServer());
    try {
      const list = modernRequest(1, 'tools/list');
      const r = await handler.fetch(new Request(URL_, { method: 'POST', headers: list.headers, body: list.body }));
      assert.equal(r.status, 200);
      assert.ok(((await r.json()) as { result: { tools: unknown[] } }).result.tools.length > 0);
      const prog = modernRequest(2, 'tools/call', { name: 'progress', arguments: {} }, { progressToken: 't' });
      const s = await handler.fetch(new Request(URL_, { method: 'POST', headers: prog.headers, body: prog.body }));
      assert.match(s.headers.get('content-type') ?? '', /text\/event-stream/);
      const msgs = sseMessages(await s.text());
      assert.equal(msgs.at(-1).id, 2);
    } finally {
      handler.close();
    }
  });

  test('serves a legacy session: initialize, call, delete', async () => {
    const handler = createFetchHandler(makeServer());
    try {
      const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const init = await handler.fetch(
        new Request(URL_, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'f', version: '1' } } }) }),
      );
      const sid = init.headers.get('mcp-session-id');
      assert.ok(sid);
      const call = await handler.fetch(new Request(URL_, { method: 'POST', headers: { ...h, 'mcp-session-id': sid }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'f' } } }) }));
      assert.equal(((await call.json()) as { result: { content: { text: string }[] } }).result.content[0]?.text, 'f');
      assert.equal((await handler.fetch(new Request(URL_, { method: 'DELETE', headers: { 'mcp-session-id': sid } }))).status, 200);
    } finally {
      handler.close();
    }
  });

  test('cancelling the response stream cancels the request', async () => {
    const probe: Probe = { cancelled: [], release: undefined };
    const handler = createFetchHandler(makeServer(probe));
    try {
      const w = modernRequest(3, 'tools/call', { name: 'wait', arguments: { tag: 'f1' } }, { progressToken: 1 });
      const r = await handler.fetch(new Request(URL_, { method: 'POST', headers: w.headers, body: w.body }));
      await r.body?.cancel();
      for (let i = 0; i < 100 && probe.cancelled.length === 0; i++) await new Promise((res) => setTimeout(res, 10));
      assert.deepEqual(probe.cancelled, ['f1']);
    } finally {
      handler.close();
    }
  });

  test('rejects oversized bodies with 413 and foreign hosts with 403 when allow-lists are set', async () => {
    const handler = createFetchHandler(makeServer(), { maxBodyBytes: 100, allowedHosts: ['localhost'] });
    try {
      const big = modernRequest(4, 'tools/list', { pad: 'x'.repeat(500) });
      assert.equal((await handler.fetch(new Request(URL_, { method: 'POST', headers: big.headers, body: big.body }))).status, 413);
      const ok = modernRequest(5, 'tools/list');
      assert.equal((await handler.fetch(new Request('http://evil.example/mcp', { method: 'POST', headers: { ...ok.headers, host: 'evil.example' }, body: ok.body }))).status, 403);
    } finally {
      handler.close();
    }
  });

  test('notify goes through the bus to listen streams', async () => {
    const bus = new InMemoryNotificationBus();
    const handler = createFetchHandler(makeServer(), { bus, keepAliveMs: 0 });
    try {
      const l = modernRequest('sub', 'subscriptions/listen', { notifications: { resourceSubscriptions: ['test://greeting'] } });
      const r = await handler.fetch(new Request(URL_, { method: 'POST', headers: l.headers, body: l.body }));
      const reader = (r.body as ReadableStream<Uint8Array>).getReader();
      const dec = new TextDecoder();
      let text = dec.decode((await reader.read()).value);
      await new Promise((res) => setTimeout(res, 10));
      handler.notify.resourceUpdated('test://greeting');
      while (!text.includes('resources/updated')) text += dec.decode((await reader.read()).value);
      const msgs = sseMessages(text.slice(0, text.lastIndexOf('\n\n') + 2));
      assert.equal(msgs[0].method, 'notifications/subscriptions/acknowledged');
      assert.equal(msgs[1].params.uri, 'test://greeting');
      await reader.cancel();
    } finally {
      handler.close();
    }
  });
});
