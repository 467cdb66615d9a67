/**
 * Closed-loop `tools/call` load over one topology: `concurrency` lanes on keep-alive connections, each with
 * one request outstanding; requests go round-robin over the topology's node URLs (client-side, per request,
 * so one legacy session's calls land on every node in turn: no affinity). Legacy lanes each own a session
 * (`initialize` + `notifications/initialized`, 2025-11-25); modern lanes send stateless 2026-07-28 requests.
 *
 * A warm-up, then a measured window bracketed by snapshots of every server process's CPU, the Redis
 * command counters, the Redis server's CPU and this process's CPU.
 */
import type http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { headersFor, newAgent, openSession, post, postAsync, messageOf, MODERN_META, type Era } from '../http/loadgen.js';
import { attributedDelta, statsDelta, totalCommands, type CommandMonitor, type CommandStats, type RedisProbe } from './redis.js';
import { cpuOf, type Topology } from './topology.js';

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  timeoutMs: number;
}

export interface ProcessCpu {
  role: string;
  pid: number;
  /** CPU µs of this process per call of the window. */
  cpuUsPerCall: number;
  /** Share of one core it used over the window, %. */
  cpuPct: number;
}

export interface LoadSample {
  calls: number;
  seconds: number;
  callsPerSec: number;
  /** Summed over every server process. */
  serverCpuUsPerCall: number;
  processes: ProcessCpu[];
  /** Commands naming this topology's key prefix (MONITOR), per call: sent by the nodes plus run inside their scripts. */
  redisCommandsPerCall: number;
  /** Of those, sent by the nodes (round trips; a script counts once). */
  redisRoundTripsPerCall: number;
  /** The attributed commands of the window by name (`(in script)` for those run by Lua). */
  redisCommands: CommandStats;
  /** INFO commandstats delta over the window per call: the whole Redis server, other clients included. */
  redisServerCommandsPerCall: number;
  redisCpuUsPerCall: number;
  loadgenCpuUsPerCall: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  firstError?: string;
  loadavg: number[];
}

function body(era: Era, id: number): string {
  const params = era === 'modern' ? { _meta: MODERN_META, name: 'echo', arguments: { text: 'hello world' } } : { name: 'echo', arguments: { text: 'hello world' } };
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });
}

const portOf = (url: string): number => Number(new URL(url).port);

/** Runs one window of load; throws when the topology does not answer its pre-flight call. */
export async function runLoad(topo: Topology, era: Era, opts: LoadOptions, probe: RedisProbe, monitor: CommandMonitor): Promise<LoadSample> {
  const ports = topo.urls.map(portOf);
  const agents = ports.map(() => newAgent(opts.concurrency));
  try {
    const sessions: (string | undefined)[] = [];
    for (let i = 0; i < opts.concurrency; i++) sessions.push(era === 'legacy' ? await openSession(agents[i % ports.length]!, ports[i % ports.length]!, opts.timeoutMs, i + 1) : undefined);
    // Pre-flight: one full, parsed call on every node.
    for (let n = 0; n < ports.length; n++) {
      const b = body(era, 100 + n);
      const ex = await postAsync(agents[n]!, ports[n]!, headersFor(era, b, sessions[0], 'tools/call', 'echo'), b, opts.timeoutMs);
      const text = messageOf(ex)?.result?.content?.[0]?.text;
      if (ex.status !== 200 || text !== 'hello world') throw new Error(`${topo.name} ${era}: pre-flight call to ${topo.urls[n]} failed: HTTP ${ex.status} ${ex.body.slice(0, 300)}`);
    }
    return await drive(topo, era, opts, probe, monitor, ports, agents, sessions);
  } finally {
    for (const a of agents) a.destroy();
  }
}

async function drive(topo: Topology, era: Era, opts: LoadOptions, probe: RedisProbe, monitor: CommandMonitor, ports: number[], agents: http.Agent[], sessions: (string | undefined)[]): Promise<LoadSample> {
  let nextId = 1000;
  let rr = 0;
  let sending = true;
  let measuring = false;
  let calls = 0;
  let errors = 0;
  let firstError: string | undefined;
  let inflight = 0;
  const lat: number[] = [];
  let idle: () => void = () => {};

  const lane = (i: number): void => {
    if (!sending) {
      if (inflight === 0) idle();
      return;
    }
    const n = rr++ % ports.length;
    const id = nextId++;
    const b = body(era, id);
    const t0 = performance.now();
    inflight++;
    post(agents[n]!, ports[n]!, headersFor(era, b, sessions[i], 'tools/call', 'echo'), b, opts.timeoutMs, (err, ex) => {
      inflight--;
      const ok = !err && ex !== undefined && ex.status === 200 && ex.body.includes(`"id":${id}`) && ex.body.includes('"result"') && !ex.body.includes('"isError":true');
      if (!ok) {
        errors++;
        firstError ??= err ? err.message : `HTTP ${ex?.status} ${ex?.body.slice(0, 200)}`;
      } else if (measuring) {
        calls++;
        lat.push(performance.now() - t0);
      }
      lane(i);
    });
  };
  for (let i = 0; i < opts.concurrency; i++) lane(i);
  await new Promise((r) => setTimeout(r, opts.warmupMs));

  const procs = topo.processes();
  const pids = procs.map((p) => p.pid);
  const cpu0 = cpuOf(pids);
  const stats0 = await probe.commandStats();
  const mon0 = monitor.snapshot(topo.prefix ?? '\u0000none');
  const rcpu0 = await probe.cpuUs();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await new Promise((r) => setTimeout(r, opts.measureMs));
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  const done = calls;
  const cpu1 = cpuOf(pids);
  const mon1 = monitor.snapshot(topo.prefix ?? '\u0000none');
  const stats1 = await probe.commandStats();
  const rcpu1 = await probe.cpuUs();
  const self1 = process.cpuUsage(self0);
  sending = false;
  if (inflight > 0) await new Promise<void>((r) => (idle = r));

  if (done === 0) throw new Error(`${topo.name} ${era}: no call completed in the window (errors: ${errors}${firstError ? `, first: ${firstError}` : ''})`);
  const processes: ProcessCpu[] = procs.map((p, i) => {
    const d = (cpu1[i] ?? NaN) - (cpu0[i] ?? NaN);
    return { role: p.role, pid: p.pid, cpuUsPerCall: d / done, cpuPct: (100 * d) / (seconds * 1e6) };
  });
  const delta = statsDelta(stats0, stats1);
  delete delta.info;
  const mine = attributedDelta(mon0, mon1);
  lat.sort((a, b) => a - b);
  const pct = (p: number): number => lat[Math.min(lat.length - 1, Math.max(0, Math.ceil((p / 100) * lat.length) - 1))] ?? NaN;
  return {
    calls: done,
    seconds,
    callsPerSec: done / seconds,
    serverCpuUsPerCall: processes.reduce((s, p) => s + p.cpuUsPerCall, 0),
    processes,
    redisCommandsPerCall: (mine.sent + mine.inScripts) / done,
    redisRoundTripsPerCall: mine.sent / done,
    redisCommands: mine.byName,
    redisServerCommandsPerCall: totalCommands(delta) / done,
    redisCpuUsPerCall: (rcpu1 - rcpu0) / done,
    loadgenCpuUsPerCall: (self1.user + self1.system) / done,
    p50Ms: pct(50),
    p99Ms: pct(99),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    loadavg: os.loadavg(),
  };
}
