/**
 * Raw HTTP load generator for MCP Streamable HTTP (no SDK on the client side):
 * `node:http` requests over a keep-alive `http.Agent`, one agent per entry.
 *
 * One call of {@link runThroughput} or {@link runIdleSessions} = one fresh
 * server process:
 *   1. spawn it (see `proc.ts`) and wait until it listens on 127.0.0.1;
 *   2. pre-flight with full JSON parsing: the session handshake (legacy era),
 *      one valid echo call whose text is checked, one invalid call (recording
 *      whether the server rejects it);
 *   3. throughput: `connections` lanes, each with exactly one request
 *      outstanding (a response releases the lane's next request), through a
 *      warm-up then a measured phase; idle-sessions: open N sessions, leave
 *      them idle, and read the server's RSS before and after;
 *   4. kill the server (SIGKILL by its pid) and wait for it to exit, on every
 *      path, stalls included.
 *
 * The hot path serialises the request body once (only the id is spliced in),
 * and checks each response by scanning for its `"id":N`, `"result"` and
 * `"isError":true` instead of parsing it.
 */
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { percentile } from '../shared/stats.js';
import { machineCpuUs, processCpuUs, ServerProcess, vmRssKiB, type ServerStats } from './proc.js';

export type Era = 'legacy' | 'modern';

export const LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';
export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
  'io.modelcontextprotocol/clientCapabilities': {},
} as const;
const ACCEPT = 'application/json, text/event-stream';
const PATH = '/mcp';
const ECHO_TEXT = 'hello world';

export interface ServerSpec {
  name: string;
  /** Absolute path of the compiled server script. */
  script: string;
  /**
   * When set, the server's CPU is profiled over exactly the measured phase of a throughput run and the
   * `.cpuprofile` written here (diagnosis only: the profiler costs a little CPU per call).
   */
  profileFile?: string;
}

export interface ThroughputOptions {
  warmupMs: number;
  measureMs: number;
  /** Keep-alive connections, each with one request in flight. */
  connections: number;
  /** Abort the entry when nothing is answered for this long while requests are outstanding. */
  stallMs: number;
  /** Bound on process start and on each pre-flight exchange. */
  startTimeoutMs: number;
}

export interface IdleOptions {
  /** Sessions per step: the harness opens this many twice (see {@link runIdleSessions}). */
  sessions: number;
  /** Sessions opened first, before the first reading (warms code paths). */
  primeSessions: number;
  /** Concurrent handshakes while opening. */
  connections: number;
  /** Wait after GC before reading memory. */
  settleMs: number;
  stallMs: number;
  startTimeoutMs: number;
}

export interface ThroughputSample {
  calls: number;
  seconds: number;
  callsPerSec: number;
  /** null when /proc is unavailable. */
  serverCpuUsPerCall: number | null;
  /** The generator's own CPU per call over the same window: when it nears the server's, the generator is the bottleneck. */
  loadgenCpuUsPerCall: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-200 answers, answers without `result`, `isError:true`, the wrong id, or transport errors (warm-up + measured). */
  errors: number;
  firstError?: string;
  /** Whether the invalid call (`{text: 42}`) was rejected (JSON-RPC error or `isError: true`). */
  rejectsInvalid: boolean;
  /**
   * Process CPU (user+system) charged to neither the server nor this generator during the measured
   * window, i.e. other processes, as % of the machine's capacity; null without /proc/stat.
   */
  otherCpuPct: number | null;
  /** irq+softirq time over the window, % of the machine (mostly loopback TCP delivery of this run's own traffic). */
  irqPct: number | null;
  /** Hypervisor steal during the measured window, % of the machine's capacity. */
  stealPct: number | null;
}

export interface MemoryReading {
  /** VmRSS from /proc/<pid>/status, KiB. */
  rssKiB: number | null;
  heapUsedKiB: number;
  externalKiB: number;
  sessions: number | null;
}

