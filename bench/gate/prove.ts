/**
 * The gate's proof (issue #10): `npm run bench:gate` passes N times in a row on the unchanged tree, and
 * fails when a busy loop costing a chosen fraction (default 20 %) of the `tool_call_simple` operation is
 * inserted into JSON-RPC message classification (a patched copy of dist/, see inject.ts).
 *
 * The loop's size is calibrated, not guessed: one short callgrind run of the copy with a known number of
 * iterations gives the instructions one iteration costs; the injected loop is then sized so that
 * `tool_call_simple` costs `slowdown` more than in the committed baseline.
 *
 * Usage: node dist/bench/gate/prove.js [--runs 5] [--slowdown 0.2] [--out bench/gate/proof]
 * Writes proof-<date>.json and proof-<date>.txt to --out; exits 0 when the proof holds, 1 when it does not.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { newestBaseline } from './baseline.js';
import { buildSlowedCopy } from './inject.js';
import type { Comparison, GateReport } from './report.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const runJs = join(root, 'dist', 'bench', 'gate', 'run.js');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, slowdown: { type: 'string', default: '0.2' }, out: { type: 'string', default: 'bench/gate/proof' } } });
const runs = Number(values.runs);
const slowdown = Number(values.slowdown);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`prove: --runs must be a positive integer, got ${values.runs}`);
if (!(slowdown > 0 && slowdown < 5)) throw new Error(`prove: --slowdown must be a positive fraction, got ${values.slowdown}`);

const TARGET = 'tool_call_simple';
const tmp = mkdtempSync(join(os.tmpdir(), 'velomcp-gate-proof-'));
const log: string[] = [];
const say = (line: string): void => {
  log.push(line);
  process.stderr.write(line + '\n');
};

interface GateRun {
  exit: number | null;
  seconds: number;
  report: GateReport;
  comparison: Comparison | undefined;
  table: string;
}

function gate(label: string, extra: string[]): GateRun {
  const out = join(tmp, `${label}.json`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [runJs, '--out', out, ...extra], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
  if (r.status === 2 || r.status === null) throw new Error(`prove: ${label}: the gate could not run (exit ${r.status}):\n${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as { report: GateReport; comparison?: Comparison };
  const table = r.stderr.split('\n').filter((l) => !l.startsWith('gate: valgrind')).join('\n').trim();
  say(`\n=== ${label}: exit ${r.status} in ${seconds} s ===\n${table}`);
  return { exit: r.status, seconds, report: parsed.report, comparison: parsed.comparison, table };
}

const figure = (report: GateReport, id: string): number => {
  const r = report.results.find((x) => x.workload === id);
  if (r === undefined) throw new Error(`prove: ${id} is not in the report`);
  return r.instructions_per_op;
};

try {
  const { file: baselineFile, report: baseline } = newestBaseline(join(root, 'bench', 'baseline'));
  say(`proof: ${runs} gate runs on the unchanged tree, then one with a ${(slowdown * 100).toFixed(0)} % busy loop in message classification; baseline ${baselineFile}`);

  const passes: GateRun[] = [];
  for (let i = 1; i <= runs; i++) passes.push(gate(`unchanged-${i}`, []));

  // Calibration: instructions per busy-loop iteration, from the target workload alone.
  const probeIterations = 2000;
  const calib = buildSlowedCopy(root, probeIterations);
  let perIteration: number;
  try {
    const c = gate('calibration', ['--probe', calib.probe, '--only', TARGET, '--repeats', '1']);
    perIteration = (figure(c.report, TARGET) - figure(baseline, TARGET)) / probeIterations;
  } finally {
    rmSync(calib.dir, { recursive: true, force: true });
  }
  if (!(perIteration > 0)) throw new Error(`prove: the calibration loop cost ${perIteration} instructions per iteration`);
  const iterations = Math.max(1, Math.round((slowdown * figure(baseline, TARGET)) / perIteration));
  say(`\nproof: one busy-loop iteration costs ${perIteration.toFixed(2)} instructions; ${iterations} iterations add ${(slowdown * 100).toFixed(0)} % to ${TARGET} (${figure(baseline, TARGET)} instructions/op in the baseline)`);
  const slowed = buildSlowedCopy(root, iterations);
  let injected: GateRun;
  try {
    injected = gate('injected', ['--probe', slowed.probe]);
  } finally {
    rmSync(slowed.dir, { recursive: true, force: true });
  }

  const ids = baseline.results.map((r) => r.workload);
  const perWorkload = ids.map((id) => {
    const values = passes.map((p) => figure(p.report, id));
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted[sorted.length >> 1]!;
    return {
      workload: id,
      baseline: figure(baseline, id),
      unchanged_runs: values,
      cross_run_spread_pct: Number((((sorted.at(-1)! - sorted[0]!) / mid) * 100).toFixed(3)),
      max_within_run_spread_pct: Math.max(...passes.map((p) => p.report.results.find((r) => r.workload === id)?.spread_pct ?? 0)),
      max_change_vs_baseline_pct: Number((Math.max(...values.map((v) => Math.abs(v / figure(baseline, id) - 1))) * 100).toFixed(3)),
      injected: figure(injected.report, id),
      injected_change_pct: Number(((figure(injected.report, id) / figure(baseline, id) - 1) * 100).toFixed(2)),
    };
  });
  const allPassed = passes.every((p) => p.exit === 0);
  const injectedFailed = injected.exit === 1 && (injected.comparison?.failed ?? []).includes(TARGET);
  const holds = allPassed && injectedFailed;
  say('\nworkload              baseline Ir/op  cross-run spread  max |change| vs baseline  injected Ir/op  injected change');
  for (const w of perWorkload) say(`${w.workload.padEnd(22)}${String(w.baseline).padEnd(16)}${`${w.cross_run_spread_pct} %`.padEnd(18)}${`${w.max_change_vs_baseline_pct} %`.padEnd(26)}${String(w.injected).padEnd(16)}${w.injected_change_pct >= 0 ? '+' : ''}${w.injected_change_pct} %`);
  say(`\nproof: unchanged runs ${passes.map((p) => (p.exit === 0 ? 'PASS' : 'FAIL')).join(' ')} (${passes.map((p) => `${p.seconds} s`).join(', ')}); injected run exit ${injected.exit}, failed: ${(injected.comparison?.failed ?? []).join(', ') || 'none'}`);
  say(holds ? 'proof: HOLDS' : 'proof: DOES NOT HOLD');

  const outDir = resolve(root, values.out);
  mkdirSync(outDir, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  const record = {
    kind: 'velomcp-gate-proof',
    timestamp: new Date().toISOString(),
    baseline_file: baselineFile.slice(root.length + 1),
    slowdown,
    target: TARGET,
    busy_loop: { where: 'messageKind (dist/src/jsonrpc/message.js)', instructions_per_iteration: Number(perIteration.toFixed(3)), iterations },
    holds,
    unchanged: passes.map((p) => ({ exit: p.exit, seconds: p.seconds, failed: p.comparison?.failed ?? [] })),
    injected: { exit: injected.exit, seconds: injected.seconds, failed: injected.comparison?.failed ?? [] },
    workloads: perWorkload,
    environment: baseline.environment,
    loadavg: os.loadavg(),
  };
  writeFileSync(join(outDir, `proof-${date}.json`), JSON.stringify(record, null, 2) + '\n');
  writeFileSync(join(outDir, `proof-${date}.txt`), log.join('\n') + '\n');
  process.stderr.write(`proof: wrote ${join(values.out, `proof-${date}.json`)} and .txt\n`);
  process.exitCode = holds ? 0 : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

