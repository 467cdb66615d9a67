/**
 * The 2026-07-28 era through nginx in front of 3 Redis-backed velomcp processes (round-robin, no affinity): MRTR
 * (`input_required` + `requestState`) rounds answered by different nodes succeed, because every node opens
 * state sealed by any other (one shared key); tasks created on one node are read and cancelled
 * (`tasks/cancel`) through the others; a listen stream held by one node receives resource updates and
 * list changes made on every node, and `notifications/tasks` of a task running on another node; `tasks/update`
 * and `tasks/cancel` sent to another node than the one running the task reach its handler (src/cluster/tasks.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { modern, mrtrRounds, openListen, taskUntil, tasksPollAndCancel, type Spread } from '../cluster/sessions.js';
import { dropPrefix, testPrefix } from '../redis/helpers.js';
import { CLUSTER_SERVER, startCluster, type Cluster } from './harness.js';

// Database 4 is e2e's on the shared Redis; the prefix is unique to this run and deleted afterwards.
const REDIS = 'redis://127.0.0.1:6379/4';
const prefix = testPrefix('nginx-modern');
const logDir = mkdtempSync(join(tmpdir(), 'velomcp-modern-'));
const logFile = join(logDir, 'calls.log');
let cluster: Cluster;
let deployment: Spread;

before(async () => {
  cluster = await startCluster({ redisUrl: REDIS, prefix, module: CLUSTER_SERVER, env: { CLUSTER_TEST_LOG: logFile } });
  deployment = {
    url: cluster.url,
    processes: cluster.nodes.length,
    served: () => cluster.nginx.served().map((s) => ({ by: s.upstream, method: s.method, status: s.status, session: s.session })),
  };
});
after(async () => {
  await cluster?.stop();
  await dropPrefix(prefix, REDIS);
  rmSync(logDir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Lines `<event> <pid> <id>` the fixture tools wrote. */
function logLines(): string[][] {
  try {
    return readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
  } catch {
    return [];
  }
}

describe('2026-07-28 through nginx over 3 Redis-backed nodes', () => {
  test('velomcp client: MRTR rounds answered by different nodes all succeed (requestState sealed on one opens on another)', async () => {
    await mrtrRounds(deployment);
  });

  test('tasks: created on one node, polled and cancelled through the others', async () => {
    await tasksPollAndCancel(deployment);
  });

  test('a listen stream held by one node receives resource updates and tool list changes made on each of the 3 nodes', async () => {
    const [a, b, c] = cluster.direct as [string, string, string];
    const stream = await openListen(a, { toolsListChanged: true, resourceSubscriptions: ['test://watched-resource'] });
    try {
      for (const node of [a, b, c]) {
        const r = await modern(node, 'tools/call', { name: 'test_trigger_resource_update', arguments: {} });
        assert.ok(r.result, JSON.stringify(r));
      }
      const updated = (): any[] => stream.messages().filter((m) => m.method === 'notifications/resources/updated');
      await stream.waitFor(() => updated().length >= 3, 'three resources/updated (one per node)', 10_000);
      assert.ok(updated().every((m) => m.params.uri === 'test://watched-resource'));
      for (const node of [a, b, c]) {
        const r = await modern(node, 'tools/call', { name: 'test_trigger_tool_change', arguments: {} });
        assert.match(JSON.stringify(r.result), /test_dynamic_tool added/);
      }
      const changed = (): any[] => stream.messages().filter((m) => m.method === 'notifications/tools/list_changed');
      await stream.waitFor(() => changed().length >= 3, 'three tools/list_changed (one per node)', 10_000);
      // Each change is delivered once: nothing more arrives after a pause.
      await sleep(500);
      assert.equal(updated().length, 3);
      assert.equal(changed().length, 3);
      const id = stream.messages()[0].params._meta['io.modelcontextprotocol/subscriptionId'];
      assert.ok([...updated(), ...changed()].every((m) => m.params._meta['io.modelcontextprotocol/subscriptionId'] === id), 'tagged with the listen id');
    } finally {
      stream.close();
    }
  });

  test('tasks/update sent to another node reaches the handler waiting for input; the listen stream of a third node gets its notifications/tasks', async () => {
    const [a, b, c] = cluster.direct as [string, string, string];
    const created = await modern(a, 'tools/call', { name: 'confirm_delete', arguments: { filename: 'x.txt' } });
    assert.equal(created.result?.resultType, 'task', JSON.stringify(created));
    const taskId = created.result.taskId as string;
    const stream = await openListen(c, { taskIds: [taskId] });
    try {
      const waiting = await taskUntil(b, taskId, (t) => t.status === 'input_required', 10_000);
      assert.ok(waiting.inputRequests?.confirm, JSON.stringify(waiting));
      // A malformed answer is refused on the node that received it, and the task keeps waiting.
      const bad = await modern(b, 'tasks/update', { taskId, inputResponses: { confirm: 'yes' } });
      assert.equal(bad.error?.code, -32602, JSON.stringify(bad));
      assert.equal((await taskUntil(c, taskId, () => true, 1000)).status, 'input_required');
      const ack = await modern(b, 'tasks/update', { taskId, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } });
      assert.deepEqual(ack.result && Object.keys(ack.result).filter((k) => k !== '_meta' && k !== 'resultType'), [], JSON.stringify(ack));
      const done = await taskUntil(c, taskId, (t) => t.status === 'completed' || t.status === 'failed', 10_000);
      assert.equal(done.status, 'completed', JSON.stringify(done));
      assert.deepEqual(done.result.content, [{ type: 'text', text: 'Deleted x.txt' }]);
      const note = await stream.waitFor((m) => m.method === 'notifications/tasks' && m.params.status === 'completed', 'notifications/tasks completed on the third node', 10_000);
      assert.equal(note.params.taskId, taskId);
    } finally {
      stream.close();
    }
  });

  test('tasks/cancel sent to another node stops the handler on the node running it, and the task stays cancelled', async () => {
    const [a, b, c] = cluster.direct as [string, string, string];
    const pidA = String(cluster.nodes[0]?.proc?.pid);
    const created = await modern(a, 'tools/call', { name: 'cluster_task_wait', arguments: { ms: 30_000 } });
    assert.equal(created.result?.resultType, 'task', JSON.stringify(created));
    const taskId = created.result.taskId as string;
    await taskUntil(c, taskId, (t) => t.status === 'working', 10_000);
    for (let i = 0; i < 100 && !logLines().some(([e, pid]) => e === 'task-started' && pid === pidA); i++) await sleep(50);
    const cancel = await modern(b, 'tasks/cancel', { taskId });
    assert.ok(cancel.result, JSON.stringify(cancel));
    for (let i = 0; i < 200 && !logLines().some(([e]) => e === 'task-cancelled'); i++) await sleep(50);
    const ends = logLines().filter(([e]) => e === 'task-cancelled' || e === 'task-completed');
    assert.deepEqual(
      ends.map(([e, pid]) => [e, pid]),
      [['task-cancelled', pidA]],
      'the handler on the node running the task saw the cancellation',
    );
    await sleep(300);
    for (const node of [a, b, c]) assert.equal((await taskUntil(node, taskId, () => true, 1000)).status, 'cancelled');
  });
});
