/**
 * Scheduler micro-benchmark: cost of queue operations at several depths for each policy (seed, MCP++:
 * put/get O(log n), ~10 µs). At each depth the queue is filled, then a steady state of push+pop pairs is
 * timed; `remove` and `boost` are timed on random queued items.
 *
 *   node dist/bench/engine/scheduler.js
 *
 * stdout: one JSON document (also bench/results/engine-scheduler.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Scheduler, type SchedulingPolicy, type Ticket } from '../../src/exec/scheduler.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const POLICIES: SchedulingPolicy[] = ['fifo', 'priority', 'deadline', 'priority_deadline'];
const DEPTHS = [100, 1_000, 10_000, 100_000];
const OPS = 200_000;

let seed = 42;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);

function run(policy: SchedulingPolicy, depth: number) {
  const now = Date.now();
  const s = new Scheduler<number>({ policy, maxWaitMs: Infinity });
  for (let i = 0; i < depth; i++) s.push(i, { priority: Math.floor(rand() * 10), deadline: now + 60_000 + Math.floor(rand() * 60_000) });
  // warm-up
  for (let i = 0; i < 10_000; i++) {
    s.push(i, { priority: Math.floor(rand() * 10), deadline: now + 60_000 + Math.floor(rand() * 60_000) });
    s.pop();
  }
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < OPS; i++) {
    s.push(i, { priority: Math.floor(rand() * 10), deadline: now + 60_000 + Math.floor(rand() * 60_000) });
    s.pop();
  }
  const pairNs = Number(process.hrtime.bigint() - t0) / OPS;
  // Timed on items queued now (at this depth): fresh ones replacing popped ones keep the depth.
  const k = Math.min(depth, 5_000);
  const live: Ticket<number>[] = [];
  for (let i = 0; i < k; i++) {
    s.pop();
    live.push(s.push(i, { priority: Math.floor(rand() * 10), deadline: now + 60_000 + Math.floor(rand() * 60_000) }));
  }
  t0 = process.hrtime.bigint();
  for (let i = 0; i < k; i++) s.boost(live[i]!, 20 + i);
  const boostNs = k === 0 ? 0 : Number(process.hrtime.bigint() - t0) / k;
  t0 = process.hrtime.bigint();
  let removed = 0;
  for (let i = 0; i < k; i++) if (s.remove(live[i]!)) removed++;
  const removeNs = removed === 0 ? 0 : Number(process.hrtime.bigint() - t0) / removed;
  const r = (ns: number): number => Math.round(ns / 10) / 100;
  return { policy, depth, pushPopPairUs: r(pairNs), boostUs: r(boostNs), removeUs: r(removeNs) };
}

const results = [];
for (const policy of POLICIES) for (const depth of DEPTHS) {
  const r = run(policy, depth);
  results.push(r);
  process.stderr.write(`${policy.padEnd(18)} depth ${String(depth).padStart(6)}: push+pop ${r.pushPopPairUs} µs, boost ${r.boostUs} µs, remove ${r.removeUs} µs\n`);
}
const out = {
  bench: 'engine/scheduler',
  date: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), node: process.version },
  seedTarget: { putUs: 10, getUs: 10 },
  results,
};
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/engine-scheduler.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
