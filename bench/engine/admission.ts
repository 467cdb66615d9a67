/**
 * Admission benchmark: an in-process server with `maxConcurrent` L and a queue of L, hit by rounds of 10·L
 * concurrent `tools/call`s of a tool that waits 5 ms. Each round must give exactly 8·L busy answers and
 * complete the 2·L admitted calls; the heap after a full GC is read after every round to show memory stays
 * flat. A round without admission (all 10·L run at once) is timed alongside for comparison.
 *
 *   node dist/bench/engine/admission.js [--limit 64] [--rounds 20]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { McpServer } from '../../src/server/mcp-server.js';
import type { McpServerOptions } from '../../src/server/options.js';
import { ErrorCode } from '../../src/jsonrpc/codes.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const root = fileURLToPath(new URL('../../../', import.meta.url));
const { values } = parseArgs({ options: { limit: { type: 'string', default: '64' }, rounds: { type: 'string', default: '20' } } });
const L = Number(values.limit);
const ROUNDS = Number(values.rounds);

function makeServer(options: McpServerOptions): McpServer {
  const server = new McpServer({ name: 'admission-bench', version: '1' }, options);
  server.registerTool('work', {}, async () => {
    await new Promise((r) => setTimeout(r, 5));
    return { content: [{ type: 'text', text: 'ok' }] };
  });
  return server;
}

async function round(server: McpServer, n: number): Promise<{ ok: number; busy: number; other: number; ms: number }> {
  let ok = 0;
  let busy = 0;
  let other = 0;
  let left = n;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const conn = server.connect({
    send: (m) => {
      const msg = JSON.parse(m);
      if (msg.result && !msg.result.isError) ok++;
      else if (msg.error?.code === ErrorCode.ServerBusy) busy++;
      else other++;
      if (--left === 0) done();
    },
  });
  const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) conn.receive({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'work', arguments: {}, _meta: meta } });
  await finished;
  const ms = performance.now() - t0;
  conn.close();
  return { ok, busy, other, ms: Math.round(ms * 100) / 100 };
}

const heap = (): number => {
  gc();
  return process.memoryUsage().heapUsed;
};

const admitted = makeServer({ admission: { maxConcurrent: L, maxQueue: L } });
const free = makeServer({});
await round(admitted, 10 * L); // warm-up
await round(free, 10 * L);
const heaps: number[] = [heap()];
const rounds = [];
for (let i = 0; i < ROUNDS; i++) {
  rounds.push(await round(admitted, 10 * L));
  heaps.push(heap());
}
const unlimited = await round(free, 10 * L);
const all = rounds.every((r) => r.ok === 2 * L && r.busy === 8 * L && r.other === 0);
const kib = (b: number): number => Math.round(b / 102.4) / 10;
const out = {
  bench: 'engine/admission',
  date: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), node: process.version },
  params: { maxConcurrent: L, maxQueue: L, callsPerRound: 10 * L, rounds: ROUNDS, toolMs: 5 },
  everyRoundExact: all,
  perRound: { ok: rounds[0]?.ok, busy: rounds[0]?.busy, medianMs: [...rounds].map((r) => r.ms).sort((a, b) => a - b)[rounds.length >> 1] },
  unlimitedRound: unlimited,
  heapKiB: { afterWarmup: kib(heaps[0]!), afterLast: kib(heaps[heaps.length - 1]!), growthKiB: kib(heaps[heaps.length - 1]! - heaps[0]!), max: kib(Math.max(...heaps)) },
  finalStats: admitted.admission!.stats(),
};
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/engine-admission.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
