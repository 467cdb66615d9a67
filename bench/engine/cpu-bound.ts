/**
 * Worker pool benchmark: examples/cpu-bound served by `velomcp serve --stdio`, 64 concurrent `tools/call`s
 * of `cpu_inline` (main thread) and then of `cpu_pooled` (worker pool), each in a fresh server process, with
 * a `ping` every 10 ms on the same connection. Reports calls/s of each, the pooled/inline ratio, and the
 * ping latency percentiles while the calls run. The pooled run is done twice: with the pool's default nice
 * value (or `--pool-nice`), and with `--pool-nice 19` (docs/performance.md: with as many worker threads as
 * cores, a nice pool lets the event loop thread run first, so pings stay fast).
 *
 *   node dist/bench/engine/cpu-bound.js [--ms 20] [--concurrency 64] [--duration-ms 4000] [--pool-size N]
 *
 * stdout: one JSON document (also written to bench/results/engine-cpu-bound.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile } from '../shared/stats.js';
import { StdioPeer } from './stdio-peer.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { values } = parseArgs({
  options: {
    ms: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '64' },
    'duration-ms': { type: 'string', default: '4000' },
    'pool-size': { type: 'string', default: String(os.availableParallelism()) },
    'pool-nice': { type: 'string', default: '' },
  },
});
const MS = Number(values.ms);
const CONCURRENCY = Number(values.concurrency);
const DURATION = Number(values['duration-ms']);
const POOL = Number(values['pool-size']);

interface Result {
  tool: string;
  calls: number;
  errors: number;
  seconds: number;
  callsPerSec: number;
  ping: PingStats;
  /** Pings on the same server with no calls running: the noise floor of this machine right now. */
  idlePing: PingStats;
}
interface PingStats {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
function pingStats(pings: number[]): PingStats {
  const sorted = Float64Array.from(pings).sort();
  return { count: sorted.length, p50: r3(percentile(sorted, 50)), p95: r3(percentile(sorted, 95)), p99: r3(percentile(sorted, 99)), max: r3(sorted[sorted.length - 1] ?? NaN) };
}

async function measure(tool: string, nice = values['pool-nice']): Promise<Result> {
  const args = [`${root}dist/src/cli/main.js`, 'serve', `${root}dist/examples/cpu-bound/server.js`, '--stdio', '--pool-size', String(POOL)];
  if (nice) args.push('--pool-nice', nice);
  const peer = new StdioPeer(args);
  try {
    await peer.initialize();
    // Warm-up: start the pool's threads and JIT both paths.
    await Promise.all(Array.from({ length: POOL * 2 }, () => peer.request('tools/call', { name: tool, arguments: { ms: MS } })));
    const idle: number[] = [];
    for (const stop = performance.now() + 1000; performance.now() < stop; ) {
      idle.push((await peer.request('ping')).ms);
      await new Promise((res) => setTimeout(res, 10));
    }
    let calls = 0;
    let errors = 0;
    const t0 = performance.now();
    const end = t0 + DURATION;
    const pings: number[] = [];
    let running = true;
    const pinger = (async () => {
      while (running) {
        const r = await peer.request('ping');
        if (running) pings.push(r.ms);
        await new Promise((res) => setTimeout(res, 10));
      }
    })();
    const lane = async (): Promise<void> => {
      while (performance.now() < end) {
        const r = await peer.request('tools/call', { name: tool, arguments: { ms: MS } });
        if (r.message.result && !r.message.result.isError) calls++;
        else errors++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    const seconds = (performance.now() - t0) / 1000;
    running = false;
    await pinger;
    return {
      tool,
      calls,
      errors,
      seconds: r3(seconds),
      callsPerSec: r3(calls / seconds),
      ping: pingStats(pings),
      idlePing: pingStats(idle),
    };
  } finally {
    await peer.close();
  }
}

const inline = await measure('cpu_inline');
process.stderr.write(`inline: ${inline.callsPerSec} calls/s, ping p99 ${inline.ping.p99} ms\n`);
const pooled = await measure('cpu_pooled');
process.stderr.write(`pooled: ${pooled.callsPerSec} calls/s, ping p99 ${pooled.ping.p99} ms (idle server: ${pooled.idlePing.p99} ms)\n`);
const pooledNice = await measure('cpu_pooled', '19');
process.stderr.write(`pooled, --pool-nice 19: ${pooledNice.callsPerSec} calls/s, ping p99 ${pooledNice.ping.p99} ms\n`);
const ratio = (r: Result): number => Math.round((r.callsPerSec / inline.callsPerSec) * 100) / 100;
const verdict = (r: Result): { ratio: boolean; pooledPingP99: boolean } => ({ ratio: r.callsPerSec / inline.callsPerSec >= 1.7, pooledPingP99: r.ping.p99 < 10 });
const out = {
  bench: 'engine/cpu-bound',
  date: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), node: process.version },
  params: { ms: MS, concurrency: CONCURRENCY, durationMs: DURATION, poolSize: POOL, poolNice: values['pool-nice'] || 0 },
  inline,
  pooled,
  ratio: ratio(pooled),
  pooledNice19: pooledNice,
  ratioNice19: ratio(pooledNice),
  targets: { ratioAtLeast: 1.7, pooledPingP99BelowMs: 10 },
  pass: verdict(pooled),
  passNice19: verdict(pooledNice),
};
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/engine-cpu-bound.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
