/**
 * In-process micro-benchmark of the dispatcher: CPU per legacy `tools/call` echo through
 * `ServerConnection.receive` (pre-parsed message, no transport), with each observability configuration
 * subscribed in turn in the same process, rounds interleaved. CPU time of this process only, so it is less
 * disturbed by other load on the machine than the stdio run; the median of the rounds is reported.
 */
import { pino } from 'pino';
import { McpServer } from '../../src/index.js';
import { subscribe } from '../../src/observability/channels.js';
import { RequestLogger } from '../../src/observability/logging.js';
import { McpMetrics } from '../../src/observability/metrics.js';
import { McpTracing } from '../../src/observability/tracing.js';
import { median } from '../shared/stats.js';

type Setup = () => () => void;

export const DISPATCH_MODES: ReadonlyArray<[string, Setup]> = [
  ['none', () => () => {}],
  ['noop', () => subscribe({ requestStart: () => {}, requestEnd: () => {} })],
  [
    'metrics',
    () => {
      const m = new McpMetrics({ defaultMetrics: false });
      return () => m.close();
    },
  ],
  [
    'tracing-noop',
    () => {
      const t = new McpTracing();
      return () => t.close();
    },
  ],
  [
    'logs',
    () => {
      const l = new RequestLogger({ logger: pino(pino.destination({ dest: '/dev/null', sync: false })) });
      return () => l.close();
    },
  ],
];

export interface DispatchResult {
  mode: string;
  /** Median CPU microseconds per call over the rounds. */
  cpuUsPerCall: number | null;
  /** Median over rounds of (this mode / none of the same round). */
  ratioToNone: number | null;
  rounds: number[];
}

/** Runs `rounds` × every mode × `calls` calls. */
export function dispatchBench(rounds: number, calls: number): DispatchResult[] {
  const server = new McpServer({ name: 'dispatch-bench', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }, (a) => ({
    content: [{ type: 'text', text: a.text as string }],
  }));
  let answered = 0;
  const conn = server.connect({ send: () => void answered++ }, { transport: 'stdio' });
  conn.receive({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
  const messages = Array.from({ length: 1024 }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello world' } } }));
  const run = (n: number): number => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) conn.receive(messages[i & 1023]);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  for (const [, setUp] of DISPATCH_MODES) {
    const off = setUp();
    run(Math.min(calls, 50_000)); // warm-up of every path
    off();
  }
  const per = new Map<string, number[]>(DISPATCH_MODES.map(([m]) => [m, []]));
  const ratios = new Map<string, number[]>(DISPATCH_MODES.map(([m]) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    let none = NaN;
    for (const [mode, setUp] of DISPATCH_MODES) {
      const off = setUp();
      const us = run(calls);
      off();
      if (mode === 'none') none = us;
      per.get(mode)?.push(us);
      ratios.get(mode)?.push(us / none);
    }
  }
  if (answered < rounds * calls) throw new Error(`only ${answered} answers`);
  return DISPATCH_MODES.map(([mode]) => ({
    mode,
    cpuUsPerCall: round3(median(per.get(mode) ?? [])),
    ratioToNone: round3(median(ratios.get(mode) ?? [])),
    rounds: (per.get(mode) ?? []).map((x) => round3(x) as number),
  }));
}

function round3(x: number | null): number | null {
  return x === null ? null : Math.round(x * 1000) / 1000;
}
