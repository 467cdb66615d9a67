/**
 * Faults of upstreams and what the gateway answers: a crash mid-call, a hang, garbage on stdout, an HTTP
 * connection cut mid-call. Each gives a clear tool error, the next call works on a fresh connection, and no
 * process, socket or timer is left behind.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp } from '../../src/transports/http/index.js';
import { mount, ResultCache, type CacheBackend } from '../../src/orchestration/index.js';
import { assertNoLeaks, connect, resources, ROOT, text } from './helpers.js';

const UPSTREAM_SCRIPT = join(ROOT, 'dist', 'test', 'orchestration', 'fixtures', 'upstream.js');
const STDIO = { command: process.execPath, args: [UPSTREAM_SCRIPT] };

describe('upstream faults', () => {
  test('a stdio upstream that crashes mid-call: a tool error naming the exit, then a fresh process serves the next call', async () => {
    const before = resources();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 's', STDIO, { era: 'legacy' });
    const client = await connect(gateway);
    const pid1 = text(await client.callTool({ name: 's_pid' }));
    const crashed = await client.callTool({ name: 's_crash' });
    assert.equal(crashed.isError, true);
    assert.match(text(crashed), /Upstream "s" failed on tool crash: .*(exit|closed|lost)/i);
    const pid2 = text(await client.callTool({ name: 's_pid' }));
    assert.match(pid2, /^\d+$/);
    assert.notEqual(pid2, pid1);
    assert.equal(m.state, 'CLOSED', 'one crash does not open the breaker');
    await client.close();
    await m.close();
    await assertNoLeaks(before);
  });

  test('a hanging upstream: the call ends with a timeout tool error, the upstream is told to cancel, nothing leaks', async () => {
    const before = resources();
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 's', STDIO, { era: 'legacy', resilience: { timeoutMs: 300 } });
    const client = await connect(gateway);
    const r = await client.callTool({ name: 's_hang' });
    assert.equal(r.isError, true);
    assert.match(text(r), /Upstream "s" did not answer tool hang in time \(300 ms\)/);
    assert.equal(text(await client.callTool({ name: 's_echo', arguments: { text: 'still here' } })), 'still here');
    await client.close();
    await m.close();
    await assertNoLeaks(before);
  });

  test('an upstream that writes garbage instead of an answer: reported to onError, the call times out cleanly, the next call works', async () => {
    const before = resources();
    const errors: string[] = [];
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 's', STDIO, { era: 'legacy', resilience: { timeoutMs: 300 }, onError: (e) => errors.push(e.message) });
    const client = await connect(gateway);
    const r = await client.callTool({ name: 's_garbage' });
    assert.equal(r.isError, true);
    assert.match(text(r), /did not answer tool garbage in time/);
    assert.ok(errors.some((e) => /JSON|invalid/i.test(e)), `garbage reported: ${JSON.stringify(errors)}`);
    assert.equal(text(await client.callTool({ name: 's_echo', arguments: { text: 'ok' } })), 'ok');
    await client.close();
    await m.close();
    await assertNoLeaks(before);
  });

  test('an HTTP upstream that cuts the connection mid-call: legacy era gives a clear tool error; modern era re-sends the call', async () => {
    const before = resources();
    const upstream = new McpServer({ name: 'cutter', version: '1' });
    let cuts = 0;
    let calls = 0;
    const http = await serveHttp(upstream, { host: '127.0.0.1', port: 0 });
    upstream.registerTool('cut', {}, async () => {
      calls++;
      if (cuts++ % 2 === 0) {
        http.httpServer.closeAllConnections();
        return new Promise(() => undefined);
      }
      return { content: [{ type: 'text', text: 'survived' }] };
    });
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const legacy = await mount(gateway, 'l', { url: http.url }, { era: 'legacy', resilience: { timeoutMs: 5000 } });
    const modern = await mount(gateway, 'm', { url: http.url }, { era: 'auto', resilience: { timeoutMs: 5000 } });
    const client = await connect(gateway);
    const lost = await client.callTool({ name: 'l_cut' });
    assert.equal(lost.isError, true);
    assert.match(text(lost), /Upstream "l" failed on tool cut: .*(lost|closed)/i);
    assert.equal(text(await client.callTool({ name: 'l_cut' })), 'survived');
    const before2 = calls;
    assert.equal(text(await client.callTool({ name: 'm_cut' })), 'survived');
    assert.equal(calls - before2, 2, 'modern: cut once, re-sent once');
    await client.close();
    await legacy.close();
    await modern.close();
    await http.close();
    await assertNoLeaks(before);
  });

  test('a failing cache backend under a mount: read-only calls still run (uncached) and the failures are counted', async () => {
    const upstream = new McpServer({ name: 'u', version: '1' });
    let runs = 0;
    upstream.registerTool('read', { annotations: { readOnlyHint: true } }, () => ({ content: [{ type: 'text', text: `run ${++runs}` }] }));
    const down = (): Promise<never> => Promise.reject(new Error('cache backend down'));
    const broken: CacheBackend = { name: 'broken', get: down, set: down, delete: down, clear: down, close: async () => undefined };
    const errors: string[] = [];
    const cache = new ResultCache({ backend: broken, onError: (e) => errors.push(e.message) });
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'u', { server: upstream }, { cache });
    const client = await connect(gateway);
    assert.equal(text(await client.callTool({ name: 'u_read' })), 'run 1');
    assert.equal(text(await client.callTool({ name: 'u_read' })), 'run 2');
    assert.equal(cache.stats.errors, 4);
    assert.ok(errors.every((e) => e === 'cache backend down'));
    await client.close();
    await m.close();
  });
});
