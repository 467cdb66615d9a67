import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listBaselines, newestBaseline, readReport, writeBaseline } from '../../bench/gate/baseline.js';
import { parseDump, summarise } from '../../bench/gate/callgrind.js';
import { checkSuiteBudgets, compareReports, formatComparison, parseThreshold } from '../../bench/gate/compare.js';
import { CLASSIFY_ANCHOR, patchClassification } from '../../bench/gate/inject.js';
import { asBudgets, asGateReport, type Budgets, type GateReport } from '../../bench/gate/report.js';
import { gateWorkloads } from '../../bench/gate/workloads.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const runJs = join(root, 'dist', 'bench', 'gate', 'run.js');

function report(figures: Record<string, number>, extra: Partial<GateReport> = {}): GateReport {
  return {
    kind: 'velomcp-gate',
    version: 1,
    timestamp: '2026-12-03T00:00:00.000Z',
    environment: { node: 'v20.20.2', v8: '11', valgrind: 'valgrind-3.19.0', arch: 'x64', cpu_model: 'test', node_flags: ['--jitless'] },
    config: { repeats: 3, only: null, probe: 'probe.js' },
    duration_s: 1,
    results: Object.entries(figures).map(([workload, n]) => ({ workload, description: '', reference: workload.startsWith('raw'), ops: 100, instructions_per_op: n, runs: [n, n, n], spread_pct: 0, overhead_instructions: 0 })),
    ...extra,
  };
}

