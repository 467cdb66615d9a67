/**
 * HTTP benchmark entry: MCP Streamable HTTP throughput and idle-session memory
 * of several servers, side by side in one run, each reported against the
 * `raw` baseline measured in the same run.
 *
 *   node dist/bench/http/run.js [--quick] [--rounds N] [--only name,name]
 *                               [--workloads name,name] [--warmup-ms N]
 *                               [--measure-ms N] [--connections N] [--sessions N]
 *                               [--profile DIR]
 *
 * stdout: one JSON document. stderr: progress and a table. Also writes
 * bench/results/http-latest.json. Exit code 0 whatever the targets say;
 * non-zero only when the harness itself failed (bad arguments, or no valid
 * raw baseline to divide by). See docs/benchmarks.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median } from '../shared/stats.js';
import { runIdleSessions, runThroughput, type Era, type IdleOptions, type IdleSample, type Outcome, type ServerSpec, type ThroughputOptions, type ThroughputSample } from './loadgen.js';

const serverScript = (name: string): string => fileURLToPath(new URL(`./servers/${name}.js`, import.meta.url));
// dist/bench/http/run.js -> repository root
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

// Run order within a round. velomcp comes right after raw, so that its acceptance ratio divides by a
// baseline measured seconds earlier, not after two slow competitors (the machine drifts).
const SERVERS: readonly ServerSpec[] = [
  { name: 'raw', script: serverScript('raw') },
  { name: 'velomcp', script: serverScript('velomcp') },
  { name: 'sdk-v1', script: serverScript('sdk-v1') },
  { name: 'sdk-v2', script: serverScript('sdk-v2') },
];

type WorkloadName = 'legacy-session' | 'modern' | 'idle-sessions';

interface WorkloadSpec {
  name: WorkloadName;
  kind: 'throughput' | 'idle';
  era: Era;
  /** Servers that cannot take part, with the reason (reported as n/a, never run). */
  notApplicable: Readonly<Record<string, string>>;
}

const WORKLOADS: readonly WorkloadSpec[] = [
  { name: 'legacy-session', kind: 'throughput', era: 'legacy', notApplicable: {} },
  { name: 'modern', kind: 'throughput', era: 'modern', notApplicable: { 'sdk-v1': 'SDK v1 does not implement the 2026-07-28 era' } },
  { name: 'idle-sessions', kind: 'idle', era: 'legacy', notApplicable: {} },
];

interface Cli {
  quick: boolean;
  rounds: number;
  only: string[] | undefined;
  workloads: string[] | undefined;
  warmupMs: number | undefined;
  measureMs: number | undefined;
  connections: number;
  sessions: number;
  profileDir: string | undefined;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Cli {
  const cli: Cli = { quick: false, rounds: 3, only: undefined, workloads: undefined, warmupMs: undefined, measureMs: undefined, connections: 32, sessions: 2000, profileDir: undefined };
  const positiveInt = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer`);
    return n;
  };
  const list = (flag: string, v: string | undefined): string[] => {
    if (v === undefined || v.trim() === '') throw new UsageError(`${flag} needs a comma-separated list`);
    return v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--quick':
        cli.quick = true;
        break;
      case '--rounds':
        cli.rounds = positiveInt(a, argv[++i]);
        break;
      case '--only':
        cli.only = list(a, argv[++i]);
        break;
      case '--workloads':
        cli.workloads = list(a, argv[++i]);
        break;
      case '--warmup-ms':
        cli.warmupMs = positiveInt(a, argv[++i]);
        break;
      case '--measure-ms':
        cli.measureMs = positiveInt(a, argv[++i]);
        break;
      case '--connections':
        cli.connections = positiveInt(a, argv[++i]);
        break;
      case '--sessions':
        cli.sessions = positiveInt(a, argv[++i]);
        break;
      case '--profile': {
        const v = argv[++i];
        if (v === undefined || v.trim() === '') throw new UsageError('--profile needs a directory');
        cli.profileDir = v;
        break;
      }
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${String(a)}`);
    }
  }
  return cli;
}

