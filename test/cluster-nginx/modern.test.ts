/**
 * The 2026-07-28 era through nginx in front of 3 Redis-backed velomcp processes (round-robin, no affinity): MRTR
 * (`input_required` + `requestState`) rounds answered by different nodes succeed, because every node opens
 * state sealed by any other (one shared key); tasks created on one node are read and cancelled
 * (`tasks/cancel`) through the others. (Listen streams across nodes and `tasks/update` routed to the running
 * node are not covered here yet.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpClient } from '../../src/client/index.js';
import { dropPrefix, testPrefix } from '../redis/helpers.js';
import { CLUSTER_SERVER, startCluster, type Cluster } from './harness.js';

const REDIS = 'redis://127.0.0.1:6379/3';
const prefix = testPrefix('nginx-modern');
const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} }, elicitation: {} };
let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ redisUrl: REDIS, prefix, module: CLUSTER_SERVER });
});
after(async () => {
  await cluster?.stop();
  await dropPrefix(prefix, REDIS);
});

let nextId = 1;
/** One 2026-07-28 request through nginx; the JSON-RPC response (JSON or the last SSE event). */
async function modern(method: string, params: Record<string, unknown>, caps: object = TASKS): Promise<{ result?: any; error?: any }> {
  const name = method === 'tools/call' ? params.name : method.startsWith('tasks/') ? params.taskId : undefined;
  const r = await fetch(cluster.url, {
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

async function taskUntil(taskId: string, ok: (t: any) => boolean, ms = 10_000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await modern('tasks/get', { taskId });
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
});
