/**
 * `velomcp serve --http --workers 2 --redis URL`: every worker is a node of the Redis cluster (not of its
 * primary's IPC state), so two multi-worker "machines" (two primaries) serve one legacy session between
 * them; an unreachable Redis stops the start with exit 5.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CLUSTER_SERVER, Node, ROOT } from '../cluster-nginx/harness.js';
import { openSession, sessionHeaders, STATE_SECRET, urlOf } from '../chaos/helpers.js';
import { raw } from '../http/helpers.js';
import { dropPrefix, freePort, until } from './helpers.js';

/** Shared Redis, database 8 (this engineer's), keys under a per-run prefix. */
const REDIS = 'redis://127.0.0.1:6379/8';
const PREFIX = `velomcp:test:workers:${process.pid}:`;

describe('two --workers 2 primaries sharing one Redis', { timeout: 110_000 }, () => {
  let machines: Node[] = [];
  let redis: Redis;

  before(async () => {
    redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect().catch((err: Error) => {
      throw new Error(`this test needs Redis at 127.0.0.1:6379 (database 8): ${err.message}`);
    });
    machines = [];
    for (let i = 0; i < 2; i++) machines.push(new Node(await freePort(), [CLUSTER_SERVER, '--workers', '2', '--redis', REDIS, '--redis-prefix', PREFIX, '--state-secret', STATE_SECRET]));
    await Promise.all(machines.map((m) => m.start()));
  });
  after(async () => {
    for (const m of machines) await m.stop();
    redis.disconnect();
    await dropPrefix(PREFIX, REDIS).catch(() => undefined);
  });

  test('all 4 workers register as Redis nodes, and a session opened on one machine is served by both machines\' workers', async () => {
    assert.ok(await until(async () => (await redis.scard(`${PREFIX}nodes`)) === 4, 30_000), `4 Redis nodes, got ${await redis.scard(`${PREFIX}nodes`)}`);
    const [m1, m2] = machines as [Node, Node];
    const opened = await openSession(urlOf(m1));
    assert.ok('sid' in opened, 'session opened on machine 1');
    const pids = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const r = await raw(urlOf(i % 2 === 0 ? m2 : m1), { agent: false, headers: sessionHeaders(opened.sid), body: JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'cluster_node', arguments: {} } }) });
      assert.equal(r.status, 200, r.text);
      pids.add(r.json.result.structuredContent.pid as number);
    }
    // Fresh connections per request spread over each primary's workers; at least one of machine 2's served.
    assert.ok(pids.size >= 3, `calls served by at least 3 of the 4 worker processes, got ${[...pids].join(', ')}`);
  });
});

test('serve --http --workers 2 --redis with Redis unreachable exits 5 with one line naming the URL', async () => {
  const port = await freePort();
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', CLUSTER_SERVER, '--http', '--port', '0', '--workers', '2', '--redis', `redis://127.0.0.1:${port}/8`], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 5, r.stderr);
  assert.match(r.stderr, new RegExp(`velomcp: Redis at redis://127\\.0\\.0\\.1:${port}/8 is unreachable`));
  assert.doesNotMatch(r.stderr, /starting 2 workers/, 'no worker was started');
});
