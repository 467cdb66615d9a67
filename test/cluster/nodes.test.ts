/**
 * Two HTTP nodes in one process sharing an in-memory cluster state (memoryCluster): every request of one
 * legacy session is sent to the other node than the previous one, and the session works as on one node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryCluster } from '../../src/cluster/index.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { LEGACY_HEADERS, makeServer, raw, sleep, sseMessages, type Probe } from '../http/helpers.js';
import { liveSse } from './sse.js';

const KEY = 'k'.repeat(32);
const V = '2025-11-25';

describe('legacy sessions across two nodes of one cluster state', () => {
  const cluster = memoryCluster();
  const probes: Probe[] = [{ cancelled: [], release: undefined }, { cancelled: [], release: undefined }];
  const servers: McpServer[] = [];
  const handles: HttpServerHandle[] = [];
  let urls: string[] = [];

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const server = makeServer(probes[i]);
      server.setRequestStateKey(KEY);
      servers.push(server);
      handles.push(await serveHttp(server, { port: 0, keepAliveMs: 0, cluster: cluster.node(`node${i}`) }));
    }
    urls = handles.map((h) => h.url);
  });
  after(async () => {
    for (const h of handles) await h.close();
  });

  const headers = (sid: string): Record<string, string> => ({ ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': V });
  const post = (node: number, sid: string, body: unknown) => raw(urls[node] as string, { headers: headers(sid), body: JSON.stringify(body) });

  async function open(node: number, capabilities: Record<string, unknown> = {}): Promise<string> {
    const r = await raw(urls[node] as string, {
      headers: LEGACY_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: V, capabilities, clientInfo: { name: 'nodes', version: '1' } } }),
    });
    assert.equal(r.status, 200, r.text);
    const sid = r.headers['mcp-session-id'] as string;
    // The record is durable before the answer: the other node knows the session at once.
    assert.equal((await post(1 - node, sid, { jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
    return sid;
  }

  test('a session opened on one node serves list, call and a validation failure on the other', async () => {
    const sid = await open(0);
    const list = await post(1, sid, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(list.status, 200);
    assert.ok(list.json.result.tools.some((t: { name: string }) => t.name === 'echo'));
    const call = await post(0, sid, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
    assert.equal(call.json.result.content[0].text, 'hi');
    const bad = await post(1, sid, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: { text: 5 } } });
    assert.ok(bad.json.error ?? bad.json.result?.isError, bad.text);
  });

  test('a server→client request made on one node is answered through the other', async () => {
    const sid = await open(0, { roots: {} });
    const call = await liveSse(urls[0] as string, { method: 'POST', headers: headers(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'roots', arguments: {} } }) });
    const ask = await call.waitFor((m) => m.method === 'roots/list', 'roots/list');
    assert.match(String(ask.id), /^node0\./, 'the request id names the node awaiting the answer');
    assert.equal((await post(1, sid, { jsonrpc: '2.0', id: ask.id, result: { roots: [{ uri: 'file:///w', name: 'w' }] } })).status, 202);
    const done = await call.waitFor((m) => m.id === 7, 'the tool result');
    assert.match(done.result.content[0].text, /file:\/\/\/w/);
  });

  test('cancellation sent to the other node stops the request where it runs', async () => {
    const sid = await open(0);
    const call = await liveSse(urls[0] as string, { method: 'POST', headers: headers(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'wait', arguments: { tag: `c-${sid}` }, _meta: { progressToken: 'c' } } }) });
    await call.waitFor((m) => m.method === 'notifications/progress', 'progress from the running tool');
    await post(1, sid, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9, reason: 'test' } });
    for (let i = 0; i < 100 && !probes[0]?.cancelled.includes(`c-${sid}`); i++) await sleep(10);
    assert.ok(probes[0]?.cancelled.includes(`c-${sid}`));
    call.close();
  });

  test('a resource update made on one node reaches the GET stream held by the other, once', async () => {
    const sid = await open(1);
    assert.equal((await post(0, sid, { jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri: 'test://greeting' } })).status, 200);
    const get = await liveSse(urls[1] as string, { headers: { ...headers(sid), accept: 'text/event-stream' } });
    assert.equal(get.status, 200);
    await sleep(50);
    servers[0]?.notifyResourceUpdated('test://greeting');
    await get.waitFor((m) => m.method === 'notifications/resources/updated', 'the update');
    await sleep(50);
    assert.equal(get.messages().filter((m) => m.method === 'notifications/resources/updated').length, 1);
    servers[1]?.notifyListChanged('tools');
    await get.waitFor((m) => m.method === 'notifications/tools/list_changed', 'list_changed');
    get.close();
  });

  test('a POST stream cut on one node resumes on the other with Last-Event-ID and gets the rest', async () => {
    const sid = await open(0);
    const call = await liveSse(urls[0] as string, { method: 'POST', headers: headers(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'wait', arguments: { tag: `r-${sid}` }, _meta: { progressToken: 'r' } } }) });
    await call.waitFor((m) => m.method === 'notifications/progress', 'first progress');
    const lastId = call.events.filter((e) => e.id).at(-1)?.id as string;
    call.close();
    await sleep(30);
    const resumed = await liveSse(urls[1] as string, { headers: { ...headers(sid), accept: 'text/event-stream', 'last-event-id': lastId } });
    assert.equal(resumed.status, 200);
    await sleep(50);
    probes[0]?.release?.();
    const done = await resumed.waitFor((m) => m.id === 11, 'the result through the other node');
    assert.equal(done.result.content[0].text, 'released');
    await resumed.ended;
  });

  test('DELETE on one node ends the session on both', async () => {
    const sid = await open(0);
    assert.equal((await post(1, sid, { jsonrpc: '2.0', id: 1, method: 'ping' })).status, 200);
    assert.equal((await raw(urls[1] as string, { method: 'DELETE', headers: headers(sid) })).status, 200);
    await sleep(20);
    assert.equal((await post(0, sid, { jsonrpc: '2.0', id: 2, method: 'ping' })).status, 404);
    assert.equal((await post(1, sid, { jsonrpc: '2.0', id: 3, method: 'ping' })).status, 404);
  });

  test('logging/setLevel on one node applies to calls on the other', async () => {
    const sid = await open(0);
    await post(1, sid, { jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'error' } });
    await sleep(20);
    const quiet = await post(0, sid, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'progress', arguments: {} } });
    assert.equal(quiet.json?.result?.content[0].text, 'done', 'info logs are below the level set elsewhere: the answer is plain JSON');
    await post(0, sid, { jsonrpc: '2.0', id: 3, method: 'logging/setLevel', params: { level: 'debug' } });
    await sleep(20);
    const loud = await post(1, sid, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'progress', arguments: {} } });
    assert.ok(sseMessages(loud.text).some((m) => m.method === 'notifications/message'), loud.text);
  });

  test('a node refuses to join a cluster while requestState is signed with a random per-process key', async () => {
    await assert.rejects(serveHttp(new McpServer({ name: 'x', version: '1' }), { port: 0, cluster: cluster.node() }), /VELO_INVALID_CONFIG|requestState key/);
  });
});
