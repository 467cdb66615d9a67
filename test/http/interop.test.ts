/**
 * Interop with the official SDK clients against a velomcp server started in-process on port 0:
 * v1 `StreamableHTTPClientTransport` and `SSEClientTransport` (legacy era) and the v2 client pinned to
 * 2026-07-28 (modern era) plus its `auto` probe.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1HttpTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport as V1SseTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2HttpTransport } from '@modelcontextprotocol/client';
import { makeServer, start } from './helpers.js';
import type { McpServer } from '../../src/server/mcp-server.js';
import type { HttpServerHandle } from '../../src/transports/http/index.js';

describe('interop with the official SDK clients', () => {
  let h: HttpServerHandle;
  let server: McpServer;
  before(async () => {
    server = makeServer();
    h = await start(server, { legacySse: true });
  });
  after(() => h.close());

  test('SDK v1 StreamableHTTPClientTransport: initialize, list, call with progress, terminate', async () => {
    const client = new V1Client({ name: 'v1', version: '1.0.0' });
    const transport = new V1HttpTransport(new URL(h.url));
    await client.connect(transport);
    try {
      assert.ok(transport.sessionId);
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'echo'));
      const progress: number[] = [];
      const r = await client.callTool({ name: 'progress', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
      assert.equal((r.content as { text: string }[])[0]?.text, 'done');
      assert.deepEqual(progress, [1, 2]);
      const changed = new Promise<void>((resolve) => client.fallbackNotificationHandler = async (n) => {
        if (n.method === 'notifications/tools/list_changed') resolve();
      });
      await new Promise((r2) => setTimeout(r2, 100)); // let the GET stream open
      server.notifyListChanged('tools');
      await changed;
      await transport.terminateSession();
    } finally {
      await client.close();
    }
  });

  test('SDK v1 SSEClientTransport (HTTP+SSE, 2024-11-05 style)', async () => {
    const client = new V1Client({ name: 'v1-sse', version: '1.0.0' });
    await client.connect(new V1SseTransport(new URL(h.url.replace('/mcp', '/sse'))));
    try {
      const r = await client.callTool({ name: 'echo', arguments: { text: 'over sse' } });
      assert.equal((r.content as { text: string }[])[0]?.text, 'over sse');
      const res = await client.readResource({ uri: 'test://greeting' });
      assert.equal((res.contents[0] as { text: string }).text, 'hello');
    } finally {
      await client.close();
    }
  });

  test('SDK v2 client pinned to 2026-07-28: discover, list, call with progress', async () => {
    const client = new V2Client({ name: 'v2', version: '2.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new V2HttpTransport(new URL(h.url)));
    try {
      assert.equal(client.getProtocolEra(), 'modern');
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'regional'));
      const r = await client.callTool({ name: 'echo', arguments: { text: 'modern' } });
      assert.equal((r.content as { text: string }[])[0]?.text, 'modern');
      const header = await client.callTool({ name: 'regional', arguments: { region: 'eu-west', priority: 3 } });
      assert.equal((header.content as { text: string }[])[0]?.text, 'eu-west');
      const progress: number[] = [];
      const p = await client.callTool({ name: 'progress', arguments: {} }, { onprogress: (x: { progress: number }) => progress.push(x.progress) });
      assert.equal((p.content as { text: string }[])[0]?.text, 'done');
      assert.deepEqual(progress, [1, 2]);
    } finally {
      await client.close();
    }
  });

  test('SDK v2 client in auto mode settles on the modern era', async () => {
    const client = new V2Client({ name: 'v2-auto', version: '2.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new V2HttpTransport(new URL(h.url)));
    try {
      assert.equal(client.getProtocolEra(), 'modern');
      const prompts = await client.listPrompts();
      assert.equal(prompts.prompts[0]?.name, 'simple');
    } finally {
      await client.close();
    }
  });

  test('SDK v2 client in legacy mode opens a session', async () => {
    const client = new V2Client({ name: 'v2-legacy', version: '2.0.0' });
    const transport = new V2HttpTransport(new URL(h.url));
    await client.connect(transport);
    try {
      assert.equal(client.getProtocolEra(), 'legacy');
      assert.ok(transport.sessionId);
      const r = await client.callTool({ name: 'echo', arguments: { text: 'legacy v2' } });
      assert.equal((r.content as { text: string }[])[0]?.text, 'legacy v2');
    } finally {
      await client.close();
    }
  });
});
