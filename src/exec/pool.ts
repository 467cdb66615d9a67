/**
 * A worker-thread pool for CPU-bound tools, on piscina: bounded threads and a bounded queue, per-call
 * timeouts, cancellation that reaches the worker (and terminates it when the work does not stop), and
 * progress and log messages relayed from the worker to the caller.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { VeloError } from '../jsonrpc/errors.js';
import type { JsonRpcId } from '../jsonrpc/message.js';
import type { LoggingLevel, Meta } from '../protocol/types.js';
import type { InputRequests, InputResponses } from '../server/input.js';
import type { MainMessage, WorkerMessage, WorkerOutcome, WorkerTask } from './worker-protocol.js';

const ENTRY = new URL('./worker-entry.js', import.meta.url);

/** Options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** Most worker threads. Default: `os.availableParallelism()`. */
  maxThreads?: number;
  /** Threads kept alive when idle. Default 1. */
  minThreads?: number;
  /** Most calls waiting for a free thread; past it `run` throws `VELO_QUEUE_FULL`. Default `maxThreads * 64`. */
  maxQueue?: number;
  /** Idle threads above `minThreads` exit after this many ms. Default 30 000. */
  idleTimeoutMs?: number;
  /**
   * After a running call is cancelled or times out, how long the worker may take to stop on its own (its
   * `ctx.signal` is aborted first) before its thread is terminated and replaced. Default 0: terminate at
   * once, so the slot is free at once. Raise it for tools that clean up when signalled.
   */
  cancelGraceMs?: number;
  /**
   * Linux: added to the worker threads' nice value (0–19), so the OS runs the event loop thread (I/O,
   * pings, small requests) ahead of CPU-bound tool work when cores are short. Default 0 (off).
   */
  niceIncrement?: number;
  /** V8 heap limits of each worker thread. */
  resourceLimits?: ResourceLimits;
}

/** One call's options. */
export interface WorkerRunOptions {
  /** Cancels the call: removes it from the queue, or signals and then stops its worker. */
  signal?: AbortSignal;
  /** Fails the call with `VELO_WORKER_TIMEOUT` after this many ms (queue wait included). */
  timeoutMs?: number;
  /** Overrides the pool's `cancelGraceMs` for this call. */
  cancelGraceMs?: number;
  /** Receives the worker's `ctx.progress` calls. */
  onProgress?: (progress: number, total?: number, message?: string) => void;
  /** Receives the worker's `ctx.log` calls. */
  onLog?: (level: LoggingLevel, data: unknown, logger?: string) => void;
  /**
   * Serves the worker's `ctx.input()`. A resolved value goes back to the worker; a rejection ends the call:
   * the worker is stopped and `run` rejects with that same error (so an MRTR `input_required` signal
   * thrown by the main thread's `ctx.input()` propagates as is). Without it, `ctx.input()` rejects.
   */
  onInput?: (requests: InputRequests) => Promise<InputResponses>;
  /** Passed to the worker as `ctx.meta`. Must be structured-cloneable. */
  meta?: Meta;
  /** Passed to the worker as `ctx.requestId`. */
  requestId?: JsonRpcId;
}

/** What a worker function to run is: a module URL (or path) and an export name. */
export interface WorkerFunctionRef {
  /** `file:` URL or absolute path of an ES module, e.g. `new URL('./burn.js', import.meta.url)`. */
  module: string | URL;
  /** The export to call. Default `'default'`. */
  export?: string;
}

/** Gauges and counters of a pool, for metrics. Times in milliseconds. */
export interface WorkerPoolStats {
  /** Live worker threads. */
  threads: number;
  maxThreads: number;
  /** Calls running now. */
  running: number;
  /** Calls waiting for a thread. */
  queued: number;
  maxQueue: number;
  /** Calls finished (any outcome). */
  completed: number;
  /** Calls refused because the queue was full. */
  rejected: number;
  /** Calls ended by their timeout. */
  timedOut: number;
  /** Calls cancelled by their signal. */
  cancelled: number;
  /** Calls lost to a crashed worker thread. */
  crashed: number;
  /** Fraction of thread time spent on calls since start (piscina's utilization). */
  utilization: number;
}

/** A failed run: the tool function threw inside the worker (not a crash). */
export class WorkerToolError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name === 'Error' ? 'WorkerToolError' : name;
  }
}