const USAGE = `usage: node dist/bench/http/run.js [--quick] [--rounds N] [--only name,name] [--workloads name,name]
                                  [--warmup-ms N] [--measure-ms N] [--connections N] [--sessions N]
                                  [--profile DIR]   (CPU-profiles each throughput entry's measured phase into DIR/<server>-<workload>-r<round>.cpuprofile;
                                                     profiled figures are for diagnosis, not for reporting)
servers: ${SERVERS.map((e) => e.name).join(', ')}
workloads: ${WORKLOADS.map((w) => w.name).join(', ')}`;



const round2 = (x: number | null | undefined, digits = 2): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

interface Failure {
  round: number;
  reason: string;
  errors: number;
}

interface Cell {
  workload: WorkloadSpec;
  server: string;
  throughput: (ThroughputSample & { round: number; ratioToRaw: number | null; cpuRatioToRaw: number | null })[];
  idle: (IdleSample & { round: number })[];
  failures: Failure[];
  unavailable: string | undefined;
  na: string | undefined;
}

interface ThroughputRow {
  workload: string;
  server: string;
  era: Era;
  callsPerSec: number | null;
  ratioToRaw: number | null;
  serverCpuUsPerCall: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
  flagged: boolean;
  validatesInput: boolean | null;
  loadgenCpuUsPerCall: number | null;
  /** Per-round raw server CPU µs/call ÷ this server's (same round), median: a CPU-efficiency ratio, less sensitive to contention than calls/s. */
  cpuRatioToRaw: number | null;
  /** Median % of the machine used by other processes during the measured windows (see docs). */
  otherCpuPct: number | null;
  /** Median hypervisor steal during the measured windows, % of the machine. */
  stealPct: number | null;
  roundsMeasured: number;
  /** (max − min) / median of callsPerSec over the rounds. */
  callsPerSecSpread: number | null;
  na?: string;
  unavailable?: string;
  failures?: Failure[];
  firstError?: string;
  samples: {
    round: number;
    callsPerSec: number;
    ratioToRaw: number | null;
    serverCpuUsPerCall: number | null;
    cpuRatioToRaw: number | null;
    p50Ms: number | null;
    p99Ms: number | null;
    loadgenCpuUsPerCall: number | null;
    otherCpuPct: number | null;
    stealPct: number | null;
    errors: number;
  }[];
}

interface IdleRow {
  workload: 'idle-sessions';
  server: string;
  era: Era;
  /** Median over rounds of server RSS growth per idle session over the second step (the slope), KiB. The target figure. */
  kibPerSession: number | null;
  /** Median over rounds of V8 heapUsed growth per idle session over the second step, KiB. */
  heapKibPerSession: number | null;
  /** Median over rounds of RSS growth per session over the first step (includes one-time costs of serving at all), KiB. */
  firstStepKibPerSession: number | null;
  firstStepHeapKibPerSession: number | null;
  sessionsPerStep: number | null;
  /** What the server said it holds at the end of each round (prime + 2 steps). */
  sessionsReported: (number | null)[];
  sessionsExpected: number | null;
  /** Every round: nothing evicted (reported count as expected when countable, and the first/last sessions still answer). */
  noEviction: boolean | null;
  gcForced: boolean | null;
  flagged: boolean;
  roundsMeasured: number;
  /** (max − min) / median of kibPerSession over the rounds. */
  kibPerSessionSpread: number | null;
  na?: string;
  unavailable?: string;
  failures?: Failure[];
  samples: {
    round: number;
    kibPerSession: number | null;
    heapKibPerSession: number | null;
    firstStepKibPerSession: number | null;
    rssKiB: { prime: number | null; step1: number | null; step2: number | null };
    sessionsReported: number | null;
    sessionsAlive: boolean;
    openSeconds: number | null;
  }[];
}

type ResultRow = ThroughputRow | IdleRow;

interface Target {
  name: string;
  value: number | null;
  op: '>=' | '<=';
  threshold: number;
  pass: boolean;
}

