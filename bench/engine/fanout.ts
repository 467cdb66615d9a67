/**
 * Fan-out benchmark: N subscribers (default 10 000) on TCP connections to one server, a `touch` tool call
 * on another connection that makes the server send `notifications/resources/updated` to all of them, and a
 * `ping` sent on a third connection right after the call. Servers, each in a fresh process, in one run:
 *   raw              bare JSON-RPC server, synchronous write loop (the baseline);
 *   velomcp-legacy   legacy sessions with resources/subscribe;
 *   velomcp-modern   2026-07-28 subscriptions/listen with resourceSubscriptions;
 *   velomcp-legacy-unbatched  the legacy case with batching off (one synchronous loop), for comparison.
 * Per round: time until each subscriber has the notification (P50/P95/max from sending the call), the
 * call's own latency, and the ping's. Medians over rounds; ratios against raw.
 *
 *   node dist/bench/engine/fanout.js [--subscribers 10000] [--rounds 7]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { median, percentile } from '../shared/stats.js';
import { connectMany, LineClient, MODERN_META, startServer, stopServer } from './tcp-clients.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('./servers/fanout-server.js', import.meta.url));
const { values } = parseArgs({ options: { subscribers: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '7' } } });
const N = Number(values.subscribers);
const ROUNDS = Number(values.rounds);
const URI = 'bench://hot';

interface Round {
  deliveredP50: number;
  deliveredP95: number;
  deliveredMax: number;
  callMs: number;
  pingMs: number;
  missing: number;
}

async function entry(name: string, kind: 'raw' | 'velomcp' | 'velomcp-unbatched', era: 'legacy' | 'modern') {
  const { child, port } = await startServer(script, [kind]);
  try {
    const sockets = await connectMany(port, N + 2);
    const clients = sockets.map((s) => new LineClient(s));
    const trigger = clients[N] as LineClient;
    const pinger = clients[N + 1] as LineClient;
    await trigger.initialize();
    await pinger.initialize();
    const subs = clients.slice(0, N);
    const arrived = new Float64Array(N);
    let t0 = 0;
    let got = 0;
    subs.forEach((c, i) => {
      c.onNote = (line) => {
        if (line.includes('resources/updated') && arrived[i] === 0) {
          arrived[i] = performance.now() - t0;
          got++;
        }
      };
    });
    // Subscribe in slices so the setup does not flood either side.
    for (let i = 0; i < N; i += 500) {
      await Promise.all(
        subs.slice(i, i + 500).map(async (c) => {
          if (era === 'legacy') {
            await c.initialize();
            await c.request('resources/subscribe', { uri: URI });
          } else {
            // The listen request stays open; its acknowledgement arrives as a notification.
            const ack = new Promise<void>((r) => (c.onNote = ((prev) => (line: string) => (line.includes('acknowledged') ? (r(), (c.onNote = prev)) : prev?.(line)))(c.onNote)));
            void c.request('subscriptions/listen', { notifications: { resourceSubscriptions: [URI] }, _meta: MODERN_META });
            await ack;
          }
        }),
      );
    }
    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS + 1; r++) {
      arrived.fill(0);
      got = 0;
      t0 = performance.now();
      const call = trigger.timed('tools/call', { name: 'touch', arguments: {} });
      const ping = pinger.timed('ping');
      const [callMs, pingMs] = await Promise.all([call, ping]);
      const deadline = performance.now() + 30_000;
      while (got < N && performance.now() < deadline) await new Promise((res) => setTimeout(res, 5));
      const sorted = Float64Array.from(arrived.filter((x) => x > 0)).sort();
      if (r > 0) {
        rounds.push({
          deliveredP50: percentile(sorted, 50),
          deliveredP95: percentile(sorted, 95),
          deliveredMax: sorted[sorted.length - 1] ?? NaN,
          callMs,
          pingMs,
          missing: N - got,
        });
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    for (const s of sockets) s.destroy();
    const med = (k: keyof Round): number => Math.round((median(rounds.map((x) => x[k])) ?? NaN) * 100) / 100;
    const result = { name, subscribers: N, rounds: rounds.length, deliveredP50Ms: med('deliveredP50'), deliveredP95Ms: med('deliveredP95'), deliveredMaxMs: med('deliveredMax'), callMs: med('callMs'), pingMs: med('pingMs'), callMaxMs: Math.round(Math.max(...rounds.map((x) => x.callMs)) * 100) / 100, pingMaxMs: Math.round(Math.max(...rounds.map((x) => x.pingMs)) * 100) / 100, missing: rounds.reduce((a, x) => a + x.missing, 0) };
    process.stderr.write(`${name}: delivered P95 ${result.deliveredP95Ms} ms, call ${result.callMs} ms, ping ${result.pingMs} ms, missing ${result.missing}\n`);
    return result;
  } finally {
    await stopServer(child);
  }
}

const raw = await entry('raw', 'raw', 'legacy');
const legacy = await entry('velomcp-legacy', 'velomcp', 'legacy');
const modern = await entry('velomcp-modern', 'velomcp', 'modern');
const unbatched = await entry('velomcp-legacy-unbatched', 'velomcp-unbatched', 'legacy');
const ratio = (x: number): number => Math.round((x / raw.deliveredP95Ms) * 100) / 100;
const out = {
  bench: 'engine/fanout',
  date: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), node: process.version },
  params: { subscribers: N, rounds: ROUNDS, transport: 'tcp' },
  results: [raw, legacy, modern, unbatched],
  deliveredP95VsRaw: { 'velomcp-legacy': ratio(legacy.deliveredP95Ms), 'velomcp-modern': ratio(modern.deliveredP95Ms) },
  targets: { deliveredP95VsRawAtMost: 1.1, callMsAtMost: 15, pingMsBelow: 10 },
};
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/engine-fanout.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