function hrefOf(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module)) return module;
  return new URL(`file://${module.startsWith('/') ? '' : '/'}${module}`).href;
}

function positive(name: string, v: number | undefined, allowZero = false): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new VeloError('VELO_INVALID_CONFIG', `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(v)}`);
  }
}

/**
 * A pool of worker threads that runs exported functions of ES modules.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ maxThreads: 2 });
 * const out = await pool.run({ module: new URL('./burn.js', import.meta.url), export: 'burn' }, { ms: 50 }, { timeoutMs: 1000 });
 * ```
 */
export class WorkerPool {
  readonly maxThreads: number;
  readonly maxQueue: number;
  readonly cancelGraceMs: number;
  readonly #piscina: Piscina;
  #running = 0;
  #completed = 0;
  #rejected = 0;
  #timedOut = 0;
  #cancelled = 0;
  #crashed = 0;
  #closed = false;

  /** @throws VeloError `VELO_INVALID_CONFIG` for non-positive sizes. */
  constructor(options: WorkerPoolOptions = {}) {
    positive('maxThreads', options.maxThreads);
    positive('minThreads', options.minThreads, true);
    positive('maxQueue', options.maxQueue, true);
    positive('idleTimeoutMs', options.idleTimeoutMs, true);
    positive('cancelGraceMs', options.cancelGraceMs, true);
    positive('niceIncrement', options.niceIncrement, true);
    this.maxThreads = Math.floor(options.maxThreads ?? Math.max(1, availableParallelism()));
    this.maxQueue = Math.floor(options.maxQueue ?? this.maxThreads * 64);
    this.cancelGraceMs = options.cancelGraceMs ?? 0;
    this.#piscina = new Piscina({
      filename: ENTRY.href,
      maxThreads: this.maxThreads,
      minThreads: Math.min(this.maxThreads, Math.floor(options.minThreads ?? 1)),
      idleTimeout: options.idleTimeoutMs ?? 30_000,
      ...(options.niceIncrement ? { niceIncrement: Math.floor(options.niceIncrement) } : {}),
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    // Crashes are reported through the failing call; the pool replaces the thread itself.
    this.#piscina.on('error', () => {});
  }