const budgets: Budgets = { threshold: 0.1, operations: { tool_call_simple: { instructions_per_op_max: 70_000 }, resources_read: { threshold: 0.25 } } };

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [runJs, ...args], { cwd: root, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gate comparison', () => {
  test('a run within the threshold passes; one workload 12 % slower fails and is the one named', () => {
    const base = report({ tool_call_simple: 60_000, schema_validate_5: 20_000, raw_tool_call: 30_000 });
    const ok = compareReports(base, report({ tool_call_simple: 65_000, schema_validate_5: 19_000, raw_tool_call: 30_100 }), { budgets });
    assert.equal(ok.pass, true);
    assert.deepEqual(ok.failed, []);
    const bad = compareReports(base, report({ tool_call_simple: 60_000, schema_validate_5: 22_400, raw_tool_call: 30_000 }), { budgets, baselineFile: 'b.json' });
    assert.equal(bad.pass, false);
    assert.deepEqual(bad.failed, ['schema_validate_5']);
    const row = bad.rows.find((r) => r.workload === 'schema_validate_5');
    assert.equal(row?.status, 'regression');
    assert.ok(Math.abs((row?.change ?? 0) - 0.12) < 1e-9);
    const text = formatComparison(bad);
    assert.match(text, /schema_validate_5: \+12\.0 % instructions\/op, over the 10 % threshold/);
    assert.match(text, /gate: FAIL: schema_validate_5 \(against b\.json\)/);
  });

  test('the raw reference is shown but never gated, however much it moves', () => {
    const c = compareReports(report({ tool_call_simple: 60_000, raw_tool_call: 30_000 }), report({ tool_call_simple: 60_000, raw_tool_call: 90_000 }));
    assert.equal(c.pass, true);
    assert.equal(c.rows.find((r) => r.workload === 'raw_tool_call')?.status, 'reference');
  });

  test('an absolute budget fails a run even when the change against the baseline is small', () => {
    const c = compareReports(report({ tool_call_simple: 69_000 }), report({ tool_call_simple: 71_000 }), { budgets });
    assert.equal(c.pass, false);
    assert.equal(c.rows[0]?.status, 'over-budget');
    assert.match(c.rows[0]?.detail ?? '', /over its budget of 70000 instructions\/op/);
  });

  test('a per-operation threshold in the budgets overrides the default; --threshold overrides both', () => {
    const base = report({ resources_read: 50_000 });
    const cur = report({ resources_read: 60_000 });
    assert.equal(compareReports(base, cur, { budgets }).pass, true, '+20 % is within the 25 % budget threshold');
    assert.equal(compareReports(base, cur, { budgets, threshold: 0.15 }).pass, false, '+20 % is over an explicit 15 %');
  });

  test('a workload missing from a full run fails; a new one and a much faster one pass with a note', () => {
    const base = report({ tool_call_simple: 60_000, resources_read: 50_000 });
    const missing = compareReports(base, report({ tool_call_simple: 60_000 }));
    assert.deepEqual(missing.failed, ['resources_read']);
    const partial = compareReports(base, report({ tool_call_simple: 60_000 }, { config: { repeats: 1, only: ['tool_call_simple'], probe: 'p' } }));
    assert.equal(partial.pass, true, 'an --only run is compared on what it measured');
    const c = compareReports(base, report({ tool_call_simple: 30_000, resources_read: 50_000, brand_new: 1 }));
    assert.equal(c.pass, true);
    assert.equal(c.rows.find((r) => r.workload === 'tool_call_simple')?.status, 'faster');
    assert.equal(c.rows.find((r) => r.workload === 'brand_new')?.status, 'new');
  });

  test('a different node version is reported as a warning', () => {
    const c = compareReports(report({ a: 1 }), report({ a: 1 }, { environment: { node: 'v22.0.0', v8: '12', valgrind: 'v', arch: 'x64', cpu_model: 't', node_flags: ['--jitless'] } }));
    assert.match(c.warnings.join('\n'), /baseline was measured on node v20\.20\.2, this run on v22\.0\.0/);
  });

  test('thresholds parse as fractions or percentages, and nonsense is refused', () => {
    assert.equal(parseThreshold('10%'), 0.1);
    assert.equal(parseThreshold('15 %'), 0.15);
    assert.equal(parseThreshold('0.05'), 0.05);
    for (const bad of ['', '%', '0', '100%', 'ten', '-5%', '1.5']) assert.throws(() => parseThreshold(bad), /--threshold must be/, bad);
  });

  test('malformed reports and budgets are refused with the file and the problem named', () => {
    assert.throws(() => asGateReport({ kind: 'other' }, 'x.json'), /x\.json is not a gate report: "kind" is "other"/);
    assert.throws(() => asGateReport({ kind: 'velomcp-gate', version: 1, results: [{ workload: 'a' }] }, 'y.json'), /results\[0\] \(a\) has no non-negative "instructions_per_op"/);
    assert.throws(() => asBudgets({ threshold: 10, operations: {} }, 'b.json'), /"threshold" must be a fraction/);
    assert.throws(() => asBudgets({ threshold: 0.1, operations: { a: { instructions_per_op_max: -1 } } }, 'b.json'), /operations\.a\.instructions_per_op_max must be a positive number/);
  });

  test('wall-clock budgets are checked on the velomcp rows of a velomcp bench report', () => {
    const suite = { results: [
      { workload_id: 'tool_call_simple', implementation: 'velomcp', latency_p50_us: 20, latency_p95_us: 90 },
      { workload_id: 'tool_call_simple', implementation: 'sdk-v1', latency_p50_us: 999, latency_p95_us: 9999 },
    ] };
    const rows = checkSuiteBudgets(suite, { threshold: 0.1, operations: { tool_call_simple: { p50_us_max: 50, p95_us_max: 80 } } });
    assert.deepEqual(rows.map((r) => [r.metric, r.pass]), [['p50', true], ['p95', false]]);
    assert.throws(() => checkSuiteBudgets({}, budgets), /no "results" array/);
  });
});

