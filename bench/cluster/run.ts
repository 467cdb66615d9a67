/**
 * `npm run bench:cluster`: legacy-session (2025-11-25) and modern (2026-07-28) `tools/call` through four
 * topologies of `velomcp serve` (1 node in-memory, 1 node Redis, 3 nodes Redis with client-side round-robin
 * over the node URLs, `--workers 2` on the primary-IPC backend) and a resource-update fan-out to legacy
 * subscribers spread over 3 Redis-backed nodes. Prints a table on stderr and the JSON report on stdout, and
 * writes it to bench/results/cluster-latest.json (`--out FILE` elsewhere; `--quick` writes only with `--out`).
 *
 * Method: every topology runs for the whole load phase; each repeat visits every (topology, era) pair once,
 * in an order rotated per repeat, so slow drifts of the shared machine spread over all pairs; figures are
 * medians over the repeats. Redis is the one at `--redis` (default redis://127.0.0.1:6379/10), each Redis
 * topology with its own key prefix, deleted at the end. `INFO commandstats` counts the whole Redis server:
 * the background rate measured with every topology idle is subtracted (both figures are reported).
 *
 * Options: `--quick` (smoke test: short windows, 1 repeat, 300 subscribers), `--repeats N`, `--concurrency N`,
 * `--warmup-ms N`, `--measure-ms N`, `--subscribers N`, `--rounds N`, `--redis URL`, `--out FILE`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Era } from '../http/loadgen.js';
import { median } from '../shared/stats.js';
import { runFanout, type FanoutSample } from './fanout.js';
import { runLoad, type LoadOptions, type LoadSample } from './load.js';
import { CommandMonitor, RedisProbe, statsDelta, totalCommands } from './redis.js';
import { ROOT, startTopology, TOPOLOGIES, type Topology, type TopologyName } from './topology.js';

const ERAS: readonly Era[] = ['legacy', 'modern'];
const TARGETS = { redisCommandsPerLegacyCall: 1, cpuRatioRedisToMemory: 1.3, fanoutP95Ms: 50 };

interface Options {
  quick: boolean;
  repeats: number;
  load: LoadOptions;
  subscribers: number;
  rounds: number;
  redisUrl: string;
  out: string | undefined;
  /** Only the fan-out scenario, printed, nothing written (for investigating it). */
  fanoutOnly: boolean;
}

