/**
 * `npm run bench:cluster -- --quick` end to end: four topologies (1 node in-memory, 1 node Redis, 3 Redis
 * nodes, --workers 2), both eras, and the fan-out over 3 Redis nodes. Asserts the report's shape, that every
 * figure is positive and finite, that the targets are judged from the figures (never hard-coded), and that
 * the run's Redis keys are gone afterwards. Needs Redis at 127.0.0.1:6379 (database 10); fails with a clear
 * message when it is absent.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ROOT } from '../cli/helpers.js';

const REDIS = 'redis://127.0.0.1:6379/10';

function redisListening(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port: 6379 });
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function runBench(args: string[], timeoutMs = 240_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'bench', 'cluster', 'run.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench:cluster ${args.join(' ')} did not finish within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const positive = (v: unknown, where: string): void => assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, `${where} is a positive number (got ${String(v)})`);
const nonNegative = (v: unknown, where: string): void => assert.ok(typeof v === 'number' && Number.isFinite(v) && v >= 0, `${where} is a number >= 0 (got ${String(v)})`);

describe('bench:cluster --quick', () => {
  before(async () => {
    if (!(await redisListening())) throw new Error('bench:cluster needs Redis at 127.0.0.1:6379 (start one: redis-server --port 6379); nothing is listening there');
  });

  test('measures every topology and era, the fan-out, judges the targets, and deletes its Redis keys', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'velomcp-bench-cluster-'));
    try {
      const out = join(dir, 'cluster.json');
      const r = await runBench(['--quick', '--subscribers', '120', '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout);
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), report, '--out holds the printed report');
      assert.match(r.stderr, /calls\/s/, 'the human table goes to stderr');
      assert.equal(report.bench, 'cluster');
      assert.equal(report.quick, true);
      positive(report.environment.cpus, 'environment.cpus');
      assert.equal(report.environment.loadavgStart.length, 3);

      const cells = report.results as Record<string, any>[];
      assert.deepEqual(cells.map((c) => `${c.topology}/${c.era}`).sort(), ['memory-1', 'redis-1', 'redis-3', 'workers-2'].flatMap((t) => [`${t}/legacy`, `${t}/modern`]).sort());
      for (const c of cells) {
        const at = `${c.topology}/${c.era}`;
        for (const k of ['callsPerSec', 'serverCpuUsPerCall', 'p50Ms', 'p99Ms', 'loadgenCpuUsPerCall', 'callsPerSecPerServerCore']) positive(c[k], `${at}.${k}`);
        for (const k of ['redisCommandsPerCall', 'redisRoundTripsPerCall', 'redisServerCommandsPerCall']) nonNegative(c[k], `${at}.${k}`);
        assert.equal(c.errors, 0, `${at}: no failed call`);
        const roles = c.processes.map((p: { role: string }) => p.role);
        assert.deepEqual(roles, c.topology === 'redis-3' ? ['node1', 'node2', 'node3'] : c.topology === 'workers-2' ? ['primary', 'worker1', 'worker2'] : ['node'], `${at}: every server process`);
        for (const p of c.processes) nonNegative(p.cpuUsPerCall, `${at} ${p.role}.cpuUsPerCall`);
        if (c.topology === 'memory-1' || c.topology === 'workers-2') assert.equal(c.redisCommandsPerCall, 0, `${at}: no Redis`);
      }
      assert.equal(report.ratios.length, 6);
      for (const x of report.ratios) positive(x.cpuRatioToMemory, `ratio ${x.topology}/${x.era}`);

      for (const f of [report.fanout, report.fanoutReference]) {
        assert.equal(f.subscribers, 120);
        assert.equal(f.missing, 0, `${f.topology}: every subscriber got every update`);
        for (const k of ['p50Ms', 'p95Ms', 'maxMs', 'serverCpuUsPerDelivery']) positive(f[k], `${f.topology}.${k}`);
        assert.ok(f.p50Ms <= f.p95Ms && f.p95Ms <= f.maxMs, `${f.topology}: P50 <= P95 <= max`);
        assert.equal(f.rounds.length, 2);
      }
      assert.deepEqual(report.fanout.perNode, [40, 40, 40]);
      positive(report.fanout.redisCommandsPerDelivery, 'fan-out Redis commands per delivery');

      const targets = report.targets as { name: string; value: number; limit: number; pass: boolean }[];
      assert.equal(targets.length, 6);
      for (const t of targets) {
        nonNegative(t.value, t.name);
        assert.equal(t.pass, /fan-out/.test(t.name) ? t.value < t.limit && report.fanout.missing === 0 : t.value <= t.limit, `${t.name}: pass follows the figure`);
      }

      const redis = new Redis(REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await redis.connect();
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', 'velomcp:bench:cluster:*', 'COUNT', 1000);
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0');
        const pid = /deleted \d+ Redis keys under velomcp:bench:cluster:(\d+):/.exec(r.stderr)?.[1];
        assert.ok(pid, r.stderr);
        assert.deepEqual(keys.filter((k) => k.startsWith(`velomcp:bench:cluster:${pid}:`)), [], 'the run left no key behind');
      } finally {
        redis.disconnect();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
