/**
 * `velomcp profile` end to end (short runs): for the echo workload it writes a CPU profile, a flame graph
 * page, the top list, a heap snapshot and its summary, and a leak verdict, all of which parse; the leak
 * check passes echo and flags the fixture tool that keeps 16 KiB per call; bad options and a missing
 * module fail with a clear message and the documented exit code.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT } from '../cli/helpers.js';
import { judgeLeak } from '../../src/cli/profile-workload.js';

const FIXTURE = join(ROOT, 'dist', 'test', 'bench', 'profile-fixtures', 'server.js');
const SHORT = ['--duration', '1', '--warmup', '0.5', '--leak-rounds', '4', '--round-calls', '300'];

function profile(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'profile', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const json = (file: string): any => JSON.parse(readFileSync(file, 'utf8'));

describe('velomcp profile', () => {
  const root = mkdtempSync(join(tmpdir(), 'velomcp-profile-'));
  test.after(() => rmSync(root, { recursive: true, force: true }));

  test('echo: every artefact is written and parses, and the leak check passes', async () => {
    const out = join(root, 'echo');
    const r = await profile([FIXTURE, '--workload', 'echo', '--out', out, ...SHORT]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    for (const f of ['cpu.cpuprofile', 'flame.html', 'top.json', 'heap.heapsnapshot', 'memory.json', 'leak.json', 'summary.json']) assert.ok(existsSync(join(out, f)), f);
    const cpu = json(join(out, 'cpu.cpuprofile'));
    assert.ok(Array.isArray(cpu.nodes) && cpu.nodes.length > 10 && Array.isArray(cpu.samples) && cpu.samples.length > 0);
    const top = json(join(out, 'top.json'));
    assert.ok(top.length > 0 && typeof top[0].name === 'string' && typeof top[0].selfMs === 'number');
    assert.ok(top.some((t: { location: string }) => t.location.includes('/dist/src/')), 'velomcp functions appear in the top list');
    const html = readFileSync(join(out, 'flame.html'), 'utf8');
    const tree = JSON.parse(/<script id="tree" type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? 'null');
    assert.ok(tree.t > 0 && Array.isArray(tree.c) && tree.c.length > 0, 'the flame graph embeds the call tree');
    assert.doesNotMatch(html, /<script src=/);
    const heap = json(join(out, 'heap.heapsnapshot'));
    assert.ok(Array.isArray(heap.snapshot.meta.node_fields) && heap.nodes.length > 0);
    const memory = json(join(out, 'memory.json'));
    assert.ok(memory.largestConstructors.length > 0 && memory.topRetainers.length > 0 && memory.totalSelfBytes > 0);
    const leak = json(join(out, 'leak.json'));
    assert.equal(leak.verdict, 'ok', leak.reason);
    assert.equal(leak.heapAfterGcBytes.length, 5);
    assert.match(r.stdout, /leak check: OK/);
  });

  test('a tool that keeps 16 KiB per call is flagged as a leak (exit 1), with about that many bytes per call', async () => {
    const out = join(root, 'leaky');
    const r = await profile([FIXTURE, '--tool', 'leaky_echo', '--args', '{"text":"hi"}', '--out', out, ...SHORT]);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const leak = json(join(out, 'leak.json'));
    assert.equal(leak.verdict, 'leak');
    assert.ok(leak.bytesPerCall > 12_000 && leak.bytesPerCall < 24_000, `about 16 KiB per call, got ${leak.bytesPerCall}`);
    const memory = json(join(out, 'memory.json'));
    assert.equal(memory.largestConstructors[0].name, '(array)', 'the kept arrays top the constructor list');
    assert.match(r.stdout, /leak check: LEAK/);
  });

  test('bad options and a missing module fail with a clear message and the documented exit code', async () => {
    const bad = await profile([FIXTURE, '--workload', 'nope', '--out', join(root, 'x')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown workload "nope": choose one of echo, tools-list/);
    const missing = await profile([join(root, 'missing.js'), '--out', join(root, 'y')]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /Server module not found|exited/);
    const noTool = await profile([FIXTURE, '--tool', 'no_such_tool', '--out', join(root, 'z'), ...SHORT]);
    assert.equal(noTool.code, 3);
    assert.match(noTool.stderr, /workload fails on this server/);
  });
});

describe('judgeLeak', () => {
  test('a one-off step up (a cache filling once) is not a leak; steady growth past the bound is', () => {
    const MiB = 1024 * 1024;
    assert.equal(judgeLeak([10 * MiB, 12 * MiB, 12 * MiB, 12 * MiB, 12 * MiB], 100, MiB).verdict, 'ok');
    assert.equal(judgeLeak([10 * MiB, 11 * MiB, 12 * MiB, 13 * MiB, 14 * MiB], 100, MiB).verdict, 'leak');
    assert.throws(() => judgeLeak([1, 2], 1, 1), /at least 3 readings/);
  });
});
