/**
 * `velomcp bench`: the workload list and the suite runner. Writes the JSON report (seed plan shape) to a
 * dated file under bench/results/ (never a baseline) and prints a table on stderr.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { progressBar } from '../load/progress.js';
import { checkoutCommit } from './commit.js';
import { measureWorkload } from './measure.js';

export { checkoutCommit } from './commit.js';
import type { SuiteReport, Workload, WorkloadResult } from './types.js';
import { jsonrpcWorkloads } from './workloads/jsonrpc.js';
import { schemaWorkloads } from './workloads/schema.js';
import { serverWorkloads } from './workloads/server.js';
import { stateWorkloads } from './workloads/state.js';
import { interactiveWorkloads } from './workloads/interactive.js';
import { transportWorkloads } from './workloads/transports.js';

export type * from './types.js';

/** Every workload of the suite, in table order. */
export function allWorkloads(): Workload[] {
  return [...jsonrpcWorkloads(), ...schemaWorkloads(), ...serverWorkloads(), ...interactiveWorkloads(), ...stateWorkloads(), ...transportWorkloads()];
}

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  only?: string[];
  /** The workloads to choose from (default {@link allWorkloads}). */
  workloads?: Workload[];
  rounds?: number;
  scale?: number;
  /** Directory of the dated result file (default: none written). */
  outDir?: string;
  onProgress?: (workload: string, done: number, total: number) => void;
}

/**
 * Runs the chosen workloads. @throws Error naming unknown ids in `only`.
 */
export async function runSuite(options: SuiteOptions = {}): Promise<{ report: SuiteReport; file: string | undefined }> {
  const all = options.workloads ?? allWorkloads();
  const only = options.only;
  if (only !== undefined) {
    const unknown = only.filter((id) => !all.some((w) => w.id === id));
    if (unknown.length > 0) throw new Error(`unknown workload(s): ${unknown.join(', ')} (see velomcp bench --list)`);
  }
  const chosen = only === undefined ? all : all.filter((w) => only.includes(w.id));
  const rounds = options.rounds ?? 3;
  const scale = options.scale ?? 1;
  const timestamp = new Date().toISOString();
  const loadStart = os.loadavg();
  const results: WorkloadResult[] = [];
  for (const w of chosen) {
    const skip = w.unavailable ?? (await w.probe?.());
    if (skip !== undefined) {
      results.push(...skipped(w, skip, timestamp));
      continue;
    }
    results.push(...(await measureWorkload(w, { rounds, scale, onProgress: (d, t) => options.onProgress?.(w.id, d, t) }, timestamp)));
  }
  const report: SuiteReport = {
    suite: 'velomcp-bench',
    version: 1,
    timestamp,
    environment: {
      node: process.version,
      v8: process.versions.v8,
      os: `${os.type()} ${os.release()}`,
      arch: process.arch,
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      loadavg_start: loadStart,
      loadavg_end: os.loadavg(),
      commit: checkoutCommit(),
    },
    config: { rounds, scale, only: only ?? null },
    results,
  };
  let file: string | undefined;
  if (options.outDir !== undefined) {
    mkdirSync(options.outDir, { recursive: true });
    file = join(options.outDir, `suite-${timestamp.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  }
  return { report, file };
}

/**
 * A cli-progress bar for {@link runSuite}'s `onProgress` (one stage per workload, in rounds × implementations),
 * drawn on stderr only when it is a TTY.
 */
export function suiteProgress(stream: NodeJS.WriteStream = process.stderr): { onProgress: NonNullable<SuiteOptions['onProgress']>; stop(): void } {
  const bar = progressBar(true, stream);
  let current: string | undefined;
  return {
    onProgress: (workload, done, total) => {
      if (workload !== current) {
        current = workload;
        bar.start(workload.padEnd(26), total, 'rounds');
      }
      bar.update(done, `${done}/${total}`);
    },
    stop: () => bar.stop(),
  };
}

/** The result rows of a workload that did not run: identification, `operations: 0` and the reason. */
function skipped(w: Workload, reason: string, timestamp: string): WorkloadResult[] {
  return w.implementations.map(
    (impl) =>
      ({
        benchmark: `${w.group}/${w.id}`,
        workload_id: w.id,
        group: w.group,
        implementation: impl.name,
        description: w.description,
        timestamp,
        operations: 0,
        batch: w.batch ?? 1,
        unavailable: reason,
      }) as WorkloadResult,
  );
}

/** The results as a fixed-width text table. */
export function formatTable(results: readonly WorkloadResult[]): string {
  const rows = [['workload', 'impl', 'p50 µs', 'p95 µs', 'p99 µs', 'ops/s', 'cpu µs/op', 'ratio']];
  for (const r of results) {
    if (r.unavailable !== undefined) {
      rows.push([r.workload_id, r.implementation, r.unavailable, '', '', '', '', '']);
      continue;
    }
    rows.push([r.workload_id, r.implementation, String(r.latency_p50_us), String(r.latency_p95_us), String(r.latency_p99_us), String(r.throughput_ops_per_s), String(r.cpu_us_per_op), r.ratio_p50_vs_velomcp === undefined ? '' : String(r.ratio_p50_vs_velomcp)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n');
}
