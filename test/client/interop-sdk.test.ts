/**
 * velomcp client against the official SDK servers: v1 (`@modelcontextprotocol/sdk`) over stdio, Streamable
 * HTTP and HTTP+SSE (legacy era); v2 (`@modelcontextprotocol/server`) over stdio and over its dual-era HTTP
 * handler, in both eras (modern: `input_required` answered through the same elicitation handler).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { McpClient, StdioClientTransport } from '../../src/client/index.js';
import { makeV1Server } from './fixtures/sdk-v1-server.js';
import { makeV2Server } from './fixtures/sdk-v2-server.js';
import { assertNoLeaks, fixture, HANDLERS, resources } from './helpers.js';

const INFO = { name: 'interop', version: '1.0.0' };

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

async function exercise(client: McpClient): Promise<void> {
  const { tools } = await client.listTools();
  assert.ok(tools.some((t) => t.name === 'add'));
  const r = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
  assert.deepEqual(r.content[0], { type: 'text', text: '5' });
}

describe('client interop with SDK v1 servers (legacy era)', () => {
  test('stdio: initialize, tools, elicitation with schema defaults, resources, prompts; auto falls back to legacy', async () => {
    const before = resources();
    const client = new McpClient(INFO, { handlers: HANDLERS, probeTimeoutMs: 3000 });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [fixture('sdk-v1-server.js'), '--stdio'] }));
    assert.equal(client.era, 'legacy');
    assert.equal(client.serverInfo?.name, 'sdk-v1');
    await exercise(client);
    const asked = await client.callTool({ name: 'ask', arguments: {} });
    assert.deepEqual(asked.content[0], { type: 'text', text: 'accept:Ada' });
    const read = await client.readResource({ uri: 'test://greeting' });
    assert.equal((read.contents[0] as { text: string }).text, 'hello');
    const prompt = await client.getPrompt({ name: 'greet', arguments: { who: 'Bob' } });
    assert.equal((prompt.messages[0]!.content as { text: string }).text, 'Hello Bob');
    await client.ping();
    await client.setLoggingLevel('info');
    await client.close();
    await assertNoLeaks(before);
  });

  let http: Server;
  let base: string;
  before(async () => {
    const transports = new Map<string, StreamableHTTPServerTransport>();
    const sse = new Map<string, SSEServerTransport>();
    http = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/sse' && req.method === 'GET') {
        const t = new SSEServerTransport('/messages', res);
        sse.set(t.sessionId, t);
        t.onclose = () => sse.delete(t.sessionId);
        await makeV1Server().connect(t);
        return;
      }
      if (url.pathname === '/messages') {
        const t = sse.get(url.searchParams.get('sessionId') ?? '');
        if (!t) return void res.writeHead(404).end();
        await t.handlePostMessage(req, res);
        return;
      }
      if (url.pathname !== '/mcp') return void res.writeHead(404).end();
      const sid = req.headers['mcp-session-id'] as string | undefined;
      let t = sid ? transports.get(sid) : undefined;
      if (!t) {
        if (sid) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}');
        t = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void transports.set(id, t!) });
        await makeV1Server().connect(t);
      }
      await t.handleRequest(req, res);
    });
    base = await listen(http);
  });
  after(() => stop(http));

  test('Streamable HTTP: auto mode falls back to initialize, keeps the session id, elicits over the POST stream', async () => {
    const client = new McpClient(INFO, { handlers: HANDLERS });
    await client.connect(`${base}/mcp`);
    assert.equal(client.era, 'legacy');
    assert.ok(client.sessionId);
    await exercise(client);
    const asked = await client.callTool({ name: 'ask', arguments: {} });
    assert.deepEqual(asked.content[0], { type: 'text', text: 'accept:Ada' });
    await client.close();
  });

  test('HTTP+SSE (2024-11-05): auto falls back from a refused POST to the SSE stream', async () => {
    const client = new McpClient(INFO, { handlers: HANDLERS, http: { sseUrl: `${base}/sse` } });
    await client.connect(`${base}/sse`);
    assert.equal(client.era, 'legacy');
    await exercise(client);
    await client.close();
  });
});

describe('client interop with SDK v2 servers (both eras)', () => {
  test('stdio: auto negotiates the modern era; input_required is answered with the elicitation handler', async () => {
    const client = new McpClient(INFO, { handlers: { elicitation: () => ({ action: 'accept', content: { confirmed: true } }) } });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [fixture('sdk-v2-server.js'), '--stdio'] }));
    assert.equal(client.era, 'modern');
    assert.equal(client.protocolVersion, '2026-07-28');
    assert.equal(client.serverInfo?.name, 'sdk-v2');
    await exercise(client);
    const r = await client.callTool({ name: 'confirm', arguments: {} });
    assert.deepEqual(r.content[0], { type: 'text', text: 'confirmed=true' });
    await client.close();
  });

  let http: Server;
  let base: string;
  before(async () => {
    const handler = createMcpHandler(() => makeV2Server(), { legacy: 'stateless' });
    http = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      const request = new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method ?? 'GET', headers, ...(req.method === 'POST' && { body: Buffer.concat(chunks) }) });
      const response = await handler.fetch(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) Readable.fromWeb(response.body as never).pipe(res);
      else res.end();
    });
    base = await listen(http);
  });
  after(() => stop(http));

  test('HTTP modern: discover, per-request _meta and headers, MRTR', async () => {
    const client = new McpClient(INFO, { handlers: { elicitation: () => ({ action: 'accept', content: { confirmed: true } }) } });
    await client.connect(`${base}/mcp`);
    assert.equal(client.era, 'modern');
    await exercise(client);
    const r = await client.callTool({ name: 'confirm', arguments: {} });
    assert.deepEqual(r.content[0], { type: 'text', text: 'confirmed=true' });
    await client.close();
  });

  test('HTTP legacy: era "legacy" initializes against the same handler', async () => {
    const client = new McpClient(INFO, { era: 'legacy' });
    await client.connect(`${base}/mcp`);
    assert.equal(client.era, 'legacy');
    await exercise(client);
    await client.close();
  });
});
