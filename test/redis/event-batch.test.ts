/**
 * RedisEventStore batches the events stored within one tick (a resource update fanned out to many GET
 * streams): one script call per BATCH_MAX events, each `storeEvent` resolving once its own event is in Redis,
 * ids still `<stream>#<seq>` growing by one per stream in call order, whichever node writes.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { BATCH_MAX, RedisEventStore } from '../../src/redis/event-store.js';
import type { RedisConnection } from '../../src/redis/index.js';
import { REDIS_URL, connectShared, dropPrefix, testPrefix } from './helpers.js';

const prefixes: string[] = [];
const conns: RedisConnection[] = [];
after(async () => {
  await Promise.all(conns.map((c) => c.close()));
  for (const p of prefixes) await dropPrefix(p);
});

async function node(prefix: string): Promise<RedisConnection> {
  const c = await connectShared(prefix);
  conns.push(c);
  return c;
}

/** Counts the script calls (EVALSHA/EVAL) naming a key under `prefix`, through MONITOR. */
async function countScripts(prefix: string): Promise<{ calls: () => number; stop: () => void }> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  const mon = await r.monitor();
  let n = 0;
  mon.on('monitor', (_t: string, args: string[], source: string) => {
    if (source !== 'lua' && /^eval/i.test(String(args[0])) && args.some((a) => a.startsWith(prefix))) n++;
  });
  // MONITOR is live once it echoes a command sent after it started.
  const probe = `${prefix}monitor-probe`;
  const other = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await new Promise<void>((resolve) => {
    const t = setInterval(() => void other.exists(probe).catch(() => 0), 20);
    mon.on('monitor', (_t: string, args: string[]) => {
      if (args[1] === probe) {
        clearInterval(t);
        other.disconnect();
        resolve();
      }
    });
  });
  return { calls: () => n, stop: () => (mon.disconnect(), r.disconnect()) };
}

describe('RedisEventStore: events stored in one tick share a round trip', () => {
  test(`${BATCH_MAX + 44} events over three streams in one tick: two script calls, ids in order per stream, every event replayable`, async () => {
    const prefix = testPrefix('batch');
    prefixes.push(prefix);
    const store = new RedisEventStore({ connection: await node(prefix), maxEventsPerStream: 1000 });
    const mon = await countScripts(prefix);
    try {
      const streams = ['s1.g', 's1.n-a.1', 's2.g'];
      const n = BATCH_MAX + 44;
      const ids = await Promise.all(Array.from({ length: n }, (_, i) => store.storeEvent(streams[i % 3] as string, `m${i}`)));
      for (const [k, sid] of streams.entries()) {
        const mine = ids.filter((_, i) => i % 3 === k);
        assert.deepEqual(mine, mine.map((_, j) => `${sid}#${j + 1}`), `${sid}: sequences 1, 2, ... in call order`);
        const replayed: string[] = [];
        assert.equal(await store.replayEventsAfter(`${sid}#1`, (_id, m) => replayed.push(m)), sid);
        assert.deepEqual(replayed, Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 === k).slice(1).map((i) => `m${i}`));
      }
      await new Promise((r) => setTimeout(r, 100));
      // Two batch calls plus the three replays.
      assert.equal(mon.calls(), 2 + 3, 'one script call per batch, not one per event');
    } finally {
      mon.stop();
    }
  });

  test('an event alone is stored as before; two nodes writing one stream in the same tick still get distinct, increasing ids', async () => {
    const prefix = testPrefix('batch2');
    prefixes.push(prefix);
    const a = new RedisEventStore({ connection: await node(prefix) });
    const b = new RedisEventStore({ connection: await node(prefix) });
    assert.equal(await a.storeEvent('x.g', 'first'), 'x.g#1');
    const got = await Promise.all([a.storeEvent('x.g', 'a1'), b.storeEvent('x.g', 'b1'), a.storeEvent('x.g', 'a2'), b.storeEvent('x.g', 'b2')]);
    assert.deepEqual([...got].sort(), ['x.g#2', 'x.g#3', 'x.g#4', 'x.g#5']);
    assert.ok(Number(got[0]!.split('#')[1]) < Number(got[2]!.split('#')[1]), 'one node keeps its order');
    await a.deleteSession('x');
    assert.equal(await a.replayEventsAfter('x.g#1', () => {}), undefined, 'deleteSession still finds every stream of the session');
  });

  test('a batch on a closed connection rejects every event of it', async () => {
    const prefix = testPrefix('batch3');
    prefixes.push(prefix);
    const c = await connectShared(prefix);
    const store = new RedisEventStore({ connection: c });
    await c.close();
    const results = await Promise.allSettled([store.storeEvent('y.g', '1'), store.storeEvent('y.g', '2'), store.storeEvent('z.g', '3')]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
  });
});
