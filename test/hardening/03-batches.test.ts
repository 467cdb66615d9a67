/**
 * Finding 3: a 2025-03-26 batch was answered twice (once when its last member completed, again after the
 * loop); over HTTP the second copy went to the session's next batch POST, and batch member ids were never
 * released. Now the answer goes out once, on its own POST, and ids are free again once it is sent.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveTcp, type TcpServerHandle } from '../../src/transports/tcp/index.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { assertPing, heapUsed, http, inSession, LineClient, MiB, openSession } from './helpers.js';

function makeServer(): McpServer {
  const server = new McpServer({ name: 'h3', version: '1' });
  server.registerTool('later', { inputSchema: { type: 'object', properties: { tag: { type: 'string' }, ms: { type: 'integer' } } } }, async (a: { tag?: string; ms?: number }) => {
    await new Promise((r) => setTimeout(r, a.ms ?? 5));
    return { content: [{ type: 'text', text: a.tag ?? '' }] };
  });
  return server;
}

const V = '2025-03-26';

describe('finding 3: 2025-03-26 batches answer twice', () => {
  let tcp: TcpServerHandle;
  let web: HttpServerHandle;
  before(async () => {
    tcp = await serveTcp(makeServer(), { idleTimeoutMs: 0 });
    web = await serveHttp(makeServer(), { port: 0, keepAliveMs: 0 });
  });
  after(async () => {
    await tcp.close();
    await web.close();
  });

  test('TCP: [ping] gets exactly one array answer; the next line is the answer to the next request', async () => {
    const c = new LineClient(tcp.port);
    await c.ready;
    c.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: V, capabilities: {}, clientInfo: { name: 'b', version: '1' } } });
    await c.waitLines(1);
    c.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    c.send([{ jsonrpc: '2.0', id: 'b1', method: 'ping' }]);
    c.send({ jsonrpc: '2.0', id: 'after', method: 'ping' });
    await c.waitLines(3);
    assert.deepEqual(c.lines[1], [{ jsonrpc: '2.0', id: 'b1', result: {} }]);
    assert.deepEqual(c.lines[2], { jsonrpc: '2.0', id: 'after', result: {} }, 'no second copy of the batch answer');
    // A batch with an invalid member and an asynchronous one: still one answer, with both.
    c.send([{ jsonrpc: '2.0', id: 'x', method: 'tools/call', params: { name: 'later', arguments: { tag: 'x' } } }, { foo: 1 }]);
    c.send({ jsonrpc: '2.0', id: 'after2', method: 'ping' });
    await c.waitLines(5);
    const arrays = c.lines.slice(3).filter((l) => Array.isArray(l));
    assert.equal(arrays.length, 1);
    assert.deepEqual(arrays[0]!.map((m: any) => m.id).sort(), [null, 'x']);
    c.end();
  });

  test('HTTP: concurrent batches each get their own answer, and 300 reuses of one batch id all succeed', async () => {
    const { sid } = await openSession(web.url, { version: V });
    const batch = (tag: string, ms: number): string =>
      JSON.stringify([
        { jsonrpc: '2.0', id: `${tag}-a`, method: 'tools/call', params: { name: 'later', arguments: { tag: `${tag}-a`, ms } } },
        { jsonrpc: '2.0', id: `${tag}-p`, method: 'ping' },
      ]);
    // The slow batch is sent first; the fast one completes first. Each POST must carry its own answer.
    const [slow, fast] = await Promise.all([http(web.url, { headers: inSession(sid, V), body: batch('slow', 200) }), http(web.url, { headers: inSession(sid, V), body: batch('fast', 1) })]);
    assert.deepEqual(slow.json.map((m: any) => m.id).sort(), ['slow-a', 'slow-p']);
    assert.deepEqual(fast.json.map((m: any) => m.id).sort(), ['fast-a', 'fast-p']);
    const base = await heapUsed();
    for (let i = 0; i < 300; i++) {
      const r = await http(web.url, { headers: inSession(sid, V), body: JSON.stringify([{ jsonrpc: '2.0', id: 'b1', method: 'ping' }, { jsonrpc: '2.0', id: `u${i}`, method: 'ping' }]) });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, [
        { jsonrpc: '2.0', id: 'b1', result: {} },
        { jsonrpc: '2.0', id: `u${i}`, result: {} },
      ], `batch ${i}`);
    }
    // 300 distinct ids released: the session holds nothing per batch (bound: under 4 MiB of heap growth).
    const grown = (await heapUsed()) - base;
    assert.ok(grown < 4 * MiB, `heap grew ${(grown / MiB).toFixed(1)} MiB`);
    // A batch of only invalid members is answered on its own POST with their errors.
    const bad = await http(web.url, { headers: inSession(sid, V), body: JSON.stringify([{ foo: 1 }, { jsonrpc: '2.0', method: 'notifications/x' }]) });
    assert.equal(bad.status, 200);
    assert.equal(bad.json[0].error.code, -32600);
    await assertPing(web.url);
  });
});
