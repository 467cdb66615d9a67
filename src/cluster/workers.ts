/**
 * Multi-core serving on `node:cluster` (`velomcp serve --workers N`): the primary forks N workers that
 * share the listening port (connections are spread round-robin), keeps the shared state ({@link IpcPrimary}),
 * restarts a crashed worker with exponential backoff, and on SIGTERM/SIGINT drains: every worker stops
 * accepting, finishes its in-flight calls, then exits, and the primary exits last.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { VeloError } from '../jsonrpc/errors.js';
import { IpcPrimary, ipcBackend } from './ipc.js';
import type { ClusterBackend, ClusterBackendOptions } from './types.js';

/** The environment variable carrying the shared `requestState` key (`--state-secret`). */
export const STATE_SECRET_ENV = 'VELOMCP_STATE_SECRET';

/**
 * Parses `--workers`: a positive integer, or `auto` (available parallelism).
 * @throws VeloError `VELO_INVALID_CONFIG` for anything else.
 */
export function parseWorkers(value: string | number): number {
  if (value === 'auto') return availableParallelism();
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new VeloError('VELO_INVALID_CONFIG', `--workers must be a positive integer or "auto", got ${JSON.stringify(value)}`);
  return n;
}

/** Options of {@link runPrimary}. */
export interface PrimaryOptions extends ClusterBackendOptions {
  /** Workers to keep running. */
  workers: number;
  /** First restart delay after a crash, in ms; doubles per crash in a row, up to `maxBackoffMs`. Default 100. */
  backoffMs?: number;
  /** Longest restart delay, in ms. Default 10 000. */
  maxBackoffMs?: number;
  /** Longest drain before workers are killed, in ms. Default 30 000. */
  drainTimeoutMs?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /**
   * Whether workers share state through this primary (the primary-IPC backend; default true). False when
   * each worker opens a shared backend of its own (`--redis`: workers are nodes of the Redis cluster, so
   * several multi-worker machines share sessions); the primary then only forks, restarts and drains.
   */
  ipc?: boolean;
}

/** A running primary. */
export interface PrimaryHandle {
  readonly state: IpcPrimary;
  /** Drains every worker and resolves when all exited. */
  drain(): Promise<void>;
}

/**
 * Runs this process as the primary: forks `workers` copies of the same command line (each worker sees
 * `cluster.isWorker` and serves). Gives workers one `requestState` key: `VELOMCP_STATE_SECRET` when set,
 * else one random key for this primary's workers.
 */
export function runPrimary(options: PrimaryOptions): PrimaryHandle {
  const log = options.log ?? ((l: string) => void process.stderr.write(`velomcp: ${l}\n`));
  const hub = new IpcPrimary(options);
  const secret = process.env[STATE_SECRET_ENV] ?? randomBytes(32).toString('base64url');
  const base = options.backoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  let draining = false;
  let crashes = 0;
  const live = new Set<Worker>();
  let allGone: (() => void) | undefined;

  const fork = (): void => {
    const w = cluster.fork({ [STATE_SECRET_ENV]: secret });
    live.add(w);
    const detach = options.ipc === false ? () => undefined : hub.attach(w as unknown as Parameters<IpcPrimary['attach']>[0]);
    const started = Date.now();
    w.on('exit', (code, signal) => {
      live.delete(w);
      detach();
      if (draining) {
        if (live.size === 0) allGone?.();
        return;
      }
      // A worker that ran a while before crashing resets the backoff.
      crashes = Date.now() - started > 10_000 ? 1 : crashes + 1;
      const delay = Math.min(maxBackoff, base * 2 ** (crashes - 1));
      log(`worker ${w.process.pid} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`);
      setTimeout(() => {
        if (!draining) fork();
      }, delay).unref();
    });
  };
  for (let i = 0; i < options.workers; i++) fork();

  const drain = (): Promise<void> => {
    if (draining) return new Promise((r) => (allGone = r));
    draining = true;
    const done = new Promise<void>((r) => (allGone = r));
    if (live.size === 0) return Promise.resolve();
    for (const w of live) w.send({ velo: 'drain' });
    const timer = setTimeout(() => {
      for (const w of live) w.process.kill('SIGKILL');
    }, options.drainTimeoutMs ?? 30_000);
    timer.unref();
    return done.then(() => clearTimeout(timer));
  };
  const onSignal = (): void => {
    log('draining workers');
    void drain().then(() => process.exit(0));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return { state: hub, drain };
}

/** What a worker needs from {@link joinAsWorker}. */
export interface WorkerContext {
  backend: ClusterBackend;
  /** Calls `stop` when the primary asks for a drain (or on SIGTERM/SIGINT), then exits 0 when it settles. */
  onDrain(stop: () => Promise<void>): void;
}

/**
 * Joins the cluster from a worker process: through `backend` when given (e.g. this worker's node of the
 * Redis backend, with a primary run with `ipc: false`), else through the primary's state over IPC.
 */
export function joinAsWorker(backend: ClusterBackend = ipcBackend(`w${cluster.worker?.id ?? process.pid}-${process.pid}`)): WorkerContext {
  return {
    backend,
    onDrain(stop) {
      let once = false;
      const run = (): void => {
        if (once) return;
        once = true;
        void stop()
          .catch(() => undefined)
          .then(() => {
            void backend.close();
            process.exit(0);
          });
      };
      process.on('message', (m) => {
        if (typeof m === 'object' && m !== null && (m as { velo?: unknown }).velo === 'drain') run();
      });
      // The primary forwards signals as drain messages; a worker signalled directly drains too.
      process.once('SIGTERM', run);
      process.once('SIGINT', run);
    },
  };
}
