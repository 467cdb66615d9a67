/**
 * Observability overhead bench: server CPU per `tools/call` echo over stdio (the stdio bench's W1 echo, both
 * eras) with nothing subscribed, no-op subscribers, prom-client metrics, tracing with the no-op API, tracing
 * with the SDK and an in-memory exporter, and pino request logs; side by side in one run, rounds interleaved,
 * each reported as a ratio of server CPU per call to the nothing-subscribed server of the same round.
 *
 * Then the same configurations in-process (`dispatch.ts`: CPU per call through `ServerConnection.receive`,
 * modes interleaved within each round), which a loaded machine disturbs less.
 *
 * Plus a micro-measure of the guard itself: the cost of one `channel.hasSubscribers` read, times the guards
 * one request passes, against the server CPU per call with nothing subscribed.
 *
 *   node dist/bench/observability/run.js [--quick] [--rounds N] [--warmup-ms N] [--measure-ms N]
 *
 * stdout: one JSON document; stderr: progress and a table. Writes bench/results/observability-latest.json
 * (or observability-partial.json for --quick and shortened runs).
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { fmt, median } from '../shared/stats.js';
import { runEntry, type Era, type LoadOptions, type Workload } from '../stdio/loadgen.js';
import { dispatchBench } from './dispatch.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const script = (name: string): string => fileURLToPath(new URL(`./servers/${name}.js`, import.meta.url));
const CONFIGS = ['none', 'noop', 'metrics', 'tracing-noop', 'tracing-memory', 'logs'] as const;
const ERAS: readonly Era[] = ['legacy', 'modern'];
const ECHO: Workload = { name: 'echo', tool: 'echo', arguments: { text: 'hello world' }, expectText: 'hello world', invalidArguments: [{ text: 42 }, {}] };
/**
 * Guard reads on the path of one successful tools/call with nothing subscribed: `hasSubscribers` at request
 * start, and at the end a field of the request context (no dearer than a `hasSubscribers` read).
 */
const GUARDS_PER_CALL = 2;

