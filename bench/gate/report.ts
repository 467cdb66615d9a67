/**
 * The shapes of a gate run (also the shape of a baseline file) and of a comparison, with their checks
 * for files read from disk.
 */

/** One workload's figures from one callgrind run. */
export interface GateResult {
  workload: string;
  description: string;
  /** The raw JSON-RPC reference (reported for ratios, never gated). */
  reference: boolean;
  /** Operations per counted window. */
  ops: number;
  /** Instructions per operation: the median over the counted windows (zero/dump cost subtracted). */
  instructions_per_op: number;
  /** Instructions per operation of each counted window. */
  runs: number[];
  /** (max − min) / median of `runs`, percent. */
  spread_pct: number;
  /** Instructions of the empty window (the zero/dump round trip), subtracted from every window. */
  overhead_instructions: number;
  /** `instructions_per_op` divided by the raw reference's, in the same run. */
  ratio_to_raw?: number;
}

/** A gate run; a baseline file is one of these plus `reason` and `commit`. */
export interface GateReport {
  kind: 'velomcp-gate';
  version: 1;
  timestamp: string;
  environment: { node: string; v8: string; valgrind: string; arch: string; cpu_model: string; node_flags: string[] };
  config: { repeats: number; only: string[] | null; probe: string };
  /** Wall time of the callgrind run, seconds. */
  duration_s: number;
  results: GateResult[];
  /** Why this baseline was recorded (baseline files only). */
  reason?: string;
  /** The git commit it was measured on (baseline files only). */
  commit?: string;
}

/** Per-operation budgets (bench/budgets.json). */
export interface Budgets {
  /** Default regression threshold, a fraction (0.10 = 10 %). */
  threshold: number;
  operations: Record<string, OperationBudget>;
}

/** The budget of one operation; every limit is optional. */
export interface OperationBudget {
  /** The seed plan's row this adapts (text, for the reader). */
  seed?: string;
  /** What velomcp measured when the budget was set (text, for the reader). */
  measured?: string;
  /** Ceiling on callgrind instructions per operation (checked by the gate). */
  instructions_per_op_max?: number;
  /** A threshold for this operation only, overriding the default. */
  threshold?: number;
  /** Wall-clock ceilings on a `velomcp bench` report (checked by `bench:compare --suite`), µs. */
  p50_us_max?: number;
  p95_us_max?: number;
}

/** The verdict on one workload. */
export interface CompareRow {
  workload: string;
  baseline: number | undefined;
  current: number | undefined;
  /** current / baseline − 1, a fraction. */
  change: number | undefined;
  threshold: number;
  budget: number | undefined;
  status: 'ok' | 'regression' | 'over-budget' | 'missing' | 'new' | 'faster' | 'reference';
  /** One line for the table when the status is not ok. */
  detail: string;
}

/** The result of a comparison. */
export interface Comparison {
  pass: boolean;
  threshold: number;
  baseline_file: string;
  warnings: string[];
  rows: CompareRow[];
  /** The workloads that failed, named. */
  failed: string[];
}

function fail(what: string, why: string): never {
  throw new Error(`gate: ${what} is not a gate report: ${why}`);
}

/**
 * Checks that `value` (parsed JSON) is a {@link GateReport}.
 * @param what - The file name, for the error message.
 * @throws Error naming the file and the first problem found.
 */
export function asGateReport(value: unknown, what: string): GateReport {
  if (typeof value !== 'object' || value === null) fail(what, 'not a JSON object');
  const v = value as Partial<GateReport>;
  if (v.kind !== 'velomcp-gate') fail(what, `"kind" is ${JSON.stringify(v.kind)}, expected "velomcp-gate"`);
  if (v.version !== 1) fail(what, `unsupported version ${JSON.stringify(v.version)}`);
  if (!Array.isArray(v.results)) fail(what, '"results" is not an array');
  for (const [i, r] of v.results.entries()) {
    const x = r as Partial<GateResult> | null;
    if (typeof x !== 'object' || x === null || typeof x.workload !== 'string') return fail(what, `results[${i}] has no "workload" string`);
    if (typeof x.instructions_per_op !== 'number' || !Number.isFinite(x.instructions_per_op) || x.instructions_per_op < 0) fail(what, `results[${i}] (${x.workload}) has no non-negative "instructions_per_op"`);
  }
  return v as GateReport;
}

/**
 * Checks that `value` (parsed JSON) is a {@link Budgets} file.
 * @throws Error naming the first problem found.
 */
export function asBudgets(value: unknown, what: string): Budgets {
  const bad = (why: string): never => {
    throw new Error(`gate: ${what} is not a budgets file: ${why}`);
  };
  if (typeof value !== 'object' || value === null) bad('not a JSON object');
  const v = value as Partial<Budgets>;
  if (typeof v.threshold !== 'number' || !(v.threshold > 0 && v.threshold < 1)) bad(`"threshold" must be a fraction between 0 and 1, got ${JSON.stringify(v.threshold)}`);
  if (typeof v.operations !== 'object' || v.operations === null) bad('"operations" is not an object');
  for (const [id, b] of Object.entries(v.operations as Record<string, OperationBudget>)) {
    for (const k of ['instructions_per_op_max', 'threshold', 'p50_us_max', 'p95_us_max'] as const) {
      const x = (b as OperationBudget)[k];
      if (x !== undefined && (typeof x !== 'number' || !(x > 0))) bad(`operations.${id}.${k} must be a positive number, got ${JSON.stringify(x)}`);
    }
  }
  return v as Budgets;
}