  /**
   * Runs `ref` with `args` on a worker thread and resolves with its return value.
   * @throws VeloError `VELO_QUEUE_FULL` (queue at `maxQueue`), `VELO_WORKER_TIMEOUT`, `VELO_REQUEST_CANCELLED`
   * (the signal aborted), `VELO_WORKER_CRASHED` (the thread died; the pool starts a new one),
   * `VELO_CONNECTION_CLOSED` (the pool is closed); {@link WorkerToolError} when the function threw.
   */
  async run(ref: WorkerFunctionRef, args: unknown, options: WorkerRunOptions = {}): Promise<unknown> {
    if (this.#closed) throw new VeloError('VELO_CONNECTION_CLOSED', 'The worker pool is closed');
    const outer = options.signal;
    if (outer?.aborted) {
      this.#cancelled++;
      throw new VeloError('VELO_REQUEST_CANCELLED', 'Cancelled before it started');
    }
    // The bound is ours (calls in flight ≤ threads + queue), so it holds exactly whatever piscina's state.
    if (this.#running >= this.maxThreads + this.maxQueue) {
      this.#rejected++;
      throw new VeloError('VELO_QUEUE_FULL', `The worker pool queue is full (${this.maxQueue} calls waiting)`);
    }
    const { port1, port2 } = new MessageChannel();
    const kill = new AbortController();
    const grace = options.cancelGraceMs ?? this.cancelGraceMs;
    let ended: 'timeout' | 'cancel' | 'input' | undefined;
    let inputError: unknown;
    let graceTimer: NodeJS.Timeout | undefined;
    let started = false;
    const stop = (why: 'timeout' | 'cancel'): void => {
      if (ended) return;
      ended = why;
      const reason = why === 'timeout' ? `timed out after ${options.timeoutMs} ms` : 'cancelled';
      port1.postMessage({ type: 'cancel', reason } satisfies MainMessage);
      // Queued calls leave the queue at once; running ones get the grace period, then their thread ends.
      if (grace === 0 || !started) kill.abort(reason);
      else graceTimer = setTimeout(() => kill.abort(reason), grace);
    };
    const onAbort = (): void => stop('cancel');
    outer?.addEventListener('abort', onAbort, { once: true });
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
    port1.on('message', (m: WorkerMessage) => {
      if (m.type === 'start') started = true;
      else if (m.type === 'progress') options.onProgress?.(m.progress, m.total, m.message);
      else if (m.type === 'log') options.onLog?.(m.level, m.data, m.logger);
      else if (m.type === 'input') {
        const onInput = options.onInput;
        if (!onInput) {
          port1.postMessage({ type: 'inputResult', seq: m.seq, ok: false, error: 'ctx.input() is not available for this call' } satisfies MainMessage);
          return;
        }
        onInput(m.requests).then(
          (value) => {
            if (!ended) port1.postMessage({ type: 'inputResult', seq: m.seq, ok: true, value } satisfies MainMessage);
          },
          (err: unknown) => {
            if (ended) return;
            ended = 'input';
            inputError = err;
            kill.abort('input ended the call');
          },
        );
      }
    });
    const task: WorkerTask = {
      module: hrefOf(ref.module),
      export: ref.export ?? 'default',
      args,
      meta: options.meta ?? {},
      requestId: options.requestId ?? 0,
      port: port2,
    };
    this.#running++;
    let outcome: WorkerOutcome;
    try {
      outcome = (await this.#piscina.run(task, { transferList: [port2], signal: kill.signal })) as WorkerOutcome;
    } catch (err) {
      if (ended === 'input') throw inputError;
      if (ended === 'timeout') {
        this.#timedOut++;
        throw new VeloError('VELO_WORKER_TIMEOUT', `The call timed out after ${options.timeoutMs} ms`, { cause: err });
      }
      if (ended === 'cancel') {
        this.#cancelled++;
        throw new VeloError('VELO_REQUEST_CANCELLED', 'The call was cancelled', { cause: err });
      }
      const message = (err as Error)?.message ?? String(err);
      if (this.#closed) throw new VeloError('VELO_CONNECTION_CLOSED', 'The worker pool is closed', { cause: err });
      this.#crashed++;
      throw new VeloError('VELO_WORKER_CRASHED', `The worker thread crashed: ${message}`, { cause: err });
    } finally {
      this.#running--;
      this.#completed++;
      if (timer) clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      outer?.removeEventListener('abort', onAbort);
      port1.close();
    }
    if (ended === 'input') throw inputError;
    if (ended === 'timeout') {
      // The worker stopped on its own within the grace period; the call still timed out.
      this.#timedOut++;
      throw new VeloError('VELO_WORKER_TIMEOUT', `The call timed out after ${options.timeoutMs} ms`);
    }
    if (ended === 'cancel') {
      this.#cancelled++;
      throw new VeloError('VELO_REQUEST_CANCELLED', 'The call was cancelled');
    }
    if (!outcome.ok) throw new WorkerToolError(outcome.error.name, outcome.error.message);
    return outcome.result;
  }

  /** A snapshot of the pool's gauges and counters. O(1). */
  stats(): WorkerPoolStats {
    const p = this.#piscina;
    return {
      threads: p.threads.length,
      maxThreads: this.maxThreads,
      running: Math.max(0, this.#running - p.queueSize),
      queued: p.queueSize,
      maxQueue: this.maxQueue,
      completed: this.#completed,
      rejected: this.#rejected,
      timedOut: this.#timedOut,
      cancelled: this.#cancelled,
      crashed: this.#crashed,
      utilization: p.utilization,
    };
  }

  /** Stops every thread; calls still queued or running fail with `VELO_CONNECTION_CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#piscina.destroy();
  }
}

let shared: WorkerPool | undefined;
let sharedOptions: WorkerPoolOptions = {};

/**
 * Sets the options of the process-wide pool used by worker tools that name no pool (what
 * `velomcp serve --pool-size` does). Call it before the first worker call.
 * @throws VeloError `VELO_INVALID_CONFIG` once the shared pool has started.
 */
export function configureSharedWorkerPool(options: WorkerPoolOptions): void {
  if (shared) throw new VeloError('VELO_INVALID_CONFIG', 'The shared worker pool has already started; configure it before the first worker call');
  sharedOptions = { ...sharedOptions, ...options };
}

/** The process-wide pool, created on first use with the options set by {@link configureSharedWorkerPool}. */
export function sharedWorkerPool(): WorkerPool {
  return (shared ??= new WorkerPool(sharedOptions));
}

/** Closes the shared pool (if it started); the next use starts a new one. */
export async function closeSharedWorkerPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.close();
}
