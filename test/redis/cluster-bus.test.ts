/**
 * Liveness of the Redis cluster bus: a node killed with SIGKILL (no goodbye) is reported down to the others
 * within a few check intervals; a node closing cleanly is reported at once; a live node is never reported.
 * And the task store bound: past maxTasks the oldest record goes.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { redisBackend } from '../../src/redis/index.js';
import { REDIS_URL, dropPrefix, testPrefix, until } from './helpers.js';

const prefixes: string[] = [];
after(async () => {
  for (const p of prefixes) await dropPrefix(p);
});
const fixture = fileURLToPath(new URL('./fixtures/node.js', import.meta.url));

describe('RedisClusterBus liveness', () => {
  test('a SIGKILLed node is reported down once to every other node, also when another node found it first (within 10 s); a live one never is', async () => {
    const prefix = testPrefix('live');
    prefixes.push(prefix);
    const watcher = await redisBackend({ url: REDIS_URL, prefix, nodeId: 'watcher', nodeCheckIntervalMs: 200 });
    // The bystander checks faster, so it is the one that finds the victim dead and removes it from the node
    // registry: the watcher must still hear of it (once).
    const bystander = await redisBackend({ url: REDIS_URL, prefix, nodeId: 'bystander', nodeCheckIntervalMs: 50 });
    const down: string[] = [] as string[];
    const seenByBystander: string[] = [];
    watcher.bus.onNodeDown((n) => void down.push(n));
    bystander.bus.onNodeDown((n) => void seenByBystander.push(n));
    const child = spawn(process.execPath, [fixture, REDIS_URL, prefix, 'victim'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      assert.match(line.toString(), /ready/);
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(down.length, 0, 'nobody is down while all run');
      const t0 = Date.now();
      child.kill('SIGKILL');
      assert.ok(await until(() => down.includes('victim'), 10_000), 'victim reported down');
      assert.ok(Date.now() - t0 < 10_000);
      assert.ok(!down.includes('bystander'));
      assert.ok(await until(() => seenByBystander.includes('victim'), 10_000), 'the bystander saw it too');
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(down.filter((n) => n === 'victim'), ['victim'], 'reported once to the watcher');
      await bystander.close();
      assert.ok(await until(() => down.includes('bystander'), 1000), 'a clean close is announced');
    } finally {
      child.kill('SIGKILL');
      await watcher.close();
      await bystander.close();
    }
  });
});

describe('RedisTaskStore bound', () => {
  test('past maxTasks the oldest record is evicted and the newest kept', async () => {
    const prefix = testPrefix('tasks');
    prefixes.push(prefix);
    const node = await redisBackend({ url: REDIS_URL, prefix, nodeId: 't1', maxTasks: 3 });
    try {
      const now = new Date().toISOString();
      for (let i = 0; i < 5; i++) {
        await node.tasks.create({ taskId: `k${i}`, status: 'working', createdAt: now, lastUpdatedAt: now, ttlMs: 60_000, principal: '', method: 'tools/call' });
        await new Promise((r) => setTimeout(r, 2));
      }
      const left = await Promise.all([0, 1, 2, 3, 4].map(async (i) => (await node.tasks.get(`k${i}`)) !== undefined));
      assert.deepEqual(left, [false, false, true, true, true]);
      await node.tasks.put({ taskId: 'never-created', status: 'completed', createdAt: now, lastUpdatedAt: now, ttlMs: 1, principal: '', method: 'tools/call' });
      assert.equal(await node.tasks.get('never-created'), undefined, 'put never creates');
    } finally {
      await node.close();
    }
  });

  test('a task expires ttlMs after create', async () => {
    const prefix = testPrefix('ttl');
    prefixes.push(prefix);
    const node = await redisBackend({ url: REDIS_URL, prefix, nodeId: 't2' });
    try {
      const now = new Date().toISOString();
      await node.tasks.create({ taskId: 'short', status: 'working', createdAt: now, lastUpdatedAt: now, ttlMs: 100, principal: '', method: 'tools/call' });
      assert.ok(await node.tasks.get('short'));
      await node.tasks.put({ taskId: 'short', status: 'completed', createdAt: now, lastUpdatedAt: now, ttlMs: 100, principal: '', method: 'tools/call' });
      assert.ok(await until(async () => (await node.tasks.get('short')) === undefined, 2000), 'expired, put kept the TTL');
    } finally {
      await node.close();
    }
  });
});