function throughputRow(cell: Cell): ThroughputRow {
  const s = cell.throughput;
  const pick = (f: (x: (typeof s)[number]) => number | null): number | null => median(s.map(f).filter((v): v is number => v !== null && Number.isFinite(v)));
  const errors = s.reduce((n, x) => n + x.errors, 0) + cell.failures.reduce((n, f) => n + f.errors, 0);
  const row: ThroughputRow = {
    workload: cell.workload.name,
    server: cell.server,
    era: cell.workload.era,
    callsPerSec: round2(pick((x) => x.callsPerSec), 0),
    ratioToRaw: round2(pick((x) => x.ratioToRaw), 3),
    serverCpuUsPerCall: round2(pick((x) => x.serverCpuUsPerCall), 1),
    p50Ms: round2(pick((x) => x.p50Ms), 3),
    p99Ms: round2(pick((x) => x.p99Ms), 3),
    errors,
    flagged: errors > 0 || cell.failures.length > 0,
    validatesInput: s.length > 0 ? s.every((x) => x.rejectsInvalid) : null,
    loadgenCpuUsPerCall: round2(pick((x) => x.loadgenCpuUsPerCall), 1),
    cpuRatioToRaw: round2(pick((x) => x.cpuRatioToRaw), 3),
    otherCpuPct: round2(pick((x) => x.otherCpuPct), 1),
    stealPct: round2(pick((x) => x.stealPct), 1),
    roundsMeasured: s.length,
    callsPerSecSpread: null,
    samples: s.map((x) => ({
      round: x.round,
      callsPerSec: Math.round(x.callsPerSec),
      ratioToRaw: round2(x.ratioToRaw, 3),
      serverCpuUsPerCall: round2(x.serverCpuUsPerCall, 1),
      cpuRatioToRaw: round2(x.cpuRatioToRaw, 3),
      p50Ms: round2(x.p50Ms, 3),
      p99Ms: round2(x.p99Ms, 3),
      loadgenCpuUsPerCall: round2(x.loadgenCpuUsPerCall, 1),
      otherCpuPct: round2(x.otherCpuPct, 1),
      stealPct: round2(x.stealPct, 1),
      errors: x.errors,
    })),
  };
  const cps = s.map((x) => x.callsPerSec);
  const med = median(cps);
  if (cps.length > 1 && med !== null && med > 0) row.callsPerSecSpread = round2((Math.max(...cps) - Math.min(...cps)) / med, 3);
  if (cell.na !== undefined) row.na = cell.na;
  if (cell.unavailable !== undefined) row.unavailable = cell.unavailable;
  if (cell.failures.length > 0) row.failures = cell.failures;
  const firstError = s.find((x) => x.firstError !== undefined)?.firstError;
  if (firstError !== undefined) row.firstError = firstError;
  return row;
}

