/**
 * What the Redis stores add to the shared contract: two nodes (two connections) share one session table,
 * event log and bus; racing adds never overshoot the bound; replay never crosses streams; streams are
 * trimmed and expire; session records expire; activity writes are coalesced.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { RedisEventStore, RedisNotificationBus, RedisSessionStore, type RedisConnection } from '../../src/redis/index.js';
import type { BusEvent } from '../../src/transports/http/index.js';
import { REDIS_URL, ThrowawayRedis, connectShared, dropPrefix, testPrefix, until } from './helpers.js';

const prefixes: string[] = [];
const conns: RedisConnection[] = [];
/** Two connections under one prefix: two nodes of one deployment. */
async function twoNodes(): Promise<[RedisConnection, RedisConnection, string]> {
  const p = testPrefix('nodes');
  prefixes.push(p);
  const a = await connectShared(p);
  const b = await connectShared(p);
  conns.push(a, b);
  return [a, b, p];
}

after(async () => {
  await Promise.all(conns.map((c) => c.close()));
  for (const p of prefixes) await dropPrefix(p);
});

const rec = (id: string, at = 0) => ({ id, protocolVersion: '2025-11-25', createdAt: at, lastSeenAt: at });

describe('RedisSessionStore across nodes', () => {
  test('60 racing adds from two nodes against a bound of 10 admit exactly 10', async () => {
    const [a, b] = await twoNodes();
    const sa = new RedisSessionStore({ connection: a, maxSessions: 10 });
    const sb = new RedisSessionStore({ connection: b, maxSessions: 10 });
    const results = await Promise.all(Array.from({ length: 60 }, (_v, i) => (i % 2 ? sa : sb).add(rec(`s${i}`))));
    assert.equal(results.filter(Boolean).length, 10);
    assert.equal(await sa.size(), 10);
    assert.equal(await sb.size(), 10);
  });

  test('a session added on one node is read, updated and deleted from the other', async () => {
    const [a, b] = await twoNodes();
    const sa = new RedisSessionStore({ connection: a });
    const sb = new RedisSessionStore({ connection: b });
    assert.equal(await sa.add(rec('x', 5)), true);
    assert.equal((await sb.get('x'))?.createdAt, 5);
    assert.equal((await sb.update('x', { logLevel: 'debug' }))?.logLevel, 'debug');
    assert.equal((await sa.get('x'))?.logLevel, 'debug');
    assert.equal(await sb.update('unknown', { logLevel: 'debug' }), undefined, 'update never creates a session');
    assert.equal(await sb.delete('x'), true);
    assert.equal(await sa.get('x'), undefined);
  });

  test('an idle session expires after ttlMs and frees its slot in the bound', async () => {
    const [a] = await twoNodes();
    const s = new RedisSessionStore({ connection: a, maxSessions: 1, ttlMs: 150 });
    assert.equal(await s.add(rec('old')), true);
    assert.equal(await s.add(rec('new')), false);
    assert.ok(await until(async () => (await s.get('old')) === undefined, 3000), 'the record expired');
    assert.equal(await s.size(), 0);
    assert.equal(await s.add(rec('new')), true);
  });

  test('touch refreshes the TTL: a session touched more often than ttlMs stays', async () => {
    const [a] = await twoNodes();
    const s = new RedisSessionStore({ connection: a, ttlMs: 300, touchIntervalMs: 50 });
    await s.add(rec('busy'));
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await s.touch('busy', Date.now());
    }
    assert.ok(await s.get('busy'), 'still there after 800 ms of activity with a 300 ms TTL');
  });
});

