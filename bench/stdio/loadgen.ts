/**
 * Raw stdio load generator for MCP `tools/call` (no SDK on the client side).
 *
 * One call of {@link runEntry} = one server process, one workload:
 *   1. spawn `process.execPath <script>` directly (so the child pid IS the server),
 *   2. pre-flight with full JSON parsing: `initialize` (legacy era only), one
 *      valid call whose answer is checked exactly, and the workload's invalid
 *      argument sets (recording whether the server rejects them),
 *   3. keep exactly `inflight` requests outstanding (each response immediately
 *      releases one new request; the requests released by one stdout chunk are
 *      written with a single write) through a warm-up then a measured phase,
 *   4. sample `/proc/<pid>/stat` utime+stime at the start and the end of the
 *      measured phase, then kill the child and wait for it to exit.
 *
 * The hot path only scans each response line for its top-level `"id":` and for
 * `"result"` / `"isError":true`; the request line is serialised once and only
 * the id is spliced in.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { processCpuUs } from '../shared/proc.js';
import { percentile } from '../shared/stats.js';

export type Era = 'legacy' | 'modern';

export interface EntrySpec {
  /** Name in the report (e.g. `sdk-v2-modern`). */
  name: string;
  /** Absolute path of the compiled server script. */
  script: string;
  /** `legacy`: `initialize` first; `modern`: no initialize, every request carries the 2026-07-28 `_meta` envelope. */
  era: Era;
}

export interface Workload {
  name: string;
  tool: string;
  arguments: unknown;
  /** The text the valid call must answer with. */
  expectText: string;
  /** Argument sets a validating server must reject. */
  invalidArguments: readonly unknown[];
}

export interface LoadOptions {
  warmupMs: number;
  measureMs: number;
  inflight: number;
  /** Abort the entry when nothing is answered for this long while requests are outstanding. */
  stallMs: number;
  /** Bound on the pre-flight (process start + initialize + probes). */
  startTimeoutMs: number;
}

export interface Sample {
  calls: number;
  seconds: number;
  callsPerSec: number;
  /** null when /proc is unavailable. */
  serverCpuUsPerCall: number | null;
  /** CPU of this (generator) process over the same window: tells whether the generator itself is the bottleneck. */
  loadgenCpuUsPerCall: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses without a `result`, or with `isError: true`, or with an unknown id, during warm-up + measurement. */
  errors: number;
  firstError?: string;
  /** Whether every invalid argument set was rejected (JSON-RPC error or `isError: true`). */
  rejectsInvalid: boolean;
}

export type EntryOutcome =
  | { kind: 'ok'; sample: Sample }
  /** The server could not be started or did not pass the pre-flight: skipped, not a harness failure. */
  | { kind: 'unavailable'; reason: string }
  /** The server started but the measured run failed (stall, crash). */
  | { kind: 'failed'; reason: string; errors: number };

export const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
} as const;

export const LEGACY_PROTOCOL_VERSION = '2025-11-25';

function buildRequest(id: number, method: string, params: Record<string, unknown>, era: Era): string {
  const p = era === 'modern' ? { ...params, _meta: MODERN_META } : params;
  return JSON.stringify({ jsonrpc: '2.0', id, method, params: p }) + '\n';
}

/** Parses the integer following the first top-level `"id":` of a response line; -1 when absent/non-integer. */
function scanId(line: string): number {
  const k = line.indexOf('"id":');
  if (k === -1) return -1;
  let i = k + 5;
  while (line.charCodeAt(i) === 32) i++;
  let n = 0;
  let digits = 0;
  for (;;) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    i++;
    digits++;
  }
  return digits === 0 ? -1 : n;
}

function tail(s: string, max = 600): string {
  const t = s.trim();
  return t.length > max ? '…' + t.slice(-max) : t;
}

/** The most telling line of a crashed child's stderr (the `Error ...:` line if any). */
function stderrReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const errLine = lines.find((l) => /^(\w*Error|Error)\b/.test(l) || /Error \[/.test(l));
  return errLine ?? tail(stderr, 300);
}

class Child {
  readonly proc: ChildProcessWithoutNullStreams;
  stderr = '';
  exited = false;
  exitInfo = '';
  private readonly exitPromise: Promise<void>;
  /** Current line consumer (swapped between pre-flight and load phases). */
  onLine: (line: string) => void = () => {};
  onExit: () => void = () => {};
  private partial = '';

