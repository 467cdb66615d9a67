/**
 * Standalone entry of the load scenarios (`npm run bench:load -- --scenario sustained ...`); the same
 * runner as `velomcp bench --load NAME`. Prints the report JSON on stdout; exit code 0 when the verdict
 * passes, 1 when it fails, 2 on a usage or setup error.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runLoadScenario, SCENARIOS, type LoadOptions } from './index.js';

const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
};

const program = new Command('bench-load')
  .description('Open-loop load scenarios against a velomcp server over Streamable HTTP (docs/load.md)')
  .requiredOption('--scenario <name>', `one of ${SCENARIOS.join(', ')}`)
  .option('--url <url>', 'attach to a running server at http://127.0.0.1:PORT/mcp')
  .option('--module <path>', 'server module to start with velomcp serve (default: the reference server)')
  .option('--duration <s>', 'seconds', num)
  .option('--rate <n>', 'sustained requests per second', num)
  .option('--out <dir>', 'write <name>.json and <name>.html here')
  .option('--name <base>', 'base name of the written files')
  .option('--max-outstanding <n>', 'requests in flight before drops', num)
  .option('--connections <n>', 'keep-alive sockets', num)
  .option('--sessions <n>', 'sessions the calls are spread over', num)
  .option('--subscribers <n>', 'fanout subscribers', num)
  .option('--update-hz <n>', 'fanout updates per second', num)
  .option('--idle-connections <n>', 'idle connections', num)
  .option('--burst <s>', 'burst seconds', num)
  .option('--no-progress', 'no progress bars')
  .exitOverride();

try {
  program.parse();
} catch {
  process.exit(2);
}
const f = program.opts<Record<string, unknown>>();
const options: LoadOptions = { progress: f.progress !== false };
const map: [string, keyof LoadOptions][] = [
  ['url', 'url'], ['module', 'module'], ['duration', 'durationS'], ['rate', 'rate'], ['out', 'out'], ['name', 'name'],
  ['maxOutstanding', 'maxOutstanding'], ['connections', 'connections'], ['sessions', 'sessions'], ['subscribers', 'subscribers'],
  ['updateHz', 'updateHz'], ['idleConnections', 'idleConnections'], ['burst', 'burstS'],
];
for (const [flag, key] of map) if (f[flag] !== undefined) (options as Record<string, unknown>)[key] = f[flag];
try {
  const report = await runLoadScenario(String(f.scenario), options);
  const { seconds: _s, steps: _st, ...brief } = report;
  process.stdout.write(JSON.stringify(brief, null, 2) + '\n');
  process.exitCode = report.verdict.pass ? 0 : 1;
} catch (err) {
  process.stderr.write(`bench-load: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