export interface IdleSample {
  /** Sessions opened per step. */
  sessionsPerStep: number;
  /**
   * The target figure: server RSS growth per session over the second step (sessions N+1…2N, after GC
   * and a settle delay), KiB. The first step has already brought the process to the state it is in
   * while serving this traffic (JIT code, socket and parser pools, allocator high-water marks, heap
   * size), so this is the slope: what one more idle session costs.
   */
  kibPerSession: number | null;
  /** V8 heapUsed growth per session over the second step, KiB. */
  heapKibPerSession: number;
  /**
   * RSS growth per session over the first step (from a process that had served only the prime
   * sessions): includes the one-time cost of having served 2N requests at all, which `raw` shows too.
   */
  firstStepKibPerSession: number | null;
  firstStepHeapKibPerSession: number;
  /** Readings after the prime sessions, after step 1 and after step 2 (each twice, settleMs/2 apart). */
  readings: { prime: MemoryReading[]; step1: MemoryReading[]; step2: MemoryReading[] };
  /** Sessions the server reports holding at the end (null when it keeps no countable table). */
  sessionsReported: number | null;
  /** Sessions the harness expects it to hold (prime + 2 steps). */
  sessionsExpected: number;
  /** The first and the last opened session still answer a call after the readings (nothing was evicted). */
  sessionsAlive: boolean;
  gcForced: boolean;
  /** Seconds to open the second step's sessions. */
  openSeconds: number;
}

export type Outcome<S> =
  | { kind: 'ok'; sample: S }
  /** The server could not be started or did not pass the pre-flight: skipped, not a harness failure. */
  | { kind: 'unavailable'; reason: string }
  /** The server started but the run failed (stall, crash). */
  | { kind: 'failed'; reason: string; errors: number };

export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One POST; `done` is called exactly once. */
export function post(agent: http.Agent, port: number, headers: OutgoingHttpHeaders, body: string, timeoutMs: number, done: (err: Error | undefined, ex: Exchange | undefined) => void): http.ClientRequest {
  let called = false;
  const finish = (err: Error | undefined, ex: Exchange | undefined): void => {
    if (called) return;
    called = true;
    done(err, ex);
  };
  const req = http.request({ agent, host: '127.0.0.1', port, path: PATH, method: 'POST', headers }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      text += c;
    });
    res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: text }));
    res.on('error', (e) => finish(e, undefined));
  });
  req.on('error', (e) => finish(e, undefined));
  if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
  req.end(body);
  return req;
}

export function postAsync(agent: http.Agent, port: number, headers: OutgoingHttpHeaders, body: string, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    post(agent, port, headers, body, timeoutMs, (err, ex) => (err ? reject(err) : resolve(ex as Exchange)));
  });
}

/** The JSON-RPC message of a response body: plain JSON, or the last `data:` event of an SSE body. */
export function messageOf(ex: Exchange): Record<string, any> | undefined {
  const ctype = String(ex.headers['content-type'] ?? '');
  let text = ex.body;
  if (ctype.includes('text/event-stream')) {
    const datas = text.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).filter((l) => l.length > 0);
    text = datas[datas.length - 1] ?? '';
  }
  try {
    const msg = JSON.parse(text);
    return typeof msg === 'object' && msg !== null ? msg : undefined;
  } catch {
    return undefined;
  }
}

export function headersFor(era: Era, body: string, sessionId: string | undefined, method: string, name?: string): OutgoingHttpHeaders {
  const h: OutgoingHttpHeaders = {
    'content-type': 'application/json',
    accept: ACCEPT,
    'content-length': Buffer.byteLength(body),
  };
  if (era === 'legacy') {
    h['mcp-protocol-version'] = LEGACY_VERSION;
    if (sessionId !== undefined) h['mcp-session-id'] = sessionId;
  } else {
    h['mcp-protocol-version'] = MODERN_VERSION;
    h['mcp-method'] = method;
    if (name !== undefined) h['mcp-name'] = name;
  }
  return h;
}

function callBody(era: Era, id: number, args: unknown): string {
  const params: Record<string, unknown> = era === 'modern' ? { _meta: MODERN_META, name: 'echo', arguments: args } : { name: 'echo', arguments: args };
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });
}

