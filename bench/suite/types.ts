/**
 * The shapes of the `velomcp bench` suite: a workload has one or more implementations (velomcp first, then
 * peers such as the official SDK v1 or a raw JSON-RPC reference), each of which sets up an operation that
 * the runner repeats and times.
 */

/** One prepared operation of one implementation. */
export interface Operation {
  /** Runs the operation once (`i` counts from 0 over warm-up and measurement). */
  run(i: number): void | Promise<void>;
  /** Untimed preparation before operation `i` (only honoured when the workload's batch is 1). */
  prepare?(i: number): void | Promise<void>;
  /** Releases what setup made (servers, child processes, sockets). */
  close?(): void | Promise<void>;
  /** Extra figures reported with the result (e.g. a schema cache hit rate), read after measurement. */
  extra?(): Record<string, number | string>;
  /** The pid of a server child process, so its CPU per op is reported too. */
  serverPid?: number;
}

/** One implementation of a workload: velomcp, or a peer measured side by side in the same run. */
export interface Implementation {
  /** `velomcp`, `sdk-v1`, `raw`, `compiled-per-call`, ... */
  name: string;
  /** @param planned - How many operations will run (warm-up included), for workloads that pre-build state. */
  setup(planned: number): Promise<Operation>;
}

/** A named benchmark workload. */
export interface Workload {
  /** Stable id used by `--only`, baselines and budgets, e.g. `tool_call_simple`. */
  id: string;
  /** Section of the table: `jsonrpc`, `schema`, `tools`, ... */
  group: string;
  /** One line: what one operation is. */
  description: string;
  /** Measured operations per implementation in a full run (split over the rounds). */
  operations: number;
  /** Operations run before measuring (JIT warm-up, caches). */
  warmup: number;
  /**
   * Operations timed together as one latency sample (for operations far shorter than the clock's cost);
   * percentiles are then over per-batch averages. Default 1.
   */
  batch?: number;
  /** The implementations; the first is velomcp and every ratio divides by it. */
  implementations: Implementation[];
  /** When set, the workload is listed but not run, and the report says why. */
  unavailable?: string;
  /**
   * Checked before the workload runs (e.g. a service it needs answers); a string is the reason it is
   * skipped, reported as the `unavailable` of each implementation's result instead of figures.
   */
  probe?: () => Promise<string | undefined>;
  /** A caveat printed with the result. */
  note?: string;
}

/**
 * The figures of one implementation of one workload, in the seed plan's report shape (µs, MiB). A skipped
 * workload's results carry only the identifying members, `operations: 0` and `unavailable`.
 */
export interface WorkloadResult {
  benchmark: string;
  workload_id: string;
  group: string;
  implementation: string;
  description: string;
  timestamp: string;
  operations: number;
  batch: number;
  duration_s: number;
  throughput_ops_per_s: number;
  latency_p50_us: number;
  latency_p95_us: number;
  latency_p99_us: number;
  latency_min_us: number;
  latency_max_us: number;
  latency_avg_us: number;
  /** Process CPU (user + system) per operation of this (benchmark) process, µs (untimed `prepare` excluded). */
  cpu_us_per_op: number;
  /** CPU of this process over the measured time, percent of one core. */
  cpu_percent_avg: number;
  /** CPU per operation of the server child process, µs, for workloads that run one. */
  server_cpu_us_per_op?: number;
  memory_start_mib: number;
  memory_end_mib: number;
  memory_delta_mib: number;
  /** This implementation's P50 divided by velomcp's P50 in the same run (> 1: velomcp is faster). */
  ratio_p50_vs_velomcp?: number;
  extra?: Record<string, number | string>;
  note?: string;
  unavailable?: string;
}

/** The environment a report was measured in. */
export interface Environment {
  node: string;
  v8: string;
  os: string;
  arch: string;
  cpus: number;
  cpu_model: string;
  loadavg_start: number[];
  loadavg_end: number[];
  /** `git rev-parse --short HEAD` of the checkout that ran, with `+dirty` when it had uncommitted changes; `unknown` outside git. */
  commit: string;
}

/** A whole `velomcp bench` run. */
export interface SuiteReport {
  suite: 'velomcp-bench';
  version: 1;
  timestamp: string;
  environment: Environment;
  config: { rounds: number; scale: number; only: string[] | null };
  results: WorkloadResult[];
}
