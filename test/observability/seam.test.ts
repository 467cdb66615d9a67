/**
 * The diagnostics-channel seam: nothing is built when nobody listens; end-only subscribers still get
 * events; rejections, sessions, connections and fan-out are published with the right facts; health routes
 * and the standalone listener; the metrics label cap.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { McpClient, InMemoryClientTransport } from '../../src/client/index.js';
import { channels, subscribe, type ConnectionEvent, type FanoutEvent, type RejectedMessageEvent, type ServerRequestEvent, type SessionEvent } from '../../src/observability/channels.js';
import { healthRoutes, readiness, storeReachable } from '../../src/observability/health.js';
import { InMemorySessionStore } from '../../src/transports/http/index.js';
import { serveRoutes } from '../../src/observability/listener.js';
import { McpMetrics } from '../../src/observability/metrics.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { INFO, NO_ARGS, observedServer, parseExposition, series } from './helpers.js';

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

describe('diagnostics-channel seam', () => {
  test('with nothing subscribed no event object is built for a request', async () => {
    assert.equal(channels.requestStart.hasSubscribers, false);
    const server = new McpServer({ name: 's', version: '1' });
    const seen: unknown[] = [];
    server.registerTool('peek', { inputSchema: NO_ARGS }, (_a, ctx) => {
      seen.push((ctx as unknown as { observed: unknown }).observed);
      return { content: [] };
    });
    const client = new McpClient(INFO, { era: 'legacy' });
    await client.connect(new InMemoryClientTransport(server));
    await client.callTool({ name: 'peek' });
    const off = subscribe({ requestEnd: () => {} });
    await client.callTool({ name: 'peek' });
    off();
    await client.close();
    assert.equal(seen[0], undefined, 'no event while nobody listens');
    assert.equal((seen[1] as ServerRequestEvent | undefined)?.method, 'tools/call', 'an event once someone listens');
  });

  test('an end-only subscriber receives complete request events (subscribe() also listens to the start channel)', async () => {
    const ends: ServerRequestEvent[] = [];
    const off = subscribe({ requestEnd: (e) => ends.push(e) });
    const client = new McpClient(INFO, { era: { pin: '2026-07-28' } });
    await client.connect(new InMemoryClientTransport(observedServer()));
    await client.callTool({ name: 'slow' });
    await client.close();
    off();
    const slow = ends.find((e) => e.target === 'slow');
    assert.ok(slow);
    assert.equal(slow.era, 'modern');
    assert.equal(slow.outcome, 'ok');
    assert.equal(slow.sessionId, undefined);
    assert.ok((slow.duration ?? 0) >= 0.004, `duration in seconds covers the 5 ms handler: ${slow.duration}`);
    assert.equal(channels.requestStart.hasSubscribers, false, 'unsubscribing removes the helper listener too');
  });

  test('rejections, sessions, connections and fan-out are published with their facts', () => {
    const rejected: RejectedMessageEvent[] = [];
    const sessions: Array<[string, SessionEvent]> = [];
    const conns: Array<[string, ConnectionEvent]> = [];
    const fanouts: FanoutEvent[] = [];
    const off = subscribe({
      requestRejected: (e) => rejected.push(e),
      sessionOpen: (e) => sessions.push(['open', e]),
      sessionClose: (e) => sessions.push(['close', e]),
      connectionOpen: (e) => conns.push(['open', e]),
      connectionClose: (e) => conns.push(['close', e]),
      fanout: (e) => fanouts.push(e),
    });
    try {
      const server = new McpServer({ name: 's', version: '1' });
      const a = server.connect({ send: () => {} }, { transport: 'tcp', sessionId: 'sid-1' });
      const b = server.connect({ send: () => {} }, { transport: 'tcp' });
      a.receive(INIT);
      b.receive(INIT);
      a.receiveText('{not json');
      a.receive({ jsonrpc: '2.0', id: 2, method: 'no/such' });
      server.registerTool('late', { inputSchema: NO_ARGS }, () => ({ content: [] }));
      server.notifyListChanged('tools');
      a.close();
      b.close();
      assert.deepEqual(rejected.map((e) => [e.requestId, e.error.code, e.transport, e.sessionId]), [
        [null, -32700, 'tcp', 'sid-1'],
        [2, -32601, 'tcp', 'sid-1'],
      ]);
      assert.deepEqual(sessions.map(([k, e]) => [k, e.sessionId, e.protocolVersion, e.transport]), [
        ['open', 'sid-1', '2025-11-25', 'tcp'],
        ['open', undefined, '2025-11-25', 'tcp'],
        ['close', 'sid-1', '2025-11-25', 'tcp'],
        ['close', undefined, '2025-11-25', 'tcp'],
      ]);
      assert.ok(sessions.filter(([k]) => k === 'close').every(([, e]) => typeof e.duration === 'number' && e.duration >= 0));
      assert.deepEqual(conns.map(([k, e]) => [k, e.transport]), [['open', 'tcp'], ['open', 'tcp'], ['close', 'tcp'], ['close', 'tcp']]);
      const toolsChanged = fanouts.filter((f) => f.method === 'notifications/tools/list_changed');
      assert.ok(toolsChanged.length >= 1);
      assert.ok(toolsChanged.every((f) => f.recipients === 2 && f.duration >= 0), JSON.stringify(toolsChanged));
    } finally {
      off();
    }
  });

  test('queue depth events feed velomcp_queue_depth and the dashboard statistics', async () => {
    const metrics = new McpMetrics({ defaultMetrics: false });
    const { LiveStats } = await import('../../src/observability/dashboard/stats.js');
    const stats = new LiveStats({ intervalMs: 50 });
    try {
      channels.queue.publish({ queue: 'admission', depth: 7 });
      channels.queue.publish({ queue: 'workers', depth: 2 });
      channels.queue.publish({ queue: 'admission', depth: 5 });
      const got = series(parseExposition(await metrics.metrics()), 'velomcp_queue_depth');
      assert.deepEqual([...got].sort(), [['{"queue":"admission"}', 5], ['{"queue":"workers"}', 2]]);
      const keepAlive = setTimeout(() => {}, 10_000); // the statistics timer is unref'd
      const snapshot = await new Promise<{ queueDepth: number | null }>((resolve) => (stats.onSnapshot = resolve));
      clearTimeout(keepAlive);
      assert.equal(snapshot.queueDepth, 7);
    } finally {
      stats.close();
      metrics.close();
    }
  });

  test('metrics record at most maxTargets distinct tool names; the rest as _OTHER', async () => {
    const metrics = new McpMetrics({ defaultMetrics: false, maxTargets: 1 });
    try {
      const client = new McpClient(INFO, { era: 'legacy' });
      await client.connect(new InMemoryClientTransport(observedServer()));
      for (const name of ['made-up-1', 'made-up-2', 'made-up-3']) await client.callTool({ name }).catch(() => {});
      await client.close();
      const got = series(parseExposition(await metrics.metrics()), 'mcp_server_operation_duration_seconds');
      const names = [...got.keys()].map((k) => (JSON.parse(k) as Record<string, string>).gen_ai_tool_name);
      assert.deepEqual(names.sort(), ['_OTHER', 'made-up-1']);
      const other = [...got].find(([k]) => k.includes('_OTHER'));
      assert.equal(other?.[1], 2);
    } finally {
      metrics.close();
    }
  });
});

describe('health routes on the standalone listener', () => {
  test('/healthz is 200; /readyz is 200 when every check passes and 503 naming the failing or slow one; other paths 404', async () => {
    let redisUp = true;
    const listener = await serveRoutes({
      routes: healthRoutes({
        timeoutMs: 200,
        checks: {
          redis: () => {
            if (!redisUp) throw new Error('ECONNREFUSED 127.0.0.1:6379');
          },
          store: () => new Promise<void>((resolve) => setTimeout(resolve, redisUp ? 0 : 1000).unref()),
        },
      }),
    });
    try {
      const health = await fetch(`${listener.url}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(`${listener.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { status: string }).status, 'ready');
      redisUp = false;
      const down = await fetch(`${listener.url}/readyz`);
      assert.equal(down.status, 503);
      const body = (await down.json()) as { status: string; checks: Record<string, { ok: boolean; error?: string }> };
      assert.equal(body.status, 'not_ready');
      assert.equal(body.checks.redis?.ok, false);
      assert.equal(body.checks.redis?.error, 'ECONNREFUSED 127.0.0.1:6379');
      assert.match(body.checks.store?.error ?? '', /timed out after 200 ms/);
      assert.equal((await fetch(`${listener.url}/nope`)).status, 404);
    } finally {
      await listener.close();
    }
  });

  test('storeReachable: ready while the session store answers, not ready when it fails', async () => {
    const ok = await readiness({ checks: { sessions: storeReachable(new InMemorySessionStore()) } });
    assert.deepEqual([ok.status, ok.checks.sessions?.ok], ['ready', true]);
    const down = await readiness({ checks: { sessions: storeReachable({ size: () => Promise.reject(new Error('redis: connection lost')) }) } });
    assert.deepEqual([down.status, down.checks.sessions?.error], ['not_ready', 'redis: connection lost']);
  });
});

