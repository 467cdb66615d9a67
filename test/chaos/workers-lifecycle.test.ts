/**
 * `velomcp serve --http --workers 2` (real processes, primary-IPC state): SIGTERM drains (the call in
 * flight finishes, new connections are refused meanwhile, the primary exits 0), and a SIGKILLed worker is
 * replaced after a backoff that doubles per crash in a row, the sessions living on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLUSTER_SERVER, Node } from '../cluster-nginx/harness.js';
import { raw, type RawResponse } from '../http/helpers.js';
import { freePort, until } from '../redis/helpers.js';
import { openSession, sessionHeaders, STATE_SECRET, urlOf } from './helpers.js';

/** Resolves true when a new TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** A call on a fresh connection (so the primary spreads them over the workers). */
function call(node: Node, sid: string, id: number, name: string, args: Record<string, unknown> = {}): Promise<RawResponse> {
  return raw(urlOf(node), { agent: false, timeoutMs: 20_000, headers: sessionHeaders(sid), body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }) });
}

test('SIGTERM to the primary of --workers 2: the call in flight completes, new connections are refused meanwhile, exit code 0', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'velomcp-drain-'));
  const log = join(dir, 'calls.log');
  const node = new Node(await freePort(), [CLUSTER_SERVER, '--workers', '2', '--state-secret', STATE_SECRET], { CLUSTER_TEST_LOG: log });
  try {
    await node.start();
    assert.ok(await until(() => (node.output.match(/serving MCP/g) ?? []).length >= 2, 30_000), 'both workers started');
    const opened = await openSession(urlOf(node));
    assert.ok('sid' in opened);
    const inFlight = call(node, opened.sid, 1, 'cluster_wait', { ms: 8000 });
    assert.ok(await until(() => readFileSync(log, { encoding: 'utf8', flag: 'a+' }).includes('started'), 15_000), 'the call started');
    const proc = node.proc;
    assert.ok(proc);
    const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let answered = false;
    void inFlight.then(() => (answered = true), () => undefined);
    proc.kill('SIGTERM');
    assert.ok(await until(() => refused(node.port), 6000), 'new connections are refused during the drain');
    assert.equal(answered, false, 'refused while the call was still in flight');
    const r = await inFlight.catch((err: Error) => assert.fail(`the call in flight failed (${err.message}):\n${node.output}`));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.result.content[0].text, 'completed', 'the call ran to its end');
    const [code, signal] = await Promise.race([exited, new Promise<never>((_r, no) => setTimeout(() => no(new Error('primary did not exit within 30 s')), 30_000))]);
    assert.equal(signal, null);
    assert.equal(code, 0);
    assert.match(node.output, /draining workers/);
  } finally {
    await node.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a SIGKILLed worker of --workers 2 is replaced after a backoff that doubles per crash in a row, and the session lives on', { timeout: 90_000 }, async () => {
  const node = new Node(await freePort(), [CLUSTER_SERVER, '--workers', '2', '--state-secret', STATE_SECRET]);
  try {
    await node.start();
    // start() returns once the first worker serves; the round-robin needs both.
    assert.ok(await until(() => (node.output.match(/serving MCP/g) ?? []).length >= 2, 30_000), 'both workers started');
    const opened = await openSession(urlOf(node));
    assert.ok('sid' in opened);
    const sid = opened.sid;
    let id = 1;
    const pids = new Set<number>();
    for (let i = 0; i < 40 && pids.size < 2; i++) pids.add((await call(node, sid, id++, 'cluster_node')).json.result.structuredContent.pid as number);
    assert.equal(pids.size, 2, 'both workers serve');

    const servingPids = (): number[] => [...node.output.matchAll(/worker (\d+) serving MCP/g)].map((m) => Number(m[1]));
    const [first] = [...pids] as [number];
    process.kill(first, 'SIGKILL');
    assert.ok(await until(() => node.output.includes(`worker ${first} exited (SIGKILL); restarting in 100 ms`), 15_000), `first crash: 100 ms\n${node.output}`);
    // Its replacement is killed as soon as it serves: a crash in a row, so the delay doubles.
    let second: number | undefined;
    assert.ok(await until(() => (second = servingPids().find((p) => !pids.has(p))) !== undefined, 30_000), 'a replacement started');
    pids.add(second as number);
    process.kill(second as number, 'SIGKILL');
    assert.ok(await until(() => node.output.includes(`worker ${second} exited (SIGKILL); restarting in 200 ms`), 15_000), `second crash in a row: 200 ms\n${node.output}`);
    // The next replacement serves the session opened before both crashes.
    let fresh: number | undefined;
    const deadline = Date.now() + 30_000;
    while (fresh === undefined && Date.now() < deadline) {
      const r = await call(node, sid, id++, 'cluster_node').catch(() => undefined);
      if (r && r.status !== 200) assert.fail(`the session broke: ${r.status} ${r.text}`);
      const pid = r?.json?.result?.structuredContent?.pid as number | undefined;
      if (pid !== undefined && !pids.has(pid)) fresh = pid;
    }
    assert.ok(fresh !== undefined, 'a new worker serves the session');
    assert.ok(node.proc && node.proc.exitCode === null, 'the primary keeps running');
  } finally {
    await node.stop();
  }
});
