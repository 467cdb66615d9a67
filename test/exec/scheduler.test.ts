import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { inherit, Scheduler, type SchedulingPolicy } from '../../src/exec/scheduler.js';

function clock(start = 1000) {
  const c = { t: start, now: () => c.t };
  return c;
}
const drain = <T>(s: Scheduler<T>): T[] => {
  const out: T[] = [];
  for (let v = s.pop(); v !== undefined; v = s.pop()) out.push(v);
  return out;
};

describe('Scheduler policies', () => {
  test('fifo hands items out in arrival order whatever their priority', () => {
    const s = new Scheduler<string>({ policy: 'fifo' });
    s.push('a', { priority: 1 });
    s.push('b', { priority: 9 });
    s.push('c', { priority: 5 });
    assert.deepEqual(drain(s), ['a', 'b', 'c']);
  });

  test('priority hands out the highest priority first, ties in arrival order', () => {
    const s = new Scheduler<string>({ policy: 'priority' });
    s.push('low', { priority: 1 });
    s.push('high1', { priority: 9 });
    s.push('mid', { priority: 5 });
    s.push('high2', { priority: 9 });
    s.push('none');
    assert.deepEqual(drain(s), ['high1', 'high2', 'mid', 'low', 'none']);
  });

  test('deadline hands out the earliest deadline first; items without one go last', () => {
    const c = clock();
    const s = new Scheduler<string>({ policy: 'deadline', now: c.now });
    s.push('none', { priority: 9 });
    s.push('late', { deadline: 5000 });
    s.push('soon', { deadline: 2000 });
    s.push('mid', { deadline: 3000 });
    assert.deepEqual(drain(s), ['soon', 'mid', 'late', 'none']);
  });

  test('priority_deadline orders by priority, then by deadline within a priority', () => {
    const c = clock();
    const s = new Scheduler<string>({ policy: 'priority_deadline', now: c.now });
    s.push('p1-late', { priority: 1, deadline: 9000 });
    s.push('p5-late', { priority: 5, deadline: 9000 });
    s.push('p1-soon', { priority: 1, deadline: 2000 });
    s.push('p5-soon', { priority: 5, deadline: 2000 });
    s.push('p5-none', { priority: 5 });
    assert.deepEqual(drain(s), ['p5-soon', 'p5-late', 'p5-none', 'p1-soon', 'p1-late']);
  });

  test('every policy agrees with a sort of the same items (property)', () => {
    const policies: SchedulingPolicy[] = ['fifo', 'priority', 'deadline', 'priority_deadline'];
    fc.assert(
      fc.property(
        fc.constantFrom(...policies),
        fc.array(fc.record({ priority: fc.integer({ min: -3, max: 3 }), deadline: fc.option(fc.integer({ min: 2000, max: 2100 }), { nil: undefined }) }), { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (policy, items, removals) => {
          const c = clock();
          const s = new Scheduler<number>({ policy, now: c.now });
          const tickets = items.map((it, i) => s.push(i, it.deadline === undefined ? { priority: it.priority } : { priority: it.priority, deadline: it.deadline }));
          const removed = new Set<number>();
          for (const r of removals) if (tickets.length > 0 && s.remove(tickets[r % tickets.length]!)) removed.add(r % tickets.length);
          const key = (i: number): [number, number, number] => {
            const it = items[i]!;
            const d = it.deadline ?? Infinity;
            if (policy === 'fifo') return [0, 0, i];
            if (policy === 'priority') return [-it.priority, 0, i];
            if (policy === 'deadline') return [d, 0, i];
            return [-it.priority, d, i];
          };
          const expected = items
            .map((_, i) => i)
            .filter((i) => !removed.has(i))
            .sort((a, b) => {
              const ka = key(a);
              const kb = key(b);
              return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2] || 0;
            });
          assert.deepEqual(drain(s), expected);
        },
      ),
    );
  });

  test('an unknown policy is refused', () => {
    assert.throws(() => new Scheduler({ policy: 'lifo' as SchedulingPolicy }), { code: 'VELO_INVALID_CONFIG' });
  });
});

describe('Scheduler deadlines, inheritance, starvation and stats', () => {
  test('items whose deadline passed are never handed out: pop drops them and reports each to onExpire', () => {
    const c = clock();
    const s = new Scheduler<string>({ policy: 'priority', now: c.now });
    const expired: string[] = [];
    s.onExpire = (v) => expired.push(v);
    s.push('keeps', { priority: 1 });
    s.push('expires-high', { priority: 9, deadline: 1500 });
    s.push('expires-low', { priority: 0, deadline: 1200 });
    c.t = 1600;
    assert.equal(s.pop(), 'keeps');
    assert.equal(s.pop(), undefined);
    assert.deepEqual(expired.sort(), ['expires-high', 'expires-low']);
    assert.equal(s.stats().expired, 2);
  });

  test('expire() sweeps every expired item at once', () => {
    const c = clock();
    const s = new Scheduler<number>({ policy: 'fifo', now: c.now });
    for (let i = 0; i < 10; i++) s.push(i, { deadline: 1000 + i * 100 + 50 });
    c.t = 1500;
    assert.equal(s.expire(), 5);
    assert.deepEqual(drain(s), [5, 6, 7, 8, 9]);
  });

  test('inherit: work done for a request runs at least at its priority and by its deadline', () => {
    assert.deepEqual(inherit({ priority: 7, deadline: 5000 }, { priority: 2, deadline: 9000 }), { priority: 7, deadline: 5000 });
    assert.deepEqual(inherit({ priority: 1 }, { priority: 4, deadline: 3000 }), { priority: 4, deadline: 3000 });
    assert.deepEqual(inherit(undefined, { priority: 2 }), { priority: 2, deadline: Infinity });
    const s = new Scheduler<string>({ policy: 'priority' });
    s.push('other', { priority: 5 });
    s.push('child', inherit({ priority: 8 }, { priority: 0 }));
    assert.equal(s.pop(), 'child');
  });

  test('boost raises a queued item (priority inheritance for waiters) and never lowers it', () => {
    const s = new Scheduler<string>({ policy: 'priority_deadline' });
    s.push('a', { priority: 5 });
    const b = s.push('b', { priority: 1 });
    s.push('c', { priority: 3 });
    assert.equal(s.boost(b, 9), true);
    assert.equal(s.boost(b, 0), true);
    assert.equal(b.priority, 9);
    assert.deepEqual(drain(s), ['b', 'a', 'c']);
    assert.equal(s.boost(b, 10), false, 'no longer queued');
  });

  test('no starvation: under a steady stream of high-priority work a low item runs once it has waited maxWaitMs', () => {
    const c = clock();
    const s = new Scheduler<string>({ policy: 'priority', maxWaitMs: 500, now: c.now });
    s.push('low', { priority: 0 });
    const served: string[] = [];
    for (let i = 0; i < 100; i++) {
      s.push(`high${i}`, { priority: 10 });
      served.push(s.pop()!);
      c.t += 10;
    }
    const at = served.indexOf('low');
    assert.ok(at >= 0, 'the low-priority item was served');
    assert.ok(at >= 49 && at <= 51, `served after about 500 ms of waiting (at step ${at})`);
    assert.equal(s.stats().starvationPromotions, 1);
  });

  test('capacity: a full queue refuses with VELO_QUEUE_FULL and counts it', () => {
    const s = new Scheduler<number>({ capacity: 2 });
    s.push(1);
    s.push(2);
    assert.throws(() => s.push(3), { code: 'VELO_QUEUE_FULL' });
    assert.equal(s.stats().rejected, 1);
    s.pop();
    s.push(3);
    assert.equal(s.size, 2);
  });

  test('remove takes a queued item out in O(log n) and only once', () => {
    const s = new Scheduler<string>({ policy: 'priority' });
    const a = s.push('a', { priority: 1 });
    s.push('b', { priority: 2 });
    assert.equal(s.remove(a), true);
    assert.equal(s.remove(a), false);
    assert.equal(a.queued, false);
    assert.deepEqual(drain(s), ['b']);
    assert.equal(s.stats().removed, 1);
  });

  test('stats report depth, peak, waits and the oldest wait', () => {
    const c = clock();
    const s = new Scheduler<string>({ now: c.now });
    s.push('a');
    s.push('b');
    c.t += 40;
    assert.equal(s.stats().oldestWaitMs, 40);
    s.pop();
    c.t += 20;
    s.pop();
    const st = s.stats();
    assert.equal(st.depth, 0);
    assert.equal(st.peakDepth, 2);
    assert.equal(st.enqueued, 2);
    assert.equal(st.dequeued, 2);
    assert.equal(st.waitMs.max, 60);
    assert.equal(st.waitMs.mean, 50);
  });

  test('bad attributes are refused', () => {
    const s = new Scheduler<number>();
    assert.throws(() => s.push(1, { priority: NaN }), { code: 'VELO_INVALID_CONFIG' });
    assert.throws(() => s.push(1, { priority: Infinity }), { code: 'VELO_INVALID_CONFIG' });
    assert.throws(() => new Scheduler({ maxWaitMs: 0 }), { code: 'VELO_INVALID_CONFIG' });
  });
});