function short(s: string, max = 300): string {
  return s.length > max ? s.slice(0, max) + '…' : s;
}

/**
 * Opens one legacy session: `initialize` (2025-11-25) then
 * `notifications/initialized`; resolves with the `Mcp-Session-Id`.
 */
export async function openSession(agent: http.Agent, port: number, timeoutMs: number, id: number): Promise<string> {
  const init = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'velomcp-bench-http', version: '1.0.0' } },
  });
  const ex = await postAsync(agent, port, headersFor('legacy', init, undefined, 'initialize'), init, timeoutMs);
  const msg = messageOf(ex);
  const sid = ex.headers['mcp-session-id'];
  if (ex.status !== 200 || typeof msg?.result?.protocolVersion !== 'string') {
    throw new Error(`initialize failed: HTTP ${ex.status} ${short(ex.body)}`);
  }
  if (typeof sid !== 'string' || sid.length === 0) throw new Error('initialize answered without an Mcp-Session-Id header');
  const note = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const ack = await postAsync(agent, port, headersFor('legacy', note, sid, 'notifications/initialized'), note, timeoutMs);
  if (ack.status !== 202 && ack.status !== 200) throw new Error(`notifications/initialized: HTTP ${ack.status} ${short(ack.body)}`);
  return sid;
}

/** One echo call, fully parsed (pre-flight and liveness checks). */
async function checkedCall(agent: http.Agent, port: number, era: Era, sid: string | undefined, id: number, args: unknown, timeoutMs: number): Promise<{ ok: boolean; rejected: boolean; detail: string }> {
  const body = callBody(era, id, args);
  const ex = await postAsync(agent, port, headersFor(era, body, sid, 'tools/call', 'echo'), body, timeoutMs);
  const msg = messageOf(ex);
  const text = msg?.result?.content?.[0]?.text;
  const ok = ex.status === 200 && msg?.id === id && msg.result !== undefined && msg.result.isError !== true && text === ECHO_TEXT;
  const rejected = msg?.error !== undefined || msg?.result?.isError === true || (ex.status >= 400 && ex.status < 500);
  return { ok, rejected, detail: `HTTP ${ex.status} ${short(ex.body)}` };
}

export function newAgent(connections: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo' });
}

async function start(spec: ServerSpec, nodeFlags: readonly string[], timeoutMs: number): Promise<ServerProcess> {
  const server = new ServerProcess(spec.script, nodeFlags);
  try {
    await server.ready(timeoutMs);
  } catch (err) {
    await server.kill();
    throw err;
  }
  return server;
}

/** Runs one server on one throughput workload. Never throws for server-side problems; always kills the server. */
export async function runThroughput(spec: ServerSpec, era: Era, opts: ThroughputOptions): Promise<Outcome<ThroughputSample>> {
  let server: ServerProcess;
  try {
    server = await start(spec, [], opts.startTimeoutMs);
  } catch (err) {
    return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
  }
  const agent = newAgent(opts.connections);
  try {
    // Pre-flight: one session per lane (legacy), one valid and one invalid call.
    const sessions: (string | undefined)[] = [];
    let rejectsInvalid: boolean;
    try {
      if (era === 'legacy') {
        const opened = await Promise.all(Array.from({ length: opts.connections }, (_, i) => openSession(agent, server.port, opts.startTimeoutMs, i + 1)));
        sessions.push(...opened);
        if (new Set(opened).size !== opened.length) throw new Error('two sessions got the same Mcp-Session-Id');
      } else {
        for (let i = 0; i < opts.connections; i++) sessions.push(undefined);
      }
      const valid = await checkedCall(agent, server.port, era, sessions[0], 100, { text: ECHO_TEXT }, opts.startTimeoutMs);
      if (!valid.ok) throw new Error(`valid echo call failed: ${valid.detail}`);
      const invalid = await checkedCall(agent, server.port, era, sessions[0], 101, { text: 42 }, opts.startTimeoutMs);
      rejectsInvalid = invalid.rejected;
    } catch (err) {
      return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
    }
    return await load(server, agent, era, sessions, opts, rejectsInvalid, spec.profileFile);
  } finally {
    agent.destroy();
    await server.kill();
  }
}

