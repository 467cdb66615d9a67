/**
 * Workloads `velomcp profile` drives a server with, and the leak verdict over rounds of one.
 *
 * The driver is closed-loop (each of `concurrency` clients sends its next call when the previous one is
 * answered): profiling wants the server busy, not latency figures; timing claims belong to the open-loop
 * load generator (bench/load, docs/load.md).
 */
import { McpClient } from '../client/client.js';
import { VeloError } from '../jsonrpc/errors.js';
import type { JsonObject } from '../jsonrpc/message.js';

/** A named workload: one request repeated. */
export interface Workload {
  name: string;
  /** `tools/call` of this tool with `args`, or `tools/list` when `tool` is undefined. */
  tool?: string;
  args?: JsonObject;
}

/** Built-in workloads (`--workload NAME`); `--tool`/`--args` define a custom one. */
export const WORKLOADS: Readonly<Record<string, Workload>> = {
  echo: { name: 'echo', tool: 'echo', args: { text: 'hello world' } },
  'tools-list': { name: 'tools-list' },
};

/**
 * The workload for `--workload NAME` or `--tool NAME [--args JSON]`.
 * @throws VeloError `VELO_INVALID_CONFIG` for an unknown workload name or arguments that are not a JSON object.
 */
export function resolveWorkload(name: string | undefined, tool: string | undefined, args: string | undefined): Workload {
  if (tool !== undefined) {
    let parsed: unknown = {};
    if (args !== undefined) {
      try {
        parsed = JSON.parse(args);
      } catch {
        throw new VeloError('VELO_INVALID_CONFIG', `--args must be a JSON object, got ${args}`);
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new VeloError('VELO_INVALID_CONFIG', `--args must be a JSON object, got ${args}`);
    return { name: `tool:${tool}`, tool, args: parsed as JsonObject };
  }
  const w = WORKLOADS[name ?? 'echo'];
  if (w === undefined) throw new VeloError('VELO_INVALID_CONFIG', `unknown workload ${JSON.stringify(name)}: choose one of ${Object.keys(WORKLOADS).join(', ')}, or give --tool`);
  return w;
}

/** Connected clients that run a workload. */
export class WorkloadDriver {
  readonly #clients: McpClient[];
  readonly #w: Workload;

  private constructor(clients: McpClient[], w: Workload) {
    this.#clients = clients;
    this.#w = w;
  }

  /**
   * Connects `concurrency` clients to `url` and checks one request of the workload.
   * @throws VeloError `VELO_INVALID_MODULE` when the server does not answer it (e.g. the module has no such tool).
   */
  static async connect(url: string, w: Workload, concurrency: number): Promise<WorkloadDriver> {
    const clients: McpClient[] = [];
    for (let i = 0; i < concurrency; i++) {
      const c = new McpClient({ name: 'velomcp-profile', version: '1.0.0' });
      await c.connect(url);
      clients.push(c);
    }
    const d = new WorkloadDriver(clients, w);
    try {
      await d.#one(clients[0] as McpClient);
    } catch (err) {
      await d.close();
      throw new VeloError('VELO_INVALID_MODULE', `the ${w.name} workload fails on this server: ${err instanceof Error ? err.message : String(err)}`);
    }
    return d;
  }

  async #one(c: McpClient): Promise<void> {
    if (this.#w.tool === undefined) {
      await c.listTools();
      return;
    }
    const r = await c.callTool({ name: this.#w.tool, ...(this.#w.args === undefined ? {} : { arguments: this.#w.args }) });
    if (r.isError === true) throw new Error(`${this.#w.tool} answered isError: ${JSON.stringify(r.content).slice(0, 200)}`);
  }

  /** Runs until `calls` requests were answered or `untilMs` (performance.now()) passed; resolves with the count. */
  async run(limit: { calls?: number; untilMs?: number }): Promise<number> {
    let done = 0;
    let started = 0;
    const more = (): boolean => (limit.calls === undefined || started < limit.calls) && (limit.untilMs === undefined || performance.now() < limit.untilMs);
    await Promise.all(
      this.#clients.map(async (c) => {
        while (more()) {
          started++;
          await this.#one(c);
          done++;
        }
      }),
    );
    return done;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#clients.map((c) => c.close()));
  }
}

/** The leak check's result. */
export interface LeakVerdict {
  /** `leak` when the heap after GC grew past the bound and rose in most rounds; else `ok`. */
  verdict: 'ok' | 'leak';
  /** Heap used after a full GC at the end of each round, bytes (round 0 is the warm-up baseline). */
  heapAfterGcBytes: number[];
  callsPerRound: number;
  /** Last round minus round 0, bytes. */
  growthBytes: number;
  /** Least-squares slope over the rounds, bytes per call. */
  bytesPerCall: number;
  /** The growth bound, bytes. */
  boundBytes: number;
  /** Rounds whose reading was above the previous one. */
  risingSteps: number;
  reason: string;
}

/**
 * Judges heap readings taken after GC at the end of each round of `callsPerRound` calls: a leak when the
 * growth from round 0 to the last round exceeds `boundBytes` and at least half the steps rose (a one-off
 * allocation that stays, e.g. a cache filling once, rises in one step only).
 * @throws Error with fewer than three readings.
 */
export function judgeLeak(heapAfterGcBytes: readonly number[], callsPerRound: number, boundBytes: number): LeakVerdict {
  if (heapAfterGcBytes.length < 3) throw new Error(`the leak check needs at least 3 readings (2 rounds after the warm-up), got ${heapAfterGcBytes.length}`);
  const first = heapAfterGcBytes[0] as number;
  const last = heapAfterGcBytes[heapAfterGcBytes.length - 1] as number;
  const growth = last - first;
  let rising = 0;
  for (let i = 1; i < heapAfterGcBytes.length; i++) if ((heapAfterGcBytes[i] as number) > (heapAfterGcBytes[i - 1] as number)) rising++;
  const n = heapAfterGcBytes.length;
  const mx = (n - 1) / 2;
  const my = heapAfterGcBytes.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  heapAfterGcBytes.forEach((y, x) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  });
  const bytesPerCall = sxy / sxx / callsPerRound;
  const steps = n - 1;
  const leak = growth > boundBytes && rising * 2 >= steps;
  const kib = (b: number): string => `${(b / 1024).toFixed(0)} KiB`;
  return {
    verdict: leak ? 'leak' : 'ok',
    heapAfterGcBytes: [...heapAfterGcBytes],
    callsPerRound,
    growthBytes: growth,
    bytesPerCall: Number(bytesPerCall.toFixed(1)),
    boundBytes,
    risingSteps: rising,
    reason: leak
      ? `heap after GC grew ${kib(growth)} over ${steps} rounds of ${callsPerRound} calls (bound ${kib(boundBytes)}), rising in ${rising} of ${steps} steps: about ${bytesPerCall.toFixed(0)} bytes kept per call`
      : `heap after GC changed ${kib(growth)} over ${steps} rounds of ${callsPerRound} calls (bound ${kib(boundBytes)}; rose in ${rising} of ${steps} steps)`,
  };
}
