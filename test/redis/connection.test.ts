/**
 * Connection management of the Redis tier: a clear startup error when Redis is unreachable or the URL is
 * malformed; loss detected at once (commands fail fast with VELO_BACKEND_UNAVAILABLE, never queue); recovery
 * by itself when Redis returns, subscriptions included. Uses a throwaway redis-server, never the shared one.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VeloError } from '../../src/jsonrpc/errors.js';
import { RedisNotificationBus, RedisSessionStore, connectRedis, parseRedisUrl, redactRedisUrl } from '../../src/redis/index.js';
import type { BusEvent } from '../../src/transports/http/index.js';
import { ThrowawayRedis, freePort, until } from './helpers.js';

describe('connectRedis at startup', () => {
  test('an unreachable Redis rejects with VELO_BACKEND_UNAVAILABLE naming the URL and the cause, within the timeout', async () => {
    const port = await freePort();
    const t0 = Date.now();
    await assert.rejects(connectRedis({ url: `redis://:secret@127.0.0.1:${port}/3`, connectTimeoutMs: 1500 }), (err: unknown) => {
      assert.ok(err instanceof VeloError);
      assert.equal(err.code, 'VELO_BACKEND_UNAVAILABLE');
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}/3`));
      assert.match(err.message, /ECONNREFUSED/);
      assert.doesNotMatch(err.message, /secret/, 'the password is redacted');
      return true;
    });
    assert.ok(Date.now() - t0 < 3000, 'gave up within the connect timeout');
  });

  test('malformed URLs are refused with VELO_INVALID_CONFIG before any connection', async () => {
    for (const bad of ['localhost:6379', 'http://127.0.0.1:6379', 'redis://127.0.0.1:6379/db2']) {
      await assert.rejects(connectRedis(bad), { code: 'VELO_INVALID_CONFIG' }, bad);
    }
    assert.deepEqual(parseRedisUrl('redis://h:1/7'), { db: 7 });
    assert.deepEqual(parseRedisUrl('rediss://h:1'), { db: 0 });
    assert.equal(redactRedisUrl('redis://u:pw@h:1/2'), 'redis://u:***@h:1/2');
  });
});

describe('Redis lost while serving, then back', () => {
  test('commands fail fast while Redis is down, and the store and the bus work again once it returns', async () => {
    const redis = await ThrowawayRedis.start();
    const conn = await connectRedis({ url: redis.url, prefix: 'loss:', commandTimeoutMs: 1000, maxReconnectDelayMs: 100 });
    const other = await connectRedis({ url: redis.url, prefix: 'loss:', maxReconnectDelayMs: 100 });
    const states: boolean[] = [];
    conn.onStateChange((up) => void states.push(up));
    try {
      const store = new RedisSessionStore({ connection: conn });
      const bus = new RedisNotificationBus({ connection: conn });
      const got: BusEvent[] = [];
      await bus.subscribe((e) => void got.push(e));
      assert.equal(await store.add({ id: 'a', protocolVersion: 'v', createdAt: 0, lastSeenAt: 0 }), true);

      await redis.stop();
      assert.ok(await until(() => !conn.up, 3000), 'loss detected');
      const t0 = Date.now();
      await assert.rejects(store.get('a'), (err: unknown) => err instanceof VeloError && err.code === 'VELO_BACKEND_UNAVAILABLE' && /unavailable/.test(err.message));
      await assert.rejects(bus.publish({ type: 'listChanged', kind: 'tools' }), { code: 'VELO_BACKEND_UNAVAILABLE' });
      assert.ok(Date.now() - t0 < 500, 'failed at once instead of queueing');

      await redis.start();
      assert.ok(await until(() => conn.up && other.up, 5000), 'reconnected by itself');
      assert.deepEqual(states, [false, true]);
      // A fresh server (no persistence): the table is empty, and the script cache was flushed too.
      assert.equal(await store.get('a'), undefined);
      assert.equal(await store.add({ id: 'b', protocolVersion: 'v', createdAt: 0, lastSeenAt: 0 }), true);
      await new RedisNotificationBus({ connection: other }).publish({ type: 'resourceUpdated', uri: 'test://after' });
      assert.ok(await until(() => got.length === 1, 3000), 'the subscription was restored');
      assert.deepEqual(got, [{ type: 'resourceUpdated', uri: 'test://after' }]);
    } finally {
      await conn.close();
      await other.close();
      await redis.stop();
    }
  });

  test('a closed connection refuses commands with VELO_BACKEND_UNAVAILABLE', async () => {
    const redis = await ThrowawayRedis.start();
    const conn = await connectRedis(redis.url);
    await conn.close();
    await conn.close();
    await assert.rejects(new RedisSessionStore({ connection: conn }).size(), { code: 'VELO_BACKEND_UNAVAILABLE', message: /closed/ });
    await redis.stop();
  });
});
