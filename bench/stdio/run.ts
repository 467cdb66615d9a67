/**
 * stdio benchmark entry: MCP `tools/call` throughput of several servers, side
 * by side in one run, each reported as a ratio against the `raw` baseline
 * measured in the same run.
 *
 *   node dist/bench/stdio/run.js [--quick] [--rounds N] [--only name,name]
 *                                [--warmup-ms N] [--measure-ms N]
 *
 * stdout: one JSON document. stderr: progress and a table. Also writes
 * bench/results/stdio-latest.json. Exit code 0 whatever the targets say;
 * non-zero only when the harness itself failed (bad arguments, or no valid
 * raw baseline to divide by). See docs/benchmarks.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { fmt, median } from '../shared/stats.js';
import { runEntry, type EntrySpec, type LoadOptions, type Sample, type Workload } from './loadgen.js';
import { WIDE_ARGS, WIDE_INVALID_ARGS } from './wide-schema.js';

const serverScript = (name: string): string => fileURLToPath(new URL(`./servers/${name}.js`, import.meta.url));
// dist/bench/stdio/run.js -> repository root
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

const ENTRIES: readonly EntrySpec[] = [
  { name: 'raw', script: serverScript('raw'), era: 'legacy' },
  { name: 'sdk-v1', script: serverScript('sdk-v1'), era: 'legacy' },
  { name: 'sdk-v2', script: serverScript('sdk-v2'), era: 'legacy' },
  { name: 'sdk-v2-modern', script: serverScript('sdk-v2-modern'), era: 'modern' },
  { name: 'velomcp', script: serverScript('velomcp'), era: 'legacy' },
  { name: 'velomcp-modern', script: serverScript('velomcp'), era: 'modern' },
];

const WORKLOADS: readonly Workload[] = [
  {
    name: 'echo',
    tool: 'echo',
    arguments: { text: 'hello world' },
    expectText: 'hello world',
    invalidArguments: [{ text: 42 }, {}],
  },
  {
    name: 'wide',
    tool: 'wide',
    arguments: WIDE_ARGS,
    expectText: 'ok',
    invalidArguments: WIDE_INVALID_ARGS,
  },
];

interface Cli {
  quick: boolean;
  rounds: number;
  only: string[] | undefined;
  warmupMs: number | undefined;
  measureMs: number | undefined;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Cli {
  const cli: Cli = { quick: false, rounds: 3, only: undefined, warmupMs: undefined, measureMs: undefined };
  const positiveInt = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer`);
    return n;
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
      case '--only': {
        const v = argv[++i];
        if (v === undefined || v.trim() === '') throw new UsageError('--only needs a comma-separated list of server names');
        cli.only = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
        break;
      }
      case '--warmup-ms':
        cli.warmupMs = positiveInt(a, argv[++i]);
        break;
      case '--measure-ms':
        cli.measureMs = positiveInt(a, argv[++i]);
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${String(a)}`);
    }
  }
  return cli;
}

const USAGE = `usage: node dist/bench/stdio/run.js [--quick] [--rounds N] [--only name,name] [--warmup-ms N] [--measure-ms N]
servers: ${ENTRIES.map((e) => e.name).join(', ')}`;



interface Cell {
  workload: string;
  server: string;
  era: string;
  samples: (Sample & { round: number; ratioToRaw: number | null })[];
  roundFailures: { round: number; reason: string; errors: number }[];
  unavailable: string | undefined;
}

interface ResultRow {
  workload: string;
  server: string;
  era: string;
  callsPerSec: number | null;
  ratioToRaw: number | null;
  serverCpuUsPerCall: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  errors: number;
  flagged: boolean;
  validatesInput: boolean | null;
  loadgenCpuUsPerCall: number | null;
  roundsMeasured: number;
  /** (max - min) / median of callsPerSec over the rounds: how much the machine moved under this entry. */
  callsPerSecSpread: number | null;
  unavailable?: string;
  failures?: { round: number; reason: string; errors: number }[];
  firstError?: string;
  samples: { round: number; callsPerSec: number; ratioToRaw: number | null; serverCpuUsPerCall: number | null; p50Ms: number; p99Ms: number; errors: number }[];
}

interface Target {
  name: string;
  value: number | null;
  op: '>=' | '<=';
  threshold: number;
  pass: boolean;
}

const round2 = (x: number | null, digits = 2): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

