import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InMemoryTaskStore, type TaskRecord, type TaskStore } from '../../src/server/tasks/index.js';

function record(taskId: string, ttlMs: number | null = 1000, status: TaskRecord['status'] = 'working'): TaskRecord {
  const now = new Date(0).toISOString();
  return { taskId, status, createdAt: now, lastUpdatedAt: now, ttlMs, principal: '', method: 'tools/call' };
}

/** The contract every TaskStore must meet; `advance` moves the store's clock forward. */
export function taskStoreContract(name: string, make: () => { store: TaskStore; advance: (ms: number) => void }): void {
  describe(`TaskStore contract: ${name}`, () => {
    test('create then get finds the record (durable create); put replaces; delete removes', async () => {
      const { store } = make();
      await store.create(record('a'));
      assert.equal((await store.get('a'))?.status, 'working');
      await store.put({ ...record('a'), status: 'completed', result: { content: [] } });
      assert.deepEqual((await store.get('a'))?.result, { content: [] });
      await store.delete('a');
      assert.equal(await store.get('a'), undefined);
      await store.delete('a');
    });

    test('put of an unknown record does not create it', async () => {
      const { store } = make();
      await store.put(record('ghost'));
      assert.equal(await store.get('ghost'), undefined);
    });

    test('records expire after ttlMs; null never expires', async () => {
      const { store, advance } = make();
      await store.create(record('short', 100));
      await store.create(record('forever', null));
      advance(99);
      assert.ok(await store.get('short'));
      advance(1);
      assert.equal(await store.get('short'), undefined);
      await store.put(record('short', 100));
      assert.equal(await store.get('short'), undefined);
      advance(10_000_000);
      assert.ok(await store.get('forever'));
    });
  });
}

function fake(options: { maxTasks?: number } = {}) {
  let now = 1_000_000;
  const store = new InMemoryTaskStore({ ...options, now: () => now });
  return { store, advance: (ms: number) => void (now += ms) };
}

taskStoreContract('InMemoryTaskStore', () => fake());

describe('InMemoryTaskStore bounds', () => {
  test('when full it evicts the oldest terminal record first, then the oldest of all', async () => {
    const { store } = fake({ maxTasks: 3 });
    await store.create(record('w1'));
    await store.create(record('done', 1000, 'completed'));
    await store.create(record('w2'));
    await store.create(record('w3'));
    assert.equal(store.size, 3);
    assert.equal(await store.get('done'), undefined);
    assert.ok(await store.get('w1'));
    await store.create(record('w4'));
    assert.equal(await store.get('w1'), undefined);
    assert.ok(await store.get('w4'));
  });

  test('expired records are swept on create', async () => {
    const { store, advance } = fake();
    for (let i = 0; i < 5; i++) await store.create(record(`t${i}`, 10));
    advance(2000);
    await store.create(record('fresh'));
    assert.equal(store.size, 1);
  });

  test('maxTasks must be a positive integer', () => {
    assert.throws(() => new InMemoryTaskStore({ maxTasks: 0 }), RangeError);
  });
});
