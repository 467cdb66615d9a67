/**
 * Runs the engine benchmarks one after another (each as its own process) and collects their JSON into
 * bench/results/engine-latest.json. `--skip idle` leaves out the long idle-connections run.
 *
 *   npm run bench:engine [-- --skip idle,fanout]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const { values } = parseArgs({ options: { skip: { type: 'string', default: '' } } });
const skip = new Set(values.skip.split(',').filter(Boolean));
const out: Record<string, unknown> = {};
for (const name of ['scheduler', 'admission', 'cpu-bound', 'fanout', 'idle']) {
  if (skip.has(name)) continue;
  process.stderr.write(`--- engine/${name}\n`);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(`./${name}.js`, import.meta.url))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  try {
    out[name] = JSON.parse(r.stdout);
  } catch {
    out[name] = { error: `exit ${r.status}`, stdout: r.stdout.slice(0, 2000) };
  }
}
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/engine-latest.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
