/**
 * The program the gate runs under `valgrind --tool=callgrind` (node --jitless --expose-gc). For each
 * workload: set up, warm up, then count windows. A window is: full GC, `callgrind_control -z` (zero the
 * counters), N operations, `callgrind_control -d <label>` (dump them to a file of their own). The first
 * window of each workload runs no operation: it measures what the zero/dump round trip itself costs, which
 * the runner subtracts. Start-up, module loading, set-up and warm-up are never counted.
 *
 * Usage: node --jitless --expose-gc probe.js --out plan.json [--only a,b] [--repeats 3] [--control none]
 * With `--control none` (no valgrind) it runs the same operations and checks the answers: a fast smoke run.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { gateWorkloads } from './workloads.js';

/** One counted window, in the order the probe ran them. */
export interface ProbeWindow {
  label: string;
  workload: string;
  ops: number;
}

/** What the probe writes to `--out`. */
export interface ProbePlan {
  windows: ProbeWindow[];
  /** Operations run per workload (warm-up included), to show every answer was checked. */
  checked: Record<string, number>;
}

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    only: { type: 'string' },
    repeats: { type: 'string', default: '3' },
    control: { type: 'string', default: 'callgrind' },
  },
});
const repeats = Number(values.repeats);
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`probe: --repeats must be a positive integer, got ${values.repeats}`);
const control = values.control === 'callgrind';
const pid = String(process.pid);
const gc = (globalThis as { gc?: () => void }).gc;

function callgrind(args: string[]): void {
  if (control) execFileSync('callgrind_control', [...args, pid], { stdio: 'ignore' });
}

const all = gateWorkloads();
const only = values.only?.split(',').filter((s) => s !== '');
const unknown = (only ?? []).filter((id) => !all.some((w) => w.id === id));
if (unknown.length > 0) throw new Error(`probe: unknown workload(s): ${unknown.join(', ')}`);
const chosen = only === undefined ? all : all.filter((w) => only.includes(w.id));

const plan: ProbePlan = { windows: [], checked: {} };
for (const w of chosen) {
  const op = await w.setup();
  let i = 0;
  for (; i < w.warmup; i++) await op.run(i);
  for (let r = 0; r <= repeats; r++) {
    const n = r === 0 ? 0 : w.ops;
    const label = `${w.id}#${r === 0 ? 'empty' : `r${r}`}`;
    gc?.();
    callgrind(['-z']);
    for (let k = 0; k < n; k++, i++) await op.run(i);
    callgrind(['-d', label]);
    plan.windows.push({ label, workload: w.id, ops: n });
  }
  op.close();
  plan.checked[w.id] = i;
}
if (values.out !== undefined) writeFileSync(values.out, JSON.stringify(plan));
