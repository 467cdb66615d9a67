/**
 * Breaker and cache events on the observability seam: a mount publishes every state change of its upstream's
 * breaker and of each tool's breaker on `velomcp:orchestration:breaker`; a result cache publishes hits,
 * misses, stores and backend failures on `velomcp:orchestration:cache`; prom-client metrics count them
 * (exposition parsed with a real parser).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InMemoryClientTransport } from '../../src/client/index.js';
import { subscribe, type BreakerEvent, type CacheEvent } from '../../src/observability/channels.js';
import { McpMetrics } from '../../src/observability/metrics.js';
import { MemoryCacheBackend, mount, ResultCache, type CacheBackend } from '../../src/orchestration/index.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { connect, eventually } from '../orchestration/helpers.js';
import { key, parseExposition, series } from './helpers.js';

describe('orchestration events', () => {
  test('per-tool breaker transitions are published with upstream and tool, and counted by the metrics', async () => {
    const events: BreakerEvent[] = [];
    const off = subscribe({ breaker: (e) => void events.push({ ...e }) });
    const metrics = new McpMetrics({ defaultMetrics: false });
    const state = { hang: true };
    const upstream = new McpServer({ name: 'up', version: '1' });
    upstream.registerTool('flaky', {}, async () => {
      if (state.hang) await new Promise(() => undefined);
      return { content: [{ type: 'text', text: 'ok' }] };
    });
    const gateway = new McpServer({ name: 'gw', version: '1' });
    const m = await mount(gateway, 'ev', { connect: () => new InMemoryClientTransport(upstream) }, {
      resilience: { timeoutMs: 100, breaker: { consecutiveFailures: 100 }, toolBreaker: { consecutiveFailures: 2, halfOpenAfterMs: 200 } },
      whenUnhealthy: 'keep',
    });
    const client = await connect(gateway);
    try {
      await client.callTool({ name: 'ev_flaky' });
      await client.callTool({ name: 'ev_flaky' });
      state.hang = false;
      await new Promise((r) => setTimeout(r, 300));
      await client.callTool({ name: 'ev_flaky' }); // the probe: half-open, then closed
      await eventually(() => events.length >= 3, 'three transitions');
      assert.deepEqual(events, [
        { upstream: 'ev', tool: 'flaky', state: 'OPEN' },
        { upstream: 'ev', tool: 'flaky', state: 'HALF_OPEN' },
        { upstream: 'ev', tool: 'flaky', state: 'CLOSED' },
      ]);
      const families = parseExposition(await metrics.metrics());
      assert.equal(series(families, 'velomcp_breaker_state').get(key({ upstream: 'ev', tool: 'flaky' })), 0);
      const transitions = series(families, 'velomcp_breaker_transitions_total');
      for (const s of ['OPEN', 'HALF_OPEN', 'CLOSED']) assert.equal(transitions.get(key({ upstream: 'ev', tool: 'flaky', state: s })), 1, s);
    } finally {
      off();
      metrics.close();
      await client.close();
      await m.close();
    }
  });

  test('cache hits, misses, stores and backend failures are published and counted', async () => {
    const events: CacheEvent[] = [];
    const off = subscribe({ cache: (e) => void events.push({ ...e }) });
    const metrics = new McpMetrics({ defaultMetrics: false });
    try {
      const cache = new ResultCache({ backend: new MemoryCacheBackend() });
      const run = async () => ({ content: [{ type: 'text' as const, text: 'r' }] });
      await cache.through('k', 1000, run); // miss + store
      await cache.through('k', 1000, run); // hit
      const broken: CacheBackend = {
        name: 'broken',
        get: () => Promise.reject(new Error('down')),
        set: () => Promise.reject(new Error('down')),
        delete: () => Promise.resolve(),
        clear: () => Promise.resolve(),
        close: () => Promise.resolve(),
      } as unknown as CacheBackend;
      await new ResultCache({ backend: broken }).through('k', 1000, run); // error on get, error on set
      assert.deepEqual(
        events.map((e) => `${e.backend}:${e.result}`),
        ['memory:miss', 'memory:store', 'memory:hit', 'broken:error', 'broken:error'],
      );
      const ops = series(parseExposition(await metrics.metrics()), 'velomcp_cache_operations_total');
      assert.equal(ops.get(key({ backend: 'memory', result: 'hit' })), 1);
      assert.equal(ops.get(key({ backend: 'memory', result: 'miss' })), 1);
      assert.equal(ops.get(key({ backend: 'memory', result: 'store' })), 1);
      assert.equal(ops.get(key({ backend: 'broken', result: 'error' })), 2);
    } finally {
      off();
      metrics.close();
    }
  });
});