describe('RedisEventStore across nodes', () => {
  test('events stored on one node replay on the other, only from their own stream', async () => {
    const [a, b] = await twoNodes();
    const ea = new RedisEventStore({ connection: a });
    const eb = new RedisEventStore({ connection: b });
    const first = await ea.storeEvent('sess1.0', 'one');
    await ea.storeEvent('sess2.0', 'other session');
    await ea.storeEvent('sess1.0', 'two');
    await ea.storeEvent('sess1.g', 'standalone');
    await ea.storeEvent('sess1.0', 'three');
    const seen: [string, string][] = [];
    assert.equal(await eb.replayEventsAfter(first, (id, m) => void seen.push([id, m])), 'sess1.0');
    assert.deepEqual(seen.map(([, m]) => m), ['two', 'three']);
    assert.ok(seen.every(([id]) => id.startsWith('sess1.0#')), 'ids name their stream');
    assert.deepEqual(seen.map(([id]) => id.split('#')[1]), ['2', '3'], 'sequences count per stream');
    // A sequence the stream never assigned, or a stream that does not exist, replays nothing.
    assert.equal(await eb.replayEventsAfter('sess1.0#4', () => assert.fail('nothing replays')), undefined);
    assert.equal(await eb.replayEventsAfter('sess9.0#1', () => assert.fail('nothing replays')), undefined, 'unknown stream');
  });

  test('a stream is trimmed to maxEventsPerStream in Redis and carries a TTL', async () => {
    const [a, , p] = await twoNodes();
    const e = new RedisEventStore({ connection: a, maxEventsPerStream: 5, ttlMs: 60_000 });
    for (let i = 0; i < 20; i++) await e.storeEvent('trim', String(i));
    const r = new Redis(REDIS_URL);
    try {
      assert.equal(await r.xlen(`${p}events:trim`), 5);
      const ttl = await r.pttl(`${p}events:trim`);
      assert.ok(ttl > 0 && ttl <= 60_000, `PTTL ${ttl}`);
    } finally {
      r.disconnect();
    }
  });

  test('a stream id containing "#" is refused with VELO_INVALID_CONFIG', async () => {
    const [a] = await twoNodes();
    await assert.rejects(new RedisEventStore({ connection: a }).storeEvent('a#b', 'm'), { code: 'VELO_INVALID_CONFIG' });
  });
});

describe('RedisNotificationBus across nodes', () => {
  test('an event published on one node reaches subscribers on both, in publish order', async () => {
    const [a, b] = await twoNodes();
    const ba = new RedisNotificationBus({ connection: a });
    const bb = new RedisNotificationBus({ connection: b });
    const onA: BusEvent[] = [];
    const onB: BusEvent[] = [];
    await ba.subscribe((e) => void onA.push(e));
    await bb.subscribe((e) => void onB.push(e));
    for (let i = 0; i < 20; i++) await ba.publish({ type: 'resourceUpdated', uri: `test://r/${i}` });
    assert.ok(await until(() => onA.length === 20 && onB.length === 20));
    assert.deepEqual(onB, onA);
    assert.equal((onB[19] as { uri: string }).uri, 'test://r/19');
  });
});

describe('RedisSessionStore activity coalescing (throwaway Redis, exact command counts)', () => {
  test('100 touches of one session within touchIntervalMs cost one Redis command, and get still sees the newest', async () => {
    const redis = await ThrowawayRedis.start();
    const { connectRedis } = await import('../../src/redis/index.js');
    const conn = await connectRedis({ url: redis.url, prefix: 'c:' });
    try {
      const s = new RedisSessionStore({ connection: conn, touchIntervalMs: 60_000 });
      await s.add(rec('hot', 1));
      const probe = new Redis(redis.url);
      await probe.config('RESETSTAT');
      for (let i = 2; i <= 101; i++) await s.touch('hot', i);
      const stats = await probe.info('commandstats');
      probe.disconnect();
      assert.doesNotMatch(stats, /cmdstat_evalsha|cmdstat_eval:/, 'no script ran for the coalesced touches');
      assert.equal((await s.get('hot'))?.lastSeenAt, 101);
    } finally {
      await conn.close();
      await redis.stop();
    }
  });
});
