/**
 * A whole legacy (2025-11-25) session through nginx in front of 3 Redis-backed velomcp processes, plain
 * round-robin and no affinity: initialize, list, call, a validation failure, sampling and elicitation round
 * trips (the client's answer lands on another node than the one awaiting it), progress, cancellation (sent
 * through another node than the one running the call), a resource subscription whose update is triggered on
 * another node than the one holding the GET stream, and DELETE ending the session on every node. Run by the
 * official SDK v1 client and by velomcp's client; nginx's access log shows every session's requests spread
 * over all three nodes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpClient, type ServerNotification } from '../../src/client/index.js';
import { dropPrefix, testPrefix, until } from '../redis/helpers.js';
import { CLUSTER_SERVER, startCluster, type Cluster } from './harness.js';

// Database 4 is e2e's on the shared Redis; the prefix is unique to this run and deleted afterwards.
const REDIS = 'redis://127.0.0.1:6379/4';
const WATCHED = 'test://watched-resource';
const prefix = testPrefix('nginx-legacy');
const dir = mkdtempSync(join(tmpdir(), 'velomcp-cluster-legacy-'));
const logFile = join(dir, 'events.log');
let cluster: Cluster;

before(async () => {
  writeFileSync(logFile, '');
  cluster = await startCluster({ redisUrl: REDIS, prefix, module: CLUSTER_SERVER, env: { CLUSTER_TEST_LOG: logFile } });
});
after(async () => {
  await cluster?.stop();
  await dropPrefix(prefix, REDIS);
  rmSync(dir, { recursive: true, force: true });
});

/** `started|cancelled|completed pid id` lines of cluster_wait. */
function waitLog(): { event: string; pid: string }[] {
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [event = '', pid = ''] = l.split(' ');
      return { event, pid };
    });
}

/** The nodes (upstream addresses) that served requests of `session`, by method. */
function spread(session: string): { all: Set<string>; get: Set<string>; post: Set<string>; del: Set<string> } {
  const mine = cluster.nginx.served().filter((s) => s.session === session);
  const of = (m: string): Set<string> => new Set(mine.filter((s) => s.method === m).map((s) => s.upstream));
  return { all: new Set(mine.map((s) => s.upstream)), get: of('GET'), post: of('POST'), del: of('DELETE') };
}

/** After DELETE, every node (bypassing nginx) answers 404 for the session. */
async function assertEndedEverywhere(session: string): Promise<void> {
  for (const url of cluster.direct) {
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(r.status, 404, `${url} still knows the session`);
    await r.arrayBuffer();
  }
}