function idleRow(cell: Cell): IdleRow {
  const s = cell.idle;
  const pick = (f: (x: IdleSample) => number | null): number | null => median(s.map(f).filter((v): v is number => v !== null && Number.isFinite(v)));
  const lastRss = (rs: readonly { rssKiB: number | null }[]): number | null => rs[rs.length - 1]?.rssKiB ?? null;
  const evictionFree = (x: IdleSample): boolean => x.sessionsAlive && (x.sessionsReported === null || x.sessionsReported >= x.sessionsExpected);
  const row: IdleRow = {
    workload: 'idle-sessions',
    server: cell.server,
    era: cell.workload.era,
    kibPerSession: round2(pick((x) => x.kibPerSession), 2),
    heapKibPerSession: round2(pick((x) => x.heapKibPerSession), 2),
    firstStepKibPerSession: round2(pick((x) => x.firstStepKibPerSession), 2),
    firstStepHeapKibPerSession: round2(pick((x) => x.firstStepHeapKibPerSession), 2),
    sessionsPerStep: s[0]?.sessionsPerStep ?? null,
    sessionsReported: s.map((x) => x.sessionsReported),
    sessionsExpected: s[0]?.sessionsExpected ?? null,
    noEviction: s.length > 0 ? s.every(evictionFree) : null,
    gcForced: s.length > 0 ? s.every((x) => x.gcForced) : null,
    flagged: cell.failures.length > 0 || s.some((x) => !evictionFree(x)),
    roundsMeasured: s.length,
    kibPerSessionSpread: null,
    samples: s.map((x) => ({
      round: x.round,
      kibPerSession: round2(x.kibPerSession, 2),
      heapKibPerSession: round2(x.heapKibPerSession, 2),
      firstStepKibPerSession: round2(x.firstStepKibPerSession, 2),
      rssKiB: { prime: lastRss(x.readings.prime), step1: lastRss(x.readings.step1), step2: lastRss(x.readings.step2) },
      sessionsReported: x.sessionsReported,
      sessionsAlive: x.sessionsAlive,
      openSeconds: round2(x.openSeconds, 2),
    })),
  };
  const k = s.map((x) => x.kibPerSession).filter((v): v is number => v !== null);
  const med = median(k);
  if (k.length > 1 && med !== null && med > 0) row.kibPerSessionSpread = round2((Math.max(...k) - Math.min(...k)) / med, 3);
  if (cell.na !== undefined) row.na = cell.na;
  if (cell.unavailable !== undefined) row.unavailable = cell.unavailable;
  if (cell.failures.length > 0) row.failures = cell.failures;
  return row;
}

function target(rows: readonly ResultRow[], server: string, workload: string, metric: 'ratioToRaw' | 'kibPerSession', op: '>=' | '<=', threshold: number): Target {
  const row = rows.find((r) => r.server === server && r.workload === workload);
  const value = row === undefined ? null : ((row as unknown as Record<string, number | null>)[metric] ?? null);
  const pass = value !== null && row !== undefined && !row.flagged && (op === '>=' ? value >= threshold : value <= threshold);
  return { name: `${server} ${workload} ${metric} ${op} ${threshold}`, value, op, threshold, pass };
}



