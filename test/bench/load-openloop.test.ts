/**
 * The open-loop load generator is honest about time: requests are scheduled at the arrival rate whatever
 * the server does, latency counts from the intended send time (a 500 ms server stall shows in every
 * request scheduled during it, not in one), requests over the outstanding bound are dropped and counted,
 * and bad options are refused with a clear error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runOpenLoop } from '../../bench/load/openloop.js';
import { resolveOptions } from '../../bench/load/options.js';
import { driveCalls } from '../../bench/load/rate.js';
import { progressBar } from '../../bench/load/progress.js';
import { startServer, REPO_ROOT, type TargetServer } from '../../bench/load/server.js';

const FIXTURE = join(REPO_ROOT, 'dist', 'test', 'bench', 'load-fixtures', 'stall-server.js');

describe('runOpenLoop schedule', () => {
  test('schedules exactly rate x duration per phase, bucketed by intended second, independent of answers', async () => {
    const r = await runOpenLoop({
      phases: [
        { label: 'a', durationS: 1, rate: 50 },
        { label: 'b', durationS: 1, rate: 150 },
      ],
      maxOutstanding: 1000,
      // Answers take 300 ms: a closed-loop generator would send far fewer in 2 s over few lanes.
      send: (_seq, done) => void setTimeout(() => done(), 300),
    });
    assert.equal(r.scheduled, 200);
    assert.equal(r.sent, 200);
    assert.equal(r.completed, 200);
    assert.deepEqual(
      r.seconds.map((s) => [s.phase, s.scheduled]),
      [
        ['a', 50],
        ['b', 150],
      ],
    );
    assert.ok((r.seconds[0]?.p50Ms ?? 0) >= 290, `latency includes the 300 ms answer time, got p50 ${r.seconds[0]?.p50Ms}`);
  });

  test('refuses a non-positive rate and a zero outstanding bound', () => {
    assert.throws(() => runOpenLoop({ phases: [{ label: 'x', durationS: 1, rate: 0 }], maxOutstanding: 1, send: () => {} }), /rate and duration must be positive/);
    assert.throws(() => runOpenLoop({ phases: [{ label: 'x', durationS: 1, rate: 1 }], maxOutstanding: 0, send: () => {} }), /maxOutstanding must be at least 1/);
  });
});

/** Starts the stall fixture before the suite's tests (its `stallAt`-th call blocks 500 ms) and stops it after. */
function stallServer(stallAt: number): { target: () => TargetServer } {
  let target: TargetServer | undefined;
  before(async () => {
    process.env.STALL_AT = String(stallAt);
    process.env.STALL_MS = '500';
    target = await startServer(FIXTURE);
  });
  after(async () => {
    await target?.close();
    delete process.env.STALL_AT;
    delete process.env.STALL_MS;
  });
  return { target: () => target as TargetServer };
}

describe('open loop against a server that stalls its event loop for 500 ms', () => {
  const server = stallServer(300);

  test('every request scheduled during the stall carries it: ~rate x 0.25 s of them wait >= 250 ms, the worst ~500 ms', async () => {
    const o = resolveOptions('sustained', { rate: 200, durationS: 3, sessions: 1, connections: 8, maxOutstanding: 512, tool: 'echo', args: { text: 'x' } }).options;
    const r = await driveCalls(server.target(), o, [{ label: 'run', durationS: 3, rate: 200 }], progressBar(false), 'test');
    assert.equal(r.errors, 0, r.firstError ?? '');
    assert.equal(r.drops, 0);
    const slow = r.latencies.filter((ms) => ms >= 250).length;
    const max = r.latencies[r.latencies.length - 1] ?? 0;
    // Requests intended in the first half of the stall wait at least 250 ms: 200/s x 0.25 s = 50.
    assert.ok(slow >= 35, `expected about 50 requests >= 250 ms (one per 5 ms of the stall's first half), got ${slow}`);
    assert.ok(max >= 450 && max < 1500, `worst latency should be about the 500 ms stall, got ${max.toFixed(1)} ms`);
    const worstSecond = Math.max(...r.seconds.map((s) => s.p95Ms ?? 0));
    assert.ok(worstSecond >= 250, `the stall's second shows it in its P95, got ${worstSecond}`);
  });
});

describe('outstanding bound', () => {
  const server = stallServer(150);

  test('requests intended while 8 are outstanding are dropped and counted, not delayed', async () => {
    const o = resolveOptions('sustained', { rate: 200, durationS: 2, sessions: 1, connections: 8, maxOutstanding: 8, tool: 'echo', args: { text: 'x' } }).options;
    const r = await driveCalls(server.target(), o, [{ label: 'run', durationS: 2, rate: 200 }], progressBar(false), 'test');
    assert.equal(r.scheduled, 400);
    assert.equal(r.sent + r.drops, r.scheduled);
    // ~100 requests are intended during the stall; all but the 8 in flight are dropped (the upper bound
    // leaves room for extra stalls when the shared machine is busy).
    assert.ok(r.drops >= 50 && r.drops <= 250, `expected about 92 drops, got ${r.drops}`);
    assert.equal(r.seconds.reduce((a, s) => a + s.drops, 0), r.drops);
  });
});

describe('resolveOptions', () => {
  test('names the bad option', () => {
    assert.throws(() => resolveOptions('soak', {}), /unknown load scenario "soak": choose one of idle, sustained, burst, fanout/);
    assert.throws(() => resolveOptions('sustained', { rate: -1 }), /rate must be a positive number, got -1/);
    assert.throws(() => resolveOptions('idle', { idleConnections: 1.5 }), /idleConnections must be a positive integer/);
    assert.throws(() => resolveOptions('burst', { durationS: 12, burstS: 10 }), /burst needs durationS >= burstS \+ 10/);
    assert.throws(() => resolveOptions('sustained', { url: 'http://127.0.0.1:1/mcp', module: 'x.js' }), /either url \(attach\) or module/);
  });
});
