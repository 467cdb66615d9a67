import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { Harness, sleep, tick } from './harness.js';

describe('legacy lifecycle', () => {
  test('initialize negotiates the requested version, or the latest legacy one', async () => {
    const s = new McpServer({ name: 's', version: '1' }, { instructions: 'hi' });
    const a = await new Harness(s).initialize({}, '2025-06-18');
    assert.equal(a.result.protocolVersion, '2025-06-18');
    assert.deepEqual(a.result.serverInfo, { name: 's', version: '1' });
    assert.equal(a.result.instructions, 'hi');
    const b = await new Harness(s).initialize({}, '1999-01-01');
    assert.equal(b.result.protocolVersion, '2025-11-25');
  });

  test('logging/setLevel filters notifications/message; bad levels → -32602', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('logs', {}, (_a, ctx) => {
      ctx.log('debug', 'd');
      ctx.log('warning', 'w');
      return { content: [] };
    });
    const h = new Harness(s);
    await h.initialize();
    await h.request('tools/call', { name: 'logs' });
    assert.deepEqual(h.notifications('notifications/message').map((n) => n.params.data), ['d', 'w']);
    assert.deepEqual((await h.request('logging/setLevel', { level: 'warning' })).result, {});
    await h.request('tools/call', { name: 'logs' });
    assert.deepEqual(h.notifications('notifications/message').map((n) => n.params.data), ['d', 'w', 'w']);
    assert.equal((await h.request('logging/setLevel', { level: 'verbose' })).error.code, -32602);
  });

  test('resources/subscribe → notifications/resources/updated; unsubscribe stops them', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerResource('w', 'test://w', {}, (uri) => ({ contents: [{ uri, text: 'v' }] }));
    const h = new Harness(s);
    await h.initialize();
    await h.request('resources/subscribe', { uri: 'test://w' });
    s.notifyResourceUpdated('test://w');
    s.notifyResourceUpdated('test://other');
    assert.deepEqual(h.notifications('notifications/resources/updated').map((n) => n.params.uri), ['test://w']);
    await h.request('resources/unsubscribe', { uri: 'test://w' });
    s.notifyResourceUpdated('test://w');
    assert.equal(h.notifications('notifications/resources/updated').length, 1);
  });
});

describe('cancellation and disconnects', () => {
  test('notifications/cancelled aborts the handler signal and suppresses the late result', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    let aborted = false;
    let finish!: () => void;
    s.registerTool('slow', {}, (_a, ctx) => {
      ctx.signal.addEventListener('abort', () => (aborted = true));
      return new Promise((r) => (finish = () => r({ content: [{ type: 'text', text: 'late' }] })));
    });
    const h = new Harness(s);
    await h.initialize();
    h.conn.receive({ jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 'slow' } });
    await sleep(5);
    h.notify('notifications/cancelled', { requestId: 'c1', reason: 'user' });
    assert.equal(aborted, true);
    finish();
    await sleep(5);
    assert.equal(h.sent.filter((x) => x.message.id === 'c1').length, 0);
    assert.equal(h.conn.inFlight, 0);
    // The id can be reused after cancellation, and the connection keeps serving.
    assert.deepEqual((await h.request('ping', undefined, 'c1')).result, {});
  });

  test('closing the connection mid-request aborts handlers and rejects pending server→client requests', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    let signalReason: unknown;
    let askError: unknown;
    s.registerTool('ask', {}, async (_a, ctx) => {
      ctx.signal.addEventListener('abort', () => (signalReason = ctx.signal.reason));
      try {
        await ctx.input({ r: { method: 'roots/list', params: {} } });
      } catch (e) {
        askError = e;
      }
      return { content: [] };
    });
    const h = new Harness(s);
    await h.initialize({ roots: {} });
    h.conn.receive({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ask' } });
    await h.waitFor((x) => x.message.method === 'roots/list');
    const before = h.sent.length;
    h.conn.close();
    await sleep(5);
    assert.ok(signalReason instanceof Error);
    assert.equal((askError as { code?: string }).code, 'VELO_CONNECTION_CLOSED');
    assert.equal(h.sent.length, before, 'nothing is written after close');
    assert.equal(h.conn.closed, true);
  });

  test('a handler that throws a non-MCP error yields isError; an McpError yields a JSON-RPC error', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('boom', {}, () => {
      throw new Error('kaput');
    });
    const { McpError } = await import('../../src/jsonrpc/errors.js');
    s.registerTool('wire', {}, async () => {
      throw new McpError(-32099 + 1000, 'custom');
    });
    const h = new Harness(s);
    await h.initialize();
    const a = await h.request('tools/call', { name: 'boom' });
    assert.equal(a.result.isError, true);
    assert.equal(a.result.content[0].text, 'kaput');
    assert.equal((await h.request('tools/call', { name: 'wire' })).error.message, 'custom');
  });
});

describe('subscriptions/listen (2026-07-28)', () => {
  test('acknowledges first with the honoured subset, tags notifications, and ends on cancel', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('seed', {}, () => ({ content: [] }));
    s.registerResource('w', 'test://w', {}, (uri) => ({ contents: [{ uri, text: 'v' }] }));
    const h = new Harness(s);
    await tick();
    h.conn.receive({
      jsonrpc: '2.0',
      id: 'L1',
      method: 'subscriptions/listen',
      params: {
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} },
        notifications: { toolsListChanged: true, promptsListChanged: true, resourceSubscriptions: ['test://w'] },
      },
    });
    const ack = h.sent[0]!;
    assert.equal(ack.message.method, 'notifications/subscriptions/acknowledged');
    assert.equal(ack.related, 'L1');
    assert.deepEqual(ack.message.params.notifications, { toolsListChanged: true, resourceSubscriptions: ['test://w'] }, 'no prompts on this server');
    assert.equal(ack.message.params._meta['io.modelcontextprotocol/subscriptionId'], 'L1');
    s.registerTool('added', {}, () => ({ content: [] }));
    await tick();
    await tick();
    s.notifyResourceUpdated('test://w');
    const changed = h.notifications('notifications/tools/list_changed');
    assert.equal(changed.length, 1);
    assert.equal(changed[0].params._meta['io.modelcontextprotocol/subscriptionId'], 'L1');
    const updated = h.notifications('notifications/resources/updated');
    assert.equal(updated[0].params.uri, 'test://w');
    assert.equal(updated[0].params._meta['io.modelcontextprotocol/subscriptionId'], 'L1');
    h.notify('notifications/cancelled', { requestId: 'L1' });
    s.registerTool('again', {}, () => ({ content: [] }));
    await tick();
    await tick();
    assert.equal(h.notifications('notifications/tools/list_changed').length, 1, 'no notifications after cancel');
    assert.equal(h.sent.filter((x) => x.message.id === 'L1').length, 0, 'a cancelled listen gets no response');
  });

  test('server.close() ends listen streams gracefully with a result carrying the subscriptionId', async () => {
    const s = new McpServer({ name: 's', version: '1' });
    s.registerTool('seed', {}, () => ({ content: [] }));
    const h = new Harness(s);
    const pending = h.modern('subscriptions/listen', { notifications: { toolsListChanged: true } }, {}, 'L2');
    await tick();
    s.close();
    const r = await pending;
    assert.equal(r.result.resultType, 'complete');
    assert.equal(r.result._meta['io.modelcontextprotocol/subscriptionId'], 'L2');
  });

  test('listen without a notifications object → -32602', async () => {
    const h = new Harness();
    assert.equal((await h.modern('subscriptions/listen', {})).error.code, -32602);
  });
});