function printTable(title: string, header: string[], body: string[][]): void {
  if (body.length === 0) return;
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (i === header.length - 1 ? 0 : (b[i] ?? '').length))));
  const line = (cols: readonly string[]): string => cols.map((c, i) => (i === cols.length - 1 ? c : i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  process.stderr.write(`\n${title}\n` + line(header) + '\n' + line(header.map((_, i) => '-'.repeat(i === header.length - 1 ? 5 : (widths[i] ?? 0)))) + '\n');
  for (const b of body) process.stderr.write(line(b) + '\n');
}

function notesOf(r: ResultRow): string[] {
  const notes: string[] = [];
  if (r.na !== undefined) notes.push(`n/a: ${r.na}`);
  if (r.unavailable !== undefined) notes.push(`unavailable: ${r.unavailable}`);
  if (r.failures !== undefined) notes.push(`${r.failures.length} failed round(s): ${r.failures[0]?.reason ?? ''}`);
  return notes;
}

function printTables(rows: readonly ResultRow[]): void {
  const tp = rows.filter((r): r is ThroughputRow => r.workload !== 'idle-sessions');
  printTable(
    'throughput (medians over rounds; ratio = per-round calls/s ÷ raw calls/s of the same round)',
    ['server', 'workload', 'calls/s', 'ratio', 'cpu µs/call', 'cpu ratio', 'p50 ms', 'p99 ms', 'lg µs/call', 'others %', 'notes'],
    tp.map((r) => {
      const notes = notesOf(r);
      if (r.errors > 0) notes.push(`${r.errors} errors`);
      if (r.validatesInput === false && r.server !== 'raw') notes.push('DOES NOT REJECT INVALID INPUT');
      if (r.server === 'raw') notes.push('baseline, no validation');
      if (r.callsPerSecSpread !== null && r.callsPerSecSpread > 0.3) notes.push(`spread ${r.callsPerSecSpread}`);
      // The generator needs more CPU per call than the server: calls/s is held down by the generator, and
      // ratios of such rows compress towards 1 (the cpu ratio does not).
      if (r.loadgenCpuUsPerCall !== null && r.serverCpuUsPerCall !== null && r.loadgenCpuUsPerCall >= r.serverCpuUsPerCall) notes.push('generator-bound');
      return [
        r.server,
        r.workload,
        fmt(r.callsPerSec, 0),
        r.ratioToRaw === null ? '-' : `${r.ratioToRaw.toFixed(2)}x`,
        fmt(r.serverCpuUsPerCall, 1),
        r.cpuRatioToRaw === null ? '-' : `${r.cpuRatioToRaw.toFixed(2)}x`,
        fmt(r.p50Ms, 2),
        fmt(r.p99Ms, 2),
        fmt(r.loadgenCpuUsPerCall, 1),
        fmt(r.otherCpuPct, 0),
        notes.join('; '),
      ];
    }),
  );
  const idle = rows.filter((r): r is IdleRow => r.workload === 'idle-sessions');
  printTable(
    'idle sessions (medians over rounds; KiB per session = growth after GC over the second step of sessions ÷ its size)',
    ['server', 'per step', 'KiB/session RSS', 'heap', '1st step RSS', '1st step heap', 'held', 'notes'],
    idle.map((r) => {
      const notes = notesOf(r);
      if (r.noEviction === false) notes.push('SESSIONS EVICTED OR LOST');
      if (r.gcForced === false) notes.push('no forced GC');
      if (r.server === 'raw') notes.push('baseline: a Set of ids');
      return [
        r.server,
        fmt(r.sessionsPerStep, 0),
        fmt(r.kibPerSession, 2),
        fmt(r.heapKibPerSession, 2),
        fmt(r.firstStepKibPerSession, 2),
        fmt(r.firstStepHeapKibPerSession, 2),
        r.sessionsReported.map((x) => (x === null ? '?' : String(x))).join('/') || '-',
        notes.join('; '),
      ];
    }),
  );
}

async function main(): Promise<number> {
  let cli: Cli;
  try {
    cli = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      if (err.message) process.stderr.write(`${err.message}\n`);
      process.stderr.write(USAGE + '\n');
      return err.message ? 2 : 0;
    }
    throw err;
  }

  let servers = [...SERVERS];
  if (cli.only !== undefined) {
    const unknown = cli.only.filter((n) => !SERVERS.some((e) => e.name === n));
    if (unknown.length > 0) {
      process.stderr.write(`unknown server(s): ${unknown.join(', ')}\n${USAGE}\n`);
      return 2;
    }
    if (!cli.only.includes('raw')) process.stderr.write('note: adding raw, the baseline every ratio divides by\n');
    servers = SERVERS.filter((e) => e.name === 'raw' || cli.only?.includes(e.name));
  }
  let workloads = [...WORKLOADS];
  if (cli.workloads !== undefined) {
    const unknown = cli.workloads.filter((n) => !WORKLOADS.some((w) => w.name === n));
    if (unknown.length > 0) {
      process.stderr.write(`unknown workload(s): ${unknown.join(', ')}\n${USAGE}\n`);
      return 2;
    }
    workloads = WORKLOADS.filter((w) => cli.workloads?.includes(w.name));
  }

  const tOpts: ThroughputOptions = {
    warmupMs: cli.warmupMs ?? (cli.quick ? 1_000 : 3_000),
    measureMs: cli.measureMs ?? (cli.quick ? 2_000 : 5_000),
    connections: cli.connections,
    stallMs: 5_000,
    startTimeoutMs: 15_000,
  };
  const iOpts: IdleOptions = {
    sessions: cli.sessions,
    primeSessions: cli.connections,
    connections: cli.connections,
    settleMs: cli.quick ? 500 : 1_000,
    stallMs: 5_000,
    startTimeoutMs: 15_000,
  };

  if (cli.profileDir !== undefined) mkdirSync(cli.profileDir, { recursive: true });
  const cells = new Map<string, Cell>();
  for (const w of workloads) {
    for (const e of servers) {
      cells.set(`${w.name}/${e.name}`, { workload: w, server: e.name, throughput: [], idle: [], failures: [], unavailable: undefined, na: w.notApplicable[e.name] });
    }
  }

  const loadavgStart = os.loadavg().map((x) => Number(x.toFixed(2)));
  process.stderr.write(
    `http bench: ${servers.length} servers x ${workloads.length} workloads x ${cli.rounds} round(s); throughput ${tOpts.warmupMs} ms warm-up + ${tOpts.measureMs} ms measured, ` +
      `${tOpts.connections} connections; idle ${iOpts.sessions} sessions\n`,
  );

  for (let round = 1; round <= cli.rounds; round++) {
    for (const w of workloads) {
      let rawCps: number | undefined;
      let rawCpu: number | null = null;
      for (const server of servers) {
        const e: ServerSpec =
          cli.profileDir !== undefined && w.kind === 'throughput'
            ? { ...server, profileFile: path.resolve(cli.profileDir, `${server.name}-${w.name}-r${round}.cpuprofile`) }
            : server;
        const cell = cells.get(`${w.name}/${e.name}`) as Cell;
        const tag = `[round ${round}/${cli.rounds}] ${w.name.padEnd(14)} ${e.name.padEnd(8)}`;
        if (cell.na !== undefined) {
          if (round === 1) process.stderr.write(`${tag} n/a: ${cell.na}\n`);
          continue;
        }
        if (cell.unavailable !== undefined) {
          process.stderr.write(`${tag} skipped (unavailable)\n`);
          continue;
        }
        const outcome: Outcome<ThroughputSample | IdleSample> = w.kind === 'throughput' ? await runThroughput(e, w.era, tOpts) : await runIdleSessions(e, iOpts);
        if (outcome.kind === 'unavailable') {
          cell.unavailable = outcome.reason;
          process.stderr.write(`${tag} unavailable: ${outcome.reason}\n`);
        } else if (outcome.kind === 'failed') {
          cell.failures.push({ round, reason: outcome.reason, errors: outcome.errors });
          process.stderr.write(`${tag} FAILED: ${outcome.reason}\n`);
        } else if (w.kind === 'throughput') {
          const s = outcome.sample as ThroughputSample;
          if (e.name === 'raw') {
            rawCps = s.callsPerSec;
            rawCpu = s.serverCpuUsPerCall;
          }
          const ratioToRaw = rawCps !== undefined ? s.callsPerSec / rawCps : null;
          const cpuRatioToRaw = rawCpu !== null && s.serverCpuUsPerCall !== null && s.serverCpuUsPerCall > 0 ? rawCpu / s.serverCpuUsPerCall : null;
          cell.throughput.push({ ...s, round, ratioToRaw, cpuRatioToRaw });
          process.stderr.write(
            `${tag} ${Math.round(s.callsPerSec).toString().padStart(6)} calls/s` +
              `${ratioToRaw !== null ? `  ${ratioToRaw.toFixed(2)}x raw` : ''}` +
              `  server ${s.serverCpuUsPerCall === null ? '-' : s.serverCpuUsPerCall.toFixed(1)} µs/call` +
              `  loadgen ${s.loadgenCpuUsPerCall.toFixed(1)} µs/call` +
              `  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms` +
              `${s.otherCpuPct !== null ? `  others ${s.otherCpuPct.toFixed(0)}% irq ${(s.irqPct ?? 0).toFixed(0)}% steal ${(s.stealPct ?? 0).toFixed(0)}%` : ''}` +
              `${s.errors > 0 ? `  ${s.errors} ERRORS (first: ${s.firstError ?? '?'})` : ''}` +
              `${!s.rejectsInvalid && e.name !== 'raw' ? '  (accepted invalid input!)' : ''}\n`,
          );
        } else {
          const s = outcome.sample as IdleSample;
          cell.idle.push({ ...s, round });
          const rss = (rs: readonly { rssKiB: number | null }[]): string => rs.map((x) => (x.rssKiB === null ? '?' : String(x.rssKiB))).join('/');
          process.stderr.write(
            `${tag} ${s.kibPerSession === null ? '-' : s.kibPerSession.toFixed(2)} KiB/session RSS, ${s.heapKibPerSession.toFixed(2)} heap` +
              ` (1st step ${s.firstStepKibPerSession === null ? '-' : s.firstStepKibPerSession.toFixed(2)} RSS, ${s.firstStepHeapKibPerSession.toFixed(2)} heap)` +
              `  RSS KiB ${rss(s.readings.prime)} -> ${rss(s.readings.step1)} -> ${rss(s.readings.step2)}; held ${s.sessionsReported ?? '?'} of ${s.sessionsExpected}` +
              `${s.sessionsAlive ? '' : '; FIRST/LAST SESSION GONE'}; step opened in ${s.openSeconds.toFixed(1)} s${s.gcForced ? '' : '; no forced GC'}\n`,
          );
        }
      }
    }
  }

  const rows: ResultRow[] = [...cells.values()].map((c) => (c.workload.kind === 'idle' ? idleRow(c) : throughputRow(c)));
  const targets: Target[] = [];
  if (workloads.some((w) => w.name === 'legacy-session')) targets.push(target(rows, 'velomcp', 'legacy-session', 'ratioToRaw', '>=', 0.6));
  if (workloads.some((w) => w.name === 'modern')) targets.push(target(rows, 'velomcp', 'modern', 'ratioToRaw', '>=', 0.6));
  if (workloads.some((w) => w.name === 'idle-sessions')) targets.push(target(rows, 'velomcp', 'idle-sessions', 'kibPerSession', '<=', 5));

  const doc = {
    bench: 'http',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
    rounds: cli.rounds,
    // 1/5/15-minute load averages: on a 2-core machine anything well above ~2 at the end means other work shared the cores.
    loadavg: { start: loadavgStart, end: os.loadavg().map((x) => Number(x.toFixed(2))) },
    config: {
      quick: cli.quick,
      warmupMs: tOpts.warmupMs,
      measureMs: tOpts.measureMs,
      connections: tOpts.connections,
      stallMs: tOpts.stallMs,
      profileDir: cli.profileDir ?? null,
      idleSessions: iOpts.sessions,
      idlePrimeSessions: iOpts.primeSessions,
      idleSettleMs: iOpts.settleMs,
      workloads: workloads.map((w) => w.name),
    },
    results: rows,
    targets,
  };

  printTables(rows);
  process.stderr.write(`\nload average (1/5/15 min): start ${doc.loadavg.start.join(' ')}, end ${doc.loadavg.end.join(' ')} on ${doc.cpus} cpus\n`);
  process.stderr.write('\ntargets:\n');
  for (const t of targets) process.stderr.write(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}  (value ${t.value === null ? 'n/a' : t.value})\n`);

  const json = JSON.stringify(doc, null, 2) + '\n';
  process.stdout.write(json);
  try {
    const dir = `${repoRoot}bench/results`;
    mkdirSync(dir, { recursive: true });
    // Only full default runs replace the committed results; narrowed or shortened runs go beside them.
    const file = `${dir}/http-${cli.quick || cli.only !== undefined || cli.workloads !== undefined || cli.warmupMs !== undefined || cli.measureMs !== undefined ? 'partial' : 'latest'}.json`;
    writeFileSync(file, json);
    process.stderr.write(`\nwrote ${file}\n`);
  } catch (err) {
    process.stderr.write(`could not write bench/results/http-latest.json: ${err instanceof Error ? err.message : String(err)}\n`);
  }

  // Harness failure: without a measured raw baseline no ratio means anything.
  const rawMissing = workloads.filter((w) => w.kind === 'throughput' && (cells.get(`${w.name}/raw`)?.throughput.length ?? 0) === 0);
  if (rawMissing.length > 0) {
    process.stderr.write(`harness failure: no valid raw baseline for ${rawMissing.map((w) => w.name).join(', ')}\n`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`harness failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
