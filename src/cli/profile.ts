/**
 * `velomcp profile <module>` (docs/profiling.md): starts the module with `velomcp serve --http` under the
 * Node inspector (or attaches to a running `node --inspect` server with `--inspect-url` and `--url`),
 * drives a workload, and writes into `--out`:
 *
 *   cpu.cpuprofile    the V8 CPU profile of the measured window (opens in Chrome DevTools / speedscope)
 *   flame.html        a flame graph that opens in a browser
 *   top.json          the top functions by self time (also printed)
 *   heap.heapsnapshot a heap snapshot after the leak rounds (opens in Chrome DevTools)
 *   memory.json       its summary: largest constructors, top retainers
 *   leak.json         heap after GC over N rounds of the workload, and the verdict
 *   summary.json      all of the above in one file, with paths
 *
 * Exit code 0 when the leak verdict is `ok`, 1 when it is `leak`, 2 for usage errors, 3 when the module or
 * server cannot be used.
 */
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { VeloError } from '../jsonrpc/errors.js';
import { describeServeFailure, exitWith } from './exit.js';
import { flameGraphHtml, topBySelfTime, type CpuProfile } from './profile-cpu.js';
import { summariseHeap, type HeapSnapshot } from './profile-heap.js';
import { InspectorSession, startInspectedServer, type ProfiledServer } from './profile-inspector.js';
import { judgeLeak, resolveWorkload, WorkloadDriver, type LeakVerdict } from './profile-workload.js';

/** `velomcp profile` options (seconds, counts, KiB as named). */
export interface ProfileOptions {
  out: string;
  workload?: string;
  tool?: string;
  args?: string;
  durationS: number;
  warmupS: number;
  concurrency: number;
  leakRounds: number;
  roundCalls: number;
  leakBoundKib: number;
  samplingUs: number;
  url?: string;
  inspectUrl?: string;
}

/** What `runProfile` wrote and found. */
export interface ProfileResult {
  workload: string;
  files: { cpuprofile: string; flame: string; top: string; heapsnapshot: string; memory: string; leak: string; summary: string };
  calls: number;
  top: ReturnType<typeof topBySelfTime>;
  memory: ReturnType<typeof summariseHeap>;
  leak: LeakVerdict;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function fullGc(s: InspectorSession): Promise<number> {
  // Twice: the first pass can leave objects whose finalisers free more on the second.
  await s.post('HeapProfiler.collectGarbage');
  await s.post('HeapProfiler.collectGarbage');
  return s.evaluate<number>('process.memoryUsage().heapUsed');
}

/** Streams a heap snapshot to `file` (chunks arrive as CDP events). */
async function heapSnapshot(s: InspectorSession, file: string): Promise<void> {
  const out = createWriteStream(file);
  const off = s.on('HeapProfiler.addHeapSnapshotChunk', (p) => out.write(String(p.chunk)));
  try {
    await s.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
  } finally {
    off();
    await new Promise<void>((r, j) => out.end((err?: Error | null) => (err ? j(err) : r())));
  }
}

/**
 * Runs the whole profiling session.
 * @throws VeloError `VELO_INVALID_CONFIG` for bad options (only one of --url/--inspect-url, unknown
 *   workload, fewer than 2 leak rounds); `VELO_INVALID_MODULE` when the server cannot be started; Error
 *   when the workload fails on the server.
 */
export async function runProfile(module: string | undefined, o: ProfileOptions): Promise<ProfileResult> {
  if ((o.url === undefined) !== (o.inspectUrl === undefined)) throw new VeloError('VELO_INVALID_CONFIG', 'attaching needs both --url (the MCP endpoint) and --inspect-url (the ws:// URL node --inspect printed)');
  if (module === undefined && o.url === undefined) throw new VeloError('VELO_INVALID_CONFIG', 'give a server module, or --url and --inspect-url to attach');
  if (o.leakRounds < 2) throw new VeloError('VELO_INVALID_CONFIG', `--leak-rounds must be at least 2, got ${o.leakRounds}`);
  const workload = resolveWorkload(o.workload, o.tool, o.args);
  const dir = resolve(o.out);
  mkdirSync(dir, { recursive: true });
  const files = {
    cpuprofile: join(dir, 'cpu.cpuprofile'),
    flame: join(dir, 'flame.html'),
    top: join(dir, 'top.json'),
    heapsnapshot: join(dir, 'heap.heapsnapshot'),
    memory: join(dir, 'memory.json'),
    leak: join(dir, 'leak.json'),
    summary: join(dir, 'summary.json'),
  };
  let server: ProfiledServer | undefined;
  let session: InspectorSession | undefined;
  let driver: WorkloadDriver | undefined;
  try {
    server = o.url !== undefined ? { mcpUrl: o.url, inspectorUrl: o.inspectUrl as string, close: async () => {} } : await startInspectedServer(resolve(module as string));
    session = await InspectorSession.connect(server.inspectorUrl);
    driver = await WorkloadDriver.connect(server.mcpUrl, workload, o.concurrency);

    // CPU: warm up (JIT), then profile the measured window only.
    await driver.run({ untilMs: performance.now() + o.warmupS * 1000 });
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: o.samplingUs });
    await session.post('Profiler.start');
    const calls = await driver.run({ untilMs: performance.now() + o.durationS * 1000 });
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    writeFileSync(files.cpuprofile, JSON.stringify(profile));
    const top = topBySelfTime(profile, 30);
    writeFileSync(files.top, JSON.stringify(top, null, 2) + '\n');
    writeFileSync(files.flame, flameGraphHtml(profile, `velomcp profile: ${workload.name}, ${calls} calls in ${o.durationS} s`));