function arg(argv: string[], name: string): number | undefined {
  const i = argv.indexOf(name);
  if (i === -1) return undefined;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} needs a positive integer`);
  return n;
}

/** Nanoseconds per `hasSubscribers` read on a channel nobody listens to (best of 5 runs of 20 M reads). */
function guardNs(): number {
  const ch = diagnostics_channel.channel('velomcp:bench:unused');
  let best = Infinity;
  let sink = 0;
  for (let run = 0; run < 5; run++) {
    const n = 20_000_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (ch.hasSubscribers) sink++;
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  if (sink !== 0) throw new Error('unexpected subscriber');
  return best;
}

/** Nanoseconds per `performance.now()` read (best of 5 runs of 2 M): the seam takes two per observed request. */
function clockNs(): number {
  let best = Infinity;
  let sink = 0;
  for (let run = 0; run < 5; run++) {
    const n = 2_000_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += performance.now();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  if (sink === 0) throw new Error('clock did not move');
  return Math.round(best * 10) / 10;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const rounds = arg(argv, '--rounds') ?? 3;
  const opts: LoadOptions = {
    warmupMs: arg(argv, '--warmup-ms') ?? (quick ? 1_000 : 2_000),
    measureMs: arg(argv, '--measure-ms') ?? (quick ? 2_000 : 4_000),
    inflight: 64,
    stallMs: 5_000,
    startTimeoutMs: 15_000,
  };
  const loadavgStart = os.loadavg().map((x) => Number(x.toFixed(2)));
  process.stderr.write(`observability bench: ${CONFIGS.length} configurations x ${ERAS.length} eras x ${rounds} round(s), ${opts.warmupMs} ms warm-up + ${opts.measureMs} ms measured, ${opts.inflight} in flight\n`);
  type Sample = { round: number; callsPerSec: number; cpuUs: number | null; ratio: number | null; p50Ms: number; p99Ms: number; errors: number };
  const cells = new Map<string, Sample[]>();
  const failures: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const era of ERAS) {
      let baseline: number | null = null;
      for (const config of CONFIGS) {
        const tag = `[round ${round}/${rounds}] ${era.padEnd(6)} ${config.padEnd(14)}`;
        const outcome = await runEntry({ name: config, script: script(config), era }, ECHO, opts);
        if (outcome.kind !== 'ok') {
          failures.push(`${tag}: ${outcome.reason}`);
          process.stderr.write(`${tag} ${outcome.kind}: ${outcome.reason}\n`);
          continue;
        }
        const s = outcome.sample;
        if (config === 'none') baseline = s.serverCpuUsPerCall;
        const ratio = baseline !== null && s.serverCpuUsPerCall !== null ? s.serverCpuUsPerCall / baseline : null;
        const list = cells.get(`${era}/${config}`) ?? [];
        list.push({ round, callsPerSec: s.callsPerSec, cpuUs: s.serverCpuUsPerCall, ratio, p50Ms: s.p50Ms, p99Ms: s.p99Ms, errors: s.errors });
        cells.set(`${era}/${config}`, list);
        process.stderr.write(`${tag} ${Math.round(s.callsPerSec).toString().padStart(7)} calls/s  server ${fmt(s.serverCpuUsPerCall, 2)} µs/call  ${ratio === null ? '' : `${ratio.toFixed(3)}x none`}${s.errors ? `  ${s.errors} ERRORS` : ''}\n`);
      }
    }
  }
  process.stderr.write('\nin-process dispatch (legacy tools/call echo, no transport):\n');
  const dispatch = dispatchBench(quick ? 5 : 15, quick ? 100_000 : 200_000);
  for (const d of dispatch) process.stderr.write(`  ${d.mode.padEnd(14)} ${fmt(d.cpuUsPerCall, 3)} µs/call  ${fmt(d.ratioToNone, 3)}x none\n`);
  const ns = guardNs();
  const results = [...cells.entries()].map(([k, samples]) => {
    const [era, config] = k.split('/') as [string, string];
    const ratios = samples.map((s) => s.ratio).filter((r): r is number => r !== null);
    const cpus = samples.map((s) => s.cpuUs).filter((c): c is number => c !== null);
    const med = median(ratios);
    return {
      era,
      config,
      rounds: samples.length,
      callsPerSec: median(samples.map((s) => s.callsPerSec)),
      serverCpuUsPerCall: median(cpus),
      cpuRatioToNone: med,
      overheadPercent: med === null ? null : Math.round((med - 1) * 1000) / 10,
      p50Ms: median(samples.map((s) => s.p50Ms)),
      p99Ms: median(samples.map((s) => s.p99Ms)),
      errors: samples.reduce((n, s) => n + s.errors, 0),
      samples,
    };
  });
  const noneCpu = median(results.filter((r) => r.config === 'none').map((r) => r.serverCpuUsPerCall).filter((c): c is number => c !== null));
  const guard = {
    nsPerClockRead: clockNs(),
    nsPerHasSubscribersRead: Math.round(ns * 100) / 100,
    guardsPerCall: GUARDS_PER_CALL,
    percentOfServerCpuPerCall: noneCpu === null ? null : Math.round(((ns * GUARDS_PER_CALL) / (noneCpu * 1000)) * 1e5) / 1e3,
  };
  const pick = (era: string, config: string): number | null => results.find((r) => r.era === era && r.config === config)?.overheadPercent ?? null;
  const targets = ERAS.flatMap((era) => [
    { name: `${era}: metrics on ≤ 5 % server CPU per call`, value: pick(era, 'metrics'), pass: (pick(era, 'metrics') ?? Infinity) <= 5 },
  ]);
  const dm = dispatch.find((d) => d.mode === 'metrics')?.ratioToNone ?? null;
  targets.push({ name: 'in-process dispatch: metrics on ≤ 5 % CPU per call', value: dm === null ? null : Math.round((dm - 1) * 1000) / 10, pass: dm !== null && dm <= 1.05 });
  targets.push({ name: 'nothing subscribed ≤ 1 % (guard reads per call / server CPU per call)', value: guard.percentOfServerCpuPerCall, pass: (guard.percentOfServerCpuPerCall ?? Infinity) <= 1 });
  const doc = {
    bench: 'observability',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadavg: { start: loadavgStart, end: os.loadavg().map((x) => Number(x.toFixed(2))) },
    config: { quick, rounds, ...opts },
    results,
    dispatch,
    guard,
    targets,
    failures,
  };
  process.stderr.write('\nera     config          calls/s   server µs/call   x none   overhead\n');
  for (const r of results) {
    process.stderr.write(`${r.era.padEnd(7)} ${r.config.padEnd(14)} ${fmt(r.callsPerSec, 0).padStart(8)} ${fmt(r.serverCpuUsPerCall, 2).padStart(15)} ${fmt(r.cpuRatioToNone, 3).padStart(8)} ${r.overheadPercent === null ? '-' : `${r.overheadPercent} %`}\n`);
  }
  process.stderr.write(`\nclock: ${guard.nsPerClockRead} ns per performance.now() (two per observed request)`);
  process.stderr.write(`\nguard: ${guard.nsPerHasSubscribersRead} ns per hasSubscribers read x ${GUARDS_PER_CALL} per call = ${guard.percentOfServerCpuPerCall} % of server CPU per call\n`);
  for (const t of targets) process.stderr.write(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}  (${t.value})\n`);
  const json = JSON.stringify(doc, null, 2) + '\n';
  process.stdout.write(json);
  const partial = quick || argv.includes('--warmup-ms') || argv.includes('--measure-ms') || argv.includes('--rounds');
  const dir = `${repoRoot}bench/results`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/observability-${partial ? 'partial' : 'latest'}.json`, json);
}

await main();
