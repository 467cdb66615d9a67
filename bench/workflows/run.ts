/**
 * Workflow engine benchmark (seed 004's figures), side by side with calling the same tools directly, in one
 * run. Prints JSON (and a table on stderr); `--out FILE` also writes the JSON.
 *
 *   node --expose-gc dist/bench/workflows/run.js [--quick] [--out bench/results/workflows-latest.json]
 *
 * - executor overhead per step: a linear 5-step and a 3-level 6-step workflow over a synchronous in-process
 *   caller, CPU µs per step beyond calling the same tools in a plain loop (target ≤ 200 µs);
 * - graph: cycle detection and topological levels of 1,000 steps; template instantiation (target < 2 ms);
 * - end to end through an McpServer (in-memory client): the 5-step workflow vs the same 5 calls made directly;
 * - concurrency: 10 / 50 / 100 / 200 / 500 workflows at once over a 5 ms tool: submission time, throughput,
 *   success rate, heap per in-flight workflow;
 * - leak check: 2,000 runs; heap after GC must come back within 10 % of the heap before.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { McpServer } from '../../src/server/mcp-server.js';
import { analyseWorkflow, prepareWorkflow, runWorkflow, ServerCallers, TemplateRegistry, type WorkflowCaller, type WorkflowDefinition } from '../../src/orchestration/workflows/index.js';
import type { CallToolResult } from '../../src/protocol/types.js';
import { percentile } from '../shared/stats.js';

const quick = process.argv.includes('--quick');
const outAt = process.argv.indexOf('--out');
const out = outAt > 0 ? process.argv[outAt + 1] : undefined;
const gc = (globalThis as { gc?: () => void }).gc;

const result = (n: number): CallToolResult => ({ content: [{ type: 'text', text: String(n) }], structuredContent: { n } });
const syncCaller: WorkflowCaller = {
  callTool: async (_name, args) => result(((args.n as number) ?? 0) + 1),
  readResource: async (uri) => ({ contents: [{ uri, text: '' }] }),
};

function linear(n: number): WorkflowDefinition {
  return { name: `linear${n}`, steps: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, tool: 'inc', arguments: i === 0 ? { n: 0 } : { n: { $step: `s${i - 1}`, pointer: '/structuredContent/n' } } })) };
}
const levels3: WorkflowDefinition = {
  name: 'levels3',
  steps: [
    { id: 'a', tool: 'inc', arguments: { n: 0 } },
    { id: 'b', tool: 'inc', arguments: { n: 0 } },
    { id: 'c', tool: 'inc', arguments: { n: { $step: 'a', pointer: '/structuredContent/n' } } },
    { id: 'd', tool: 'inc', arguments: { n: { $step: 'b', pointer: '/structuredContent/n' } } },
    { id: 'e', tool: 'inc', needs: ['c', 'd'], arguments: { n: 1 } },
    { id: 'f', tool: 'inc', needs: ['c'], arguments: { n: 2 } },
  ],
};

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function perStep(def: WorkflowDefinition, rounds: number): Promise<{ workflowUsPerStep: number; directUsPerStep: number; overheadUsPerStep: number; p50Ms: number; p99Ms: number }> {
  const steps = def.steps.length;
  const prepared = prepareWorkflow(def);
  for (let i = 0; i < 200; i++) await runWorkflow(prepared, { caller: syncCaller });
  const lat = new Float64Array(rounds);
  let wf = 0;
  let direct = 0;
  // Interleave the two so that machine noise hits both alike.
  for (let r = 0; r < rounds; r++) {
    const t0 = cpuUs();
    const w0 = performance.now();
    await runWorkflow(prepared, { caller: syncCaller });
    lat[r] = performance.now() - w0;
    wf += cpuUs() - t0;
    const t1 = cpuUs();
    let n = 0;
    const ac = new AbortController();
    for (let i = 0; i < steps; i++) n = ((await syncCaller.callTool('inc', { n }, { signal: ac.signal })).structuredContent as { n: number }).n;
    direct += cpuUs() - t1;
  }
  lat.sort();
  const workflowUsPerStep = wf / rounds / steps;
  const directUsPerStep = direct / rounds / steps;
  return { workflowUsPerStep: round(workflowUsPerStep), directUsPerStep: round(directUsPerStep), overheadUsPerStep: round(workflowUsPerStep - directUsPerStep), p50Ms: round(percentile(lat, 50), 3), p99Ms: round(percentile(lat, 99), 3) };
}

function round(x: number, d = 1): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

function timeMs(fn: () => void, rounds: number): { p50Ms: number; p99Ms: number } {
  const lat = new Float64Array(rounds);
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    fn();
    lat[r] = performance.now() - t;
  }
  lat.sort();
  return { p50Ms: round(percentile(lat, 50), 3), p99Ms: round(percentile(lat, 99), 3) };
}

function sleepTool(server: McpServer): void {
  server.registerTool('inc', { inputSchema: { type: 'object', properties: { n: { type: 'number' } } } }, (a: { n?: number }) => result((a.n ?? 0) + 1));
  server.registerTool('wait5', { inputSchema: { type: 'object' } }, () => new Promise<CallToolResult>((r) => setTimeout(() => r(result(1)), 5)));
}

async function endToEnd(rounds: number): Promise<Record<string, number>> {
  const server = new McpServer({ name: 'bench', version: '1' });
  sleepTool(server);
  const callers = new ServerCallers(server);
  const caller = callers.for('');
  const prepared = prepareWorkflow(linear(5));
  for (let i = 0; i < 100; i++) await runWorkflow(prepared, { caller });
  let wf = 0;
  let direct = 0;
  const ac = new AbortController();
  for (let r = 0; r < rounds; r++) {
    const t0 = cpuUs();
    await runWorkflow(prepared, { caller });
    wf += cpuUs() - t0;
    const t1 = cpuUs();
    let n = 0;
    for (let i = 0; i < 5; i++) n = ((await caller.callTool('inc', { n }, { signal: ac.signal })).structuredContent as { n: number }).n;
    direct += cpuUs() - t1;
  }
  callers.close();
  return { workflowUsPerRun: round(wf / rounds), directUsPerRun: round(direct / rounds), ratio: round(wf / direct, 3), overheadUsPerStep: round((wf - direct) / rounds / 5) };
}

async function concurrency(counts: number[]): Promise<Record<string, unknown>[]> {
  const server = new McpServer({ name: 'bench', version: '1' });
  sleepTool(server);
  const callers = new ServerCallers(server);
  const caller = callers.for('');
  const def = prepareWorkflow({ name: 'c', steps: [{ id: 'a', tool: 'wait5' }, { id: 'b', tool: 'wait5' }, { id: 'c', tool: 'inc', needs: ['a', 'b'], arguments: { n: 1 } }] });
  await runWorkflow(def, { caller });
  const rows: Record<string, unknown>[] = [];
  for (const n of counts) {
    gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const runs = Array.from({ length: n }, () => runWorkflow(def, { caller }));
    const submitMs = performance.now() - t0;
    const heapInFlight = process.memoryUsage().heapUsed - heap0;
    const results = await Promise.all(runs);
    const totalMs = performance.now() - t0;
    const ok = results.filter((r) => r.status === 'succeeded').length;
    rows.push({ concurrent: n, submitMs: round(submitMs, 2), totalMs: round(totalMs, 1), workflowsPerSec: round((n / totalMs) * 1000), successRate: round(ok / n, 4), heapKiBPerWorkflow: round(heapInFlight / n / 1024, 2) });
  }
  callers.close();
  return rows;
}

async function leak(runs: number): Promise<Record<string, unknown>> {
  const server = new McpServer({ name: 'bench', version: '1' });
  sleepTool(server);
  const callers = new ServerCallers(server);
  const caller = callers.for('');
  const def = prepareWorkflow(linear(5));
  for (let i = 0; i < 200; i++) await runWorkflow(def, { caller });
  if (!gc) return { skipped: 'run with node --expose-gc' };
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < runs; i++) await runWorkflow(def, { caller });
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  callers.close();
  const growth = (after - before) / before;
  return { runs, heapBeforeMiB: round(before / 2 ** 20, 2), heapAfterMiB: round(after / 2 ** 20, 2), growthPercent: round(growth * 100, 2), withinBound: growth <= 0.1 };
}

const rounds = quick ? 300 : 3000;
const big = Array.from({ length: 1000 }, (_, i) => ({ id: `s${i}`, tool: 't', ...(i >= 10 ? { needs: [`s${i - 10}`, `s${i - 1 - (i % 7)}`] } : {}) }));
const registry = new TemplateRegistry();
registry.register({ name: 'chain', version: '1.0.0', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number', default: 2 } }, required: ['a'] }, workflow: { steps: Array.from({ length: 5 }, (_, i) => ({ id: `s${i}`, tool: 'inc', arguments: { n: i === 0 ? '{{a}}' : { $step: `s${i - 1}`, pointer: '/structuredContent/n' }, label: 'x{{b}}' } })) } });
registry.register({ name: 'outer', version: '1.2.0', parameters: { type: 'object', properties: { a: { type: 'number' } } }, includes: [{ template: 'chain@^1', as: 'one', params: { a: '{{a}}' } }, { template: 'chain@^1', as: 'two', params: { a: '{{a}}' } }], workflow: { steps: [{ id: 'end', tool: 'inc', needs: ['one.s4', 'two.s4'], arguments: { n: 0 } }] } });

const report = {
  benchmark: 'workflows',
  environment: { node: process.version, cpus: cpus().length, loadavg: loadavg().map((x) => round(x, 2)), date: new Date().toISOString(), quick },
  executor: { linear5: await perStep(linear(5), rounds), levels3x6: await perStep(levels3, rounds), targetOverheadUsPerStep: 200 },
  graph: { analyse1000Steps: timeMs(() => analyseWorkflow({ name: 'big', steps: big }), quick ? 20 : 200) },
  templates: { instantiate11Steps: timeMs(() => registry.instantiate('outer@^1', { a: 1 }), quick ? 100 : 1000), targetMs: 2 },
  endToEnd: await endToEnd(quick ? 200 : 2000),
  concurrency: await concurrency([10, 50, 100, 200, 500]),
  leakCheck: await leak(quick ? 500 : 2000),
};
const json = JSON.stringify(report, null, 2);
process.stdout.write(`${json}\n`);
if (out) writeFileSync(out, `${json}\n`);
const e = report.executor;
process.stderr.write(
  [
    `executor overhead per step: linear5 ${e.linear5.overheadUsPerStep} µs CPU, levels3x6 ${e.levels3x6.overheadUsPerStep} µs CPU (target ≤ 200)`,
    `analyse 1,000 steps: p50 ${report.graph.analyse1000Steps.p50Ms} ms; instantiate template (11 steps): p50 ${report.templates.instantiate11Steps.p50Ms} ms (target < 2)`,
    `end to end (5 steps, in-memory McpServer): workflow/direct CPU ${report.endToEnd.ratio}x, +${report.endToEnd.overheadUsPerStep} µs per step`,
    ...report.concurrency.map((r) => `concurrent ${r.concurrent}: ${r.workflowsPerSec} workflows/s, success ${r.successRate}, ${r.heapKiBPerWorkflow} KiB/workflow, submit ${r.submitMs} ms`),
    `leak check: ${JSON.stringify(report.leakCheck)}`,
  ].join('\n') + '\n',
);
