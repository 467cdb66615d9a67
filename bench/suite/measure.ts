/**
 * The measuring loop of `velomcp bench`: every implementation of a workload is set up and warmed, then the
 * measured operations are split into rounds that alternate between the implementations (A B C A B C ...),
 * so a peer and velomcp share whatever the machine was doing and their ratio comes from one run.
 */
import { performance } from 'node:perf_hooks';
import { processCpuUs } from '../shared/proc.js';
import { percentile } from '../shared/stats.js';
import type { Operation, Workload, WorkloadResult } from './types.js';

/** How hard to run. */
export interface MeasureOptions {
  /** Rounds the measured operations are split into (default 3). */
  rounds: number;
  /** Multiplies every workload's operation and warm-up counts (e.g. 0.1 for a smoke run). */
  scale: number;
  /** Called after each round of each implementation (progress bars). */
  onProgress?: (done: number, total: number) => void;
}

interface Accumulator {
  name: string;
  op: Operation;
  samples: number[];
  measuredMs: number;
  cpuUs: number;
  serverCpuUs: number | null;
  ops: number;
  memStart: number;
}

const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc;

function heapMiB(): number {
  gc?.();
  return process.memoryUsage().heapUsed / MiB;
}

const r3 = (x: number): number => Number(x.toFixed(3));

/**
 * Runs `n` operations starting at index `from`, timing each batch of `batch` into `out` (µs per op); returns
 * the timed milliseconds and the CPU µs spent in untimed preparation (both so preparation can be excluded).
 */
async function timed(op: Operation, from: number, n: number, batch: number, out: number[]): Promise<{ ms: number; prepareCpuUs: number }> {
  let i = from;
  const end = from + n;
  let elapsed = 0;
  let prepareCpuUs = 0;
  while (i < end) {
    const stop = Math.min(end, i + batch);
    const k = stop - i;
    if (batch === 1 && op.prepare !== undefined) {
      const c0 = process.cpuUsage();
      const p = op.prepare(i);
      if (p !== undefined) await p;
      const c = process.cpuUsage(c0);
      prepareCpuUs += c.user + c.system;
    }
    const s = performance.now();
    for (; i < stop; i++) {
      const r = op.run(i);
      if (r !== undefined) await r;
    }
    const ms = performance.now() - s;
    elapsed += ms;
    out.push((ms * 1000) / k);
  }
  return { ms: elapsed, prepareCpuUs };
}

/**
 * Measures every implementation of `workload`. Throws when an implementation's setup or an operation
 * fails (the caller reports the workload as failed).
 */
export async function measureWorkload(workload: Workload, options: MeasureOptions, timestamp: string): Promise<WorkloadResult[]> {
  const batch = workload.batch ?? 1;
  const total = Math.max(options.rounds * batch, Math.round(workload.operations * options.scale));
  const warmup = Math.max(batch, Math.round(workload.warmup * options.scale));
  const perRound = Math.max(batch, Math.floor(total / options.rounds));
  const accs: Accumulator[] = [];
  try {
    for (const impl of workload.implementations) {
      const op = await impl.setup(warmup + perRound * options.rounds);
      accs.push({ name: impl.name, op, samples: [], measuredMs: 0, cpuUs: 0, serverCpuUs: op.serverPid === undefined ? null : 0, ops: 0, memStart: 0 });
    }
    for (const a of accs) {
      a.memStart = heapMiB();
      await timed(a.op, 0, warmup, batch, []);
    }
    let next = warmup;
    let done = 0;
    for (let round = 0; round < options.rounds; round++) {
      for (const a of accs) {
        const cpu0 = process.cpuUsage();
        const srv0 = a.op.serverPid === undefined ? null : processCpuUs(a.op.serverPid);
        const t = await timed(a.op, next, perRound, batch, a.samples);
        a.measuredMs += t.ms;
        const cpu = process.cpuUsage(cpu0);
        a.cpuUs += cpu.user + cpu.system - t.prepareCpuUs;
        if (a.serverCpuUs !== null && srv0 !== null && a.op.serverPid !== undefined) {
          const srv1 = processCpuUs(a.op.serverPid);
          a.serverCpuUs = srv1 === null ? null : a.serverCpuUs + (srv1 - srv0);
        }
        a.ops += perRound;
        options.onProgress?.(++done, options.rounds * accs.length);
      }
      next += perRound;
    }
    const results = accs.map((a) => {
      const sorted = Float64Array.from(a.samples).sort();
      const memEnd = heapMiB();
      const seconds = a.measuredMs / 1000;
      const sum = a.samples.reduce((s, x) => s + x, 0);
      const result: WorkloadResult = {
        benchmark: `${workload.group}/${workload.id}`,
        workload_id: workload.id,
        group: workload.group,
        implementation: a.name,
        description: workload.description,
        timestamp,
        operations: a.ops,
        batch,
        duration_s: r3(seconds),
        throughput_ops_per_s: Math.round(a.ops / seconds),
        latency_p50_us: r3(percentile(sorted, 50)),
        latency_p95_us: r3(percentile(sorted, 95)),
        latency_p99_us: r3(percentile(sorted, 99)),
        latency_min_us: r3(sorted[0] ?? NaN),
        latency_max_us: r3(sorted[sorted.length - 1] ?? NaN),
        latency_avg_us: r3(sum / Math.max(1, a.samples.length)),
        cpu_us_per_op: r3(a.cpuUs / a.ops),
        cpu_percent_avg: Number(((a.cpuUs / 1000 / a.measuredMs) * 100).toFixed(1)),
        memory_start_mib: r3(a.memStart),
        memory_end_mib: r3(memEnd),
        memory_delta_mib: r3(memEnd - a.memStart),
      };
      if (a.serverCpuUs !== null) result.server_cpu_us_per_op = r3(a.serverCpuUs / a.ops);
      const extra = a.op.extra?.();
      if (extra !== undefined) result.extra = extra;
      if (workload.note !== undefined) result.note = workload.note;
      return result;
    });
    const base = results[0]?.latency_p50_us;
    if (base !== undefined && base > 0 && results.length > 1) for (const r of results) r.ratio_p50_vs_velomcp = r3(r.latency_p50_us / base);
    return results;
  } finally {
    for (const a of accs) await a.op.close?.();
  }
}