function options(argv: string[]): Options {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      repeats: { type: 'string' },
      concurrency: { type: 'string' },
      'warmup-ms': { type: 'string' },
      'measure-ms': { type: 'string' },
      subscribers: { type: 'string' },
      rounds: { type: 'string' },
      redis: { type: 'string' },
      out: { type: 'string' },
      'fanout-only': { type: 'boolean' },
    },
    strict: true,
  });
  const quick = v.quick === true;
  const int = (name: string, s: string | undefined, dflt: number): number => {
    if (s === undefined) return dflt;
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${s}`);
    return n;
  };
  return {
    quick,
    repeats: int('repeats', v.repeats, quick ? 1 : 3),
    load: { concurrency: int('concurrency', v.concurrency, 16), warmupMs: int('warmup-ms', v['warmup-ms'], quick ? 300 : 1500), measureMs: int('measure-ms', v['measure-ms'], quick ? 700 : 3000), timeoutMs: 10_000 },
    subscribers: int('subscribers', v.subscribers, quick ? 300 : 3000),
    rounds: int('rounds', v.rounds, quick ? 2 : 7),
    redisUrl: v.redis ?? 'redis://127.0.0.1:6379/10',
    fanoutOnly: v['fanout-only'] === true,
    out: v.out ?? (quick ? undefined : join(ROOT, 'bench', 'results', 'cluster-latest.json')),
  };
}

interface Cell {
  topology: TopologyName;
  label: string;
  era: Era;
  callsPerSec: number;
  serverCpuUsPerCall: number;
  /** Median per role (node, primary, worker1, node1, ...). */
  processes: { role: string; cpuUsPerCall: number; cpuPct: number }[];
  /** Commands naming this topology's key prefix per call (MONITOR): sent by the nodes plus run inside their scripts. */
  redisCommandsPerCall: number;
  /** Of those, sent by the nodes (round trips; EVALSHA once). */
  redisRoundTripsPerCall: number;
  /** INFO commandstats delta per call: the whole shared Redis server, other clients included. */
  redisServerCommandsPerCall: number;
  /** The attributed commands of the median-throughput sample, per call. */
  redisCommandsByName: Record<string, number>;
  redisCpuUsPerCall: number;
  loadgenCpuUsPerCall: number;
  p50Ms: number;
  p99Ms: number;
  /** Calls/s one fully used core would serve at this CPU per call (1e6 / the busiest process's µs/call × its share). */
  callsPerSecPerServerCore: number;
  errors: number;
  samples: { callsPerSec: number; serverCpuUsPerCall: number; redisCommandsPerCall: number; loadavg1: number }[];
}

const med = (xs: number[]): number => median(xs) ?? NaN;
const round = (x: number, d = 3): number => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

function commit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  const opts = options(argv);
  const log = (s: string): void => void process.stderr.write(`bench:cluster: ${s}\n`);
  const probe = await RedisProbe.open(opts.redisUrl);
  let monitor: CommandMonitor | undefined;
  const tag = `velomcp:bench:cluster:${process.pid}:${Date.now().toString(36)}`;
  const topos: Topology[] = [];
  const loadavgStart = os.loadavg();
  const startedAt = new Date().toISOString();
  let deleted = 0;
  try {
    if (opts.fanoutOnly) {
      const t = await startTopology('redis-3', opts.redisUrl, `${tag}:redis-3:`);
      topos.push(t);
      monitor = await CommandMonitor.open(opts.redisUrl, [t.prefix!]);
      const f = await runFanout(t, { subscribers: opts.subscribers, rounds: opts.rounds, setupConcurrency: 32, roundTimeoutMs: 10_000, timeoutMs: 20_000, monitor });
      process.stdout.write(JSON.stringify(f, null, 2) + '\n');
      return 0;
    }
    for (const t of TOPOLOGIES) {
      log(`starting ${t.label}`);
      topos.push(await startTopology(t.name, opts.redisUrl, `${tag}:${t.name}:`));
    }
    monitor = await CommandMonitor.open(opts.redisUrl, topos.flatMap((t) => (t.prefix ? [t.prefix] : [])));
    // Background Redis traffic (other clients of a shared Redis, the nodes' own liveness checks) with no load.
    const bgMs = opts.quick ? 1000 : 3000;
    const s0 = await probe.commandStats();
    const b0 = performance.now();
    await new Promise((r) => setTimeout(r, bgMs));
    const bgDelta = statsDelta(s0, await probe.commandStats());
    delete bgDelta.info;
    const bgPerSec = totalCommands(bgDelta) / ((performance.now() - b0) / 1000);
    log(`Redis background: ${bgPerSec.toFixed(1)} commands/s server-wide with every topology idle`);
    if (!opts.quick) {
      // One unrecorded pass over every pair: JIT, connection pools and session caches warm on every node.
      for (const { t, era } of topos.flatMap((t) => ERAS.map((era) => ({ t, era })))) await runLoad(t, era, opts.load, probe, monitor);
      log('warm-up pass done');
    }

    const pairs = topos.flatMap((t) => ERAS.map((era) => ({ t, era })));
    const samples = new Map<string, LoadSample[]>();
    for (let rep = 0; rep < opts.repeats; rep++) {
      const order = pairs.map((_, i) => pairs[(i + rep * 3) % pairs.length]!);
      for (const { t, era } of order) {
        const s = await runLoad(t, era, opts.load, probe, monitor);
        const key = `${t.name}/${era}`;
        samples.set(key, [...(samples.get(key) ?? []), s]);
        log(`repeat ${rep + 1}/${opts.repeats} ${t.label.padEnd(26)} ${era.padEnd(6)} ${s.callsPerSec.toFixed(0).padStart(6)} calls/s  ${s.serverCpuUsPerCall.toFixed(0).padStart(5)} µs CPU/call  ${s.redisCommandsPerCall.toFixed(3)} Redis cmds/call  load ${s.loadavg[0]?.toFixed(2)}`);
      }
    }
    const cells: Cell[] = [];
    for (const t of topos) {
      for (const era of ERAS) {
        const ss = samples.get(`${t.name}/${era}`) ?? [];
        const byThroughput = [...ss].sort((a, b) => a.callsPerSec - b.callsPerSec);
        const mid = byThroughput[byThroughput.length >> 1]!;
        const roles = [...new Set(ss.flatMap((s) => s.processes.map((p) => p.role)))];
        const processes = roles.map((role) => ({
          role,
          cpuUsPerCall: round(med(ss.map((s) => s.processes.find((p) => p.role === role)?.cpuUsPerCall ?? NaN)), 1),
          cpuPct: round(med(ss.map((s) => s.processes.find((p) => p.role === role)?.cpuPct ?? NaN)), 1),
        }));
        const serverCpu = med(ss.map((s) => s.serverCpuUsPerCall));
        cells.push({
          topology: t.name,
          label: t.label,
          era,
          callsPerSec: round(med(ss.map((s) => s.callsPerSec)), 0),
          serverCpuUsPerCall: round(serverCpu, 1),
          processes,
          redisCommandsPerCall: round(med(ss.map((s) => s.redisCommandsPerCall)), 4),
          redisRoundTripsPerCall: round(med(ss.map((s) => s.redisRoundTripsPerCall)), 4),
          redisServerCommandsPerCall: round(med(ss.map((s) => s.redisServerCommandsPerCall))),
          redisCommandsByName: Object.fromEntries(Object.entries(mid.redisCommands).map(([k, v]) => [k, round(v / mid.calls, 4)])),
          redisCpuUsPerCall: round(med(ss.map((s) => s.redisCpuUsPerCall)), 1),
          loadgenCpuUsPerCall: round(med(ss.map((s) => s.loadgenCpuUsPerCall)), 1),
          p50Ms: round(med(ss.map((s) => s.p50Ms))),
          p99Ms: round(med(ss.map((s) => s.p99Ms))),
          callsPerSecPerServerCore: round(1e6 / serverCpu, 0),
          errors: ss.reduce((n, s) => n + s.errors, 0),
          samples: ss.map((s) => ({ callsPerSec: round(s.callsPerSec, 0), serverCpuUsPerCall: round(s.serverCpuUsPerCall, 1), redisCommandsPerCall: round(s.redisCommandsPerCall, 4), loadavg1: round(s.loadavg[0] ?? NaN, 2) })),
        });
      }
    }
    const cell = (t: TopologyName, era: Era): Cell => cells.find((c) => c.topology === t && c.era === era)!;
    const ratios = ERAS.flatMap((era) =>
      (['redis-1', 'redis-3', 'workers-2'] as const).map((t) => ({ era, topology: t, cpuRatioToMemory: round(cell(t, era).serverCpuUsPerCall / cell('memory-1', era).serverCpuUsPerCall), callsPerSecRatioToMemory: round(cell(t, era).callsPerSec / cell('memory-1', era).callsPerSec) })),
    );
    // The same process layout without session state: what a legacy call costs over a stateless modern one in
    // each topology (separates the session path from the cost of the layout itself, e.g. 3 processes on 2 cores).
    const legacyOverModern = topos.map((t) => ({ topology: t.name, legacyCpuOverModern: round(cell(t.name, 'legacy').serverCpuUsPerCall / cell(t.name, 'modern').serverCpuUsPerCall) }));

    // The fan-out runs on the 3-node Redis topology alone (the others are stopped first), then, as the
    // reference for what the cluster adds, the same subscribers on the single in-memory node alone.
    for (const t of topos) if (t.name !== 'redis-3' && t.name !== 'memory-1') await t.stop();
    const memory1 = topos.find((t) => t.name === 'memory-1')!;
    const redis3 = topos.find((t) => t.name === 'redis-3')!;
    await memory1.stop();
    const fanoutOpts = { subscribers: opts.subscribers, rounds: opts.rounds, setupConcurrency: 32, roundTimeoutMs: 10_000, timeoutMs: 20_000, monitor };
    log(`fan-out: ${opts.subscribers} subscribers over 3 Redis nodes, ${opts.rounds} rounds`);
    const fanout: FanoutSample = await runFanout(redis3, fanoutOpts);
    log(`fan-out: P50 ${fanout.p50Ms.toFixed(1)} ms, P95 ${fanout.p95Ms.toFixed(1)} ms, max ${fanout.maxMs.toFixed(1)} ms, missing ${fanout.missing} (setup ${fanout.setupSeconds.toFixed(1)} s)`);
    await redis3.stop();
    const reference = await startTopology('memory-1', opts.redisUrl, `${tag}:memory-1-fanout:`);
    topos.push(reference);
    log(`fan-out reference: ${opts.subscribers} subscribers on 1 in-memory node`);
    const fanoutMemory: FanoutSample = await runFanout(reference, fanoutOpts);
    log(`fan-out reference: P50 ${fanoutMemory.p50Ms.toFixed(1)} ms, P95 ${fanoutMemory.p95Ms.toFixed(1)} ms, max ${fanoutMemory.maxMs.toFixed(1)} ms, missing ${fanoutMemory.missing}`);

    const worstRedisCmds = Math.max(cell('redis-1', 'legacy').redisCommandsPerCall, cell('redis-3', 'legacy').redisCommandsPerCall);
    const targets = [
      { name: 'Redis commands per steady-state legacy tools/call (worst of 1 and 3 Redis nodes)', value: worstRedisCmds, limit: TARGETS.redisCommandsPerLegacyCall, pass: worstRedisCmds <= TARGETS.redisCommandsPerLegacyCall },
      ...ratios
        .filter((r) => r.topology !== 'workers-2')
        .map((r) => ({ name: `server CPU per ${r.era} call, ${r.topology} / memory-1`, value: r.cpuRatioToMemory, limit: TARGETS.cpuRatioRedisToMemory, pass: r.cpuRatioToMemory <= TARGETS.cpuRatioRedisToMemory })),
      { name: `fan-out to ${fanout.subscribers} subscribers over 3 nodes: P95 delivery ms (median of rounds), none missing`, value: round(fanout.p95Ms, 1), limit: TARGETS.fanoutP95Ms, pass: fanout.p95Ms < TARGETS.fanoutP95Ms && fanout.missing === 0 },
    ];
    const report = {
      bench: 'cluster',
      date: startedAt,
      quick: opts.quick,
      environment: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', redis: await probe.version(), loadavgStart, loadavgEnd: os.loadavg(), ...(commit() ? { commit: commit() } : {}) },
      config: {
        repeats: opts.repeats,
        concurrency: opts.load.concurrency,
        warmupMs: opts.load.warmupMs,
        measureMs: opts.load.measureMs,
        routing: 'client-side round-robin per request over the node URLs (no nginx); --workers: one URL, the primary spreads connections',
        redis: opts.redisUrl.replace(/\/\/[^@/]*@/, '//'),
        redisCommandCounting: 'MONITOR, commands with an argument under the topology key prefix (sent + inside scripts); INFO commandstats (whole server) reported beside it',
        redisServerBackgroundCommandsPerSec: round(bgPerSec, 1),
        redisServerBackgroundCommands: bgDelta,
      },
      results: cells,
      ratios,
      legacyOverModern,
      fanout: fanoutReport(fanout, 'redis-3'),
      fanoutReference: fanoutReport(fanoutMemory, 'memory-1'),
      targets,
    };
    for (const t of topos) await t.stop();
    for (const t of topos) if (t.prefix) deleted += await probe.dropPrefix(t.prefix);
    log(`deleted ${deleted} Redis keys under ${tag}:*`);
    process.stderr.write(humanTable(report.results, report.ratios, [report.fanout, report.fanoutReference], targets));
    const json = JSON.stringify(report, null, 2) + '\n';
    if (opts.out) {
      mkdirSync(dirname(resolve(opts.out)), { recursive: true });
      writeFileSync(resolve(opts.out), json);
      log(`wrote ${opts.out}`);
    }
    process.stdout.write(json);
    return 0;
  } finally {
    await Promise.all(topos.map((t) => t.stop().catch(() => undefined)));
    for (const t of topos) if (t.prefix) await probe.dropPrefix(t.prefix).catch(() => 0);
    monitor?.close();
    probe.close();
  }
}

function fanoutReport(f: FanoutSample, topology: TopologyName) {
  return {
    topology,
    subscribers: f.subscribers,
    nodes: f.nodes,
    perNode: f.perNode,
    setupSeconds: round(f.setupSeconds, 2),
    p50Ms: round(f.p50Ms, 2),
    p95Ms: round(f.p95Ms, 2),
    maxMs: round(f.maxMs, 2),
    missing: f.missing,
    serverCpuUsPerDelivery: round(f.serverCpuUsPerDelivery, 1),
    processes: f.processes.map((p) => ({ role: p.role, cpuUsPerDelivery: round(p.cpuUsPerDelivery, 1) })),
    redisCommandsPerDelivery: f.redisCommandsPerDelivery === null ? null : round(f.redisCommandsPerDelivery),
    redisCommandsPerRound: f.redisCommandsPerRound,
    rounds: f.rounds.map((r) => ({ ...r, p50Ms: round(r.p50Ms, 2), p95Ms: round(r.p95Ms, 2), maxMs: round(r.maxMs, 2), triggerMs: round(r.triggerMs, 2) })),
    loadavg: f.loadavg.map((x) => round(x, 2)),
  };
}

function humanTable(cells: Cell[], ratios: { era: Era; topology: string; cpuRatioToMemory: number }[], fanouts: { topology: string; subscribers: number; p50Ms: number; p95Ms: number; maxMs: number; missing: number; serverCpuUsPerDelivery: number }[], targets: { name: string; value: number; limit: number; pass: boolean }[]): string {
  const rows = [['topology', 'era', 'calls/s', 'server CPU µs/call', 'CPU × memory', 'Redis cmds/call', 'p50 ms', 'p99 ms', 'per process µs/call (CPU %)']];
  for (const c of cells) {
    const r = c.topology === 'memory-1' ? 1 : (ratios.find((x) => x.topology === c.topology && x.era === c.era)?.cpuRatioToMemory ?? NaN);
    rows.push([c.label, c.era, c.callsPerSec.toFixed(0), c.serverCpuUsPerCall.toFixed(1), r.toFixed(2), c.redisCommandsPerCall.toFixed(4), c.p50Ms.toFixed(2), c.p99Ms.toFixed(2), c.processes.map((p) => `${p.role} ${p.cpuUsPerCall.toFixed(0)} (${p.cpuPct.toFixed(0)}%)`).join(', ')]);
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((x, i) => (i < 2 || i === 8 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  '));
  for (const f of fanouts) lines.push(`${lines.length === rows.length ? '\n' : ''}fan-out to ${f.subscribers} subscribers, ${f.topology}: P50 ${f.p50Ms.toFixed(1)} ms, P95 ${f.p95Ms.toFixed(1)} ms, max ${f.maxMs.toFixed(1)} ms, missing ${f.missing}, server CPU ${f.serverCpuUsPerDelivery.toFixed(1)} µs per delivery`);
  lines.push('');
  for (const t of targets) lines.push(`${t.pass ? 'met   ' : 'MISSED'} ${t.name}: ${t.value} (limit ${t.limit})`);
  return lines.join('\n') + '\n';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench:cluster: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
