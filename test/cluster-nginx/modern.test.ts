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
import { McpClient } from '../../src/client/index.js';
import { liveSse, type LiveSse } from '../cluster/sse.js';
import { dropPrefix, testPrefix } from '../redis/helpers.js';
import { CLUSTER_SERVER, startCluster, type Cluster } from './harness.js';

// Database 4 is e2e's on the shared Redis; the prefix is unique to this run and deleted afterwards.
const REDIS = 'redis://127.0.0.1:6379/4';
const prefix = testPrefix('nginx-modern');
const logDir = mkdtempSync(join(tmpdir(), 'velomcp-modern-'));
const logFile = join(logDir, 'calls.log');
const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} };
let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ redisUrl: REDIS, prefix, module: CLUSTER_SERVER, env: { CLUSTER_TEST_LOG: logFile } });
});
after(async () => {
  await cluster?.stop();
  await dropPrefix(prefix, REDIS);
  rmSync(logDir, { recursive: true, force: true });
});

const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': TASKS };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Opens a `subscriptions/listen` stream on `url` and waits for its acknowledgement. */
async function openListen(url: string, notifications: Record<string, unknown>): Promise<LiveSse> {
  const id = `listen-${nextId++}`;
  const s = await liveSse(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'subscriptions/listen', params: { notifications, _meta: META } }),
  });
  assert.equal(s.status, 200);
  await s.waitFor((m) => m.method === 'notifications/subscriptions/acknowledged', 'the listen acknowledgement', 10_000);
  return s;
}

/** Lines `<event> <pid> <id>` the fixture tools wrote. */
function logLines(): string[][] {
  try {
    return readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' '));
  } catch {
    return [];
  }
}

let nextId = 1;
/** One 2026-07-28 request through nginx; the JSON-RPC response (JSON or the last SSE event). */
async function modern(method: string, params: Record<string, unknown>, caps: object = TASKS, url = cluster.url): Promise<{ result?: any; error?: any }> {
  const name = method === 'tools/call' ? params.name : method.startsWith('tasks/') ? params.taskId : undefined;
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(typeof name === 'string' ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: nextId++,
      method,
      params: { ...params, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': caps } },
    }),
  });
  const text = await r.text();
  if ((r.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as { id?: unknown; result?: unknown; error?: unknown });
    const last = data.filter((d) => 'id' in d).at(-1);
    assert.ok(last, `no response in ${text}`);
    return last as { result?: any; error?: any };
  }
  return JSON.parse(text) as { result?: any; error?: any };
}

