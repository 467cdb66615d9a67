import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import fc from 'fast-check';
import { McpServer } from '../../src/server/mcp-server.js';
import { serveStdio } from '../../src/transports/stdio/server.js';

const META = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}';

function setup(options: { maxMessageBytes?: number; stdout?: Writable } = {}) {
  const server = new McpServer({ name: 's', version: '1' });
  server.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }, (a: { text?: string }) => ({ content: [{ type: 'text', text: a.text ?? '' }] }));
  const stdin = new PassThrough();
  const stdout = options.stdout ?? new PassThrough();
  const handle = serveStdio(server, { stdin, stdout, ...(options.maxMessageBytes && { maxMessageBytes: options.maxMessageBytes }), drainTimeoutMs: 200 });
  const lines: any[] = [];
  let buf = '';
  if (stdout instanceof PassThrough) {
    stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
    });
  }
  const waitFor = async (pred: (m: any) => boolean, ms = 3000): Promise<any> => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = lines.find(pred);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error('timed out');
  };
  return { server, stdin, stdout, handle, lines, waitFor };
}

const call = (id: number, text: string): string => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"text":${JSON.stringify(text)}},${META}}}\n`;

describe('stdio transport', () => {
  test('an oversized line gets -32600 and the next line is served', async () => {
    const t = setup({ maxMessageBytes: 400 });
    t.stdin.write(call(1, 'x'.repeat(1000)));
    t.stdin.write(call(2, 'small'));
    const err = await t.waitFor((m) => m.error);
    assert.equal(err.error.code, -32600);
    assert.equal(err.id, null);
    assert.equal((await t.waitFor((m) => m.id === 2)).result.content[0].text, 'small');
    await t.handle.close();
  });

  test('answers written in one turn are coalesced and every request gets its own answer', async () => {
    const t = setup();
    let payload = '';
    for (let i = 0; i < 200; i++) payload += call(i, `m${i}`);
    t.stdin.write(payload);
    await t.waitFor(() => t.lines.length === 200);
    assert.deepEqual(t.lines.map((l) => l.id).sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
    await t.handle.close();
  });

  test('stdin end lets in-flight work finish, then closes', async () => {
    const t = setup();
    t.stdin.end(call(5, 'last'));
    await t.handle.closed;
    assert.equal(t.lines.find((l) => l.id === 5)?.result.content[0].text, 'last');
  });

  test('a broken stdout (client gone) closes the connection and cancels handlers', async () => {
    let aborted = false;
    const server = new McpServer({ name: 's', version: '1' });
    server.registerTool('hang', {}, (_a, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => ((aborted = true), resolve({ content: [] })))));
    const stdin = new PassThrough();
    const stdout = new Writable({
      write(_c, _e, cb) {
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    stdout.on('error', () => {});
    const handle = serveStdio(server, { stdin, stdout });
    stdin.write(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"hang",${META}}}\n`);
    stdin.write('not json\n'); // produces an error answer whose write fails
    await handle.closed;
    assert.equal(aborted, true);
  });

  test('a slow reader pauses input instead of buffering without bound, and nothing is lost', async () => {
    let written = '';
    let blocked = true;
    let pending: (() => void) | undefined;
    const stdout = new Writable({
      highWaterMark: 64,
      write(c, _e, cb) {
        written += c.toString();
        if (blocked) pending = () => cb();
        else cb();
      },
    });
    const t = setup({ stdout });
    for (let i = 0; i < 5; i++) t.stdin.write(call(i, 'y'.repeat(100)));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(t.stdin.isPaused(), true, 'input paused while output is blocked');
    blocked = false;
    pending?.();
    const end = Date.now() + 3000;
    while (written.split('\n').filter(Boolean).length < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const ids = written.split('\n').filter(Boolean).map((l) => JSON.parse(l).id).sort();
    assert.deepEqual(ids, [0, 1, 2, 3, 4]);
    assert.equal(t.stdin.isPaused(), false, 'input resumed after drain');
    await t.handle.close();
  });

  test('property: byte garbage yields JSON-RPC errors, never a crash or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), async (chunks) => {
        const t = setup({ maxMessageBytes: 1024 });
        for (const c of chunks) t.stdin.write(Buffer.from(c));
        // Terminate whatever line the garbage left open, then prove the server still answers.
        t.stdin.write(`\n${call(424242, 'alive')}`);
        const alive = await t.waitFor((m) => m.id === 424242, 2000);
        assert.equal(alive.result.content[0].text, 'alive');
        for (const l of t.lines) assert.equal(l.jsonrpc, '2.0');
        await t.handle.close();
      }),
      { numRuns: 60 },
    );
  });
});
