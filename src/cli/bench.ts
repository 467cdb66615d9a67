/**
 * `velomcp bench`: runs the benchmark suite of a velomcp checkout (bench/suite), or with `--load NAME` a
 * load scenario (bench/load, `runLoadScenario`). Both are loaded dynamically: they are not part of the
 * published package, so outside a checkout the command fails with one clear line.
 */
import type { Command } from 'commander';
import { VeloError } from '../jsonrpc/errors.js';

interface BenchFlags {
  list?: boolean;
  only?: string;
  rounds?: string;
  scale?: string;
  load?: string;
  out?: string;
  progress?: boolean;
  [flag: string]: unknown;
}

/** `--load` flags: [commander flag, description, LoadOptions key, numeric] (bench/load/options.ts). */
const LOAD_FLAGS: [string, string, string, boolean][] = [
  ['--url <url>', 'load: attach to a running server at http://127.0.0.1:PORT/mcp', 'url', false],
  ['--module <path>', 'load: server module to start with velomcp serve (default: the reference server)', 'module', false],
  ['--duration <s>', 'load: scenario seconds (default 60)', 'durationS', true],
  ['--rate <n>', 'load: sustained requests per second (default 300)', 'rate', true],
  ['--name <base>', 'load: base name of the written files (default: the scenario)', 'name', false],
  ['--max-outstanding <n>', 'load: requests in flight before drops (default 256)', 'maxOutstanding', true],
  ['--connections <n>', 'load: keep-alive sockets (default 16)', 'connections', true],
  ['--sessions <n>', 'load: sessions the calls are spread over (default 4)', 'sessions', true],
  ['--burst <s>', 'load: burst seconds at 2x the rate (default 10)', 'burstS', true],
  ['--subscribers <n>', 'load: fanout subscribers (default 50)', 'subscribers', true],
  ['--update-hz <n>', 'load: fanout updates per second (default 100)', 'updateHz', true],
  ['--idle-connections <n>', 'load: idle connections (default 1000)', 'idleConnections', true],
];

/** The commander property of a long flag: `--max-outstanding <n>` → `maxOutstanding`. */
const propertyOf = (flag: string): string => flag.slice(2).split(' ')[0]!.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

async function importFromCheckout(rel: string, what: string): Promise<Record<string, unknown>> {
  try {
    return (await import(new URL(rel, import.meta.url).href)) as Record<string, unknown>;
  } catch (err) {
    throw new VeloError('VELO_INVALID_CONFIG', `${what} is not available here (${rel} from a built velomcp checkout: ${err instanceof Error ? err.message : String(err)})`);
  }
}

/** Registers `velomcp bench` on `program`. */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('run the benchmark suite (bench/suite) or a load scenario (--load); JSON on stdout, a table on stderr')
    .option('--list', 'list the workloads and exit')
    .option('--only <ids>', 'comma-separated workload ids')
    .option('--rounds <n>', 'rounds the measured operations are split into (default 3)')
    .option('--scale <x>', 'multiply every workload\'s operation count (default 1)')
    .option('--out <dir>', 'directory of the dated result file (default bench/results); with --load, where <name>.json and <name>.html are written')
    .option('--load <name>', 'run a load scenario instead: idle, sustained, burst or fanout (exit 1 when its verdict fails)')
    .option('--no-progress', 'no progress bars (they are drawn only when stderr is a TTY)');
  const command = program.commands.find((c) => c.name() === 'bench')!;
  for (const [flag, description] of LOAD_FLAGS) command.option(flag, description);
  command.action(async (flags: BenchFlags) => {
      const num = (v: string | undefined, name: string): number | undefined => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) throw new VeloError('VELO_INVALID_CONFIG', `--${name} must be a positive number, got ${JSON.stringify(v)}`);
        return n;
      };
      if (flags.load !== undefined) {
        const mod = await importFromCheckout('../../bench/load/index.js', 'The load scenarios (bench/load)');
        const run = mod.runLoadScenario;
        if (typeof run !== 'function') throw new VeloError('VELO_INVALID_CONFIG', 'bench/load/index.js does not export runLoadScenario');
        const options: Record<string, unknown> = { progress: flags.progress !== false, ...(flags.out === undefined ? {} : { out: flags.out }) };
        for (const [flag, , key, numeric] of LOAD_FLAGS) {
          const v = flags[propertyOf(flag)];
          if (typeof v === 'string') options[key] = numeric ? num(v, flag.slice(2).split(' ')[0]!) : v;
        }
        let report: { verdict: { pass: boolean }; seconds?: unknown; steps?: unknown };
        try {
          report = await (run as (name: string, options: object) => Promise<typeof report>)(flags.load, options);
        } catch (err) {
          throw new VeloError('VELO_INVALID_CONFIG', `load scenario ${flags.load}: ${err instanceof Error ? err.message : String(err)}`);
        }
        const { seconds: _s, steps: _st, ...brief } = report;
        process.stdout.write(JSON.stringify(brief, null, 2) + '\n');
        if (!report.verdict.pass) process.exitCode = 1;
        return;
      }
      const suite = (await importFromCheckout('../../bench/suite/index.js', 'The benchmark suite (bench/suite)')) as typeof import('../../bench/suite/index.js');
      if (flags.list) {
        for (const w of suite.allWorkloads()) process.stdout.write(`${w.id.padEnd(26)} ${w.group.padEnd(10)} ${w.implementations.map((i) => i.name).join(',').padEnd(30)} ${w.description}\n`);
        return;
      }
      const rounds = num(flags.rounds, 'rounds');
      const scale = num(flags.scale, 'scale');
      const bar = flags.progress === false ? undefined : suite.suiteProgress();
      let ran: Awaited<ReturnType<typeof suite.runSuite>>;
      try {
        ran = await suite.runSuite({
          ...(flags.only === undefined ? {} : { only: flags.only.split(',').map((s) => s.trim()).filter((s) => s !== '') }),
          ...(rounds === undefined ? {} : { rounds: Math.round(rounds) }),
          ...(scale === undefined ? {} : { scale }),
          outDir: flags.out ?? 'bench/results',
          ...(bar === undefined ? {} : { onProgress: bar.onProgress }),
        });
      } finally {
        bar?.stop();
      }
      const { report, file } = ran;
      process.stderr.write(suite.formatTable(report.results) + '\n');
      if (file !== undefined) process.stderr.write(`velomcp: wrote ${file}\n`);
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    });
}
