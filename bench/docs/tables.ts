/**
 * The tables of docs/benchmarks.md, one renderer per `{{table NAME}}` directive of the template. Every value
 * comes from a committed result file through {@link Figures}; the renderers only choose rows, columns and
 * decimals.
 */
import type { Figures, Source } from './figures.js';
import { digitsFor, table } from './markdown.js';

/** The result files the page is generated from (bench/docs/sources.json pins the dated suite run). */
export interface DocSources {
  /** The `velomcp bench` report, e.g. `bench/results/suite-2026-12-03T00-38-33-159Z.json`. */
  suite: string;
  /** Load scenario reports (bench/load/reports/*.json). */
  load: string[];
}

export const STDIO = 'bench/results/stdio-latest.json';
export const HTTP = 'bench/results/http-latest.json';
export const OBSERVABILITY = 'bench/results/observability-latest.json';
export const ORCHESTRATION = 'bench/results/orchestration-latest.json';
export const WORKFLOWS = 'bench/results/workflows-latest.json';
export const CLUSTER = 'bench/results/cluster-latest.json';
export const ENGINE = ['admission', 'cpu-bound', 'fanout', 'idle-tcp', 'idle-ws-http', 'scheduler'].map((n) => `bench/results/engine-${n}.json`);

/** Prints the number at `path` with decimals chosen by its magnitude, or `–` when it is absent or null. */
function auto(s: Source, path: string): string {
  const v = s.get(path);
  return typeof v === 'number' && Number.isFinite(v) ? s.num(path, digitsFor(v)) : '–';
}

/** `a → b` of two load-average readings (1-minute), or one reading. */
function load1(s: Source, start: string, end?: string): string {
  return end === undefined ? s.num(`${start}[0]`, 2) : `${s.num(`${start}[0]`, 2)} → ${s.num(`${end}[0]`, 2)}`;
}

/** A scalar at `path` printed as a value (number, string or boolean), or `–`. */
function scalar(s: Source, path: string): string {
  const v = s.get(path);
  return typeof v === 'string' || typeof v === 'boolean' ? s.str(path) : auto(s, path);
}

const isRecordArray = (v: unknown): v is Record<string, unknown>[] => Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x));

/** The scalar leaves under `path` as relative key paths; arrays of objects are collected apart. */
function collect(s: Source, path: string, scalars: string[], arrays: string[]): void {
  const v = s.get(path);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') scalars.push(path);
  else if (isRecordArray(v)) arrays.push(path);
  else if (Array.isArray(v)) v.forEach((_, i) => collect(s, `${path}[${i}]`, scalars, arrays));
  else if (v !== null && typeof v === 'object') for (const k of Object.keys(v)) collect(s, path === '' ? k : `${path}.${k}`, scalars, arrays);
}

/** The scalar leaves under `path` as `[label, value]` rows (labels are the JSON paths, recorded as such). */
function leaves(s: Source, path: string, out: string[][] = []): string[][] {
  const scalars: string[] = [];
  collect(s, path, scalars, []);
  for (const p of scalars) out.push([`\`${s.key(p)}\``, scalar(s, p)]);
  return out;
}

/**
 * The values under `paths` of a file as tables: one `figure | value` table of the scalars, then one table
 * per array of objects (a row per element, a column per leaf key).
 */
