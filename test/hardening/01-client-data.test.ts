/**
 * Finding 1: a session kept `initialize`'s `capabilities`/`clientInfo` exactly as sent, and
 * `resources/subscribe` took any URI any number of times. Now initialize data is bounded (depth, size, only
 * protocol-defined members), `initialize` has its own small HTTP body limit, and subscriptions are capped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveTcp, type TcpServerHandle } from '../../src/transports/tcp/index.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { assertPing, heapUsed, http, inSession, JSON_ACCEPT, LineClient, MiB, nested, openSession } from './helpers.js';

function makeServer(): McpServer {
  const server = new McpServer({ name: 'h1', version: '1' });
  server.registerTool('caps', {}, (_a, ctx) => ({ content: [{ type: 'text', text: JSON.stringify(ctx.clientCapabilities) }] }));
  server.registerResource('r', 'test://r', {}, () => ({ contents: [{ uri: 'test://r', text: 'r' }] }));
  return server;
}

/** An initialize line whose capabilities nest `depth` arrays deep under `member`. */
function deepInitialize(id: number, depth: number, member = 'experimental'): string {
  return `{"jsonrpc":"2.0","id":${id},"method":"initialize","params":{"protocolVersion":"2025-11-25","clientInfo":{"name":"a","version":"1"},"capabilities":{"${member}":{"x":${nested(depth)}}}}}`;
}

describe('finding 1: unbounded per-session client data', () => {
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

  test('40 TCP initializes with capabilities nested 200 000 deep: refused with -32602 (or the unknown member dropped), under 32 MiB of heap', async () => {
    const base = await heapUsed();
    const clients: LineClient[] = [];
    // 40 sessions × 400 KB of nesting: kept as sent, this is ~40 × 200 000 arrays on the heap.
    for (let i = 0; i < 40; i++) {
      const c = new LineClient(tcp.port);
      await c.ready;
      c.send(deepInitialize(i, 200_000, i % 2 === 0 ? 'experimental' : 'x'));
      clients.push(c);
    }
    for (const c of clients) await c.waitLines(1);
    clients.forEach((c, i) => {
      if (i % 2 === 0) {
        // A protocol-defined member past the bounds: refused.
        assert.equal(c.lines[0].error?.code, -32602, JSON.stringify(c.lines[0]).slice(0, 200));
        assert.match(c.lines[0].error.message, /capabilities/);
      } else {
        // A member the protocol does not define: the session starts without it.
        assert.ok(c.lines[0].result, JSON.stringify(c.lines[0]).slice(0, 200));
      }
    });
    const grown = (await heapUsed()) - base;
    assert.ok(grown < 32 * MiB, `heap grew ${(grown / MiB).toFixed(1)} MiB`);
    // The same socket still serves: a valid initialize and a ping.
    const c = clients[0] as LineClient; // refused, so it has no session yet
    c.send({ jsonrpc: '2.0', id: 'ok', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { roots: {} }, clientInfo: { name: 'a', version: '1' } } });
    c.send({ jsonrpc: '2.0', id: 'p', method: 'ping' });
    await c.waitLines(3);
    assert.ok(c.lines[1].result, 'a bounded initialize succeeds');
    assert.deepEqual(c.lines[2], { jsonrpc: '2.0', id: 'p', result: {} });
    for (const cl of clients) cl.end();
  });

  test('only protocol-defined capability members are kept for the session', async () => {
    const c = new LineClient(tcp.port);
    await c.ready;
    c.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: { roots: {}, junk: 'x'.repeat(1000) }, clientInfo: { name: 'a', version: '1', pad: 'y' } } });
    c.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    c.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'caps', arguments: {} } });
    await c.waitLines(2);
    assert.deepEqual(JSON.parse(c.lines[1].result.content[0].text), { roots: {} });
    c.end();
  });

  test('an HTTP initialize over the small-request limit gets 413 with -32600, and the server still answers', async () => {
    const body = deepInitialize(7, 100_000); // 200 KB, under maxBodyBytes but over maxSmallRequestBytes
    const r = await http(web.url, { headers: JSON_ACCEPT, body });
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, -32600);
    assert.equal(r.json.id, 7);
    assert.equal(web.handler.sessionCount, 0, 'no session was created');
    await assertPing(web.url);
  });

  test('resources/subscribe refuses URIs over 8192 characters and more than 1000 subscriptions per session (-32602)', async () => {
    const { sid } = await openSession(web.url);
    const base = await heapUsed();
    const long = await http(web.url, { headers: inSession(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: `test://${'u'.repeat(1_000_000)}` } }) });
    // 1 MB of URI: the small-request limit answers first over HTTP.
    assert.equal(long.status, 413);
    const mid = await http(web.url, { headers: inSession(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: `test://${'u'.repeat(9000)}` } }) });
    assert.equal(mid.json.error.code, -32602);
    let refused: any;
    for (let i = 0; i < 1001 && refused === undefined; i++) {
      const r = await http(web.url, { headers: inSession(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 10 + i, method: 'resources/subscribe', params: { uri: `test://r/${i}/${'p'.repeat(4000)}` } }) });
      if (r.json.error) refused = { i, error: r.json.error };
    }
    assert.deepEqual(refused?.i, 1000, 'the 1001st subscription is refused');
    assert.equal(refused.error.code, -32602);
    const grown = (await heapUsed()) - base;
    // 1000 × 4 KB URIs are held by design (about 8 MiB as UTF-16); far from 300 × 3.9 MB.
    assert.ok(grown < 48 * MiB, `heap grew ${(grown / MiB).toFixed(1)} MiB`);
    await http(web.url, { method: 'DELETE', headers: inSession(sid) });
    await assertPing(web.url);
  });
});
