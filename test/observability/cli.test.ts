/**
 * `velomcp serve` operations flags: `--metrics` on a stdio server opens its own listener whose `/metrics`
 * counts the calls made over stdio; `--log-requests` writes JSON lines to stderr, never to the protocol's
 * stdout; `--metrics-token` protects `/metrics` on the MCP HTTP server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { McpClient, StdioClientTransport } from '../../src/client/index.js';
import { SERVE_ARGS } from '../client/helpers.js';
import { INFO, key, parseExposition, series } from './helpers.js';

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('serve --stdio --metrics --log-requests: /metrics on its own port counts the stdio calls; JSON log lines on stderr', async () => {
  let stderr = '';
  const client = new McpClient(INFO, { era: 'legacy' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [...SERVE_ARGS, '--stdio', '--metrics', '--log-requests'], onStderr: (t) => void (stderr += t) }));
  try {
    const base = await until(() => /metrics at (\S+)\/metrics/.exec(stderr)?.[1], 'the metrics URL on stderr');
    for (let i = 0; i < 3; i++) await client.callTool({ name: 'test_simple_text', arguments: {} });
    const text = await (await fetch(`${base}/metrics`)).text();
    const got = series(parseExposition(text), 'mcp_server_operation_duration_seconds');
    const labels = { mcp_method_name: 'tools/call', gen_ai_tool_name: 'test_simple_text', gen_ai_operation_name: 'execute_tool', mcp_protocol_version: '2025-11-25', network_transport: 'pipe' };
    assert.equal(got.get(key(labels)), 3, text);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const calls = await until(() => {
      const records = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const mine = records.filter((r) => r.target === 'test_simple_text');
      return mine.length >= 3 ? mine : undefined;
    }, 'three request log lines');
    assert.equal(calls.length, 3);
    assert.equal(calls[0]?.transport, 'stdio');
    assert.equal(calls[0]?.msg, 'mcp request');
  } finally {
    await client.close();
  }
});

test('serve --http --metrics --metrics-token: /metrics needs the bearer token; /readyz answers', async () => {
  const child = spawn(process.execPath, [...SERVE_ARGS, '--http', '--port', '0', '--metrics', '--metrics-token', 'tok-123'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
  try {
    const mcp = await until(() => /Streamable HTTP at (\S+)/.exec(stderr)?.[1], 'the MCP URL');
    const base = mcp.replace(/\/mcp$/, '');
    assert.equal((await fetch(`${base}/metrics`)).status, 401);
    const ok = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer tok-123' } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /# TYPE mcp_server_operation_duration_seconds histogram/);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  } finally {
    child.kill('SIGTERM');
  }
});