function blocks(s: Source, paths: string[]): string {
  const scalars: string[] = [];
  const arrays: string[] = [];
  for (const p of paths) collect(s, p, scalars, arrays);
  const out: string[] = [];
  if (scalars.length > 0) out.push(table(['figure', 'value'], scalars.map((p) => [`\`${s.key(p)}\``, scalar(s, p)]), ' r'));
  for (const a of arrays) {
    const items = s.get(a) as unknown[];
    const cols: string[] = [];
    items.forEach((_, i) => {
      const leafs: string[] = [];
      collect(s, `${a}[${i}]`, leafs, []);
      for (const l of leafs) {
        const rel = l.slice(`${a}[${i}].`.length);
        if (!cols.includes(rel)) cols.push(rel);
      }
    });
    out.push(`\`${s.key(a)}\`:\n\n${table(cols.map((c) => `\`${c}\``), items.map((_, i) => cols.map((c) => (s.get(`${a}[${i}].${c}`) === undefined ? '' : scalar(s, `${a}[${i}].${c}`)))), 'r'.repeat(cols.length))}`);
  }
  return out.join('\n\n');
}

function environment(f: Figures, src: DocSources): string {
  const rows: string[][] = [];
  const suite = f.load(src.suite);
  rows.push([`\`${src.suite}\``, suite.str('timestamp'), suite.str('environment.node'), suite.num('environment.cpus', 0), suite.str('environment.cpu_model'), load1(suite, 'environment.loadavg_start', 'environment.loadavg_end'), suite.has('environment.commit') ? `\`${suite.str('environment.commit')}\`` : 'not recorded']);
  for (const file of src.load) {
    const l = f.load(file);
    rows.push([`\`${file}\``, l.str('startedAt'), l.str('environment.node'), l.num('environment.cpus', 0), l.str('environment.cpuModel'), load1(l, 'environment.loadavgStart', 'environment.loadavgEnd'), l.has('environment.commit') ? `\`${l.str('environment.commit')}\`` : 'not recorded']);
  }
  for (const file of [STDIO, HTTP, OBSERVABILITY]) {
    const s = f.load(file);
    rows.push([`\`${file}\``, s.str('date'), s.str('node'), s.num('cpus', 0), s.str('cpuModel'), load1(s, 'loadavg.start', 'loadavg.end'), 'not recorded']);
  }
  for (const file of ENGINE) {
    const s = f.load(file);
    rows.push([`\`${file}\``, s.str('date'), s.str('machine.node'), s.num('machine.cpus', 0), '–', load1(s, 'machine.loadavg'), 'not recorded']);
  }
  const o = f.load(ORCHESTRATION);
  rows.push([`\`${ORCHESTRATION}\``, o.str('date'), o.str('node'), o.num('cpus', 0), '–', '–', 'not recorded']);
  const c = f.load(CLUSTER);
  rows.push([`\`${CLUSTER}\``, c.str('date'), c.str('environment.node'), c.num('environment.cpus', 0), c.str('environment.cpuModel'), load1(c, 'environment.loadavgStart', 'environment.loadavgEnd'), c.has('environment.commit') ? `\`${c.str('environment.commit')}\`` : 'not recorded']);
  const w = f.load(WORKFLOWS);
  rows.push([`\`${WORKFLOWS}\``, w.str('environment.date'), w.str('environment.node'), w.num('environment.cpus', 0), '–', load1(w, 'environment.loadavg'), 'not recorded']);
  return table(['file', 'measured', 'node', 'cpus', 'cpu', 'load average (1 min)', 'commit'], rows, '   r');
}

interface SuiteRow {
  workload_id: string;
  group: string;
  implementation: string;
  unavailable?: string;
}

function suiteWorkloads(f: Figures, src: DocSources): string {
  const s = f.load(src.suite);
  const results = (s.get('results') as SuiteRow[]) ?? [];
  const rows: string[][] = [];
  const seen = new Map<string, number[]>();
  results.forEach((r, i) => seen.set(r.workload_id, [...(seen.get(r.workload_id) ?? []), i]));
  for (const idx of seen.values()) {
    const i = idx[0]!;
    rows.push([`\`${s.str(`results[${i}].workload_id`)}\``, s.str(`results[${i}].group`), s.str(`results[${i}].description`), idx.map((j) => s.str(`results[${j}].implementation`)).join(', '), s.has(`results[${i}].note`) ? s.str(`results[${i}].note`) : '']);
  }
  return table(['workload', 'group', 'one operation', 'implementations (ratios divide by the first)', 'note'], rows);
}

