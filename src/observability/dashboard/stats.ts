/**
 * Live statistics for the dashboard: one {@link Snapshot} per second, computed from the velomcp channels and
 * the process (memory, CPU, event-loop delay). Percentiles come from the exact durations of the last second
 * (the Prometheus histograms' coarse buckets are for aggregation across processes, not for this view).
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { subscribe, type ServerRequestEvent } from '../channels.js';

/** Latency percentiles over one window, in milliseconds; null when nothing completed in it. */
export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** What the dashboard shows for one second. */
export interface Snapshot {
  /** Unix time in milliseconds at the end of the window. */
  time: number;
  /** Requests completed in the window, per second. */
  callsPerSecond: number;
  /** Requests that ended in an error (JSON-RPC error, tool error, cancelled) in the window, per second. */
  errorsPerSecond: number;
  /** Requests completed since the dashboard started. */
  totalCalls: number;
  totalErrors: number;
  /** Errors since start by error.type. */
  errorsByType: Record<string, number>;
  /** Latency over every request of the window. */
  latency: Percentiles;
  /** Latency of the window by `mcp.method.name`. */
  byMethod: Record<string, Percentiles>;
  /** Latency of the window by tool name (`tools/call` only). */
  byTool: Record<string, Percentiles>;
  sessions: number;
  connections: Record<string, number>;
  inFlight: number;
  /** Items waiting in every queue that published its depth (`velomcp:server:queue`); null until one does. */
  queueDepth: number | null;
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay over the window, in milliseconds. */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** Process CPU over the window, percent of one core. */
  cpuPercent: number;
}

function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: null, p95: null, p99: null };
  values.sort((a, b) => a - b);
  const at = (q: number): number => values[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)] as number;
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  return { count: values.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)) };
}

/** Options of {@link LiveStats}. */
export interface LiveStatsOptions {
  /** Window length in milliseconds. Default 1000. */
  intervalMs?: number;
  /** Snapshots kept for clients that connect later. Default 300 (five minutes). */
  history?: number;
}

/** Collects {@link Snapshot}s until {@link LiveStats.close}; `onSnapshot` hears each one. */
export class LiveStats {
  readonly history: Snapshot[] = [];
  onSnapshot: ((s: Snapshot) => void) | undefined;
  readonly #keep: number;
  readonly #intervalMs: number;
  #all: number[] = [];
  #methods = new Map<string, number[]>();
  #tools = new Map<string, number[]>();
  #windowErrors = 0;
  #totalCalls = 0;
  #totalErrors = 0;
  readonly #errorsByType: Record<string, number> = {};
  #sessions = 0;
  #inFlight = 0;
  readonly #connections: Record<string, number> = {};
  readonly #queues = new Map<string, number>();
  readonly #delay: IntervalHistogram;
  #cpu = process.cpuUsage();
  #last = performance.now();
  readonly #timer: NodeJS.Timeout;
  readonly #off: () => void;

  constructor(options: LiveStatsOptions = {}) {
    this.#keep = options.history ?? 300;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#delay = monitorEventLoopDelay({ resolution: 10 });
    this.#delay.enable();
    this.#off = subscribe({
      requestStart: () => void this.#inFlight++,
      requestEnd: (e) => this.#onEnd(e),
      sessionOpen: () => void this.#sessions++,
      sessionClose: () => void this.#sessions--,
      connectionOpen: (e) => void (this.#connections[e.transport] = (this.#connections[e.transport] ?? 0) + 1),
      connectionClose: (e) => void (this.#connections[e.transport] = (this.#connections[e.transport] ?? 1) - 1),
      queue: (e) => void this.#queues.set(e.queue, e.depth),
    });
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref();
  }

  #onEnd(e: ServerRequestEvent): void {
    this.#inFlight--;
    const ms = (e.duration ?? 0) * 1000;
    this.#all.push(ms);
    let m = this.#methods.get(e.method);
    if (!m) this.#methods.set(e.method, (m = []));
    m.push(ms);
    if (e.targetKind === 'tool' && e.target !== undefined) {
      let t = this.#tools.get(e.target);
      if (!t) this.#tools.set(e.target, (t = []));
      t.push(ms);
    }
    this.#totalCalls++;
    if (e.outcome !== 'ok') {
      this.#windowErrors++;
      this.#totalErrors++;
      const type = e.outcome === 'error' ? String(e.error?.code ?? '_OTHER') : (e.outcome ?? '_OTHER');
      this.#errorsByType[type] = (this.#errorsByType[type] ?? 0) + 1;
    }
  }

  #tick(): void {
    const now = performance.now();
    const seconds = Math.max(0.001, (now - this.#last) / 1000);
    this.#last = now;
    const cpu = process.cpuUsage(this.#cpu);
    this.#cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const byMethod: Record<string, Percentiles> = {};
    for (const [k, v] of this.#methods) byMethod[k] = percentiles(v);
    const byTool: Record<string, Percentiles> = {};
    for (const [k, v] of this.#tools) byTool[k] = percentiles(v);
    const calls = this.#all.length;
    const snapshot: Snapshot = {
      time: Date.now(),
      callsPerSecond: Math.round((calls / seconds) * 10) / 10,
      errorsPerSecond: Math.round((this.#windowErrors / seconds) * 10) / 10,
      totalCalls: this.#totalCalls,
      totalErrors: this.#totalErrors,
      errorsByType: { ...this.#errorsByType },
      latency: percentiles(this.#all),
      byMethod,
      byTool,
      sessions: this.#sessions,
      connections: { ...this.#connections },
      inFlight: this.#inFlight,
      queueDepth: this.#queues.size === 0 ? null : [...this.#queues.values()].reduce((a, b) => a + b, 0),
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      eventLoopDelayP99Ms: Math.round(this.#delay.percentile(99) / 1e4) / 100,
      eventLoopDelayMaxMs: Math.round(this.#delay.max / 1e4) / 100,
      cpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / seconds) * 1000) / 10,
    };
    this.#delay.reset();
    this.#all = [];
    this.#methods = new Map();
    this.#tools = new Map();
    this.#windowErrors = 0;
    this.history.push(snapshot);
    if (this.history.length > this.#keep) this.history.shift();
    this.onSnapshot?.(snapshot);
  }

  /** Stops collecting. */
  close(): void {
    clearInterval(this.#timer);
    this.#delay.disable();
    this.#off();
  }
}