function toRow(cell: Cell): ResultRow {
  const s = cell.samples;
  const pick = (f: (x: Sample & { ratioToRaw: number | null }) => number | null): number | null =>
    median(s.map(f).filter((v): v is number => v !== null && Number.isFinite(v)));
  const errors = s.reduce((n, x) => n + x.errors, 0) + cell.roundFailures.reduce((n, f) => n + f.errors, 0);
  const row: ResultRow = {
    workload: cell.workload,
    server: cell.server,
    era: cell.era,
    callsPerSec: round2(pick((x) => x.callsPerSec), 0),
    ratioToRaw: round2(pick((x) => x.ratioToRaw), 3),
    serverCpuUsPerCall: round2(pick((x) => x.serverCpuUsPerCall), 2),
    p50Ms: round2(pick((x) => x.p50Ms), 3),
    p99Ms: round2(pick((x) => x.p99Ms), 3),
    errors,
    flagged: errors > 0 || cell.roundFailures.length > 0,
    validatesInput: s.length > 0 ? s.every((x) => x.rejectsInvalid) : null,
    loadgenCpuUsPerCall: round2(pick((x) => x.loadgenCpuUsPerCall), 2),
    roundsMeasured: s.length,
    callsPerSecSpread: null,
    samples: s.map((x) => ({
      round: x.round,
      callsPerSec: Math.round(x.callsPerSec),
      ratioToRaw: round2(x.ratioToRaw, 3),
      serverCpuUsPerCall: round2(x.serverCpuUsPerCall, 2),
      p50Ms: round2(x.p50Ms, 3) ?? NaN,
      p99Ms: round2(x.p99Ms, 3) ?? NaN,
      errors: x.errors,
    })),
  };
  const cps = s.map((x) => x.callsPerSec);
  const med = median(cps);
  if (cps.length > 1 && med !== null && med > 0) row.callsPerSecSpread = round2((Math.max(...cps) - Math.min(...cps)) / med, 3);
  if (cell.unavailable !== undefined) row.unavailable = cell.unavailable;
  if (cell.roundFailures.length > 0) row.failures = cell.roundFailures;
  const firstError = s.find((x) => x.firstError !== undefined)?.firstError;
  if (firstError !== undefined) row.firstError = firstError;
  return row;
}

function target(rows: readonly ResultRow[], server: string, workload: string, metric: 'ratioToRaw' | 'serverCpuUsPerCall', op: '>=' | '<=', threshold: number): Target {
  const row = rows.find((r) => r.server === server && r.workload === workload);
  const value = row?.[metric] ?? null;
  const pass = value !== null && !row?.flagged && (op === '>=' ? value >= threshold : value <= threshold);
  return { name: `${server} ${workload} ${metric} ${op} ${threshold}`, value, op, threshold, pass };
}



