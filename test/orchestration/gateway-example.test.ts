/**
 * examples/gateway driven by the official SDK v1 client over stdio: the reference server mounted twice
 * (stdio under `stdio`, Streamable HTTP under `http`), calls, resources, prompts, and the upstreams'
 * sampling and elicitation answered by the SDK client's handlers. Then progressive discovery over HTTP with
 * the SDK v1 client.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveHttp } from '../../src/transports/http/index.js';
import { ToolCategories } from '../../src/orchestration/index.js';
import { WireTap } from '../interop/stdio-helpers.js';
import { ROOT } from './helpers.js';

const GATEWAY_ARGS = [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'serve', join(ROOT, 'dist', 'examples', 'gateway', 'server.js')];
const OPTS = { timeout: 30_000 };

function textOf(r: unknown): string {
  return ((r as { content: { type: string; text?: string }[] }).content[0]?.text ?? '') as string;
}

describe('examples/gateway with the official SDK v1 client', { timeout: 120_000 }, () => {
  let client: Client;
  let transport: StdioClientTransport;
  let tap: WireTap;
  const sampled: string[] = [];

  before(async () => {
    transport = new StdioClientTransport({ command: process.execPath, args: GATEWAY_ARGS, stderr: 'inherit' });
    client = new Client({ name: 'gateway-sdk-v1', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, (req) => {
      const last = req.params.messages.at(-1);
      const prompt = last && !Array.isArray(last.content) && last.content.type === 'text' ? last.content.text : '';
      sampled.push(prompt);
      return { role: 'assistant', content: { type: 'text', text: `echo: ${prompt}` }, model: 'sdk-model' };
    });
    client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { username: 'sdk-user', email: 'sdk@example.com' } }));
    await client.connect(transport, OPTS);
    tap = new WireTap(transport as never);
  });
  after(async () => {
    await client?.close();
  });

  test('lists the reference server twice, under stdio_ and http_', async () => {
    const { tools } = await client.listTools(undefined, OPTS);
    const names = new Set(tools.map((t) => t.name));
    for (const p of ['stdio', 'http']) {
      for (const t of ['test_simple_text', 'test_sampling', 'test_elicitation', 'test_tool_with_progress']) assert.ok(names.has(`${p}_${t}`), `${p}_${t}`);
    }
    const stdioCount = tools.filter((t) => t.name.startsWith('stdio_')).length;
    assert.equal(tools.filter((t) => t.name.startsWith('http_')).length, stdioCount);
    assert.ok(stdioCount > 20);
  });

  for (const p of ['stdio', 'http']) {
    test(`${p}: calls, progress, sampling and elicitation pass through to the SDK client`, async () => {
      assert.equal(textOf(await client.callTool({ name: `${p}_test_simple_text` }, undefined, OPTS)), 'This is a simple text response for testing.');
      const s = await client.callTool({ name: `${p}_test_sampling`, arguments: { prompt: `from ${p}` } }, undefined, OPTS);
      assert.match(textOf(s), new RegExp(`echo: from ${p}`));
      assert.ok(sampled.includes(`from ${p}`));
      const e = await client.callTool({ name: `${p}_test_elicitation`, arguments: { message: 'who?' } }, undefined, OPTS);
      assert.match(textOf(e), /accept/);
      assert.match(textOf(e), /sdk-user/);
      const progress: number[] = [];
      const mark = tap.mark();
      await client.callTool({ name: `${p}_test_tool_with_progress` }, undefined, { ...OPTS, onprogress: (x) => progress.push(x.progress) });
      const wire = tap.since(mark);
      const onWire = wire.filter((m) => m.method === 'notifications/progress').map((m) => m.params?.progress);
      assert.deepEqual(onWire, [0, 50, 100]);
      const resultAt = wire.findIndex((m) => m.result !== undefined);
      assert.ok(wire.findLastIndex((m) => m.method === 'notifications/progress') < resultAt, 'progress precedes the result');
      // The SDK v1 client dispatches notifications a microtask after responses, so the last one may reach
      // onprogress after the call settled when both share a read (typescript-sdk #2580).
      assert.deepEqual(progress.slice(0, 2), [0, 50]);
      const failed = await client.callTool({ name: `${p}_test_error_handling` }, undefined, OPTS);
      assert.equal(failed.isError, true);
    });

    test(`${p}: resources under ${p}+ URIs and prompts under ${p}_`, async () => {
      const { resources } = await client.listResources(undefined, OPTS);
      const uri = `${p}+test://static-text`;
      assert.ok(resources.some((r) => r.uri === uri));
      const read = await client.readResource({ uri }, OPTS);
      assert.equal(read.contents[0]!.uri, uri);
      assert.ok('text' in read.contents[0]! && read.contents[0].text.length > 0);
      const prompt = await client.getPrompt({ name: `${p}_test_prompt_with_arguments`, arguments: { arg1: 'a', arg2: 'b' } }, OPTS);
      assert.ok(prompt.messages.length > 0);
    });
  }
});

describe('progressive discovery with the official SDK v1 client over Streamable HTTP', () => {
  test('four meta-tools; search finds a tool of an unloaded category; call_tool runs it', async () => {
    const server = new McpServer({ name: 'progressive', version: '1' });
    const cats = new ToolCategories(server, { mode: 'progressive' });
    for (let c = 0; c < 20; c++) {
      cats.category(`cat${c}`, () => Array.from({ length: 20 }, (_, i) => ({ name: `op${i}`, description: `Operation ${i} of category ${c}`, handler: () => ({ content: [{ type: 'text' as const, text: `cat${c}.op${i}` }] }) })));
    }
    cats.category('weather', () => [{ name: 'forecast', description: 'Weather forecast for a city: temperature and rain', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, handler: (a: { city: string }) => ({ content: [{ type: 'text' as const, text: `sunny in ${a.city}` }] }) }]);
    const http = await serveHttp(server, { host: '127.0.0.1', port: 0 });
    const client = new Client({ name: 'progressive-sdk-v1', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name), ['list_categories', 'list_category_tools', 'search_tools', 'call_tool']);
      const found = await client.callTool({ name: 'search_tools', arguments: { query: 'rain forecast', limit: 2 } });
      const results = (found.structuredContent as { results: { name: string; tool: { inputSchema: unknown } }[] }).results;
      assert.equal(results[0]!.name, 'weather_forecast');
      assert.deepEqual(results[0]!.tool.inputSchema, { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
      const r = await client.callTool({ name: 'call_tool', arguments: { name: 'weather_forecast', arguments: { city: 'Oslo' } } });
      assert.equal(textOf(r), 'sunny in Oslo');
    } finally {
      await client.close();
      await http.close();
    }
  });
});