async function taskUntil(taskId: string, ok: (t: any) => boolean, ms = 10_000, url = cluster.url): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await modern('tasks/get', { taskId }, TASKS, url);
    assert.ok(r.result, JSON.stringify(r));
    if (ok(r.result)) return r.result;
    if (Date.now() > end) assert.fail(`task ${taskId} stuck: ${JSON.stringify(r.result)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('2026-07-28 through nginx over 3 Redis-backed nodes', () => {
  test('velomcp client: MRTR rounds answered by different nodes all succeed (requestState sealed on one opens on another)', async () => {
    const client = new McpClient(
      { name: 'modern', version: '1.0.0' },
      {
        handlers: {
          sampling: () => ({ role: 'assistant', content: { type: 'text', text: 'sampled across nodes' }, model: 'm' }),
          elicitation: () => ({ action: 'accept', content: { username: 'lin', email: 'lin@example.com' } }),
        },
      },
    );
    await client.connect(cluster.url);
    assert.equal(client.era, 'modern');
    // MRTR: each round is its own POST; consecutive POSTs go to different nodes.
    const before = cluster.nginx.served().length;
    for (let i = 0; i < 3; i++) {
      assert.match(JSON.stringify((await client.callTool({ name: 'test_sampling', arguments: { prompt: 'x' } })).content), /sampled across nodes/);
      assert.match(JSON.stringify((await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } })).content), /lin/);
    }
    const rounds = cluster.nginx.served().slice(before);
    assert.ok(rounds.length >= 12, `every call took two rounds (${rounds.length} requests)`);
    assert.ok(rounds.every((r) => r.status === 200));
    assert.equal(new Set(rounds.map((r) => r.upstream)).size, 3, 'rounds answered by all 3 nodes');
    await client.close();
  });

  test('tasks: created on one node, polled and cancelled through the others', async () => {
    const quick = await modern('tools/call', { name: 'slow_compute', arguments: { seconds: 0.3, label: 'q' } });
    assert.equal(quick.result?.resultType, 'task', JSON.stringify(quick));
    const mark = cluster.nginx.served().length;
    const done = await taskUntil(quick.result.taskId, (t) => t.status === 'completed');
    assert.deepEqual(done.result.content, [{ type: 'text', text: 'Computed q after 0.3s' }]);
    assert.equal(new Set(cluster.nginx.served().slice(mark).map((s) => s.upstream)).size, 3, 'tasks/get answered by all 3 nodes');

    const slow = await modern('tools/call', { name: 'slow_compute', arguments: { seconds: 60 } });
    await taskUntil(slow.result.taskId, (t) => t.status === 'working');
    const cancel = await modern('tasks/cancel', { taskId: slow.result.taskId });
    assert.ok(cancel.result, JSON.stringify(cancel));
    const cancelled = await taskUntil(slow.result.taskId, (t) => t.status === 'cancelled', 5000);
    assert.equal(cancelled.status, 'cancelled');
  });

  test('a listen stream held by one node receives resource updates and tool list changes made on each of the 3 nodes', async () => {
    const [a, b, c] = cluster.direct as [string, string, string];
    const stream = await openListen(a, { toolsListChanged: true, resourceSubscriptions: ['test://watched-resource'] });
    try {
      for (const node of [a, b, c]) {
        const r = await modern('tools/call', { name: 'test_trigger_resource_update', arguments: {} }, TASKS, node);
        assert.ok(r.result, JSON.stringify(r));
      }
      const updated = (): any[] => stream.messages().filter((m) => m.method === 'notifications/resources/updated');
      await stream.waitFor(() => updated().length >= 3, 'three resources/updated (one per node)', 10_000);
      assert.ok(updated().every((m) => m.params.uri === 'test://watched-resource'));
      for (const node of [a, b, c]) {
        const r = await modern('tools/call', { name: 'test_trigger_tool_change', arguments: {} }, TASKS, node);
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
    const created = await modern('tools/call', { name: 'confirm_delete', arguments: { filename: 'x.txt' } }, TASKS, a);
    assert.equal(created.result?.resultType, 'task', JSON.stringify(created));
    const taskId = created.result.taskId as string;
    const stream = await openListen(c, { taskIds: [taskId] });
    try {
      const waiting = await taskUntil(taskId, (t) => t.status === 'input_required', 10_000, b);
      assert.ok(waiting.inputRequests?.confirm, JSON.stringify(waiting));
      // A malformed answer is refused on the node that received it, and the task keeps waiting.
      const bad = await modern('tasks/update', { taskId, inputResponses: { confirm: 'yes' } }, TASKS, b);
      assert.equal(bad.error?.code, -32602, JSON.stringify(bad));
      assert.equal((await taskUntil(taskId, () => true, 1000, c)).status, 'input_required');
      const ack = await modern('tasks/update', { taskId, inputResponses: { confirm: { action: 'accept', content: { confirm: true } } } }, TASKS, b);
      assert.deepEqual(ack.result && Object.keys(ack.result).filter((k) => k !== '_meta' && k !== 'resultType'), [], JSON.stringify(ack));
      const done = await taskUntil(taskId, (t) => t.status === 'completed' || t.status === 'failed', 10_000, c);
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
    const created = await modern('tools/call', { name: 'cluster_task_wait', arguments: { ms: 30_000 } }, TASKS, a);
    assert.equal(created.result?.resultType, 'task', JSON.stringify(created));
    const taskId = created.result.taskId as string;
    await taskUntil(taskId, (t) => t.status === 'working', 10_000, c);
    for (let i = 0; i < 100 && !logLines().some(([e, pid]) => e === 'task-started' && pid === pidA); i++) await sleep(50);
    const cancel = await modern('tasks/cancel', { taskId }, TASKS, b);
    assert.ok(cancel.result, JSON.stringify(cancel));
    for (let i = 0; i < 200 && !logLines().some(([e]) => e === 'task-cancelled'); i++) await sleep(50);
    const ends = logLines().filter(([e]) => e === 'task-cancelled' || e === 'task-completed');
    assert.deepEqual(
      ends.map(([e, pid]) => [e, pid]),
      [['task-cancelled', pidA]],
      'the handler on the node running the task saw the cancellation',
    );
    await sleep(300);
    for (const node of [a, b, c]) assert.equal((await taskUntil(taskId, () => true, 1000, node)).status, 'cancelled');
  });
});
