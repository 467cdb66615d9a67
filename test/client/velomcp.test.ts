/**
 * velomcp client against velomcp servers (the everything example and small in-test servers) over in-memory,
 * stdio, Streamable HTTP and HTTP+SSE, in both eras: negotiation, the MCP methods, MRTR and legacy
 * server→client requests through the same handlers, listen/subscriptions, caching, cancellation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpClient, InMemoryClientTransport, StdioClientTransport, type McpClientOptions, type ServerNotification } from '../../src/client/index.js';
import { McpError } from '../../src/jsonrpc/errors.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { listRoots } from '../../src/server/input.js';
import { serveHttp } from '../../src/transports/http/index.js';
import { createEverythingServer } from '../../examples/everything/server.js';
import { assertNoLeaks, HANDLERS, resources, SERVE_ARGS } from './helpers.js';

const INFO = { name: 'velomcp-test-client', version: '1.0.0' };
const ERAS = [
  ['auto', 'modern'],
  ['legacy', 'legacy'],
] as const;

async function exerciseEverything(client: McpClient): Promise<void> {
  const { tools } = await client.listTools();
  assert.ok(tools.length > 20);
  const text = await client.callTool({ name: 'test_simple_text' });
  assert.equal(text.content[0]!.type, 'text');
  const failed = await client.callTool({ name: 'test_error_handling' });
  assert.equal(failed.isError, true);
  // Sampling and elicitation: legacy server→client requests or modern input_required rounds, same handlers.
  const sampled = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
  assert.match(JSON.stringify(sampled.content), /sampled/);
  const elicited = await client.callTool({ name: 'test_elicitation', arguments: { message: 'go' } });
  assert.match(JSON.stringify(elicited.content), /accept/);
  const defaults = await client.callTool({ name: 'test_elicitation_sep1034_defaults' });
  assert.match(JSON.stringify(defaults.content), /John Doe/);
  let progress = 0;
  await client.callTool({ name: 'test_tool_with_progress' }, { onProgress: () => progress++ });
  assert.equal(progress, 3);
  const read = await client.readResource({ uri: 'test://static-text' });
  assert.equal(read.contents.length, 1);
  await assert.rejects(client.readResource({ uri: 'test://nope' }), (e: unknown) => e instanceof McpError);
  const templates = await client.listResourceTemplates();
  assert.ok(templates.resourceTemplates.length > 0);
  const { prompts } = await client.listPrompts();
  assert.ok(prompts.some((p) => p.name === 'test_simple_prompt'));
  const prompt = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } });
  assert.ok(prompt.messages.length > 0);
  const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' } });
  assert.ok(completion.completion.values.includes('paris'));
  await client.ping();
}

describe('velomcp client with velomcp servers', () => {
  for (const [era, expected] of ERAS) {
    test(`in-memory, era ${era}: every method, both input mechanisms`, async () => {
      const client = new McpClient(INFO, { era, handlers: HANDLERS });
      await client.connect(new InMemoryClientTransport(createEverythingServer()));
      assert.equal(client.era, expected);
      assert.equal(client.serverInfo?.name, 'velomcp-everything');
      await exerciseEverything(client);
      await client.close();
    });

    test(`stdio (velomcp serve), era ${era}`, async () => {
      const before = resources();
      const client = new McpClient(INFO, { era, handlers: HANDLERS });
      await client.connect(new StdioClientTransport({ command: process.execPath, args: SERVE_ARGS }));
      assert.equal(client.era, expected);
      await exerciseEverything(client);
      await client.close();
      await assertNoLeaks(before);
    });

    test(`Streamable HTTP, era ${era}`, async () => {
      const before = resources();
      const server = createEverythingServer();
      const http = await serveHttp(server, { host: '127.0.0.1', port: 0, path: '/mcp', legacySse: true });
      const client = new McpClient(INFO, { era, handlers: HANDLERS });
      await client.connect(http.url);
      assert.equal(client.era, expected);
      if (expected === 'legacy') assert.ok(client.sessionId);
      await exerciseEverything(client);
      await client.close();
      server.close();
      await http.close();
      await assertNoLeaks(before);
    });
  }

  test('HTTP+SSE (2024-11-05 transport) against the velomcp /sse endpoint', async () => {
    const server = createEverythingServer();
    const http = await serveHttp(server, { host: '127.0.0.1', port: 0, path: '/mcp', legacySse: true });
    const client = new McpClient(INFO, { handlers: HANDLERS, http: { transport: 'sse' } });
    await client.connect(http.url.replace(/\/mcp$/, '/sse'));
    assert.equal(client.era, 'legacy');
    await exerciseEverything(client);
    await client.close();
    server.close();
    await http.close();
  });

  test('pinned modern version: {pin: "2026-07-28"} and per-request _meta with the log level', async () => {
    const seen: unknown[] = [];
    const server = new McpServer({ name: 'meta', version: '1' });
    server.registerTool('meta', { inputSchema: { type: 'object' } }, (_a, ctx) => {
      ctx.log('info', 'logged');
      seen.push(ctx.era);
      return { content: [{ type: 'text', text: 'ok' }] };
    });
    const notes: ServerNotification[] = [];
    const client = new McpClient(INFO, { era: { pin: '2026-07-28' }, onNotification: (n) => notes.push(n) });
    await client.connect(new InMemoryClientTransport(server));
    await client.callTool({ name: 'meta' });
    assert.equal(notes.filter((n) => n.method === 'notifications/message').length, 0, 'no logs without a log level');
    await client.setLoggingLevel('info');
    await client.callTool({ name: 'meta' });
    assert.equal(notes.filter((n) => n.method === 'notifications/message').length, 1);
    assert.throws(() => new McpClient(INFO, { era: { pin: '2025-11-25' } }), /Cannot pin/);
    await client.close();
  });

  for (const [era] of ERAS) {
    test(`listen and list_changed invalidate the cache (era ${era})`, async () => {
      const server = new McpServer({ name: 'cache', version: '1' });
      server.registerTool('one', { inputSchema: { type: 'object' } }, () => ({ content: [] }));
      const client = new McpClient(INFO, { era });
      await client.connect(new InMemoryClientTransport(server));
      const got: string[] = [];
      const sub = await client.listen({ toolsListChanged: true }, { onNotification: (n) => got.push(n.method) });
      assert.equal(sub.acknowledged.toolsListChanged, true);
      assert.equal((await client.listTools()).tools.length, 1);
      server.registerTool('two', { inputSchema: { type: 'object' } }, () => ({ content: [] }));
      for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(got, ['notifications/tools/list_changed']);
      assert.equal((await client.listTools()).tools.length, 2, 'the cached list was invalidated');
      sub.close();
      await client.close();
    });
  }

  test('modern cache: fresh results are reused until ttlMs, then fetched again', async () => {
    let lists = 0;
    const server = new McpServer({ name: 'cache', version: '1' });
    server.registerResource('r', 'test://r', { cacheHint: { ttlMs: 150, cacheScope: 'public' } }, () => {
      lists++;
      return { contents: [{ uri: 'test://r', text: String(lists) }] };
    });
    const client = new McpClient(INFO);
    await client.connect(new InMemoryClientTransport(server));
    assert.equal(client.era, 'modern');
    const a = await client.readResource({ uri: 'test://r' });
    const b = await client.readResource({ uri: 'test://r' });
    assert.deepEqual(a, b);
    assert.equal(lists, 1);
    await new Promise((r) => setTimeout(r, 200));
    await client.readResource({ uri: 'test://r' });
    assert.equal(lists, 2);
    await client.readResource({ uri: 'test://r' }, { noCache: true });
    assert.equal(lists, 3);
    await client.close();
  });

  for (const [era] of ERAS) {
    test(`cancellation through AbortSignal reaches the server handler (era ${era})`, async () => {
      let aborted = false;
      const server = new McpServer({ name: 'cancel', version: '1' });
      server.registerTool('wait', { inputSchema: { type: 'object' } }, (_a, ctx) =>
        new Promise((resolve) => ctx.signal.addEventListener('abort', () => {
          aborted = true;
          resolve({ content: [] });
        })),
      );
      const client = new McpClient(INFO, { era });
      await client.connect(new InMemoryClientTransport(server));
      const abort = new AbortController();
      setTimeout(() => abort.abort(), 30);
      await assert.rejects(client.callTool({ name: 'wait' }, { signal: abort.signal }), /cancelled/);
      for (let i = 0; i < 50 && !aborted; i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(aborted);
      await client.close();
    });
  }

  test('legacy roots: the handler answers roots/list and setRoots sends roots/list_changed', async () => {
    const server = new McpServer({ name: 'roots', version: '1' });
    server.registerTool('roots', { inputSchema: { type: 'object' } }, async (_a, ctx) => {
      const r = (await ctx.input({ r: listRoots() })) as unknown as Record<string, { roots: { uri: string }[] }>;
      return { content: [{ type: 'text', text: r.r!.roots.map((x) => x.uri).join(',') }] };
    });
    const options: McpClientOptions = { era: 'legacy', roots: [{ uri: 'file:///a' }] };
    const client = new McpClient(INFO, options);
    const transport = new InMemoryClientTransport(server);
    await client.connect(transport);
    const r = await client.callTool({ name: 'roots' });
    assert.deepEqual(r.content[0], { type: 'text', text: 'file:///a' });
    await client.setRoots([{ uri: 'file:///b' }]);
    const r2 = await client.callTool({ name: 'roots' });
    assert.deepEqual(r2.content[0], { type: 'text', text: 'file:///b' });
    await client.close();
  });
});