describe('legacy session through nginx over 3 Redis-backed nodes', () => {
  test('official SDK v1 client: the whole session, requests spread over every node', async () => {
    const client = new Client({ name: 'sdk-v1', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', content: { type: 'text', text: 'sampled by v1' }, model: 'm' }));
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { username: 'ada', email: 'ada@example.com' } }));
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    const transport = new StreamableHTTPClientTransport(new URL(cluster.url));
    await client.connect(transport);
    const session = transport.sessionId as string;
    assert.ok(session);

    const { tools } = await client.listTools();
    assert.ok(tools.some((t) => t.name === 'test_sampling'));
    const simple = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.deepEqual(simple.content, [{ type: 'text', text: 'This is a simple text response for testing.' }]);

    // Validation failure: the server rejects bad arguments before running the tool.
    const bad = await client.callTool({ name: 'test_structured_output', arguments: { a: 'one', b: 2 } }).then(
      (r) => JSON.stringify(r),
      (e: Error) => e.message,
    );
    assert.match(bad, /Invalid|invalid|must be number/);

    for (let i = 0; i < 3; i++) {
      const s = await client.callTool({ name: 'test_sampling', arguments: { prompt: `p${i}` } });
      assert.match(JSON.stringify(s.content), /LLM response: sampled by v1/);
      const e = await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } });
      assert.match(JSON.stringify(e.content), /ada/);
    }

    let progress = 0;
    await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: () => void progress++ });
    assert.equal(progress, 3);

    // Cancellation: the call runs on one node; notifications/cancelled goes out in a POST nginx sends elsewhere.
    const before = waitLog().length;
    const abort = new AbortController();
    const waiting = client.callTool({ name: 'cluster_wait', arguments: { ms: 20_000 } }, undefined, { signal: abort.signal, onprogress: () => undefined });
    assert.ok(await until(() => waitLog().length > before, 5000), 'the call started');
    abort.abort('test cancels');
    await assert.rejects(waiting);
    assert.ok(await until(() => waitLog().slice(before).some((l) => l.event === 'cancelled'), 5000), 'the running node saw the cancellation');
    const [started, cancelled] = waitLog().slice(before);
    assert.equal(started?.event, 'started');
    assert.equal(cancelled?.pid, started?.pid, 'cancelled on the node that ran it');

    // Subscribe, then trigger updates through nginx: some land on nodes other than the GET stream's.
    await client.subscribeResource({ uri: WATCHED });
    const mark = cluster.nginx.served().length;
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'test_trigger_resource_update', arguments: {} });
    assert.ok(await until(() => updates.length === 3, 5000), `3 updates on the GET stream, got ${updates.length}`);
    assert.deepEqual(updates, [WATCHED, WATCHED, WATCHED]);
    const triggeredOn = new Set(cluster.nginx.served().slice(mark).filter((s) => s.session === session && s.method === 'POST').map((s) => s.upstream));

    await transport.terminateSession();
    await client.close();
    // nginx logs a request when it ends: the GET stream appears once DELETE closed it.
    assert.ok(await until(() => spread(session).get.size > 0, 3000), 'the GET stream was served');
    const { all, post, get, del } = spread(session);
    assert.equal(all.size, 3, `requests of one session reached all 3 nodes: ${[...all].join(', ')}`);
    assert.equal(post.size, 3, 'POSTs on every node');
    assert.equal(get.size, 1, 'one node held the GET stream');
    assert.ok([...triggeredOn].some((u) => !get.has(u)), `an update was triggered on a node (${[...triggeredOn].join(', ')}) other than the GET stream's (${[...get].join(', ')})`);
    assert.equal(del.size, 1);
    await assertEndedEverywhere(session);
  });

  test('velomcp client: the whole session, requests spread over every node', async () => {
    const notes: ServerNotification[] = [];
    const client = new McpClient(
      { name: 'velomcp', version: '1.0.0' },
      {
        era: 'legacy',
        handlers: {
          sampling: () => ({ role: 'assistant', content: { type: 'text', text: 'sampled by velomcp' }, model: 'm' }),
          elicitation: () => ({ action: 'accept', content: { username: 'grace', email: 'grace@example.com' } }),
        },
        onNotification: (n) => void notes.push(n),
      },
    );
    await client.connect(cluster.url);
    const session = client.sessionId as string;
    assert.ok(session);
    assert.ok((await client.listTools()).tools.length > 20);
    assert.equal((await client.callTool({ name: 'test_simple_text' })).content[0]?.type, 'text');
    const bad = await client.callTool({ name: 'test_structured_output', arguments: { a: 'one', b: 2 } }).then(
      (r) => JSON.stringify(r),
      (e: Error) => e.message,
    );
    assert.match(bad, /Invalid|invalid|must be number/);
    for (let i = 0; i < 3; i++) {
      assert.match(JSON.stringify((await client.callTool({ name: 'test_sampling', arguments: { prompt: 'x' } })).content), /sampled by velomcp/);
      assert.match(JSON.stringify((await client.callTool({ name: 'test_elicitation', arguments: { message: 'who?' } })).content), /grace/);
    }
    let progress = 0;
    await client.callTool({ name: 'test_tool_with_progress' }, { onProgress: () => void progress++ });
    assert.equal(progress, 3);

    const before = waitLog().length;
    const abort = new AbortController();
    const waiting = client.callTool({ name: 'cluster_wait', arguments: { ms: 20_000 } }, { signal: abort.signal });
    assert.ok(await until(() => waitLog().length > before, 5000), 'the call started');
    abort.abort();
    await assert.rejects(waiting);
    assert.ok(await until(() => waitLog().slice(before).some((l) => l.event === 'cancelled'), 5000), 'the running node saw the cancellation');

    await client.subscribeResource({ uri: WATCHED });
    const mark = cluster.nginx.served().length;
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'test_trigger_resource_update' });
    const updated = (): number => notes.filter((n) => n.method === 'notifications/resources/updated').length;
    assert.ok(await until(() => updated() === 3, 5000), `3 updates, got ${updated()}`);
    const triggeredOn = new Set(cluster.nginx.served().slice(mark).filter((s) => s.session === session && s.method === 'POST').map((s) => s.upstream));

    await client.close();
    assert.ok(await until(() => spread(session).del.size === 1 && spread(session).get.size > 0, 3000), 'close() sent DELETE, which ended the GET stream');
    const { all, get } = spread(session);
    assert.equal(all.size, 3, 'requests of one session reached all 3 nodes');
    assert.ok([...triggeredOn].some((u) => !get.has(u)), 'an update was triggered on a node other than the GET stream\'s');
    await assertEndedEverywhere(session);
  });
});