function load(
  server: ServerProcess,
  agent: http.Agent,
  era: Era,
  sessions: readonly (string | undefined)[],
  opts: ThroughputOptions,
  rejectsInvalid: boolean,
  profileFile: string | undefined,
): Promise<Outcome<ThroughputSample>> {
  // Pre-serialised body: prefix + id + suffix; headers built once per lane.
  const MARK = 987654321;
  const template = callBody(era, MARK, { text: ECHO_TEXT });
  const cut = template.indexOf(String(MARK));
  const prefix = template.slice(0, cut);
  const suffix = template.slice(cut + String(MARK).length);

  let nextId = 1000;
  let sending = true;
  let measuring = false;
  let completed = 0;
  let errors = 0;
  let inflight = 0;
  let firstError: string | undefined;
  let lastResponseAt = performance.now();
  let lat = new Float64Array(1 << 16);
  let latN = 0;

  const noteError = (what: string): void => {
    errors++;
    if (firstError === undefined) firstError = short(what, 400);
  };

  return new Promise<Outcome<ThroughputSample>>((resolve) => {
    let done = false;
    let cpuStart: number | null = null;
    let lgStart = process.cpuUsage();
    let machineStart: ReturnType<typeof machineCpuUs> = null;
    let tStart = 0;

    const lane = (sid: string | undefined): void => {
      // Every body of this lane has the same length (ids have a fixed digit count within a run),
      // but the header object is rebuilt only when the length changes.
      let headers: OutgoingHttpHeaders | undefined;
      let headersLen = -1;
      const next = (): void => {
        if (!sending) return;
        const id = nextId++;
        const body = prefix + id + suffix;
        if (body.length !== headersLen) {
          headers = headersFor(era, body, sid, 'tools/call', 'echo');
          headersLen = body.length;
        }
        const sent = performance.now();
        inflight++;
        post(agent, server.port, headers as OutgoingHttpHeaders, body, 0, (err, ex) => {
          inflight--;
          if (done) return;
          const now = performance.now();
          lastResponseAt = now;
          if (err) {
            noteError(`transport error: ${err.message}`);
          } else {
            const b = (ex as Exchange).body;
            if ((ex as Exchange).status !== 200 || b.indexOf('"result"') === -1 || b.indexOf('"isError":true') !== -1 || b.indexOf(`"id":${id}`) === -1) {
              noteError(`HTTP ${(ex as Exchange).status} ${b}`);
            } else if (measuring) {
              completed++;
              if (latN === lat.length) {
                const bigger = new Float64Array(lat.length * 2);
                bigger.set(lat);
                lat = bigger;
              }
              lat[latN++] = now - sent;
            }
          }
          next();
        });
      };
      next();
    };

    const finish = (outcome: Outcome<ThroughputSample>): void => {
      if (done) return;
      done = true;
      sending = false;
      measuring = false;
      clearTimeout(warmTimer);
      clearTimeout(endTimer);
      clearInterval(stallTimer);
      server.onExit = () => {};
      resolve(outcome);
    };

    server.onExit = () => finish({ kind: 'failed', reason: `${server.failure} (during the run)`, errors });

    const warmTimer = setTimeout(() => {
      if (profileFile !== undefined) server.profileStart().catch((err: unknown) => noteError(`profiler: ${String(err)}`));
      cpuStart = processCpuUs(server.pid);
      lgStart = process.cpuUsage();
      machineStart = machineCpuUs();
      tStart = performance.now();
      measuring = true;
    }, opts.warmupMs);

    const endTimer = setTimeout(() => {
      const tEnd = performance.now();
      const cpuEnd = processCpuUs(server.pid);
      const lg = process.cpuUsage(lgStart);
      const machineEnd = machineCpuUs();
      const calls = completed;
      const seconds = (tEnd - tStart) / 1000;
      if (calls === 0) {
        finish({ kind: 'failed', reason: `no call completed during the measured phase${firstError ? ` (first error: ${firstError})` : ''}`, errors });
        return;
      }
      const sorted = lat.slice(0, latN).sort();
      const sample: ThroughputSample = {
        calls,
        seconds,
        callsPerSec: calls / seconds,
        serverCpuUsPerCall: cpuStart !== null && cpuEnd !== null ? (cpuEnd - cpuStart) / calls : null,
        loadgenCpuUsPerCall: (lg.user + lg.system) / calls,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        errors,
        rejectsInvalid,
        otherCpuPct: null,
        irqPct: null,
        stealPct: null,
      };
      if (machineStart !== null && machineEnd !== null && cpuStart !== null && cpuEnd !== null) {
        const capacity = (tEnd - tStart) * 1000 * os.cpus().length;
        const other = machineEnd.task - machineStart.task - (cpuEnd - cpuStart) - (lg.user + lg.system);
        sample.otherCpuPct = Math.max(0, (100 * other) / capacity);
        sample.irqPct = (100 * (machineEnd.irq - machineStart.irq)) / capacity;
        sample.stealPct = (100 * (machineEnd.steal - machineStart.steal)) / capacity;
      }
      if (firstError !== undefined) sample.firstError = firstError;
      if (profileFile === undefined) finish({ kind: 'ok', sample });
      else {
        sending = false;
        server.profileStop(profileFile).then(
          () => finish({ kind: 'ok', sample }),
          (err: unknown) => finish({ kind: 'failed', reason: `profiler: ${err instanceof Error ? err.message : String(err)}`, errors }),
        );
      }
    }, opts.warmupMs + opts.measureMs);

    const stallTimer = setInterval(() => {
      if (inflight > 0 && performance.now() - lastResponseAt > opts.stallMs) {
        finish({
          kind: 'failed',
          reason: `stalled: no response for ${opts.stallMs} ms with ${inflight} requests outstanding${server.stderr ? `; stderr: ${short(server.stderr)}` : ''}`,
          errors,
        });
      }
    }, 250);

    lastResponseAt = performance.now();
    for (const sid of sessions) lane(sid);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function reading(server: ServerProcess): Promise<MemoryReading> {
  const s: ServerStats = await server.stats();
  return { rssKiB: vmRssKiB(server.pid), heapUsedKiB: s.heapUsed / 1024, externalKiB: s.external / 1024, sessions: s.sessions };
}

/** GC (when exposed), settle, then two readings `settleMs / 2` apart. */
async function settledReadings(server: ServerProcess, settleMs: number): Promise<{ gc: boolean; readings: MemoryReading[] }> {
  const gc = await server.gc();
  await sleep(settleMs);
  const first = await reading(server);
  await sleep(Math.max(100, settleMs / 2));
  if (gc) await server.gc();
  const second = await reading(server);
  return { gc, readings: [first, second] };
}

/** Opens `count` sessions with `connections` concurrent handshakes; resolves with their ids in opening order. */
export async function openMany(agent: http.Agent, server: ServerProcess, count: number, connections: number, timeoutMs: number, firstId: number): Promise<string[]> {
  const ids: string[] = new Array<string>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      ids[i] = await openSession(agent, server.port, timeoutMs, firstId + i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(connections, count) }, worker));
  return ids;
}

/**
 * Idle-session memory, in three readings (each after a forced GC and a settle
 * delay, taken twice): after `primeSessions`, after `sessions` more, after
 * `sessions` more again. The sessions stay open and idle throughout, and the
 * connections are closed before each reading so that only session state
 * differs. Afterwards, checks that the first and the last opened session still
 * answer (nothing was evicted).
 */
export async function runIdleSessions(spec: ServerSpec, opts: IdleOptions): Promise<Outcome<IdleSample>> {
  let server: ServerProcess;
  try {
    server = await start(spec, ['--expose-gc'], opts.startTimeoutMs);
  } catch (err) {
    return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
  }
  let agent = newAgent(opts.connections);
  let crashed = false;
  server.onExit = () => {
    crashed = true;
  };
  const why = (err: unknown): string => (crashed ? server.failure : err instanceof Error ? err.message : String(err));
  try {
    let firstSession: string | undefined;
    try {
      const prime = await openMany(agent, server, opts.primeSessions, opts.connections, opts.startTimeoutMs, 1);
      firstSession = prime[0];
      const check = await checkedCall(agent, server.port, 'legacy', firstSession, 900_000, { text: ECHO_TEXT }, opts.startTimeoutMs);
      if (!check.ok) throw new Error(`valid echo call failed: ${check.detail}`);
    } catch (err) {
      return { kind: 'unavailable', reason: why(err) };
    }
    const readingAfter = async (): Promise<{ gc: boolean; readings: MemoryReading[] }> => {
      agent.destroy();
      await sleep(200);
      const r = await settledReadings(server, opts.settleMs);
      agent = newAgent(opts.connections);
      return r;
    };
    // A stall is any exchange not answered within stallMs (post timeouts), or a step running past a
    // generous bound.
    const step = async (firstId: number): Promise<string[]> => {
      const bound = Math.max(opts.stallMs, opts.sessions * 20);
      let boundTimer: NodeJS.Timeout | undefined;
      return Promise.race([
        openMany(agent, server, opts.sessions, opts.connections, opts.stallMs, firstId),
        new Promise<never>((_, reject) => {
          boundTimer = setTimeout(() => reject(new Error(`stalled: opening ${opts.sessions} sessions took more than ${bound} ms`)), bound);
        }),
      ]).finally(() => clearTimeout(boundTimer));
    };
    let lastSession: string | undefined;
    let r0: { gc: boolean; readings: MemoryReading[] };
    let r1: { gc: boolean; readings: MemoryReading[] };
    let r2: { gc: boolean; readings: MemoryReading[] };
    let openSeconds = 0;
    try {
      r0 = await readingAfter();
      await step(10_000);
      r1 = await readingAfter();
      const t0 = performance.now();
      const opened = await step(10_000 + opts.sessions);
      openSeconds = (performance.now() - t0) / 1000;
      lastSession = opened[opened.length - 1];
      r2 = await readingAfter();
    } catch (err) {
      return { kind: 'failed', reason: why(err), errors: 1 };
    }

    // Liveness after the readings (these calls allocate; nothing is measured after them).
    let alive = true;
    for (const sid of [firstSession, lastSession]) {
      try {
        const r = await checkedCall(agent, server.port, 'legacy', sid, 900_001, { text: ECHO_TEXT }, opts.stallMs);
        if (!r.ok) alive = false;
      } catch {
        alive = false;
      }
    }
    const last = (rs: MemoryReading[]): MemoryReading => rs[rs.length - 1] as MemoryReading;
    const perSession = (a: MemoryReading, b: MemoryReading): number | null => (a.rssKiB !== null && b.rssKiB !== null ? (b.rssKiB - a.rssKiB) / opts.sessions : null);
    const p = last(r0.readings);
    const s1 = last(r1.readings);
    const s2 = last(r2.readings);
    return {
      kind: 'ok',
      sample: {
        sessionsPerStep: opts.sessions,
        kibPerSession: perSession(s1, s2),
        heapKibPerSession: (s2.heapUsedKiB - s1.heapUsedKiB) / opts.sessions,
        firstStepKibPerSession: perSession(p, s1),
        firstStepHeapKibPerSession: (s1.heapUsedKiB - p.heapUsedKiB) / opts.sessions,
        readings: { prime: r0.readings, step1: r1.readings, step2: r2.readings },
        sessionsReported: s2.sessions,
        sessionsExpected: opts.primeSessions + 2 * opts.sessions,
        sessionsAlive: alive,
        gcForced: r0.gc && r1.gc && r2.gc,
        openSeconds,
      },
    };
  } catch (err) {
    return { kind: 'failed', reason: why(err), errors: 1 };
  } finally {
    agent.destroy();
    await server.kill();
  }
}
