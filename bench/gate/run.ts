/**
 * `npm run bench:gate` / `npm run bench:compare`: the performance regression gate.
 *
 *   gate                 count instructions per op under callgrind, compare to the newest baseline and the
 *                        budgets; exit 1 naming each regressed workload
 *   --update-baseline    measure and write a NEW dated baseline (needs --reason); never overwrites one
 *   --compare FILE       no measuring: compare a saved run (a `--out` file) to the newest baseline
 *   --suite FILE         also check a `velomcp bench` JSON report against the wall-clock budgets
 *
 * The comparison table goes to stderr, the JSON ({ report, comparison, suite_budgets }) to stdout.
 * Exit codes: 0 pass, 1 regression or over budget, 2 bad usage or unreadable input.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { newestBaseline, readReport, writeBaseline } from './baseline.js';
import { measure } from './callgrind.js';
import { checkSuiteBudgets, compareReports, formatComparison, parseThreshold, type SuiteBudgetRow } from './compare.js';
import { gateWorkloads } from './workloads.js';
import { asBudgets, type Budgets, type Comparison, type GateReport } from './report.js';

const USAGE = 'usage: node dist/bench/gate/run.js [--only ids] [--repeats n] [--threshold 10%] [--out run.json] [--update-baseline --reason "..."] [--compare run.json] [--suite bench.json] [--probe probe.js] [--baseline-dir dir] [--budgets file]';

function readBudgets(file: string): Budgets {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`gate: cannot read the budgets ${file}: ${(err as Error).message}`);
  }
  return asBudgets(value, file);
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        repeats: { type: 'string' },
        threshold: { type: 'string' },
        out: { type: 'string' },
        'update-baseline': { type: 'boolean' },
        reason: { type: 'string' },
        compare: { type: 'string' },
        suite: { type: 'string' },
        probe: { type: 'string' },
        'baseline-dir': { type: 'string', default: 'bench/baseline' },
        budgets: { type: 'string', default: 'bench/budgets.json' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  if (v.help) {
    process.stderr.write(USAGE + '\n');
    return 0;
  }
  if (v['update-baseline'] && (v.reason === undefined || v.reason.trim() === '')) throw new Error('--update-baseline needs --reason "why the figures changed"');
  if (v['update-baseline'] && v.compare !== undefined) throw new Error('--update-baseline measures afresh; it cannot take --compare');
  const threshold = v.threshold === undefined ? undefined : parseThreshold(v.threshold);
  const repeats = v.repeats === undefined ? undefined : Number(v.repeats);
  if (repeats !== undefined && !(Number.isInteger(repeats) && repeats >= 1 && repeats <= 20)) throw new Error(`--repeats must be an integer from 1 to 20, got ${JSON.stringify(v.repeats)}`);
  const budgets = readBudgets(v.budgets);
  const baselineDir = v['baseline-dir'];

  let report: GateReport;
  if (v.compare !== undefined) report = readReport(v.compare);
  else {
    const only = v.only?.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const known = gateWorkloads().map((w) => w.id);
    const unknown = (only ?? []).filter((id) => !known.includes(id));
    if (unknown.length > 0) throw new Error(`gate: unknown workload(s): ${unknown.join(', ')} (the gate has: ${known.join(', ')})`);
    report = await measure({ ...(v.probe === undefined ? {} : { probe: v.probe }), ...(only === undefined ? {} : { only }), ...(repeats === undefined ? {} : { repeats }), log: (l) => process.stderr.write(l + '\n') });
    process.stderr.write(`gate: measured ${report.results.length} workloads in ${report.duration_s} s (max spread between windows ${Math.max(...report.results.map((r) => r.spread_pct))} %)\n`);
  }
  if (v.out !== undefined) writeFileSync(v.out, JSON.stringify(report, null, 2) + '\n');

  let comparison: Comparison | undefined;
  let baselineFound = true;
  try {
    const { file, report: baseline } = newestBaseline(baselineDir);
    comparison = compareReports(baseline, report, { threshold, budgets, baselineFile: file });
  } catch (err) {
    if (!v['update-baseline']) throw err;
    baselineFound = false;
  }
  if (comparison !== undefined) process.stderr.write(formatComparison(comparison) + '\n');

  let suiteRows: SuiteBudgetRow[] | undefined;
  if (v.suite !== undefined) {
    let suite: unknown;
    try {
      suite = JSON.parse(readFileSync(v.suite, 'utf8'));
    } catch (err) {
      throw new Error(`gate: cannot read the suite report ${v.suite}: ${(err as Error).message}`);
    }
    suiteRows = checkSuiteBudgets(suite, budgets);
    for (const r of suiteRows) process.stderr.write(`budget ${r.workload} ${r.metric} ${r.value_us} µs (max ${r.budget_us} µs): ${r.pass ? 'ok' : 'OVER BUDGET'}\n`);
  }

  if (v['update-baseline']) {
    const file = writeBaseline(baselineDir, report, v.reason ?? '', gitCommit());
    process.stderr.write(`gate: wrote the new baseline ${file}${baselineFound ? ' (the previous one stays as history)' : ''}\n`);
    process.stdout.write(JSON.stringify({ report, comparison, baseline_written: file }, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(JSON.stringify({ report, comparison, ...(suiteRows === undefined ? {} : { suite_budgets: suiteRows }) }, null, 2) + '\n');
  const suiteOver = suiteRows?.filter((r) => !r.pass).map((r) => `${r.workload} ${r.metric}`) ?? [];
  if (suiteOver.length > 0) process.stderr.write(`gate: over the wall-clock budget: ${suiteOver.join(', ')}\n`);
  return comparison?.pass === false || suiteOver.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