    // Leak check: heap after GC at the end of each round (round 0 = baseline after one round).
    const readings: number[] = [];
    for (let r = 0; r <= o.leakRounds; r++) {
      await driver.run({ calls: o.roundCalls });
      await sleep(50);
      readings.push(await fullGc(session));
    }
    const leak = judgeLeak(readings, o.roundCalls, o.leakBoundKib * 1024);
    writeFileSync(files.leak, JSON.stringify(leak, null, 2) + '\n');

    await heapSnapshot(session, files.heapsnapshot);
    const memory = summariseHeap(JSON.parse(readFileSync(files.heapsnapshot, 'utf8')) as HeapSnapshot);
    writeFileSync(files.memory, JSON.stringify(memory, null, 2) + '\n');

    const result: ProfileResult = { workload: workload.name, files, calls, top, memory, leak };
    writeFileSync(files.summary, JSON.stringify({ ...result, options: o, module: module ?? null, mcpUrl: server.mcpUrl }, null, 2) + '\n');
    return result;
  } finally {
    await driver?.close();
    session?.close();
    await server?.close();
  }
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}
function positiveInt(v: string): number {
  const n = positive(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const mib = (b: number): string => `${(b / 1048576).toFixed(1)} MiB`;

/** Registers `velomcp profile` on the program. */
export function registerProfileCommand(program: Command): void {
  program
    .command('profile')
    .description('profile a server module under a workload: CPU profile, flame graph, top functions, heap snapshot and summary, leak check (docs/profiling.md)')
    .argument('[module]', 'server module to start with velomcp serve --http under the inspector')
    .option('--out <dir>', 'directory for the files', 'profile-out')
    .option('--workload <name>', 'echo (tools/call echo {text}) or tools-list', 'echo')
    .option('--tool <name>', 'custom workload: call this tool')
    .option('--args <json>', 'with --tool: its arguments (a JSON object)')
    .option('--duration <s>', 'seconds of CPU profiling', positive, 5)
    .option('--warmup <s>', 'seconds of workload before profiling', positive, 1)
    .option('--concurrency <n>', 'clients, each with one request in flight', positiveInt, 4)
    .option('--leak-rounds <n>', 'rounds of the leak check after the baseline round', positiveInt, 5)
    .option('--round-calls <n>', 'calls per leak-check round', positiveInt, 1000)
    .option('--leak-bound-kib <n>', 'heap growth over the rounds that counts as a leak (KiB)', positive, 1024)
    .option('--sampling-us <n>', 'CPU sampling interval (µs)', positiveInt, 200)
    .option('--url <url>', 'attach: the running server\'s MCP endpoint')
    .option('--inspect-url <ws>', 'attach: the ws:// URL its node --inspect printed')
    .action(async (module: string | undefined, f: Record<string, unknown>) => {
      try {
        const o: ProfileOptions = {
          out: String(f.out),
          durationS: f.duration as number,
          warmupS: f.warmup as number,
          concurrency: f.concurrency as number,
          leakRounds: f.leakRounds as number,
          roundCalls: f.roundCalls as number,
          leakBoundKib: f.leakBoundKib as number,
          samplingUs: f.samplingUs as number,
          ...(f.workload === undefined ? {} : { workload: String(f.workload) }),
          ...(f.tool === undefined ? {} : { tool: String(f.tool) }),
          ...(f.args === undefined ? {} : { args: String(f.args) }),
          ...(f.url === undefined ? {} : { url: String(f.url) }),
          ...(f.inspectUrl === undefined ? {} : { inspectUrl: String(f.inspectUrl) }),
        };
        const r = await runProfile(module, o);
        const lines = [
          `velomcp profile: ${r.workload}, ${r.calls} calls profiled`,
          `top functions by self time (% of busy time; idle ${(r.top.find((t) => t.name === '(idle)')?.selfPct ?? 0).toFixed(1)} % of the window):`,
          ...r.top
            .filter((t) => t.name !== '(idle)')
            .slice(0, 10)
            .map((t) => `  ${t.busyPct.toFixed(1).padStart(5)} %  ${t.selfMs.toFixed(1).padStart(8)} ms  ${t.name}  ${t.location}`),
          `heap: ${r.memory.nodes} objects, ${mib(r.memory.totalSelfBytes)}; largest: ${r.memory.largestConstructors.slice(0, 3).map((c) => `${c.name} ${mib(c.selfBytes)}`).join(', ')}`,
          `leak check: ${r.leak.verdict.toUpperCase()}: ${r.leak.reason}`,
          `files: ${Object.values(r.files).join(' ')}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
        process.exitCode = r.leak.verdict === 'ok' ? 0 : 1;
      } catch (err) {
        exitWith(describeServeFailure(err), err);
      }
    });
}
