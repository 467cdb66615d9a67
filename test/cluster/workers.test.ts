/**
 * `velomcp serve --workers 2` on real processes: the official SDK v1 client runs a legacy session whose
 * requests are each sent on a new connection (node:cluster spreads connections round-robin over the workers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const CLI = new URL('../../src/cli/main.js', import.meta.url).pathname;
const EVERYTHING = new URL('../../examples/everything/server.js', import.meta.url).pathname;

/** fetch over a fresh connection per request, so node:cluster hands requests to different workers. */
const freshFetch = (async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => (headers[k] = v));
  return new Promise<Response>((resolve, reject) => {
    const req = request(String(input), { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          res.on('data', (d: Buffer) => c.enqueue(new Uint8Array(d)));
          res.on('end', () => c.close());
          res.on('error', (e) => c.error(e));
        },
        cancel: () => void res.destroy(),
      });
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
      resolve(new Response(res.statusCode === 202 || res.statusCode === 204 ? null : body, { status: res.statusCode ?? 0, headers: h }));
    });
    req.on('error', reject);
    init.signal?.addEventListener('abort', () => req.destroy());
    req.end(typeof init.body === 'string' ? init.body : undefined);
  });
}) as typeof fetch;

test('--workers 2: two workers share the port, and an SDK v1 legacy session (initialize, list, calls, progress) works with a new connection per request', async () => {
  const child = spawn(process.execPath, [CLI, 'serve', EVERYTHING, '--http', '--port', '0', '--workers', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`workers did not start: ${err}`)), 15_000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const hits = [...err.matchAll(/serving MCP over Streamable HTTP at (\S+)/g)];
      if (hits.length >= 2) {
        clearTimeout(timer);
        resolve(hits[0]?.[1] as string);
      }
    });
  });
  const workers = new Set([...err.matchAll(/worker (\d+) serving/g)].map((m) => m[1]));
  assert.equal(workers.size, 2);
  try {
    const client = new Client({ name: 'sdk-v1', version: '1.0.0' }, { capabilities: {} });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: freshFetch }));
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === 'test_simple_text'));
    for (let i = 0; i < 6; i++) {
      const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
      assert.equal((r.content as { type: string }[])[0]?.type, 'text');
    }
    const progress: number[] = [];
    await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => void progress.push(p.progress) });
    assert.deepEqual(progress, [0, 50, 100]);
    await client.close();
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
