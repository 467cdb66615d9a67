/**
 * `velomcp call` at the edges: `--timeout` bounds the whole call in every era mode, a wrong URL path names
 * the POST that failed, and a tool that elicits is answered from `--elicit`, on a terminal, or refused with
 * a message saying how to answer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CallExit } from '../../src/cli/call.js';
import { askOnTerminal, cliElicitationHandler, exampleAnswer, scriptedAnswer } from '../../src/cli/elicit.js';
import type { ElicitFormParams } from '../../src/protocol/types.js';
import { serveHttp, type HttpServerHandle } from '../../src/transports/http/node.js';
import everything from '../../examples/everything/server.js';
import { CLI, ROOT } from './helpers.js';

const QUICKSTART = join(ROOT, 'dist', 'examples', 'quickstart', 'server.js');
const QUICKSTART_CMD = ['--', process.execPath, CLI, 'serve', QUICKSTART];
const ERAS = ['auto', 'legacy', '2026-07-28'] as const;

/** Runs `velomcp call ...` without blocking this process's event loop; resolves with what it did and how long it took. */
function callAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'call', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/**
 * The bound a `--timeout 2000` call must exit within: 2.5 s, or on a loaded machine the time a bare node
 * process that sleeps 2 s takes to start and exit now, plus 500 ms (the CLI counts from its own start).
 */
async function exitBoundMs(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 2000)'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return Math.max(2500, performance.now() - started + 500);
}

/**
 * Runs a `--timeout 2000` call until it exits within {@link exitBoundMs} (at most three tries, so that a
 * burst of load on the shared machine is not taken for a missing bound; an unbounded call fails all three).
 */
async function timedOutCall(args: string[]): Promise<{ status: number | null; stderr: string; ms: number; bound: number }> {
  let last: { status: number | null; stderr: string; ms: number; bound: number } | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const bound = await exitBoundMs();
    const r = await callAsync(args);
    last = { ...r, bound };
    if (r.status !== CallExit.timeout || r.ms < bound) break;
  }
  return last!;
}

const call = (...args: string[]) => spawnSync(process.execPath, [CLI, 'call', ...args], { encoding: 'utf8', timeout: 60_000, input: '' });