function suiteResults(f: Figures, src: DocSources): string {
  const s = f.load(src.suite);
  const results = (s.get('results') as SuiteRow[]) ?? [];
  const rows = results.map((r, i) => {
    const p = `results[${i}]`;
    const name = [`\`${s.str(`${p}.workload_id`)}\``, s.str(`${p}.implementation`)];
    if (r.unavailable !== undefined) return [...name, s.str(`${p}.unavailable`), '', '', '', '', '', '', ''];
    return [...name, auto(s, `${p}.latency_p50_us`), auto(s, `${p}.latency_p95_us`), auto(s, `${p}.latency_p99_us`), auto(s, `${p}.throughput_ops_per_s`), auto(s, `${p}.cpu_us_per_op`), s.has(`${p}.server_cpu_us_per_op`) ? auto(s, `${p}.server_cpu_us_per_op`) : '–', auto(s, `${p}.memory_delta_mib`), s.has(`${p}.ratio_p50_vs_velomcp`) ? `${s.num(`${p}.ratio_p50_vs_velomcp`, 2)}×` : '–'];
  });
  return table(['workload', 'implementation', 'P50 µs', 'P95 µs', 'P99 µs', 'ops/s', 'CPU µs/op', 'server CPU µs/op', 'heap Δ MiB', 'P50 ÷ velomcp P50'], rows, '  rrrrrrrr');
}

function suiteConfig(f: Figures, src: DocSources): string {
  const s = f.load(src.suite);
  return `${s.num('config.rounds', 0)} rounds, operation counts scaled by ${s.num('config.scale', 2)}`;
}

function load(f: Figures, src: DocSources): string {
  const out: string[] = [];
  for (const file of src.load) {
    const l = f.load(file);
    out.push(`**${l.str('scenario')}** (\`${file}\`, HTML report beside it; verdict: ${l.get('verdict.pass') === true ? 'pass' : 'fail'}):\n`);
    const scenario = l.get('scenario');
    const specific = scenario === 'fanout' ? ['options.subscribers', 'options.updateHz'] : scenario === 'idle' ? ['options.idleConnections'] : ['options.rate', 'options.maxOutstanding', 'options.connections', 'options.sessions', ...(scenario === 'burst' ? ['options.burstS'] : [])];
    const opts = ['options.durationS', ...specific].filter((p) => l.has(p));
    out.push(table(['figure', 'value'], [...opts.map((p) => [`\`${l.key(p)}\``, auto(l, p)]), ...leaves(l, 'summary')], ' r'));
    const checks = (l.get('verdict.checks') as unknown[]) ?? [];
    out.push('');
    out.push(table(['check', 'value', 'limit', 'unit', 'pass', 'how'], checks.map((_, i) => {
      const p = `verdict.checks[${i}]`;
      return [l.str(`${p}.name`), auto(l, `${p}.value`), auto(l, `${p}.limit`), l.str(`${p}.unit`), l.str(`${p}.pass`), l.str(`${p}.detail`)];
    }), ' rr'));
    out.push('');
  }
  return out.join('\n').trimEnd();
}

function targets(s: Source, path = 'targets'): string {
  const t = (s.get(path) as unknown[]) ?? [];
  return table(['target', 'value', 'pass'], t.map((_, i) => [s.str(`${path}[${i}].name`), auto(s, `${path}[${i}].value`), s.str(`${path}[${i}].pass`)]), ' r');
}

function stdio(f: Figures): string {
  const s = f.load(STDIO);
  const results = (s.get('results') as unknown[]) ?? [];
  const rows = results.map((_, i) => {
    const p = `results[${i}]`;
    return [s.str(`${p}.workload`), s.str(`${p}.server`), s.str(`${p}.era`), auto(s, `${p}.callsPerSec`), `${auto(s, `${p}.ratioToRaw`)}×`, auto(s, `${p}.serverCpuUsPerCall`), auto(s, `${p}.p50Ms`), auto(s, `${p}.p99Ms`), auto(s, `${p}.loadgenCpuUsPerCall`), auto(s, `${p}.callsPerSecSpread`), s.str(`${p}.validatesInput`)];
  });
  return `${table(['workload', 'server', 'era', 'calls/s', 'ratio to raw', 'server CPU µs/call', 'p50 ms', 'p99 ms', 'generator µs/call', 'spread', 'validates'], rows, '   rrrrrrrr')}\n\n${targets(s)}`;
}

