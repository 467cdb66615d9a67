/**
 * Load scenarios of issue #10 against a server over Streamable HTTP: `idle`, `sustained`, `burst`,
 * `fanout` (docs/load.md). `velomcp bench --load NAME` and `node dist/bench/load/run.js --scenario NAME`
 * both call {@link runLoadScenario}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { burst, sustained } from './rate.js';
import { fanout } from './fanout.js';
import { idle } from './idle.js';
import { renderHtml } from './html.js';
import { resolveOptions, type LoadOptions } from './options.js';
import { progressBar } from './progress.js';
import { machineWindow, noiseNotes, type Check, type LoadReport, type ScenarioName } from './report.js';
import { attachServer, readServer, REFERENCE_SERVER, startServer, type TargetServer } from './server.js';

export type { LoadOptions } from './options.js';
export type { LoadReport, Check, ScenarioName } from './report.js';
export { SCENARIOS } from './report.js';
export { renderHtml } from './html.js';

/**
 * Runs one load scenario and resolves with its report; with `options.out`, also writes
 * `<out>/<name>.json` and `<out>/<name>.html` (name defaults to the scenario).
 *
 * Starts `velomcp serve <module> --http --port 0` (the reference server unless `module` is given) and
 * kills it afterwards, or attaches to `url` (then no server memory/CPU figures).
 * @param name `'idle' | 'sustained' | 'burst' | 'fanout'`.
 * @throws Error for an unknown scenario or a bad option (see `resolveOptions`), when the server cannot be
 *   started or reached, or when the workload's tool call fails before the run. A verdict that fails is
 *   not an error: it is in `report.verdict`.
 */
export async function runLoadScenario(name: ScenarioName | string, options: LoadOptions = {}): Promise<LoadReport> {
  const { scenario, options: o } = resolveOptions(name, options);
  const progress = progressBar(o.progress);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const target: TargetServer = o.url !== undefined ? attachServer(o.url) : await startServer(o.module ?? REFERENCE_SERVER);
  const server = o.url !== undefined ? 'attached server' : o.module !== undefined ? `velomcp serve ${o.module} --http` : 'reference server (velomcp serve dist/examples/everything/server.js --http)';
  let report: LoadReport;
  try {
    const window = machineWindow(() => readServer(target).cpuUs);
    let checks: Check[];
    let summary: LoadReport['summary'];
    const extra: Partial<LoadReport> = {};
    if (scenario === 'sustained' || scenario === 'burst') {
      const r = await (scenario === 'sustained' ? sustained : burst)(target, o, progress);
      checks = r.checks;
      summary = r.summary;
      extra.seconds = r.run.seconds;
    } else if (scenario === 'fanout') {
      const r = await fanout(target, o, progress);
      checks = r.checks;
      summary = r.summary;
      extra.seconds = r.seconds;
    } else {
      const r = await idle(target, o, progress);
      checks = r.checks;
      summary = r.summary;
      extra.steps = r.steps;
    }
    if (target.exited()) throw new Error(`the server exited during the run: ${target.stderrTail()}`);
    const environment = window();
    const { progress: _p, ...shown } = o;
    report = {
      scenario,
      startedAt,
      wallS: (performance.now() - t0) / 1000,
      target: { url: target.url, server, pid: target.pid },
      options: shown,
      environment,
      summary,
      verdict: { pass: checks.every((c) => c.pass), checks, notes: noiseNotes(environment, checks) },
      ...extra,
    };
  } finally {
    progress.stop();
    await target.close();
  }
  if (o.out !== undefined) {
    mkdirSync(resolve(o.out), { recursive: true });
    const base = o.name ?? scenario;
    const files = { json: join(o.out, `${base}.json`), html: join(o.out, `${base}.html`) };
    report.files = files;
    writeFileSync(resolve(files.json), JSON.stringify(report, null, 2) + '\n');
    writeFileSync(resolve(files.html), renderHtml(report));
  }
  return report;
}