describe('velomcp call --timeout bounds the whole call', () => {
  let silent: Server;
  let url: string;
  before(async () => {
    // accepts every request and never answers (nor closes)
    silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`;
  });
  after(() => {
    silent.closeAllConnections();
    silent.close();
  });

  for (const era of ERAS) {
    test(`--timeout 2000 against a silent HTTP server exits 4 within 2.5 s (--era ${era})`, async () => {
      const r = await timedOutCall([url, '--list-tools', '--timeout', '2000', '--era', era]);
      assert.equal(r.status, CallExit.timeout, r.stderr);
      assert.match(r.stderr, /no answer within --timeout 2000 ms/);
      assert.ok(r.ms < r.bound, `took ${Math.round(r.ms)} ms (bound ${Math.round(r.bound)} ms)`);
    });
  }

  test('--timeout 2000 against a silent stdio server exits 4 within 2.5 s and stops it', async () => {
    const r = await timedOutCall(['--list-tools', '--timeout', '2000', '--', process.execPath, '-e', 'setInterval(() => {}, 1000)']);
    assert.equal(r.status, CallExit.timeout, r.stderr);
    assert.ok(r.ms < r.bound, `took ${Math.round(r.ms)} ms (bound ${Math.round(r.bound)} ms)`);
  });
});

describe('velomcp call against a wrong URL path', () => {
  let handle: HttpServerHandle;
  before(async () => {
    handle = await serveHttp(everything, { host: '127.0.0.1', port: 0, path: '/mcp' });
  });
  after(async () => {
    await handle.close();
  });

  for (const era of ERAS) {
    test(`names the POST that failed and its status (--era ${era})`, async () => {
      const wrong = handle.url.replace(/\/mcp$/, '/wrong');
      const r = await callAsync([wrong, '--list-tools', '--era', era]);
      assert.equal(r.status, CallExit.transport);
      assert.match(r.stderr, new RegExp(`^velomcp call: VELO_HTTP_ERROR: POST ${wrong.replace(/[.]/g, '\\.')} \\((initialize|server/discover)\\) answered HTTP 404`));
    });
  }
});

describe('velomcp call and elicitation', () => {
  for (const era of ERAS.slice(0, 2)) {
    test(`--elicit answers the quick start's question (--era ${era})`, () => {
      const r = call('--tool', 'get_weather', '--args', '{"city":"Oslo"}', '--era', era, '--elicit', '{"u":"F"}', ...QUICKSTART_CMD);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).content[0].text, 'Sunny in Oslo, 21°F');
      const d = call('--tool', 'get_weather', '--args', '{"city":"Oslo"}', '--era', era, '--elicit', '{"action":"decline"}', ...QUICKSTART_CMD);
      assert.equal(d.status, 0, d.stderr);
      assert.equal(JSON.parse(d.stdout).content[0].text, 'Sunny in Oslo, 21°C');
    });

    test(`without --elicit and without a terminal it exits 5 saying how to answer (--era ${era})`, () => {
      const r = call('--tool', 'get_weather', '--args', '{"city":"Oslo"}', '--era', era, ...QUICKSTART_CMD);
      assert.equal(r.status, CallExit.inputRequired, r.stderr);
      assert.match(r.stderr, /the server asked for input \("Units\?"\).*--elicit '\{"u":"C"\}'.*terminal/);
    });
  }

  test('on a terminal it asks for each field, re-asks on a bad value, and sends the answer', { skip: spawnSync('script', ['--version']).status !== 0 ? 'util-linux script(1) is not installed' : false }, async () => {
    const command = [process.execPath, CLI, 'call', '--tool', 'get_weather', '--args', JSON.stringify({ city: 'Oslo' }), ...QUICKSTART_CMD].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    // answered only once asked, as a person would: first a value that is not allowed, then a good one
    const asked = async (n: number): Promise<void> => {
      for (let i = 0; i < 300 && (out.match(/u\* \(string; one of C, F\)/g) ?? []).length < n; i++) await new Promise((r) => setTimeout(r, 100));
    };
    await asked(1);
    child.stdin.write('X\n');
    await asked(2);
    child.stdin.write('F\n');
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), resolve(null)), 60_000);
      child.on('exit', (c) => (clearTimeout(timer), resolve(c)));
    });
    child.stdin.end();
    assert.equal(code, 0, out);
    assert.match(out, /The server asks: Units\?/);
    assert.match(out, /expected one of C, F/);
    assert.match(out, /Sunny in Oslo, 21°F/);
  });
});

describe('elicitation answers of the CLI', () => {
  const form: ElicitFormParams = {
    message: 'Profile',
    requestedSchema: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        age: { type: 'integer' },
        ok: { type: 'boolean', default: true },
        tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
      },
      required: ['name', 'age'],
    },
  };

  test('--elicit takes form content or a whole ElicitResult', () => {
    assert.deepEqual(scriptedAnswer({ u: 'C' }, 'form'), { action: 'accept', content: { u: 'C' } });
    assert.deepEqual(scriptedAnswer({ action: 'decline' }, 'form'), { action: 'decline' });
    assert.deepEqual(scriptedAnswer({ action: 'accept', content: { u: 'F' } }, 'form'), { action: 'accept', content: { u: 'F' } });
    assert.deepEqual(scriptedAnswer({ u: 'C' }, 'url'), { action: 'accept' });
  });

  test('the example answer uses defaults, first enum values and typed placeholders', () => {
    assert.deepEqual(exampleAnswer(form.requestedSchema), { name: '', age: 0, ok: true, tags: ['a'] });
  });

  test('terminal answers are typed per field; empty optional fields are left out; :decline ends it', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (c: Buffer) => (shown += c.toString()));
    const answer = askOnTerminal(form, input, output);
    input.write('Ada\n1.5\n36\n\na, b\n');
    assert.deepEqual(await answer, { action: 'accept', content: { name: 'Ada', age: 36, tags: ['a', 'b'] } });
    assert.match(shown, /expected an integer/);
    const input2 = new PassThrough();
    const declined = askOnTerminal(form, input2, new PassThrough());
    input2.write(':decline\n');
    assert.deepEqual(await declined, { action: 'decline' });
  });

  test('with neither --elicit nor a terminal the handler refuses with a message naming both', async () => {
    let seen: unknown;
    const handler = cliElicitationHandler({ interactive: false, onUnanswered: (p) => (seen = p) });
    await assert.rejects(Promise.resolve(handler(form, { signal: new AbortController().signal, era: 'legacy' })), /--elicit <json> or run it on a terminal/);
    assert.equal(seen, form);
  });
});