function http(f: Figures): string {
  const s = f.load(HTTP);
  const results = (s.get('results') as { workload: string; na?: string }[]) ?? [];
  const thr: string[][] = [];
  const idle: string[][] = [];
  results.forEach((r, i) => {
    const p = `results[${i}]`;
    const head = [s.str(`${p}.workload`), s.str(`${p}.server`)];
    if (r.na !== undefined) thr.push([...head, `n/a: ${s.str(`${p}.na`)}`, '', '', '', '', '', '', '', '']);
    else if (r.workload === 'idle-sessions') idle.push([s.str(`${p}.server`), auto(s, `${p}.kibPerSession`), auto(s, `${p}.heapKibPerSession`), auto(s, `${p}.firstStepKibPerSession`), auto(s, `${p}.firstStepHeapKibPerSession`), `${s.num(`${p}.sessionsReported[0]`, 0)} of ${s.num(`${p}.sessionsExpected`, 0)}`]);
    else thr.push([...head, auto(s, `${p}.callsPerSec`), `${auto(s, `${p}.ratioToRaw`)}×`, auto(s, `${p}.serverCpuUsPerCall`), `${auto(s, `${p}.cpuRatioToRaw`)}×`, auto(s, `${p}.p50Ms`), auto(s, `${p}.p99Ms`), auto(s, `${p}.loadgenCpuUsPerCall`), auto(s, `${p}.otherCpuPct`)]);
  });
  return [
    table(['workload', 'server', 'calls/s', 'ratio to raw', 'server CPU µs/call', 'CPU ratio', 'p50 ms', 'p99 ms', 'generator µs/call', 'other CPU %'], thr, '  rrrrrrrr'),
    table(['idle sessions', 'KiB/session RSS (slope)', 'heap KiB/session', 'first step RSS', 'first step heap', 'held'], idle, ' rrrrr'),
    targets(s),
  ].join('\n\n');
}

function engine(f: Figures): string {
  const out: string[] = [];
  for (const file of ENGINE) {
    const s = f.load(file);
    const keys = Object.keys(s.get('') as object).filter((k) => !['bench', 'date', 'machine'].includes(k));
    out.push(`**${s.str('bench')}** (\`${file}\`):\n\n${blocks(s, keys)}\n`);
  }
  return out.join('\n').trimEnd();
}

function observability(f: Figures): string {
  const s = f.load(OBSERVABILITY);
  const dispatch = (s.get('dispatch') as unknown[]) ?? [];
  const inproc = table(['mode (in process)', 'CPU µs/call', '× none'], dispatch.map((_, i) => [s.str(`dispatch[${i}].mode`), auto(s, `dispatch[${i}].cpuUsPerCall`), auto(s, `dispatch[${i}].ratioToNone`)]), ' rr');
  const results = (s.get('results') as unknown[]) ?? [];
  const out = table(['era (stdio)', 'configuration', 'server CPU µs/call', '× none', 'calls/s', 'p50 ms', 'p99 ms'], results.map((_, i) => {
    const p = `results[${i}]`;
    return [s.str(`${p}.era`), s.str(`${p}.config`), auto(s, `${p}.serverCpuUsPerCall`), auto(s, `${p}.cpuRatioToNone`), auto(s, `${p}.callsPerSec`), auto(s, `${p}.p50Ms`), auto(s, `${p}.p99Ms`)];
  }), '  rrrrr');
  const guard = table(['guard', 'value'], leaves(s, 'guard'), ' r');
  return [inproc, out, guard, targets(s)].join('\n\n');
}

