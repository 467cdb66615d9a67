import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseCache } from '../../src/client/cache.js';

describe('client response cache', () => {
  test('keys ignore _meta; results are served fresh copies until their ttlMs passes', async () => {
    const c = new ResponseCache();
    const key = ResponseCache.key('tools/list', { cursor: 'a', _meta: { x: 1 } });
    assert.equal(key, ResponseCache.key('tools/list', { cursor: 'a', _meta: { y: 2 } }));
    c.store(key, { resultType: 'complete', tools: [], ttlMs: 30 });
    const hit = c.get(key)!;
    hit.tools = ['mutated'];
    assert.deepEqual(c.get(key)?.tools, [], 'callers get copies');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(c.get(key), undefined, 'stale after ttlMs');
  });

  test('input_required results and results without a positive ttlMs are never stored', () => {
    const c = new ResponseCache();
    c.store('a', { resultType: 'input_required', ttlMs: 1000 });
    c.store('b', { resultType: 'complete', ttlMs: 0 });
    c.store('c', { resultType: 'complete', ttlMs: -5 });
    c.store('d', { resultType: 'complete' });
    for (const k of ['a', 'b', 'c', 'd']) assert.equal(c.get(k), undefined, k);
  });

  test('invalidation by method, and by uri for resources/read; bounded size', () => {
    const c = new ResponseCache(3);
    const r1 = ResponseCache.key('resources/read', { uri: 'x://1' });
    const r2 = ResponseCache.key('resources/read', { uri: 'x://2' });
    const t = ResponseCache.key('tools/list', {});
    for (const k of [r1, r2, t]) c.store(k, { ttlMs: 10_000 });
    c.invalidate(['resources/read'], 'x://1');
    assert.equal(c.get(r1), undefined);
    assert.ok(c.get(r2) && c.get(t));
    c.invalidate(['tools/list']);
    assert.equal(c.get(t), undefined);
    for (let i = 0; i < 5; i++) c.store(`k${i}`, { ttlMs: 10_000 });
    assert.equal(c.get('k0'), undefined, 'least recently used dropped past the bound');
    assert.ok(c.get('k4'));
  });
});