describe('gate callgrind bookkeeping', () => {
  test('a dump yields its trigger label and total instructions; a truncated dump is refused', () => {
    assert.deepEqual(parseDump('version: 1\ndesc: Trigger: dump tool_call_simple#r1\nsummary: 123456\ntotals: 123460\n'), { trigger: 'dump tool_call_simple#r1', instructions: 123456 });
    assert.throws(() => parseDump('version: 1\n'), /no "desc: Trigger" or "summary" line/);
  });

  test('per-op figures subtract the empty window, take the median, and report the spread and the ratio to raw', () => {
    const plan = { checked: {}, windows: [
      { label: 'tool_call_simple#empty', workload: 'tool_call_simple', ops: 0 },
      { label: 'tool_call_simple#r1', workload: 'tool_call_simple', ops: 100 },
      { label: 'tool_call_simple#r2', workload: 'tool_call_simple', ops: 100 },
      { label: 'tool_call_simple#r3', workload: 'tool_call_simple', ops: 100 },
      { label: 'raw_tool_call#r1', workload: 'raw_tool_call', ops: 100 },
    ] };
    const counts = new Map([['tool_call_simple#empty', 1000], ['tool_call_simple#r1', 6_001_000], ['tool_call_simple#r2', 6_061_000], ['tool_call_simple#r3', 6_031_000], ['raw_tool_call#r1', 3_000_000]]);
    const [t, raw] = summarise(plan, counts);
    assert.deepEqual(t?.runs, [60_000, 60_600, 60_300]);
    assert.equal(t?.instructions_per_op, 60_300);
    assert.equal(t?.spread_pct, 0.995);
    assert.equal(t?.ratio_to_raw, 2.01);
    assert.equal(raw?.reference, true);
    counts.delete('tool_call_simple#r2');
    assert.throws(() => summarise(plan, counts), /no callgrind dump for window tool_call_simple#r2/);
  });

  test('the injected busy loop sits at the top of messageKind, which still classifies correctly', async () => {
    const source = readFileSync(join(root, 'dist', 'src', 'jsonrpc', 'message.js'), 'utf8');
    const patched = patchClassification(source, 1234);
    assert.match(patched, /export function messageKind\(value\) \{\n {4}for \(let spin = 0; spin < 1234; spin\+\+\)/);
    const dir = mkdtempSync(join(os.tmpdir(), 'gate-inject-'));
    try {
      writeFileSync(join(dir, 'codes.js'), readFileSync(join(root, 'dist', 'src', 'jsonrpc', 'codes.js')));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      writeFileSync(join(dir, 'message.js'), patched);
      const m = (await import(join(dir, 'message.js'))) as typeof import('../../src/jsonrpc/message.js');
      assert.equal(m.messageKind({ jsonrpc: '2.0', id: 1, method: 'ping' }), m.MessageKind.Request);
      assert.equal(m.messageKind({ jsonrpc: '2.0', id: 1, result: {} }), m.MessageKind.Success);
      assert.equal(m.messageKind({ jsonrpc: '1.0' }), m.MessageKind.Invalid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => patchClassification('function other() {}', 10), new RegExp(`"${CLASSIFY_ANCHOR.replace(/[()[\]{}.*+?^$|\\]/g, '\\$&')}" is not in message\\.js exactly once`));
    assert.throws(() => patchClassification(source, 0), /positive integer of iterations/);
  });
});

describe('gate baselines', () => {
  test('dated baselines are listed by date then number, never overwritten, and the newest is the one compared', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'gate-baseline-'));
    try {
      const day = new Date('2026-12-03T10:00:00Z');
      const a = writeBaseline(dir, report({ x: 1 }), 'first', 'abc', day);
      const b = writeBaseline(dir, report({ x: 2 }), 'second', undefined, day);
      for (let i = 0; i < 9; i++) writeBaseline(dir, report({ x: 3 + i }), `more ${i}`, undefined, day);
      writeBaseline(dir, report({ x: 99 }), 'older day', undefined, new Date('2026-11-30T10:00:00Z'));
      assert.equal(a, join(dir, 'gate-2026-12-03.json'));
      assert.equal(b, join(dir, 'gate-2026-12-03-2.json'));
      assert.equal(readReport(a).results[0]?.instructions_per_op, 1, 'the first file kept its figures');
      assert.equal(readReport(a).reason, 'first');
      assert.equal(readReport(a).commit, 'abc');
      const list = listBaselines(dir);
      assert.equal(list.length, 12);
      assert.equal(list[0], join(dir, 'gate-2026-11-30.json'));
      assert.equal(list.at(-1), join(dir, 'gate-2026-12-03-11.json'), '-11 sorts after -2');
      assert.equal(newestBaseline(dir).report.results[0]?.instructions_per_op, 11);
      assert.throws(() => writeBaseline(dir, report({ x: 1 }), '  ', undefined, day), /needs --reason/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the committed baseline covers every gate workload and passes its own budgets', () => {
    const { file, report: committed } = newestBaseline(join(root, 'bench', 'baseline'));
    assert.match(file, /gate-\d{4}-\d{2}-\d{2}(-\d+)?\.json$/);
    assert.ok((committed.reason ?? '').length > 0, 'a committed baseline says why it was recorded');
    assert.deepEqual(committed.results.map((r) => r.workload), gateWorkloads().map((w) => w.id));
    const b = asBudgets(JSON.parse(readFileSync(join(root, 'bench', 'budgets.json'), 'utf8')), 'bench/budgets.json');
    for (const w of gateWorkloads().filter((x) => !x.reference)) assert.ok(b.operations[w.id]?.instructions_per_op_max !== undefined, `${w.id} has an instruction budget`);
    const self = compareReports(committed, committed, { budgets: b });
    assert.equal(self.pass, true, formatComparison(self));
  });
});

describe('gate CLI (bench:compare)', () => {
  test('compares a saved run to the newest baseline: exit 1 naming the regressed workload, the JSON on stdout', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'gate-cli-'));
    try {
      writeBaseline(join(dir, 'bl'), report({ tool_call_simple: 60_000, resources_read: 50_000 }), 'test', undefined);
      writeFileSync(join(dir, 'ok.json'), JSON.stringify(report({ tool_call_simple: 61_000, resources_read: 50_000 })));
      writeFileSync(join(dir, 'slow.json'), JSON.stringify(report({ tool_call_simple: 73_000, resources_read: 50_000 })));
      const ok = cli(['--compare', join(dir, 'ok.json'), '--baseline-dir', join(dir, 'bl')]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stderr, /gate: PASS/);
      const slow = cli(['--compare', join(dir, 'slow.json'), '--baseline-dir', join(dir, 'bl')]);
      assert.equal(slow.status, 1, slow.stderr);
      assert.match(slow.stderr, /tool_call_simple: \+21\.7 % instructions\/op, over the 10 % threshold/);
      const json = JSON.parse(slow.stdout) as { comparison: { pass: boolean; failed: string[] } };
      assert.deepEqual(json.comparison, { ...json.comparison, pass: false, failed: ['tool_call_simple'] });
      const lenient = cli(['--compare', join(dir, 'slow.json'), '--baseline-dir', join(dir, 'bl'), '--threshold', '25%']);
      assert.equal(lenient.status, 1, 'still over the committed absolute budget of tool_call_simple');
      assert.match(lenient.stderr, /over its budget of \d+ instructions\/op/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('bad input exits 2 with one clear line and writes nothing', () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'gate-cli-'));
    try {
      writeFileSync(join(dir, 'garbage.json'), '{not json');
      const garbage = cli(['--compare', join(dir, 'garbage.json')]);
      assert.equal(garbage.status, 2);
      assert.match(garbage.stderr, /garbage\.json is not JSON/);
      const noBaseline = cli(['--compare', join(dir, 'garbage.json'), '--baseline-dir', join(dir, 'none')]);
      assert.equal(noBaseline.status, 2);
      writeFileSync(join(dir, 'run.json'), JSON.stringify(report({ a: 1 })));
      const none = cli(['--compare', join(dir, 'run.json'), '--baseline-dir', join(dir, 'none')]);
      assert.equal(none.status, 2);
      assert.match(none.stderr, /no baseline in .*none \(record one with: npm run bench:gate -- --update-baseline --reason/);
      const noReason = cli(['--update-baseline', '--baseline-dir', join(dir, 'bl')]);
      assert.equal(noReason.status, 2);
      assert.match(noReason.stderr, /--update-baseline needs --reason/);
      assert.equal(existsSync(join(dir, 'bl')), false, 'no baseline written');
      const badThreshold = cli(['--compare', join(dir, 'run.json'), '--threshold', '200%']);
      assert.equal(badThreshold.status, 2);
      assert.match(badThreshold.stderr, /--threshold must be/);
      const unknownWorkload = cli(['--only', 'tool_call_simple,no_such_thing']);
      assert.equal(unknownWorkload.status, 2);
      assert.match(unknownWorkload.stderr, /unknown workload\(s\): no_such_thing \(the gate has: jsonrpc_decode_small, /);
      const noValgrind = spawnSync(process.execPath, [runJs, '--only', 'tool_call_simple'], { cwd: root, encoding: 'utf8', env: { ...process.env, PATH: dir } });
      assert.equal(noValgrind.status, 2);
      assert.match(noValgrind.stderr, /valgrind is not installed \(apt-get install valgrind\)/);
      const unknownFlag = cli(['--frobnicate']);
      assert.equal(unknownFlag.status, 2);
      assert.match(unknownFlag.stderr, /Unknown option '--frobnicate'[\s\S]*usage:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
