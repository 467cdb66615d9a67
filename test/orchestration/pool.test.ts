/**
 * The per-principal connection pool: reuse and stats, the bound, principal isolation, eviction, health checks,
 * dead connections, acquire timeouts and close.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VeloError } from '../../src/jsonrpc/errors.js';
import { ConnectionPool, type PoolFactory } from '../../src/orchestration/index.js';
import { sleep } from './helpers.js';

interface Conn {
  id: number;
  principal: string;
  alive: boolean;
  healthy: boolean;
  closed: boolean;
}

function factory(): PoolFactory<Conn> & { made: Conn[]; checks: number } {
  const made: Conn[] = [];
  const f = {
    made,
    checks: 0,
    async create(principal: string): Promise<Conn> {
      const c = { id: made.length, principal, alive: true, healthy: true, closed: false };
      made.push(c);
      return c;
    },
    async destroy(c: Conn): Promise<void> {
      c.closed = true;
    },
    isAlive: (c: Conn) => c.alive,
    async check(c: Conn): Promise<boolean> {
      f.checks++;
      return c.healthy;
    },
  };
  return f;
}

describe('connection pool', () => {
  test('a released connection is reused by the same principal: hits, misses, hit rate and sizes', async () => {
    const f = factory();
    const pool = new ConnectionPool(f, { max: 3 });
    const a = await pool.acquire('alice');
    assert.deepEqual({ ...pool.stats, hitRate: undefined }, { size: 1, max: 3, idle: 0, leased: 1, waiting: 0, hits: 0, misses: 1, hitRate: undefined, created: 1, destroyed: 0, evicted: 0, failedChecks: 0 });
    a.release();
    for (let i = 0; i < 9; i++) {
      const l = await pool.acquire('alice');
      assert.equal(l.connection, a.connection);
      l.release();
    }
    const s = pool.stats;
    assert.equal(s.hits, 9);
    assert.equal(s.misses, 1);
    assert.equal(s.hitRate, 0.9);
    assert.equal(s.idle, 1);
    assert.equal(f.made.length, 1);
    await pool.close();
    assert.equal(f.made[0]!.closed, true);
  });

  test('a connection made for one principal is never leased to another', async () => {
    const f = factory();
    const pool = new ConnectionPool(f, { max: 4 });
    const a = await pool.acquire('alice');
    a.release();
    const b = await pool.acquire('bob');
    assert.notEqual(b.connection, a.connection);
    assert.equal(b.connection.principal, 'bob');
    b.release();
    const a2 = await pool.acquire('alice');
    assert.equal(a2.connection, a.connection);
    a2.release();
    await pool.close();
  });

  test('when full, an idle connection of another principal is closed to make room', async () => {
    const f = factory();
    const pool = new ConnectionPool(f, { max: 1 });
    (await pool.acquire('alice')).release();
    const b = await pool.acquire('bob');
    assert.equal(f.made[0]!.closed, true);
    assert.equal(pool.stats.evicted, 1);
    assert.equal(pool.stats.size, 1);
    b.release();
    await pool.close();
  });

  test('when full with every connection leased, acquire waits for a release; leases are exclusive', async () => {
    const f = factory();
    const pool = new ConnectionPool(f, { max: 2 });
    const l1 = await pool.acquire('alice');
    const l2 = await pool.acquire('alice');
    assert.notEqual(l1.connection, l2.connection);
    let got: Conn | undefined;
    const waiting = pool.acquire('alice').then((l) => ((got = l.connection), l));
    await sleep(20);
    assert.equal(got, undefined);
    assert.equal(pool.stats.waiting, 1);
    l1.release();
    const l3 = await waiting;
    assert.equal(l3.connection, l1.connection);
    l2.release();
    l3.release();
    assert.equal(f.made.length, 2);
    await pool.close();
  });

  test('acquire gives up after acquireTimeoutMs with VELO_POOL_TIMEOUT, and a signal cancels the wait', async () => {
    const pool = new ConnectionPool(factory(), { max: 1, acquireTimeoutMs: 50 });
    const held = await pool.acquire('alice');
    await assert.rejects(pool.acquire('alice'), (e: unknown) => e instanceof VeloError && e.code === 'VELO_POOL_TIMEOUT');
    const ac = new AbortController();
    const p = pool.acquire('alice', ac.signal);
    ac.abort();
    await assert.rejects(p, (e: unknown) => e instanceof VeloError && e.code === 'VELO_REQUEST_CANCELLED');
    assert.equal(pool.stats.waiting, 0);
    held.release();
    await pool.close();
  });

  test('dead connections are discarded on release and on acquire; discard closes one after an error', async () => {
    const f = factory();
    const pool = new ConnectionPool(f, { max: 2 });
    const l = await pool.acquire('alice');
    l.connection.alive = false;
    l.release();
    assert.equal(pool.stats.size, 0);
    assert.equal(f.made[0]!.closed, true);
    const l2 = await pool.acquire('alice');
    l2.release();
    l2.connection.alive = false; // died while idle
    const l3 = await pool.acquire('alice');
    assert.notEqual(l3.connection, l2.connection);
    l3.release(true);
    assert.equal(l3.connection.closed, true);
    assert.equal(pool.stats.failedChecks, 2);
    await pool.close();
  });

  test('connections idle past checkAfterMs are health-checked before reuse; a failed check replaces them', async () => {
    const f = factory();
    const pool = new ConnectionPool(f, { max: 2, checkAfterMs: 0 });
    const l = await pool.acquire('alice');
    l.release();
    l.connection.healthy = false;
    const l2 = await pool.acquire('alice');
    assert.equal(f.checks, 1);
    assert.notEqual(l2.connection, l.connection);
    assert.equal(l.connection.closed, true);
    l2.release();
    await pool.close();
  });

  test('idle connections are closed after idleTimeoutMs', async () => {
    const f = factory();
    const pool = new ConnectionPool(f, { max: 2, idleTimeoutMs: 40 });
    (await pool.acquire('alice')).release();
    for (let i = 0; i < 100 && pool.stats.size > 0; i++) await sleep(20);
    assert.equal(pool.stats.size, 0);
    assert.equal(f.made[0]!.closed, true);
    assert.equal(pool.stats.evicted, 1);
    await pool.close();
  });

  test('a failing create frees its slot and rejects; close refuses new leases and closes released ones', async () => {
    let fail = true;
    const f = factory();
    const pool = new ConnectionPool({ ...f, create: (p: string) => (fail ? Promise.reject(new Error('spawn failed')) : f.create(p)) }, { max: 1 });
    await assert.rejects(pool.acquire('alice'), /spawn failed/);
    assert.equal(pool.stats.size, 0);
    fail = false;
    const l = await pool.acquire('alice');
    await pool.close();
    await assert.rejects(pool.acquire('alice'), (e: unknown) => e instanceof VeloError && e.code === 'VELO_POOL_CLOSED');
    l.release();
    assert.equal(l.connection.closed, true);
  });
});
