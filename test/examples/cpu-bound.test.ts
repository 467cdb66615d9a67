import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../src/jsonrpc/codes.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

test('velomcp serve --pool-size/--pool-queue size the pool of examples/cpu-bound: both tools burn, excess calls get -32010', async () => {
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), 'serve', join(root, 'dist/examples/cpu-bound/server.js'), '--stdio', '--pool-size', '1', '--pool-queue', '1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const answers = new Map<number, any>();
  let buf = '';
  let wake: (() => void) | undefined;
  child.stdout.on('data', (c: Buffer) => {
    buf += c.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const m = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      answers.set(m.id, m);
      wake?.();
    }
  });
  const send = (id: number, name: string, ms: number) =>
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { ms }, _meta: META } })}\n`);
  const waitAll = async (ids: number[]) => {
    const deadline = Date.now() + 30_000;
    while (!ids.every((id) => answers.has(id)) && Date.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 100)));
    return ids.map((id) => answers.get(id));
  };
  try {
    send(1, 'cpu_inline', 5);
    send(2, 'cpu_pooled', 5);
    const [inline, pooled] = await waitAll([1, 2]);
    assert.equal(inline.result.structuredContent.ms, 5);
    assert.ok(inline.result.structuredContent.rounds > 0);
    assert.equal(pooled.result.structuredContent.ms, 5);
    // One thread and a queue of one: of three concurrent long calls, the third is refused.
    send(3, 'cpu_pooled', 400);
    send(4, 'cpu_pooled', 10);
    send(5, 'cpu_pooled', 10);
    const [a, b, c] = await waitAll([3, 4, 5]);
    assert.equal(a.result.structuredContent.ms, 400);
    assert.equal(b.result.structuredContent.ms, 10);
    assert.equal(c.error.code, ErrorCode.ServerBusy);
    assert.equal(c.error.data.scope, 'pool');
    assert.equal(c.error.data.limit, 1);
    // Bad arguments are refused on the main thread.
    send(6, 'cpu_pooled', -1);
    const [bad] = await waitAll([6]);
    assert.equal(bad.result.isError, true);
  } finally {
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
  }
});
