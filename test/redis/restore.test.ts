/**
 * Redis restarted empty (a throwaway redis-server without persistence, killed and started again) under three
 * in-process HTTP nodes: the nodes holding a legacy session write its record back once Redis is reachable,
 * so a node that never held the session serves it (before, it answered 404 and the client had to
 * re-initialize). A session that ended before the outage is not brought back.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { redisBackend, type RedisClusterBackend } from '../../src/redis/index.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { LEGACY_HEADERS, makeServer, raw } from '../http/helpers.js';
import { ThrowawayRedis, until } from './helpers.js';

const V = '2025-11-25';
const KEY = 'r'.repeat(32);

describe('three HTTP nodes whose Redis restarts empty', { timeout: 90_000 }, () => {
  let redis: ThrowawayRedis;
  const backends: RedisClusterBackend[] = [];
  const nodes: HttpServerHandle[] = [];

  before(async () => {
    redis = await ThrowawayRedis.start();
    for (const nodeId of ['a', 'b', 'c']) {
      const backend = await redisBackend({ url: redis.url, prefix: 'restore:', nodeId, commandTimeoutMs: 500, maxReconnectDelayMs: 200, nodeCheckIntervalMs: 200 });
      backends.push(backend);
      const server = makeServer();
      server.setRequestStateKey(KEY);
      nodes.push(await serveHttp(server, { port: 0, keepAliveMs: 0, cluster: backend }));
    }
  });
  after(async () => {
    for (const n of nodes) await n.close();
    for (const b of backends) await b.close();
    await redis.stop();
  });

  const headers = (sid: string): Record<string, string> => ({ ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': V });
  const call = (url: string, sid: string, id: number) =>
    raw(url, { headers: headers(sid), body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `c${id}` } } }) });
  async function open(url: string): Promise<string> {
    const r = await raw(url, { headers: LEGACY_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: V, capabilities: {}, clientInfo: { name: 'restore', version: '1' } } }) });
    assert.equal(r.status, 200, r.text);
    const sid = r.headers['mcp-session-id'] as string;
    const ack = await raw(url, { headers: headers(sid), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    assert.equal(ack.status, 202, ack.text);
    return sid;
  }

  test('a session held by nodes a and b is served by node c, which never held it, after Redis came back empty; a session deleted before the outage stays gone', async () => {
    const [a, b, c] = nodes as [HttpServerHandle, HttpServerHandle, HttpServerHandle];
    const sid = await open(a.url);
    const gone = await open(a.url);
    assert.equal((await call(b.url, sid, 1)).json.result.content[0].text, 'c1', 'node b serves it from the shared record');
    assert.equal((await raw(a.url, { method: 'DELETE', headers: headers(gone) })).status, 200);

    await redis.stop();
    assert.ok(await until(() => backends.every((x) => x.unavailable() !== undefined), 5000), 'both nodes notice the loss');
    await redis.start();
    assert.ok(await until(() => backends.every((x) => x.unavailable() === undefined), 10_000), 'both reconnect by themselves');

    // Node c has no copy: it can only serve the session from a record written back after the restart.
    let served: Awaited<ReturnType<typeof call>> | undefined;
    assert.ok(
      await until(async () => {
        served = await call(c.url, sid, 2);
        return served.status === 200;
      }, 5000),
      `node c serves the session (last answer ${served?.status}: ${served?.text})`,
    );
    assert.equal(served?.json.result.content[0].text, 'c2');
    assert.equal((await call(a.url, sid, 3)).json.result.content[0].text, 'c3', 'node a still serves it');
    assert.equal((await call(c.url, gone, 4)).status, 404, 'the deleted session is not restored');
  });
});
