/**
 * The **idle** scenario: `idleConnections` idle MCP connections, each a legacy session holding its GET
 * SSE stream open on its own socket (what a connected, quiet client costs the server), opened in five
 * steps with the server's RSS read after each; then held for `durationS` with RSS read each second, and
 * a liveness call at the end.
 *
 * Sessions are spread over client addresses 127.0.0.2, 127.0.0.3, ... (at most 500 each) because the
 * server caps sessions per client address (`maxSessionsPerClient`, 1000 by default). The reference
 * server holds at most 10,000 sessions by default; this machine's open-file limit (20,000, shared by the
 * generator's sockets) bounds the count too.
 */
import { performance } from 'node:perf_hooks';
import { agentFor, openSession, openStream, ToolCall, type SseStream } from './client.js';
import type { ResolvedOptions } from './options.js';
import type { Progress } from './progress.js';
import { atMost, type Check } from './report.js';
import { readServer, type TargetServer } from './server.js';

const PER_ADDRESS = 500;
const STEPS = 5;
const CONCURRENCY = 32;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (x: number | null, d = 2): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(d)));

/** Least-squares slope of y over x; null with fewer than two points. */
export function slope(points: readonly { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const sxx = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  if (sxx === 0) return null;
  return points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx;
}

export interface IdleOutcome {
  steps: { connections: number; rssKiB: number | null; t: number }[];
  summary: Record<string, number | string | boolean | null>;
  checks: Check[];
}

/** Runs the idle scenario. */
export async function idle(target: TargetServer, o: ResolvedOptions, progress: Progress): Promise<IdleOutcome> {
  const streams: SseStream[] = [];
  const t0 = performance.now();
  const at = (): number => round((performance.now() - t0) / 1000, 2) as number;
  const steps: IdleOutcome['steps'] = [];
  const agents = new Map<string, ReturnType<typeof agentFor>>();
  const agentOf = (addr: string): ReturnType<typeof agentFor> => {
    let a = agents.get(addr);
    if (a === undefined) agents.set(addr, (a = agentFor(CONCURRENCY, addr)));
    return a;
  };
  try {
    await sleep(1000);
    steps.push({ connections: 0, rssKiB: readServer(target).rssKiB, t: at() });
    progress.start('idle open', o.idleConnections, 'connections');
    let opened = 0;
    let openedAll = 0;
    const openOne = async (i: number): Promise<void> => {
      const addr = `127.0.0.${2 + Math.floor(i / PER_ADDRESS)}`;
      const sid = await openSession(agentOf(addr), target.port, 30_000, 1 + i);
      const s = await openStream(target.port, sid, () => {}, addr);
      streams.push(s);
      opened++;
    };
    const t1 = performance.now();
    for (let step = 1; step <= STEPS; step++) {
      const upto = Math.round((o.idleConnections * step) / STEPS);
      let next = openedAll;
      const worker = async (): Promise<void> => {
        while (next < upto) {
          const i = next++;
          await openOne(i);
          progress.update(opened, `step ${step}/${STEPS}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      openedAll = upto;
      // Close the handshake sockets so only the idle streams remain, then let the server settle.
      for (const a of agents.values()) a.destroy();
      agents.clear();
      await sleep(1000);
      steps.push({ connections: opened, rssKiB: readServer(target).rssKiB, t: at() });
    }
    const openS = (performance.now() - t1) / 1000;
    progress.stop();
    progress.start('idle hold', Math.ceil(o.durationS), 's');
    for (let s = 1; s <= Math.ceil(o.durationS); s++) {
      await sleep(1000);
      if (s % 5 === 0 || s === Math.ceil(o.durationS)) steps.push({ connections: opened, rssKiB: readServer(target).rssKiB, t: at() });
      progress.update(s, `${opened} connections held`);
    }
    progress.stop();
    // Liveness: a fresh session still gets a call answered while all the idle ones are held.
    const agent = agentFor(1, '127.0.0.1');
    let liveMs: number | null = null;
    try {
      const sid = await openSession(agent, target.port, 15_000, 1);
      const start = performance.now();
      liveMs = await new Promise<number | null>((resolve) => new ToolCall(o.tool, o.args).send(agent, target.port, sid, 2, (err) => resolve(err === undefined ? performance.now() - start : null)));
    } catch {
      liveMs = null;
    } finally {
      agent.destroy();
    }
    const opening = steps.slice(0, STEPS + 1).filter((p) => p.rssKiB !== null).map((p) => ({ x: p.connections, y: p.rssKiB as number }));
    const perConn = slope(opening);
    const openedRss = steps[STEPS]?.rssKiB ?? null;
    const endRss = steps[steps.length - 1]?.rssKiB ?? null;
    const holdGrowth = openedRss !== null && endRss !== null ? (100 * (endRss - openedRss)) / openedRss : null;
    const checks: Check[] = [
      atMost('connections not opened', o.idleConnections - opened, 0, 'connections', `${opened} of ${o.idleConnections} sessions with their GET stream opened`),
      atMost('memory growth while idle', round(holdGrowth, 1), 10, '%', `server RSS at the end of the ${o.durationS} s hold (${endRss ?? '-'} KiB) vs right after opening (${openedRss ?? '-'} KiB)`),
      atMost('liveness call', round(liveMs), 1000, 'ms', 'one tools/call on a fresh session while every idle connection is held'),
    ];
    return {
      steps,
      summary: {
        connections: opened,
        openSeconds: round(openS, 2),
        connectionsPerS: round(opened / openS, 1),
        baselineRssKiB: steps[0]?.rssKiB ?? null,
        openedRssKiB: openedRss,
        endRssKiB: endRss,
        kibPerConnection: round(perConn, 2),
        holdGrowthPct: round(holdGrowth, 1),
        livenessCallMs: round(liveMs),
      },
      checks,
    };
  } finally {
    progress.stop();
    for (const a of agents.values()) a.destroy();
    for (const s of streams) s.close();
  }
}