function cluster(f: Figures): string {
  const s = f.load(CLUSTER);
  const results = (s.get('results') as { topology: string; era: string; processes: unknown[] }[]) ?? [];
  const ratios = (s.get('ratios') as { topology: string; era: string }[]) ?? [];
  const rows = results.map((r, i) => {
    const p = `results[${i}]`;
    const j = ratios.findIndex((x) => x.topology === r.topology && x.era === r.era);
    const procs = r.processes.map((_, k) => `${s.str(`${p}.processes[${k}].role`)} ${auto(s, `${p}.processes[${k}].cpuUsPerCall`)} (${auto(s, `${p}.processes[${k}].cpuPct`)} %)`).join(', ');
    return [s.str(`${p}.label`), s.str(`${p}.era`), auto(s, `${p}.callsPerSec`), auto(s, `${p}.serverCpuUsPerCall`), j < 0 ? '–' : `${s.num(`ratios[${j}].cpuRatioToMemory`, 2)}×`, s.num(`${p}.redisCommandsPerCall`, 4), s.num(`${p}.redisRoundTripsPerCall`, 4), auto(s, `${p}.redisCpuUsPerCall`), auto(s, `${p}.p50Ms`), auto(s, `${p}.p99Ms`), auto(s, `${p}.callsPerSecPerServerCore`), procs];
  });
  const fan = ['fanout', 'fanoutReference'].map((k) => [s.str(`${k}.topology`), s.num(`${k}.subscribers`, 0), s.nums(`${k}.perNode`, 0), auto(s, `${k}.p50Ms`), auto(s, `${k}.p95Ms`), auto(s, `${k}.maxMs`), s.num(`${k}.missing`, 0), auto(s, `${k}.serverCpuUsPerDelivery`), s.has(`${k}.redisCommandsPerDelivery`) ? auto(s, `${k}.redisCommandsPerDelivery`) : '–', s.num(`${k}.rounds.length`, 0)]);
  return [
    `${s.num('config.repeats', 0)} repeats, concurrency ${s.num('config.concurrency', 0)}, warm-up ${s.num('config.warmupMs', 0)} ms and measured window ${s.num('config.measureMs', 0)} ms per pair; routing: ${s.str('config.routing')}; Redis commands: ${s.str('config.redisCommandCounting')}.`,
    table(['topology', 'era', 'calls/s', 'server CPU µs/call', 'CPU × in-memory', 'Redis cmds/call', 'Redis round trips/call', 'Redis CPU µs/call', 'p50 ms', 'p99 ms', 'calls/s per server core', 'per process: µs/call (CPU %)'], rows, '  rrrrrrrrr'),
    table(['fan-out', 'subscribers', 'per node', 'P50 ms', 'P95 ms', 'max ms', 'missing', 'server CPU µs/delivery', 'Redis cmds/delivery', 'rounds'], fan, ' rrrrrrrrr'),
    table(['target', 'value', 'limit', 'pass'], ((s.get('targets') as unknown[]) ?? []).map((_, i) => [s.str(`targets[${i}].name`), auto(s, `targets[${i}].value`), auto(s, `targets[${i}].limit`), s.str(`targets[${i}].pass`)]), ' rr'),
  ].join('\n\n');
}

function topLevel(f: Figures, file: string, skip: string[]): string {
  const s = f.load(file);
  return blocks(s, Object.keys(s.get('') as object).filter((k) => !skip.includes(k)));
}

/** The renderers by directive name. */
export const TABLES: Record<string, (f: Figures, src: DocSources) => string> = {
  environment,
  'suite-config': suiteConfig,
  'suite-workloads': suiteWorkloads,
  'suite-results': suiteResults,
  load,
  stdio: (f) => stdio(f),
  http: (f) => http(f),
  engine: (f) => engine(f),
  observability: (f) => observability(f),
  orchestration: (f) => blocks(f.load(ORCHESTRATION), ['results', 'targets']),
  workflows: (f) => topLevel(f, WORKFLOWS, ['benchmark', 'environment']),
  cluster: (f) => cluster(f),
};
