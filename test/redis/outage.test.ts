/**
 * Redis lost while an HTTP node serves (in-process, a throwaway redis-server that the tests kill, freeze
 * and restart): legacy-session requests get 503 + Retry-After and the -32013 BackendUnavailable error at
 * once, modern stateless requests keep working, a call streaming when Redis dies still ends, nothing
 * rejects unhandled, and the node serves again by itself when Redis returns.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundFailures } from '../../src/cluster/background.js';
import { redisBackend, type RedisClusterBackend } from '../../src/redis/index.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { LEGACY_HEADERS, makeServer, modernRequest, raw, type Probe } from '../http/helpers.js';
import { liveSse } from '../cluster/sse.js';
import { ThrowawayRedis, until } from './helpers.js';

const V = '2025-11-25';
const KEY = 'o'.repeat(32);

describe('an HTTP node whose Redis goes away', { timeout: 90_000 }, () => {
  let redis: ThrowawayRedis;
  let backend: RedisClusterBackend;
  let handle: HttpServerHandle;
  const probe: Probe = { cancelled: [], release: undefined };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    redis = await ThrowawayRedis.start();
    backend = await redisBackend({ url: redis.url, prefix: 'outage:', nodeId: 'solo', commandTimeoutMs: 500, maxReconnectDelayMs: 200, nodeCheckIntervalMs: 200 });
    const server = makeServer(probe);
    server.setRequestStateKey(KEY);
    server.registerTool('as_task', { inputSchema: { type: 'object' }, execution: { taskSupport: 'optional' } }, () => ({ content: [{ type: 'text', text: 'task done' }] }));
    handle = await serveHttp(server, { port: 0, keepAliveMs: 0, cluster: backend });
  });
  after(async () => {
    await handle.close();
    await backend.close();
    await redis.stop();
    process.off('unhandledRejection', onUnhandled);
  });

  const headers = (sid: string): Record<string, string> => ({ ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': V });
  const call = (sid: string, id: number) => raw(handle.url, { headers: headers(sid), body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `c${id}` } } }) });
  const initialize = () =>
    raw(handle.url, { headers: LEGACY_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: V, capabilities: {}, clientInfo: { name: 'outage', version: '1' } } }) });
  async function open(): Promise<string> {
    const r = await initialize();
    assert.equal(r.status, 200, r.text);
    return r.headers['mcp-session-id'] as string;
  }
  function assertUnavailable(r: { status: number; headers: Record<string, unknown>; json: any; text: string }, id: number | null): void {
    assert.equal(r.status, 503, r.text);
    assert.ok(Number(r.headers['retry-after']) >= 1, `Retry-After in whole seconds, got ${String(r.headers['retry-after'])}`);
    assert.equal(r.json.id, id);
    assert.equal(r.json.error.code, -32013);
    assert.match(r.json.error.message, /^Service Unavailable: Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is unavailable/);
    assert.equal(r.json.error.data.code, 'VELO_BACKEND_UNAVAILABLE');
    assert.equal(r.json.error.data.reason, 'backend_unavailable');
    assert.ok(r.json.error.data.retryAfterMs >= 1000);
  }

  test('killed: session calls, initialize, GET and DELETE answer 503 + Retry-After with -32013 at once; modern calls still succeed; all work again after restart', async () => {
    const sid = await open();
    assert.equal((await call(sid, 1)).json.result.content[0].text, 'c1');
    const failedBefore = backgroundFailures();

    await redis.stop();
    assert.ok(await until(() => backend.unavailable() !== undefined, 5000), 'the loss is noticed');
    const t0 = Date.now();
    assertUnavailable(await call(sid, 2), 2);
    assertUnavailable(await initialize(), 0);
    const get = await raw(handle.url, { method: 'GET', headers: { ...headers(sid), accept: 'text/event-stream' } });
    assertUnavailable(get, null);
    assertUnavailable(await raw(handle.url, { method: 'DELETE', headers: headers(sid) }), null);
    assert.ok(Date.now() - t0 < 5000, `refused without waiting for Redis (${Date.now() - t0} ms)`);
    // The stateless era needs no shared state for a plain call.
    const modern = modernRequest(3, 'tools/call', { name: 'echo', arguments: { text: 'm' } });
    const m = await raw(handle.url, modern);
    assert.equal(m.status, 200, m.text);
    assert.equal(m.json.result.content[0].text, 'm');

    await redis.start();
    assert.ok(await until(() => backend.unavailable() === undefined, 10_000), 'reconnected by itself');
    // The session was held here, so it goes on; a new one can be opened too (this Redis kept nothing).
    assert.equal((await call(sid, 4)).json.result.content[0].text, 'c4');
    const again = await open();
    assert.equal((await call(again, 5)).json.result.content[0].text, 'c5');
    assert.deepEqual(unhandled, [], 'no unhandled rejection');
    assert.ok(backgroundFailures() >= failedBefore, 'background failures are counted, not thrown');
  });

  test('a call streaming over SSE when Redis dies still delivers its result (without an event id) and ends', async () => {
    await until(() => backend.unavailable() === undefined, 10_000);
    const sid = await open();
    const stream = await liveSse(handle.url, { method: 'POST', headers: headers(sid), body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'wait', arguments: { tag: 'sse' }, _meta: { progressToken: 'p7' } } }) });
    await stream.waitFor((msg) => msg.method === 'notifications/progress', 'the first progress event');
    assert.ok(stream.events.some((e) => e.id !== undefined && e.data !== ''), 'events carry ids while Redis is up');
    await redis.stop();
    assert.ok(await until(() => backend.unavailable() !== undefined, 5000));
    probe.release?.();
    const result = await stream.waitFor((msg) => msg.id === 7, 'the result after the loss', 10_000);
    assert.equal(result.result.content[0].text, 'released');
    await Promise.race([stream.ended, new Promise((_r, no) => setTimeout(() => no(new Error('stream did not end')), 10_000))]);
    const last = stream.events.filter((e) => e.data !== '').at(-1);
    assert.equal(last?.id, undefined, 'the event Redis could not keep has no id');
    await redis.start();
    assert.ok(await until(() => backend.unavailable() === undefined, 10_000));
    assert.deepEqual(unhandled, []);
  });

  test('frozen (SIGSTOP): a request that needs Redis fails with 503 within the command timeout instead of hanging, and works once Redis thaws', async () => {
    await until(() => backend.unavailable() === undefined, 10_000);
    redis.pause();
    try {
      const t0 = Date.now();
      const r = await initialize();
      const took = Date.now() - t0;
      assert.equal(r.status, 503, r.text);
      assert.equal(r.json.error.code, -32013);
      assert.ok(Number(r.headers['retry-after']) >= 1);
      assert.ok(took < 8000, `bounded by commandTimeoutMs (500 ms), took ${took} ms`);
    } finally {
      redis.resume();
    }
    let ok = false;
    for (let i = 0; i < 50 && !ok; i++) {
      const r = await initialize();
      ok = r.status === 200;
      if (!ok) await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(ok, 'initialize succeeds again after SIGCONT');
    assert.deepEqual(unhandled, []);
  });

  /** A 2026-07-28 request of the tasks extension; `Mcp-Name` carries the tool name or the task id. */
  const modernTask = (id: number, method: string, params: Record<string, unknown>) => {
    const r = modernRequest(id, method, params, { 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } });
    const name = method === 'tools/call' ? params.name : params.taskId;
    return raw(handle.url, { headers: { ...r.headers, 'mcp-name': String(name) }, body: r.body });
  };

  test('modern tasks need the shared task store: with Redis killed, tools/call as a task and tasks/get answer 503 + Retry-After with -32013 (not -32603), and work again after restart', async () => {
    await until(() => backend.unavailable() === undefined, 10_000);
    const created = await modernTask(20, 'tools/call', { name: 'as_task', arguments: {} });
    assert.equal(created.status, 200, created.text);
    const taskId = created.json.result.taskId as string;
    assert.equal(typeof taskId, 'string', created.text);

    await redis.stop();
    assert.ok(await until(() => backend.unavailable() !== undefined, 5000), 'the loss is noticed');
    assertUnavailable(await modernTask(21, 'tasks/get', { taskId }), 21);
    assertUnavailable(await modernTask(22, 'tools/call', { name: 'as_task', arguments: {} }), 22);

    await redis.start();
    assert.ok(await until(() => backend.unavailable() === undefined, 10_000), 'reconnected by itself');
    const again = await modernTask(23, 'tools/call', { name: 'as_task', arguments: {} });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json.result.resultType, 'task', again.text);
    assert.deepEqual(unhandled, []);
  });
});
