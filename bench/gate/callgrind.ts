/**
 * Runs the gate probe under `valgrind --tool=callgrind` and turns its per-window dumps into instructions
 * per operation.
 *
 * Why these figures hold still: callgrind counts the instructions the process executes, not time, so the
 * load of a shared machine does not move them. Node runs `--jitless` (bytecode interpreter only: no
 * optimising compiler whose timing depends on background threads and sampling), `--single-threaded`
 * (no concurrent GC or compiler threads), with fixed hash and random seeds and a fixed 16 MiB young
 * generation; the probe runs a full GC before each window so no collection lands inside one. What is left
 * is small: see docs/gate.md for the measured spread.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProbePlan } from './probe.js';
import type { GateReport, GateResult } from './report.js';
import { gateWorkloads } from './workloads.js';

/** The node flags of the probe: they are part of what a baseline means, so reports record them. */
export const NODE_FLAGS = ['--jitless', '--single-threaded', '--expose-gc', '--hash-seed=1', '--random-seed=1', '--min-semi-space-size=16', '--max-semi-space-size=16', '--no-warnings'];

/** The default probe: the one compiled beside this file. */
export const DEFAULT_PROBE = join(dirname(fileURLToPath(import.meta.url)), 'probe.js');

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** The probe script (default {@link DEFAULT_PROBE}; the proof points it at a patched copy of dist/). */
  probe?: string;
  /** Workload ids (default: all). */
  only?: readonly string[] | undefined;
  /** Counted windows per workload (default 3). */
  repeats?: number;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** The valgrind version, or undefined when valgrind is not installed. */
export function valgrindVersion(): string | undefined {
  const r = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Reads `summary:` (total Ir) and the dump label out of one callgrind output file. */
export function parseDump(text: string): { trigger: string; instructions: number } {
  const trigger = /^desc: Trigger: (.*)$/m.exec(text)?.[1];
  const summary = /^summary: (\d+)/m.exec(text)?.[1];
  if (trigger === undefined || summary === undefined) throw new Error('gate: a callgrind dump has no "desc: Trigger" or "summary" line');
  return { trigger, instructions: Number(summary) };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Turns the probe's windows and the dumps' counts into results: per workload, each counted window minus
 * that workload's empty window, divided by its operations; the figure is the median, the spread is
 * (max − min) / median.
 * @throws Error when a window has no dump (callgrind_control failed).
 */
export function summarise(plan: ProbePlan, counts: ReadonlyMap<string, number>): GateResult[] {
  const defs = new Map(gateWorkloads().map((w) => [w.id, w]));
  const ids = [...new Set(plan.windows.map((w) => w.workload))];
  const results: GateResult[] = [];
  for (const id of ids) {
    const windows = plan.windows.filter((w) => w.workload === id);
    const countOf = (label: string): number => {
      const c = counts.get(label);
      if (c === undefined) throw new Error(`gate: no callgrind dump for window ${label} (did callgrind_control reach the process?)`);
      return c;
    };
    const empty = windows.find((w) => w.ops === 0);
    const overhead = empty === undefined ? 0 : countOf(empty.label);
    const runs = windows.filter((w) => w.ops > 0).map((w) => Math.round((countOf(w.label) - overhead) / w.ops));
    const mid = median(runs);
    const def = defs.get(id);
    results.push({
      workload: id,
      description: def?.description ?? '',
      reference: def?.reference === true,
      ops: windows.find((w) => w.ops > 0)?.ops ?? 0,
      instructions_per_op: Math.round(mid),
      runs,
      spread_pct: mid === 0 ? 0 : Number((((Math.max(...runs) - Math.min(...runs)) / mid) * 100).toFixed(3)),
      overhead_instructions: overhead,
    });
  }
  const raw = results.find((r) => r.reference);
  if (raw !== undefined && raw.instructions_per_op > 0) {
    for (const r of results) if (!r.reference) r.ratio_to_raw = Number((r.instructions_per_op / raw.instructions_per_op).toFixed(2));
  }
  return results;
}

/**
 * Runs the probe once under callgrind and returns the report.
 * @throws Error when valgrind is missing, the probe fails, or a dump is missing.
 */
export async function measure(options: MeasureOptions = {}): Promise<GateReport> {
  const version = valgrindVersion();
  if (version === undefined) throw new Error('gate: valgrind is not installed (apt-get install valgrind); the gate counts instructions with callgrind');
  const probe = options.probe ?? DEFAULT_PROBE;
  const repeats = options.repeats ?? 3;
  const dir = mkdtempSync(join(os.tmpdir(), 'velomcp-gate-'));
  const started = Date.now();
  try {
    const planFile = join(dir, 'plan.json');
    const args = ['--tool=callgrind', `--callgrind-out-file=${join(dir, 'cg.out')}`, '--dump-line=no', '--compress-strings=yes', process.execPath, ...NODE_FLAGS, probe, '--out', planFile, '--repeats', String(repeats)];
    if (options.only !== undefined) args.push('--only', options.only.join(','));
    options.log?.(`gate: valgrind --tool=callgrind node ${NODE_FLAGS.join(' ')} ${probe}`);
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC', LANG: 'C' } });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (err.length > 200_000) err = err.slice(-100_000);
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(err) : reject(new Error(`gate: the probe under callgrind exited with ${code}:\n${err.split('\n').filter((l) => !l.startsWith('==')).slice(-20).join('\n')}`))));
    });
    void stderr;
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as ProbePlan;
    const counts = new Map<string, number>();
    for (const name of readdirSync(dir)) {
      if (!/^cg\.out\.\d+$/.test(name)) continue;
      const { trigger, instructions } = parseDump(readFileSync(join(dir, name), 'utf8'));
      const w = plan.windows.find((x) => trigger === x.label || trigger.endsWith(` ${x.label}`));
      if (w !== undefined) counts.set(w.label, instructions);
    }
    const results = summarise(plan, counts);
    return {
      kind: 'velomcp-gate',
      version: 1,
      timestamp: new Date().toISOString(),
      environment: { node: process.version, v8: process.versions.v8, valgrind: version, arch: process.arch, cpu_model: os.cpus()[0]?.model ?? 'unknown', node_flags: NODE_FLAGS },
      config: { repeats, only: options.only === undefined ? null : [...options.only], probe: relative(process.cwd(), probe) },
      duration_s: Number(((Date.now() - started) / 1000).toFixed(1)),
      results,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
