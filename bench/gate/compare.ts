/**
 * Compares a gate run to a baseline: a workload fails when its instructions per operation rose by more
 * than the threshold (default 10 %, per-operation overrides in bench/budgets.json), when it passed its
 * absolute budget, or when the baseline has it and the run does not. Reference workloads are shown, never
 * gated. Pure functions: no files, no processes.
 */
import type { Budgets, CompareRow, Comparison, GateReport } from './report.js';

/** The default regression threshold (10 %). */
export const DEFAULT_THRESHOLD = 0.1;

/** Options of {@link compareReports}. */
export interface CompareOptions {
  /** Overrides the budgets' default threshold (a fraction). */
  threshold?: number | undefined;
  budgets?: Budgets | undefined;
  /** The baseline's file name, reported back. */
  baselineFile?: string;
}

/**
 * Parses a threshold: "10%", "10 %" or "0.1" → 0.1.
 * @throws Error when it is not strictly between 0 and 1 (0 % and 100 %).
 */
export function parseThreshold(text: string): number {
  const t = text.trim();
  const n = t.endsWith('%') ? Number(t.slice(0, -1).trim()) / 100 : Number(t);
  if (t === '' || t === '%' || !Number.isFinite(n) || !(n > 0 && n < 1)) throw new Error(`gate: --threshold must be a fraction (0.1) or a percentage (10%) between 0 and 100 %, got ${JSON.stringify(text)}`);
  return n;
}

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

/** Compares `current` to `baseline`; see the module comment for the rules. */
export function compareReports(baseline: GateReport, current: GateReport, options: CompareOptions = {}): Comparison {
  const defaultThreshold = options.threshold ?? options.budgets?.threshold ?? DEFAULT_THRESHOLD;
  const warnings: string[] = [];
  if (baseline.environment?.node !== current.environment?.node) warnings.push(`the baseline was measured on node ${baseline.environment?.node}, this run on ${current.environment?.node}: instruction counts move with the runtime; record a new baseline if this is the new runtime`);
  if (JSON.stringify(baseline.environment?.node_flags) !== JSON.stringify(current.environment?.node_flags)) warnings.push('the baseline was measured with other node flags');
  const base = new Map(baseline.results.map((r) => [r.workload, r]));
  const cur = new Map(current.results.map((r) => [r.workload, r]));
  const only = current.config?.only;
  const rows: CompareRow[] = [];
  for (const id of [...base.keys(), ...[...cur.keys()].filter((k) => !base.has(k))]) {
    const b = base.get(id);
    const c = cur.get(id);
    const budget = options.budgets?.operations[id];
    const threshold = options.threshold ?? budget?.threshold ?? defaultThreshold;
    const limit = budget?.instructions_per_op_max;
    const row: CompareRow = { workload: id, baseline: b?.instructions_per_op, current: c?.instructions_per_op, change: undefined, threshold, budget: limit, status: 'ok', detail: '' };
    if (c === undefined) {
      if (only !== null && only !== undefined && !only.includes(id)) continue;
      row.status = 'missing';
      row.detail = 'in the baseline but not measured by this run';
    } else if (b === undefined) {
      row.status = 'new';
      row.detail = 'not in the baseline: record one with --update-baseline';
    } else {
      row.change = b.instructions_per_op === 0 ? 0 : c.instructions_per_op / b.instructions_per_op - 1;
      if (c.reference || b.reference) row.status = 'reference';
      else if (row.change > threshold) {
        row.status = 'regression';
        row.detail = `${pct(row.change)} instructions/op, over the ${(threshold * 100).toFixed(0)} % threshold`;
      } else if (row.change < -threshold) {
        row.status = 'faster';
        row.detail = `${pct(row.change)}: record a new baseline to lock the gain in`;
      }
    }
    if (c !== undefined && limit !== undefined && c.instructions_per_op > limit && !c.reference) {
      row.status = row.status === 'regression' ? 'regression' : 'over-budget';
      row.detail = [row.detail, `over its budget of ${limit} instructions/op`].filter((s) => s !== '').join('; ');
    }
    rows.push(row);
  }
  const failed = rows.filter((r) => r.status === 'regression' || r.status === 'over-budget' || r.status === 'missing').map((r) => r.workload);
  return { pass: failed.length === 0, threshold: defaultThreshold, baseline_file: options.baselineFile ?? '', warnings, rows, failed };
}

/** The comparison as a fixed-width table with a verdict line. */
export function formatComparison(c: Comparison): string {
  const fmt = (x: number | undefined): string => (x === undefined ? '-' : String(x));
  const rows = [['workload', 'baseline Ir/op', 'current Ir/op', 'change', 'threshold', 'budget', 'status']];
  for (const r of c.rows) rows.push([r.workload, fmt(r.baseline), fmt(r.current), r.change === undefined ? '-' : pct(r.change), `${(r.threshold * 100).toFixed(0)} %`, fmt(r.budget), r.status]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  for (const r of c.rows) if (r.detail !== '') lines.push(`${r.workload}: ${r.detail}`);
  lines.push(c.pass ? `gate: PASS (${c.rows.length} workloads against ${c.baseline_file})` : `gate: FAIL: ${c.failed.join(', ')} (against ${c.baseline_file})`);
  return lines.join('\n');
}

/** One wall-clock budget verdict on a `velomcp bench` report. */
export interface SuiteBudgetRow {
  workload: string;
  metric: 'p50' | 'p95';
  value_us: number;
  budget_us: number;
  pass: boolean;
}

/**
 * Checks the velomcp rows of a `velomcp bench` JSON report against the wall-clock budgets (`p50_us_max`,
 * `p95_us_max`). A budgeted workload absent from the report is skipped (the suite may have run `--only`).
 * @throws Error when `report` has no `results` array.
 */
export function checkSuiteBudgets(report: unknown, budgets: Budgets): SuiteBudgetRow[] {
  const results = (report as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw new Error('gate: the suite report has no "results" array (expected the JSON of `velomcp bench`)');
  const rows: SuiteBudgetRow[] = [];
  for (const r of results as { workload_id?: unknown; implementation?: unknown; latency_p50_us?: unknown; latency_p95_us?: unknown }[]) {
    if (r.implementation !== 'velomcp' || typeof r.workload_id !== 'string') continue;
    const b = budgets.operations[r.workload_id];
    if (b === undefined) continue;
    for (const [metric, value, limit] of [['p50', r.latency_p50_us, b.p50_us_max], ['p95', r.latency_p95_us, b.p95_us_max]] as const) {
      if (limit === undefined || typeof value !== 'number') continue;
      rows.push({ workload: r.workload_id, metric, value_us: value, budget_us: limit, pass: value <= limit });
    }
  }
  return rows;
}
