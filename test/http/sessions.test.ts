import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialize, LEGACY_HEADERS, makeServer, modernRequest, raw, sleep, start, type Probe } from './helpers.js';

const list = (url: string, sid: string) =>
  raw(url, { headers: { ...LEGACY_HEADERS, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });

describe('the legacy session table', () => {
  test('a flood of sessions fills the table, then 503; existing sessions and modern requests are unaffected', async () => {
    const h = await start(makeServer(), { maxSessions: 20 });
    try {
      const sids = await Promise.all(Array.from({ length: 20 }, () => initialize(h.url)));
      assert.equal(new Set(sids).size, 20);
      const refused = await raw(h.url, {
        headers: LEGACY_HEADERS,
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
      assert.equal(refused.status, 503);
      assert.ok(refused.headers['retry-after']);
      assert.equal(refused.json.error.code, -32000);
      for (const sid of sids.slice(0, 5)) assert.equal((await list(h.url, sid)).status, 200);
      assert.equal((await raw(h.url, modernRequest(1, 'tools/list'))).status, 200);
      // Ending one session makes room again.
      await raw(h.url, { method: 'DELETE', headers: { 'mcp-session-id': sids[0] as string } });
      await initialize(h.url);
    } finally {
      await h.close();
    }
  });

  test('idle sessions are evicted (404 afterwards) but a session with work in flight never is', async () => {
    const probe: Probe = { cancelled: [], release: undefined };
    const h = await start(makeServer(probe), { sessionIdleTimeoutMs: 150 });
    try {
      const idle = await initialize(h.url);
      const busy = await initialize(h.url);
      const pending = raw(h.url, {
        headers: { ...LEGACY_HEADERS, 'mcp-session-id': busy, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'wait', arguments: {} } }),
      });
      await sleep(600);
      assert.equal((await list(h.url, idle)).status, 404, 'the idle session was evicted');
      probe.release?.();
      const r = await pending;
      assert.equal(r.status, 200);
      assert.equal((await list(h.url, busy)).status, 200, 'the busy session survived');
      assert.deepEqual(probe.cancelled, []);
    } finally {
      await h.close();
    }
  });

  test('a full table evicts the longest-idle session past its timeout to make room', async () => {
    const h = await start(makeServer(), { maxSessions: 2, sessionIdleTimeoutMs: 100_000 });
    try {
      await initialize(h.url);
      await initialize(h.url);
      const refused = await raw(h.url, {
        headers: LEGACY_HEADERS,
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
      assert.equal(refused.status, 503, 'active sessions are never displaced');
    } finally {
      await h.close();
    }
  });
});