  constructor(script: string) {
    this.proc = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (d: string) => {
      this.stderr += d;
      if (this.stderr.length > 16_384) this.stderr = this.stderr.slice(-8_192);
    });
    // EPIPE when the child died: reported through the exit path instead.
    this.proc.stdin.on('error', () => {});
    this.proc.on('error', (err) => {
      this.stderr += `\nspawn error: ${err.message}`;
    });
    this.exitPromise = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exited = true;
        this.exitInfo = signal !== null ? `signal ${signal}` : `exit code ${String(code)}`;
        this.onExit();
        resolve();
      });
    });
    this.proc.stdout.on('data', (chunk: string) => this.onChunk(chunk));
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  private onChunk(chunk: string): void {
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      this.partial += chunk;
      return;
    }
    if (this.partial.length > 0) {
      const first = this.partial + chunk.slice(0, nl);
      this.partial = '';
      if (first.length > 0) this.onLine(first);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    while (nl !== -1) {
      if (nl > start) this.onLine(chunk.slice(start, nl));
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.partial = chunk.slice(start);
    this.afterChunk();
  }

  /** Called once per stdout chunk after all its lines (the load phase flushes its writes here). */
  afterChunk: () => void = () => {};

  write(s: string): void {
    if (!this.exited) this.proc.stdin.write(s);
  }

  /** Kill (SIGKILL, by our own child's pid) and wait for the exit, bounded. */
  async kill(): Promise<void> {
    if (!this.exited) {
      try {
        this.proc.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await Promise.race([this.exitPromise, new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  /** Full-parse request/response, for the pre-flight only. */
  request(line: string, id: number, timeoutMs: number): Promise<Record<string, any>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no answer to request ${id} within ${timeoutMs} ms${this.stderr ? `; stderr: ${stderrReason(this.stderr)}` : ''}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.onLine = () => {};
        this.onExit = () => {};
      };
      this.onExit = () => {
        cleanup();
        reject(new Error(`server exited (${this.exitInfo}) before answering: ${stderrReason(this.stderr) || 'no stderr'}`));
      };
      this.onLine = (l) => {
        let msg: unknown;
        try {
          msg = JSON.parse(l);
        } catch {
          return; // not ours (a stray log line on stdout would be a server bug; ignore in pre-flight)
        }
        if (typeof msg === 'object' && msg !== null && (msg as { id?: unknown }).id === id && !('method' in msg)) {
          cleanup();
          resolve(msg as Record<string, any>);
        }
      };
      if (this.exited) this.onExit();
      else this.write(line);
    });
  }
}

function describeError(msg: Record<string, any>): string {
  if (msg.error !== undefined) return `JSON-RPC error ${JSON.stringify(msg.error).slice(0, 300)}`;
  return `unexpected result ${JSON.stringify(msg.result).slice(0, 300)}`;
}

async function preflight(child: Child, spec: EntrySpec, workload: Workload, opts: LoadOptions): Promise<boolean> {
  const deadline = Date.now() + opts.startTimeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  let id = 1;
  if (spec.era === 'legacy') {
    const init = await child.request(
      buildRequest(id, 'initialize', {
        protocolVersion: LEGACY_PROTOCOL_VERSION,
        capabilities: {},
        clientInfo: { name: 'velomcp-bench-loadgen', version: '1.0.0' },
      }, 'legacy'),
      id,
      left(),
    );
    if (init.result === undefined || typeof init.result.protocolVersion !== 'string') {
      throw new Error(`initialize failed: ${describeError(init)}`);
    }
    child.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
  }
  id++;
  const valid = await child.request(
    buildRequest(id, 'tools/call', { name: workload.tool, arguments: workload.arguments }, spec.era),
    id,
    left(),
  );
  const content = valid.result?.content;
  const text = Array.isArray(content) ? content[0]?.text : undefined;
  if (valid.result === undefined || valid.result.isError === true || text !== workload.expectText) {
    throw new Error(`valid ${workload.tool} call failed: ${describeError(valid)}`);
  }
  let rejectsAll = true;
  for (const args of workload.invalidArguments) {
    id++;
    const r = await child.request(buildRequest(id, 'tools/call', { name: workload.tool, arguments: args }, spec.era), id, left());
    const rejected = r.error !== undefined || r.result?.isError === true;
    if (!rejected) rejectsAll = false;
  }
  return rejectsAll;
}

/** Runs one server on one workload. Never throws for server-side problems; always reaps the child. */
export async function runEntry(spec: EntrySpec, workload: Workload, opts: LoadOptions): Promise<EntryOutcome> {
  const child = new Child(spec.script);
  let rejectsInvalid: boolean;
  try {
    rejectsInvalid = await preflight(child, spec, workload, opts);
  } catch (err) {
    await child.kill();
    return { kind: 'unavailable', reason: err instanceof Error ? err.message : String(err) };
  }
  try {
    return await load(child, spec, workload, opts, rejectsInvalid);
  } finally {
    await child.kill();
  }
}

function load(child: Child, spec: EntrySpec, workload: Workload, opts: LoadOptions, rejectsInvalid: boolean): Promise<EntryOutcome> {
  // Pre-serialised request: prefix + id + suffix.
  const MARK = 987654321;
  const template = buildRequest(MARK, 'tools/call', { name: workload.tool, arguments: workload.arguments }, spec.era);
  const cut = template.indexOf(String(MARK));
  const prefix = template.slice(0, cut);
  const suffix = template.slice(cut + String(MARK).length);

  const pending = new Map<number, number>(); // id -> send time (ms, performance.now)
  let nextId = 1000;
  let outbox = '';
  let sending = true;
  let measuring = false;
  let completed = 0;
  let errors = 0;
  let firstError: string | undefined;
  let lastResponseAt = performance.now();

  let lat = new Float64Array(1 << 16);
  let latN = 0;

  const enqueue = (): void => {
    const id = nextId++;
    pending.set(id, performance.now());
    outbox += prefix + id + suffix;
  };
  const noteError = (line: string): void => {
    errors++;
    if (firstError === undefined) firstError = line.slice(0, 400);
  };

  child.onLine = (line) => {
    let id = scanId(line);
    let sent = id === -1 ? undefined : pending.get(id);
    if (sent === undefined) {
      // Slow path: nested "id" key before the top-level one, a string id, a notification, or a server request.
      let msg: any;
      try {
        msg = JSON.parse(line);
      } catch {
        noteError(`unparseable line: ${line}`);
        return;
      }
      if (msg === null || typeof msg !== 'object' || 'method' in msg) return; // notification / server->client request
      id = typeof msg.id === 'number' ? msg.id : -1;
      sent = pending.get(id);
      if (sent === undefined) {
        noteError(`response with unknown id: ${line}`);
        return;
      }
    }
    pending.delete(id);
    const now = performance.now();
    lastResponseAt = now;
    if (line.indexOf('"result"') === -1 || line.indexOf('"isError":true') !== -1) noteError(line);
    if (measuring) {
      completed++;
      if (latN === lat.length) {
        const bigger = new Float64Array(lat.length * 2);
        bigger.set(lat);
        lat = bigger;
      }
      lat[latN++] = now - sent;
    }
    if (sending) enqueue();
  };
  child.afterChunk = () => {
    if (outbox.length > 0) {
      child.write(outbox);
      outbox = '';
    }
  };

  return new Promise<EntryOutcome>((resolve) => {
    let done = false;
    let cpuStart: number | null = null;
    let lgStart: NodeJS.CpuUsage = process.cpuUsage();
    let tStart = 0;

    const finish = (outcome: EntryOutcome): void => {
      if (done) return;
      done = true;
      sending = false;
      measuring = false;
      clearTimeout(warmTimer);
      clearTimeout(endTimer);
      clearInterval(stallTimer);
      child.onLine = () => {};
      child.afterChunk = () => {};
      child.onExit = () => {};
      resolve(outcome);
    };

    child.onExit = () => {
      finish({ kind: 'failed', reason: `server exited (${child.exitInfo}) during the run: ${stderrReason(child.stderr) || 'no stderr'}`, errors });
    };

    const warmTimer = setTimeout(() => {
      cpuStart = processCpuUs(child.pid);
      lgStart = process.cpuUsage();
      tStart = performance.now();
      measuring = true;
    }, opts.warmupMs);

    const endTimer = setTimeout(() => {
      const tEnd = performance.now();
      const cpuEnd = processCpuUs(child.pid);
      const lg = process.cpuUsage(lgStart);
      const calls = completed;
      const seconds = (tEnd - tStart) / 1000;
      if (calls === 0) {
        finish({ kind: 'failed', reason: 'no call completed during the measured phase', errors });
        return;
      }
      const sorted = lat.slice(0, latN).sort();
      const sample: Sample = {
        calls,
        seconds,
        callsPerSec: calls / seconds,
        serverCpuUsPerCall: cpuStart !== null && cpuEnd !== null ? (cpuEnd - cpuStart) / calls : null,
        loadgenCpuUsPerCall: (lg.user + lg.system) / calls,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        errors,
        rejectsInvalid,
      };
      if (firstError !== undefined) sample.firstError = firstError;
      finish({ kind: 'ok', sample });
    }, opts.warmupMs + opts.measureMs);

    const stallTimer = setInterval(() => {
      if (pending.size > 0 && performance.now() - lastResponseAt > opts.stallMs) {
        finish({
          kind: 'failed',
          reason: `stalled: no response for ${opts.stallMs} ms with ${pending.size} requests outstanding${child.stderr ? `; stderr: ${stderrReason(child.stderr)}` : ''}`,
          errors,
        });
      }
    }, 250);

    lastResponseAt = performance.now();
    for (let i = 0; i < opts.inflight; i++) enqueue();
    child.afterChunk();
  });
}
