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
}

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
    .option('--out <dir>', 'directory of the dated result file (default bench/results)')
    .option('--load <name>', 'run a load scenario instead: idle, sustained, burst or fanout')
    .action(async (flags: BenchFlags) => {
      if (flags.load !== undefined) {
        const mod = await importFromCheckout('../../bench/load/index.js', 'The load scenarios (bench/load)');
        const run = mod.runLoadScenario;
        if (typeof run !== 'function') throw new VeloError('VELO_INVALID_CONFIG', 'bench/load/index.js does not export runLoadScenario');
        const report = await (run as (name: string, options: object) => Promise<unknown>)(flags.load, {});
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
        return;
      }
      const suite = (await importFromCheckout('../../bench/suite/index.js', 'The benchmark suite (bench/suite)')) as typeof import('../../bench/suite/index.js');
      if (flags.list) {
        for (const w of suite.allWorkloads()) process.stdout.write(`${w.id.padEnd(26)} ${w.group.padEnd(10)} ${w.implementations.map((i) => i.name).join(',').padEnd(30)} ${w.description}\n`);
        return;
      }
      const num = (v: string | undefined, name: string): number | undefined => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) throw new VeloError('VELO_INVALID_CONFIG', `--${name} must be a positive number, got ${JSON.stringify(v)}`);
        return n;
      };
      const rounds = num(flags.rounds, 'rounds');
      const scale = num(flags.scale, 'scale');
      const { report, file } = await suite.runSuite({
        ...(flags.only === undefined ? {} : { only: flags.only.split(',').map((s) => s.trim()).filter((s) => s !== '') }),
        ...(rounds === undefined ? {} : { rounds: Math.round(rounds) }),
        ...(scale === undefined ? {} : { scale }),
        outDir: flags.out ?? 'bench/results',
        onProgress: (id, done, total) => {
          if (process.stderr.isTTY) process.stderr.write(`\r${id} ${done}/${total}   `);
        },
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      process.stderr.write(suite.formatTable(report.results) + '\n');
      if (file !== undefined) process.stderr.write(`velomcp: wrote ${file}\n`);
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    });
}
