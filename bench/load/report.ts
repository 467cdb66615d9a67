/**
 * The load scenarios' JSON report shape and the helpers that fill its common parts (environment,
 * machine noise, verdict checks).
 */
import os from 'node:os';
import { machineCpuUs } from '../http/proc.js';
import { median } from '../shared/stats.js';
import { checkoutCommit } from '../suite/commit.js';
import type { SecondStats } from './openloop.js';

/** The four scenarios of issue #10. */
export type ScenarioName = 'idle' | 'sustained' | 'burst' | 'fanout';
export const SCENARIOS: readonly ScenarioName[] = ['idle', 'sustained', 'burst', 'fanout'];

/** One pass/fail check of a verdict: `value` against `limit` (same unit). */
export interface Check {
  name: string;
  value: number | null;
  limit: number;
  unit: string;
  pass: boolean;
  /** How the value was computed. */
  detail: string;
}

/** Machine conditions over the run (the machine is shared; noise explains failures). */
export interface Environment {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  /** os.loadavg() at start and at end. */
  loadavgStart: number[];
  loadavgEnd: number[];
  /** CPU used by processes other than the server and this generator, % of the whole machine; null without /proc/stat. */
  otherCpuPct: number | null;
  /** Hypervisor steal, % of the machine; null without /proc/stat. */
  stealPct: number | null;
  /** The checkout measured (`git rev-parse --short HEAD`, `+dirty` with uncommitted changes, `unknown` outside git). */
  commit: string;
}

/** A scenario's report (what `runLoadScenario` resolves with and writes as JSON). */
export interface LoadReport {
  scenario: ScenarioName;
  /** ISO time the run started. */
  startedAt: string;
  /** Wall seconds. */
  wallS: number;
  target: { url: string; server: string; pid: number | null };
  /** The effective options (after defaults). */
  options: Record<string, unknown>;
  environment: Environment;
  /** Scenario-specific figures (ms, KiB, counts; names carry the unit). */
  summary: Record<string, number | string | boolean | null>;
  verdict: { pass: boolean; checks: Check[]; notes: string[] };
  /** Per-second figures (sustained, burst, fanout). */
  seconds?: SecondStats[];
  /** Memory steps (idle). */
  steps?: { connections: number; rssKiB: number | null; t: number }[];
  /** Files written (set by runLoadScenario when an out dir is given). */
  files?: { json: string; html: string };
}

/** Starts measuring machine noise; the returned function ends it. */
export function machineWindow(serverCpuUs: () => number | null): () => Environment {
  const start = machineCpuUs();
  const serverStart = serverCpuUs();
  const selfStart = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const loadavgStart = os.loadavg();
  return () => {
    const end = machineCpuUs();
    const serverEnd = serverCpuUs();
    const self = process.cpuUsage(selfStart);
    const capacity = (Number(process.hrtime.bigint() - t0) / 1000) * os.cpus().length;
    let otherCpuPct: number | null = null;
    let stealPct: number | null = null;
    if (start !== null && end !== null) {
      const server = serverStart !== null && serverEnd !== null ? serverEnd - serverStart : 0;
      otherCpuPct = Math.max(0, (100 * (end.task - start.task - server - self.user - self.system)) / capacity);
      stealPct = (100 * (end.steal - start.steal)) / capacity;
    }
    return {
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadavgStart,
      loadavgEnd: os.loadavg(),
      otherCpuPct,
      stealPct,
      commit: checkoutCommit(),
    };
  };
}

/** Median of a field over seconds `[from, to)`, ignoring nulls; null when none. */
export function medianOf(seconds: readonly SecondStats[], field: 'p95Ms' | 'rssKiB' | 'p50Ms' | 'p99Ms', from: number, to: number): number | null {
  const xs = seconds.slice(Math.max(0, from), Math.max(0, to)).map((s) => s[field]).filter((v): v is number => v !== null);
  return median(xs);
}

/** A check that `value <= limit` (a null value fails: it could not be measured). */
export function atMost(name: string, value: number | null, limit: number, unit: string, detail: string): Check {
  return { name, value, limit, unit, pass: value !== null && value <= limit, detail };
}

/** Notes that explain a failure by machine noise, when the figures suggest it. */
export function noiseNotes(env: Environment, checks: readonly Check[]): string[] {
  const notes: string[] = [];
  if (checks.some((c) => !c.pass) && env.otherCpuPct !== null && env.otherCpuPct > 10) {
    notes.push(`other processes used ${env.otherCpuPct.toFixed(1)} % of the machine during the run (shared machine): a failed check may be noise rather than the server; re-run on a quiet machine before drawing conclusions`);
  }
  if (env.stealPct !== null && env.stealPct > 5) notes.push(`hypervisor steal was ${env.stealPct.toFixed(1)} % of the machine`);
  return notes;
}
