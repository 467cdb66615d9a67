/**
 * `velomcp serve <module> --ws|--tcp`: the CLI prints the endpoint to stderr, serves the everything server in
 * both eras, and exits cleanly on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientTransport } from '../../src/client/transport.js';
import { TcpClientTransport } from '../../src/transports/tcp/index.js';
import { WebSocketClientTransport } from '../../src/transports/ws/index.js';

/** The compiled tree (`dist/`): this file runs from dist/test/transports. */
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

async function roundTrip(transport: ClientTransport): Promise<void> {
  const answers = new Map<number, any>();
  transport.onmessage = (m: any) => answers.set(m.id, m);
  await transport.start();
  await transport.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'test_simple_text', arguments: {}, _meta: MODERN_META } }));
  await transport.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }));
  const end = Date.now() + 5000;
  while (answers.size < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  assert.equal(answers.get(1)?.result?.resultType, 'complete', JSON.stringify(answers.get(1)));
  assert.ok(answers.get(2)?.result?.serverInfo, JSON.stringify(answers.get(2)));
  await transport.close();
}

for (const kind of ['ws', 'tcp'] as const) {
  test(`velomcp serve --${kind} --port 0 prints its endpoint and serves both eras`, async () => {
    const child = spawn(process.execPath, [join(dist, 'src/cli/main.js'), 'serve', join(dist, 'examples/everything/server.js'), `--${kind}`, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no endpoint printed: ${stderr}`)), 10_000);
        child.stderr.on('data', () => {
          const m = /at ((?:ws|tcp):\/\/127\.0\.0\.1:\d+\S*)/.exec(stderr);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
      const transport = kind === 'ws' ? new WebSocketClientTransport(url) : new TcpClientTransport({ port: Number(new URL(url).port) });
      await roundTrip(transport);
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
}