function printTable(rows: readonly ResultRow[]): void {
  const header = ['server', 'workload', 'calls/s', 'ratio', 'cpu µs/call', 'p50 ms', 'p99 ms', 'notes'];
  const body = rows.map((r) => {
    const notes: string[] = [];
    if (r.unavailable !== undefined) notes.push(`unavailable: ${r.unavailable}`);
    if (r.errors > 0) notes.push(`${r.errors} errors`);
    if (r.failures !== undefined) notes.push(`${r.failures.length} failed round(s): ${r.failures[0]?.reason ?? ''}`);
    if (r.validatesInput === false && r.server !== 'raw') notes.push('DOES NOT REJECT INVALID INPUT');
    if (r.server === 'raw') notes.push('baseline, no validation');
    return [
      r.server,
      r.workload,
      fmt(r.callsPerSec, 0),
      r.ratioToRaw === null ? '-' : `${r.ratioToRaw.toFixed(2)}x`,
      fmt(r.serverCpuUsPerCall, 1),
      fmt(r.p50Ms, 2),
      fmt(r.p99Ms, 2),
      notes.join('; '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (i === header.length - 1 ? 0 : (b[i] ?? '').length))));
  const line = (cols: readonly string[]) =>
    cols.map((c, i) => (i === cols.length - 1 ? c : i >= 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  process.stderr.write('\n' + line(header) + '\n' + line(header.map((_, i) => '-'.repeat(i === header.length - 1 ? 5 : (widths[i] ?? 0)))) + '\n');
  for (const b of body) process.stderr.write(line(b) + '\n');
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

  let entries = [...ENTRIES];
  if (cli.only !== undefined) {
    const unknown = cli.only.filter((n) => !ENTRIES.some((e) => e.name === n));
    if (unknown.length > 0) {
      process.stderr.write(`unknown server(s): ${unknown.join(', ')}\n${USAGE}\n`);
      return 2;
    }
    if (!cli.only.includes('raw')) process.stderr.write('note: adding raw, the baseline every ratio divides by\n');
    entries = ENTRIES.filter((e) => e.name === 'raw' || cli.only?.includes(e.name));
  }

  const opts: LoadOptions = {
    warmupMs: cli.warmupMs ?? (cli.quick ? 1_000 : 3_000),
    measureMs: cli.measureMs ?? (cli.quick ? 2_000 : 5_000),
    inflight: 64,
    stallMs: 5_000,
    startTimeoutMs: 15_000,
  };

  const cells = new Map<string, Cell>();
  for (const w of WORKLOADS) {
    for (const e of entries) {
      cells.set(`${w.name}/${e.name}`, { workload: w.name, server: e.name, era: e.era, samples: [], roundFailures: [], unavailable: undefined });
    }
  }

  const loadavgStart = os.loadavg().map((x) => Number(x.toFixed(2)));
  const perEntryS = (opts.warmupMs + opts.measureMs) / 1000;
  process.stderr.write(
    `stdio bench: ${entries.length} servers x ${WORKLOADS.length} workloads x ${cli.rounds} round(s), ` +
      `${opts.warmupMs} ms warm-up + ${opts.measureMs} ms measured, ${opts.inflight} in flight ` +
      `(~${Math.ceil(entries.length * WORKLOADS.length * cli.rounds * (perEntryS + 0.5))} s)\n`,
  );

  for (let round = 1; round <= cli.rounds; round++) {
    for (const w of WORKLOADS) {
      let rawCps: number | undefined;
      for (const e of entries) {
        const cell = cells.get(`${w.name}/${e.name}`) as Cell;
        const tag = `[round ${round}/${cli.rounds}] ${w.name.padEnd(4)} ${e.name.padEnd(14)}`;
        if (cell.unavailable !== undefined) {
          process.stderr.write(`${tag} skipped (unavailable)\n`);
          continue;
        }
        const outcome = await runEntry(e, w, opts);
        if (outcome.kind === 'unavailable') {
          cell.unavailable = outcome.reason;
          process.stderr.write(`${tag} unavailable: ${outcome.reason}\n`);
        } else if (outcome.kind === 'failed') {
          cell.roundFailures.push({ round, reason: outcome.reason, errors: outcome.errors });
          process.stderr.write(`${tag} FAILED: ${outcome.reason}\n`);
        } else {
          const s = outcome.sample;
          if (e.name === 'raw') rawCps = s.callsPerSec;
          const ratioToRaw = rawCps !== undefined ? s.callsPerSec / rawCps : null;
          cell.samples.push({ ...s, round, ratioToRaw });
          process.stderr.write(
            `${tag} ${Math.round(s.callsPerSec).toString().padStart(7)} calls/s` +
              `${ratioToRaw !== null ? `  ${ratioToRaw.toFixed(2)}x raw` : ''}` +
              `  server ${s.serverCpuUsPerCall === null ? '-' : s.serverCpuUsPerCall.toFixed(1)} µs/call` +
              `  loadgen ${s.loadgenCpuUsPerCall.toFixed(1)} µs/call` +
              `  p50 ${s.p50Ms.toFixed(2)} ms  p99 ${s.p99Ms.toFixed(2)} ms` +
              `${s.errors > 0 ? `  ${s.errors} ERRORS (first: ${s.firstError ?? '?'})` : ''}` +
              `${!s.rejectsInvalid && e.name !== 'raw' ? '  (accepted invalid input!)' : ''}\n`,
          );
        }
      }
    }
  }

  const rows = [...cells.values()].map(toRow);
  const targets: Target[] = [
    target(rows, 'velomcp', 'echo', 'ratioToRaw', '>=', 0.75),
    target(rows, 'velomcp', 'echo', 'serverCpuUsPerCall', '<=', 4),
    target(rows, 'velomcp', 'wide', 'ratioToRaw', '>=', 0.5),
  ];

  const doc = {
    bench: 'stdio',
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
    rounds: cli.rounds,
    // 1/5/15-minute load averages: on a 2-core machine anything well above ~2 at the end means other work shared the cores.
    loadavg: { start: loadavgStart, end: os.loadavg().map((x) => Number(x.toFixed(2))) },
    config: { quick: cli.quick, warmupMs: opts.warmupMs, measureMs: opts.measureMs, inflight: opts.inflight, stallMs: opts.stallMs },
    results: rows,
    targets,
  };

  printTable(rows);
  process.stderr.write(`\nload average (1/5/15 min): start ${doc.loadavg.start.join(' ')}, end ${doc.loadavg.end.join(' ')} on ${doc.cpus} cpus\n`);
  process.stderr.write('\ntargets:\n');
  for (const t of targets) process.stderr.write(`  ${t.pass ? 'PASS' : 'FAIL'}  ${t.name}  (value ${t.value === null ? 'n/a' : t.value})\n`);

  const json = JSON.stringify(doc, null, 2) + '\n';
  process.stdout.write(json);
  try {
    const dir = `${repoRoot}bench/results`;
    mkdirSync(dir, { recursive: true });
    // Only full default runs replace the committed results; narrowed or shortened runs go beside them.
    const file = `${dir}/stdio-${cli.quick || cli.only !== undefined || cli.warmupMs !== undefined || cli.measureMs !== undefined ? 'partial' : 'latest'}.json`;
    writeFileSync(file, json);
    process.stderr.write(`\nwrote ${file}\n`);
  } catch (err) {
    process.stderr.write(`could not write bench/results/stdio-latest.json: ${err instanceof Error ? err.message : String(err)}\n`);
  }

  // Harness failure: without a measured raw baseline no ratio means anything.
  const rawMissing = WORKLOADS.filter((w) => (cells.get(`${w.name}/raw`)?.samples.length ?? 0) === 0);
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
