/**
 * `velomcp bench` from the command line: the workload list, one-line errors with exit code 2, and a short
 * `--load` run whose exit code follows the verdict and whose JSON and HTML reports are written.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allWorkloads } from '../../bench/suite/index.js';
import { CLI, ROOT } from '../cli/helpers.js';

function run(args: string[], timeoutMs = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'bench', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`velomcp bench ${args.join(' ')} did not finish within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('velomcp bench (CLI)', () => {
  test('--list prints every workload of the suite, one per line', async () => {
    const r = await run(['--list']);
    assert.equal(r.code, 0, r.stderr);
    const listed = r.stdout.trim().split('\n').map((l) => l.split(/\s+/)[0]);
    assert.deepEqual(listed, allWorkloads().map((w) => w.id));
  });

  test('an unknown scenario and a bad number are one line each with exit code 2, no stack trace', async () => {
    for (const [args, message] of [
      [['--load', 'nope'], /^velomcp: load scenario nope: unknown load scenario "nope": choose one of idle, sustained, burst, fanout\n$/],
      [['--load', 'sustained', '--rate', 'abc'], /^velomcp: --rate must be a positive number, got "abc"\n$/],
      [['--rounds', '0'], /^velomcp: --rounds must be a positive number, got "0"\n$/],
    ] as const) {
      const r = await run([...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
  });

  test('--load sustained runs against the reference server, prints the report and writes JSON + HTML; the exit code follows the verdict', async () => {
    const out = mkdtempSync(join(tmpdir(), 'velomcp-bench-load-'));
    try {
      const r = await run(['--load', 'sustained', '--duration', '6', '--rate', '20', '--no-progress', '--out', out, '--name', 'short'], 120_000);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      const report = JSON.parse(r.stdout) as { scenario: string; verdict: { pass: boolean }; summary: { completed: number }; options: { rate: number; durationS: number } };
      assert.equal(report.scenario, 'sustained');
      assert.equal(r.code, report.verdict.pass ? 0 : 1);
      assert.equal(report.options.rate, 20);
      assert.equal(report.options.durationS, 6);
      assert.ok(report.summary.completed > 0);
      assert.ok(existsSync(join(out, 'short.html')));
      assert.equal((JSON.parse(readFileSync(join(out, 'short.json'), 'utf8')) as { scenario: string }).scenario, 'sustained');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
