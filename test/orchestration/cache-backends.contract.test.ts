/**
 * The one contract every result cache backend passes (memory, SQLite, Redis), then the ResultCache on each
 * backend: hits, TTL expiry, principal isolation, public scope, isError results never stored.
 * Redis: 127.0.0.1:6379, database 5, key prefix `velomcp:test:orch:<pid>:`; the test fails (not skips) when
 * Redis is not reachable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryCacheBackend, ResultCache, SqliteCacheBackend, canonicalJson, type CacheBackend } from '../../src/orchestration/index.js';
import { RedisCacheBackend } from '../../src/orchestration/redis.js';
import { sleep } from './helpers.js';

const REDIS_URL = 'redis://127.0.0.1:6379/5';
const dir = mkdtempSync(join(tmpdir(), 'velomcp-cache-'));

async function redisReachable(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port: 6379 });
    s.setTimeout(2000, () => (s.destroy(), reject(new Error('timeout'))));
    s.once('connect', () => (s.end(), resolve()));
    s.once('error', reject);
  }).catch((err: Error) => {
    throw new Error(`Redis is not reachable at 127.0.0.1:6379 (${err.message}); the Redis result cache backend test needs it (start redis-server)`);
  });
}

const BACKENDS: Array<{ name: string; make: (ns: string) => Promise<CacheBackend> }> = [
  { name: 'memory', make: async () => new MemoryCacheBackend({ maxEntries: 100 }) },
  { name: 'sqlite', make: async (ns) => new SqliteCacheBackend({ path: join(dir, `${ns}.db`) }) },
  {
    name: 'redis',
    make: async (ns) => {
      await redisReachable();
      return new RedisCacheBackend({ url: REDIS_URL, prefix: `velomcp:test:orch:${process.pid}:${ns}:` });
    },
  },
];

after(() => rmSync(dir, { recursive: true, force: true }));

for (const b of BACKENDS) {
  describe(`cache backend contract: ${b.name}`, () => {
    let backend: CacheBackend;
    let other: CacheBackend;
    before(async () => {
      backend = await b.make('a');
      other = await b.make('b');
      await backend.clear();
      await other.clear();
    });
    after(async () => {
      await backend.clear();
      await other.clear();
      await backend.close();
      await other.close();
      await backend.close(); // idempotent
    });

    test('get of a missing key is undefined; set then get returns the value; set replaces', async () => {
      assert.equal(backend.name, b.name);
      assert.equal(await backend.get('missing'), undefined);
      await backend.set('k1', '{"v":1}', 60_000);
      assert.equal(await backend.get('k1'), '{"v":1}');
      await backend.set('k1', '{"v":2}', 60_000);
      assert.equal(await backend.get('k1'), '{"v":2}');
    });

    test('entries expire after their TTL', async () => {
      await backend.set('short', 'x', 50);
      await backend.set('long', 'y', 60_000);
      assert.equal(await backend.get('short'), 'x');
      await sleep(120);
      assert.equal(await backend.get('short'), undefined);
      assert.equal(await backend.get('long'), 'y');
    });

    test('delete removes one key; clear removes every key of this backend and none of another namespace', async () => {
      await backend.set('d1', '1', 60_000);
      await backend.set('d2', '2', 60_000);
      await other.set('d1', 'other', 60_000);
      await backend.delete('d1');
      await backend.delete('never-there');
      assert.equal(await backend.get('d1'), undefined);
      assert.equal(await backend.get('d2'), '2');
      await backend.clear();
      assert.equal(await backend.get('d2'), undefined);
      if (b.name !== 'memory') assert.equal(await other.get('d1'), 'other');
    });

    test('values with unicode and large values round-trip', async () => {
      const big = JSON.stringify({ s: 'é✓🙂'.repeat(1000), n: Array.from({ length: 1000 }, (_, i) => i) });
      await backend.set('big', big, 60_000);
      assert.equal(await backend.get('big'), big);
    });
  });

  describe(`result cache on ${b.name}`, () => {
    let cache: ResultCache;
    before(async () => {
      cache = new ResultCache({ backend: await b.make('rc'), ttlMs: 60_000, namespace: 'test' });
      await cache.clear();
    });
    after(async () => {
      await cache.clear();
      await cache.close();
    });

    test('a second identical call is a hit (argument order does not matter) and runs nothing', async () => {
      let runs = 0;
      const run = async () => (runs++, { content: [{ type: 'text' as const, text: `run ${runs}` }] });
      const k1 = cache.key('tool', { a: 1, b: [1, 2] }, 'alice', 'principal');
      const k2 = cache.key('tool', { b: [1, 2], a: 1 }, 'alice', 'principal');
      assert.equal(k1, k2);
      const r1 = await cache.through(k1, 60_000, run);
      const r2 = await cache.through(k2, 60_000, run);
      assert.equal(runs, 1);
      assert.deepEqual(r2, r1);
      assert.equal(cache.stats.hits, 1);
      assert.equal(cache.stats.misses, 1);
      assert.equal(cache.stats.stores, 1);
    });

    test('principals never share entries unless the scope is public', async () => {
      let runs = 0;
      const run = async () => (runs++, { content: [{ type: 'text' as const, text: `secret ${runs}` }] });
      const alice = await cache.through(cache.key('me', {}, 'alice', 'principal'), 60_000, run);
      const bob = await cache.through(cache.key('me', {}, 'bob', 'principal'), 60_000, run);
      assert.notDeepEqual(alice, bob);
      assert.equal(runs, 2);
      assert.equal(cache.key('me', {}, 'alice', 'public'), cache.key('me', {}, 'bob', 'public'));
      assert.doesNotMatch(cache.key('me', {}, 'alice', 'principal'), /alice/);
    });

    test('TTL expiry: an expired entry is a miss and the call runs again', async () => {
      let runs = 0;
      const run = async () => (runs++, { content: [{ type: 'text' as const, text: 'x' }] });
      const k = cache.key('ttl', {}, '', 'principal');
      await cache.through(k, 50, run);
      await cache.through(k, 50, run);
      assert.equal(runs, 1);
      await sleep(120);
      await cache.through(k, 50, run);
      assert.equal(runs, 2);
    });

    test('isError results are not stored', async () => {
      let runs = 0;
      const run = async () => (runs++, { content: [{ type: 'text' as const, text: 'failed' }], isError: true });
      const k = cache.key('err', {}, '', 'principal');
      await cache.through(k, 60_000, run);
      await cache.through(k, 60_000, run);
      assert.equal(runs, 2);
    });
  });
}

describe('result cache faults', () => {
  test('a failing backend never fails the call: it runs uncached and the errors are counted', async () => {
    const broken: CacheBackend = {
      name: 'broken',
      get: () => Promise.reject(new Error('backend down')),
      set: () => Promise.reject(new Error('backend down')),
      delete: () => Promise.reject(new Error('backend down')),
      clear: () => Promise.reject(new Error('backend down')),
      close: async () => undefined,
    };
    const seen: string[] = [];
    const cache = new ResultCache({ backend: broken, onError: (e, op) => seen.push(`${op}: ${e.message}`) });
    let runs = 0;
    const run = async () => (runs++, { content: [{ type: 'text' as const, text: 'ok' }] });
    const r = await cache.through(cache.key('t', {}, '', 'principal'), 1000, run);
    await cache.through(cache.key('t', {}, '', 'principal'), 1000, run);
    assert.equal(runs, 2);
    assert.deepEqual(r.content, [{ type: 'text', text: 'ok' }]);
    assert.equal(cache.stats.errors, 4);
    assert.deepEqual(seen.slice(0, 2), ['get: backend down', 'set: backend down']);
  });

  test('a Redis backend pointed at a closed port fails each lookup fast and the call still runs', async () => {
    const redis = new RedisCacheBackend({ url: 'redis://127.0.0.1:1/5', redis: { retryStrategy: () => null, connectTimeout: 500 } });
    const cache = new ResultCache({ backend: redis });
    let runs = 0;
    const r = await cache.through(cache.key('t', {}, '', 'principal'), 1000, async () => (runs++, { content: [{ type: 'text' as const, text: 'ran' }] }));
    assert.equal(runs, 1);
    assert.equal((r.content[0] as { text: string }).text, 'ran');
    assert.ok(cache.stats.errors >= 1);
    await cache.close();
  });

  test('canonical JSON sorts keys at every depth and drops undefined members', () => {
    assert.equal(canonicalJson({ b: { d: 1, c: [2, { f: 1, e: 0 }] }, a: undefined, z: null }), '{"b":{"c":[2,{"e":0,"f":1}],"d":1},"z":null}');
  });
});
