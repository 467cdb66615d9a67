/**
 * Mounting upstream servers: in process, over stdio and over Streamable HTTP, with the upstream connection in
 * either era and the downstream client in either era. Lists are namespaced and refreshed on list_changed;
 * calls, reads, prompts and completions are forwarded; progress, logging, cancellation, sampling and
 * elicitation pass through; the pool and the cache keep principals apart.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { McpClient, ServerNotification } from '../../src/client/index.js';
import { McpError } from '../../src/jsonrpc/errors.js';
import type { RequestContext } from '../../src/server/context.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/index.js';
import { serveWebSocket, WebSocketClientTransport } from '../../src/transports/ws/index.js';
import { mount, ResultCache, type UpstreamTarget } from '../../src/orchestration/index.js';
import { createUpstream } from './fixtures/upstream.js';
import { connect, eventually, HANDLERS, ROOT, text } from './helpers.js';

const INFO = { name: 'gateway-test', version: '1.0.0' };
const UPSTREAM_SCRIPT = join(ROOT, 'dist', 'test', 'orchestration', 'fixtures', 'upstream.js');

const handlers = {
  ...HANDLERS,
  elicitation: () => ({ action: 'accept' as const, content: { name: 'Ada' } }),
};

async function exercise(client: McpClient, p: string): Promise<void> {
  const names = (await client.listTools()).tools.map((t) => t.name);
  for (const t of ['echo', 'add', 'progress', 'hang', 'sample', 'ask', 'reject', 'fails']) assert.ok(names.includes(`${p}_${t}`), `${p}_${t} listed`);
  assert.equal(text(await client.callTool({ name: `${p}_echo`, arguments: { text: 'hi' } })), 'hi');
  const sum = await client.callTool({ name: `${p}_add`, arguments: { a: 2, b: 3 } });
  assert.deepEqual(sum.structuredContent, { sum: 5 });
  assert.equal((await client.callTool({ name: `${p}_fails` })).isError, true);
  await assert.rejects(client.callTool({ name: `${p}_reject` }), (e: unknown) => e instanceof McpError && e.code === -32602 && /Upstream says no/.test(e.message));
  // Sampling and elicitation from the upstream reach this client (legacy requests or MRTR rounds), in order.
  assert.equal(text(await client.callTool({ name: `${p}_sample`, arguments: { prompt: 'x' } })), 'sampled: sampled');
  assert.equal(text(await client.callTool({ name: `${p}_ask` })), 'accept:Ada:sampled');
  const progress: number[] = [];
  assert.equal(text(await client.callTool({ name: `${p}_progress` }, { onProgress: (x) => progress.push(x.progress) })), 'progressed');
  assert.deepEqual(progress, [1, 2, 3]);
  const prompt = await client.getPrompt({ name: `${p}_greet`, arguments: { who: 'bob' } });
  assert.deepEqual(prompt.messages[0]!.content, { type: 'text', text: 'hello bob' });
  const done = await client.complete({ ref: { type: 'ref/prompt', name: `${p}_greet` }, argument: { name: 'who', value: 'al' } });
  assert.deepEqual(done.completion.values, ['alice', 'albert']);
  const read = await client.readResource({ uri: `${p}+mem://readme` });
  assert.deepEqual(read.contents, [{ uri: `${p}+mem://readme`, mimeType: 'text/plain', text: 'read me' }]);
  const file = await client.readResource({ uri: `${p}+mem://files/b.txt` });
  assert.equal((file.contents[0] as { text: string }).text, 'file b.txt');
  const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
  assert.ok(templates.includes(`${p}+mem://files/{name}`));
  const fileDone = await client.complete({ ref: { type: 'ref/resource', uri: `${p}+mem://files/{name}` }, argument: { name: 'name', value: 'a' } });
  assert.deepEqual(fileDone.completion.values, ['a.txt']);
}

describe('mount: in-process upstream', () => {
  for (const upstreamEra of ['legacy', 'auto'] as const) {
    for (const downstreamEra of ['legacy', 'auto'] as const) {
      test(`upstream ${upstreamEra === 'auto' ? 'modern' : 'legacy'}, downstream ${downstreamEra === 'auto' ? 'modern' : 'legacy'}: lists, calls, prompts, reads, completion, progress, sampling and elicitation`, async () => {
        const { server: upstream } = createUpstream();
        const gateway = new McpServer(INFO);
        const m = await mount(gateway, 'up', { server: upstream }, { era: upstreamEra });
        const client = await connect(gateway, downstreamEra, { handlers });
        await exercise(client, 'up');
        await client.close();
        await m.close();
        assert.equal(gateway.toolDefinition('up_echo'), undefined, 'close() unregistered the tools');
      });
    }
  }

  test('upstream list_changed: added and removed tools and prompts show downstream, and the downstream gets list_changed', async () => {
    for (const era of ['legacy', 'auto'] as const) {
      const { server: upstream } = createUpstream();
      const gateway = new McpServer(INFO);
      const m = await mount(gateway, 'up', { server: upstream }, { era });
      const notes: string[] = [];
      const client = await connect(gateway, 'legacy', { onNotification: (n: ServerNotification) => notes.push(n.method) });
      const names = async () => (await client.listTools()).tools.map((t) => t.name);
      assert.ok(!(await names()).includes('up_late'));
      const reg = upstream.registerTool('late', {}, () => ({ content: [{ type: 'text', text: 'late' }] }));
      await eventually(async () => (await names()).includes('up_late'), `up_late listed (${era})`);
      assert.equal(text(await client.callTool({ name: 'up_late' })), 'late');
      await eventually(() => notes.includes('notifications/tools/list_changed'), 'downstream list_changed');
      reg.remove();
      upstream.removeTool('echo');
      await eventually(async () => !(await names()).includes('up_late') && !(await names()).includes('up_echo'), `up_late and up_echo gone (${era})`);
      upstream.registerPrompt('later', {}, () => ({ messages: [] }));
      await eventually(async () => (await client.listPrompts()).prompts.some((p) => p.name === 'up_later'), 'prompt added');
      assert.ok(m.stats.refreshes >= 2);
      await client.close();
      await m.close();
    }
  });

  test('cancellation downstream cancels the upstream call; upstream log messages reach the downstream client', async () => {
    const { server: upstream, probe } = createUpstream();
    const gateway = new McpServer(INFO);
    const m = await mount(gateway, 'up', { server: upstream });
    const logs: unknown[] = [];
    const client = await connect(gateway, 'legacy', { onNotification: (n) => n.method === 'notifications/message' && logs.push(n.params?.data) });
    await client.callTool({ name: 'up_progress' });
    assert.deepEqual(logs, ['step 1', 'step 2', 'step 3']);
    const ac = new AbortController();
    const call = client.callTool({ name: 'up_hang' }, { signal: ac.signal });
    await eventually(() => probe.calls.hang === 1, 'hang started');
    ac.abort();
    await assert.rejects(call);
    await eventually(() => probe.cancelled === 1, 'upstream saw the cancellation');
    assert.equal(m.state, 'CLOSED');
    await client.close();
    await m.close();
  });

  test('each downstream principal gets its own upstream connections, and cached results never cross principals', async () => {
    const upstream = new McpServer({ name: 'counter', version: '1' });
    let n = 0;
    upstream.registerTool('next', { annotations: { readOnlyHint: true } }, () => ({ content: [{ type: 'text', text: String(++n) }] }));
    upstream.registerTool('write', {}, () => ({ content: [{ type: 'text', text: String(++n) }] }));
    const gateway = new McpServer(INFO);
    const cache = new ResultCache({ ttlMs: 60_000 });
    const m = await mount(gateway, 'up', { server: upstream }, { cache, pool: { max: 4 } });
    const ctx = (principal: string): RequestContext => ({ principal, signal: new AbortController().signal, _meta: {}, progress: () => undefined, log: () => undefined, input: () => Promise.reject(new Error('no input')) }) as unknown as RequestContext;
    const ann = { readOnlyHint: true };
    const a1 = text(await m.callTool('next', {}, ctx('alice'), ann));
    const a2 = text(await m.callTool('next', {}, ctx('alice'), ann));
    const b1 = text(await m.callTool('next', {}, ctx('bob'), ann));
    assert.equal(a1, a2, 'alice hit her own cache entry');
    assert.notEqual(b1, a1, 'bob did not see alice\'s result');
    assert.deepEqual([cache.stats.hits, cache.stats.misses], [1, 2]);
    // Not read-only: never cached.
    assert.notEqual(text(await m.callTool('write', {}, ctx('alice'))), text(await m.callTool('write', {}, ctx('alice'))));
    const pool = m.pool.stats;
    assert.equal(pool.misses, 2, 'one connection per principal');
    assert.equal(pool.size, 2);
    assert.ok(pool.hits >= 2);
    await m.close();
  });

  test('a bad prefix is refused; a failed mount leaves nothing registered', async () => {
    const gateway = new McpServer(INFO);
    await assert.rejects(mount(gateway, '9bad', { server: createUpstream().server }), /Invalid mount prefix/);
    await assert.rejects(mount(gateway, 'nope', { command: process.execPath, args: ['-e', 'process.exit(3)'] }, { requestTimeoutMs: 5000 }));
    assert.equal(gateway.toolDefinition('nope_echo'), undefined);
  });
});

describe('mount: remote upstreams', () => {
  let http: HttpServerHandle | undefined;
  after(async () => http?.close());

  const targets: Array<[string, () => Promise<UpstreamTarget>]> = [
    ['stdio', async () => ({ command: process.execPath, args: [UPSTREAM_SCRIPT] })],
    [
      'Streamable HTTP',
      async () => {
        http ??= await serveHttp(createUpstream('http-upstream').server, { host: '127.0.0.1', port: 0 });
        return { url: http.url };
      },
    ],
  ];
  for (const [name, target] of targets) {
    for (const upstreamEra of ['legacy', 'auto'] as const) {
      test(`${name}, upstream ${upstreamEra === 'auto' ? 'modern' : 'legacy'} era: both downstream eras, with sampling and elicitation passing through`, async () => {
        const gateway = new McpServer(INFO);
        const m = await mount(gateway, 'r', await target(), { era: upstreamEra, pool: { max: 2 } });
        for (const era of ['legacy', 'auto'] as const) {
          const client = await connect(gateway, era, { handlers });
          await exercise(client, 'r');
          await client.close();
        }
        assert.ok(m.pool.stats.hitRate > 0.5, `pool reused connections: ${JSON.stringify(m.pool.stats)}`);
        await m.close();
      });
    }
  }

  test('WebSocket through a transport factory (any ClientTransport plugs in)', async () => {
    const ws = await serveWebSocket(createUpstream('ws-upstream').server, { host: '127.0.0.1', port: 0 });
    const gateway = new McpServer(INFO);
    const m = await mount(gateway, 'w', { connect: () => new WebSocketClientTransport(ws.url) });
    const client = await connect(gateway, 'legacy', { handlers });
    await exercise(client, 'w');
    await client.close();
    await m.close();
    await ws.close();
  });
});
