/**
 * A {@link WorkflowScheduler} on the performance engine's {@link Scheduler} (`velomcp/exec`): one bounded
 * set of slots shared by many runs, the waiting work ordered by policy (default `priority_deadline`: higher
 * priority first, then the earlier deadline), with the engine's starvation bound and deadline expiry.
 * Steps inherit their run's priority and deadline, and runs the ones of the request that started them
 * (`velomcp/priority`, `velomcp/deadline` in `_meta`), so work done on behalf of an urgent request
 * overtakes queued background work.
 */
import { VeloError } from '../../jsonrpc/errors.js';
import { Scheduler, type SchedulerStats, type SchedulingPolicy } from '../../exec/scheduler.js';
import type { WorkflowScheduler } from './executor.js';

interface Job {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  detach: () => void;
}

/** Options of a {@link QueueScheduler}. */
export interface QueueSchedulerOptions {
  /** Order of waiting work. Default `'priority_deadline'`. */
  policy?: SchedulingPolicy;
  /** Most items waiting; past it `schedule` rejects with `VELO_QUEUE_FULL`. Default `Infinity`. */
  capacity?: number;
  /** Starvation bound in ms (see {@link Scheduler}). Default 30 000. */
  maxWaitMs?: number;
}

/** Statistics of a {@link QueueScheduler}: the queue's (depth, waits, expiries, …) and the slots in use. */
export interface QueueSchedulerStats extends SchedulerStats {
  running: number;
  concurrency: number;
}

/** Shared slots for workflow steps, across runs. */
export class QueueScheduler implements WorkflowScheduler {
  readonly #queue: Scheduler<Job>;
  readonly #concurrency: number;
  #running = 0;

  /**
   * @param concurrency - Steps running at once across every run using this scheduler (≥ 1).
   * @throws VeloError `VELO_INVALID_CONFIG` for a bad concurrency, policy, capacity or maxWaitMs.
   */
  constructor(concurrency: number, options: QueueSchedulerOptions = {}) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new VeloError('VELO_INVALID_CONFIG', `concurrency must be an integer ≥ 1, got ${String(concurrency)}`);
    this.#concurrency = concurrency;
    this.#queue = new Scheduler<Job>({ policy: options.policy ?? 'priority_deadline', ...(options.capacity === undefined ? {} : { capacity: options.capacity }), ...(options.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }) });
    this.#queue.onExpire = (job) => {
      job.detach();
      job.reject(new VeloError('VELO_REQUEST_TIMEOUT', 'The step waited past its deadline in the workflow scheduler'));
    };
  }

  /**
   * Runs `task` when a slot is free and it is first in the policy's order.
   * @throws VeloError `VELO_QUEUE_FULL` (rejection) when the queue is at capacity; the signal's reason when it
   *   aborts while queued; `VELO_REQUEST_TIMEOUT` when the deadline passes while queued.
   */
  schedule<T>(task: () => Promise<T>, options: { priority: number; deadline?: number; signal: AbortSignal; label: string }): Promise<T> {
    const queue = this.#queue;
    return new Promise<T>((resolve, reject) => {
      const { signal } = options;
      if (signal.aborted) return reject(signal.reason);
      let ticket: ReturnType<Scheduler<Job>['push']> | undefined;
      const onAbort = (): void => {
        if (ticket && queue.remove(ticket)) reject(signal.reason);
      };
      const job: Job = { run: task, resolve: resolve as (v: unknown) => void, reject, detach: () => signal.removeEventListener('abort', onAbort) };
      try {
        ticket = queue.push(job, options.deadline === undefined ? { priority: options.priority } : { priority: options.priority, deadline: options.deadline });
      } catch (err) {
        return reject(err);
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#running < this.#concurrency) {
      const job = this.#queue.pop();
      if (!job) return;
      job.detach();
      this.#running++;
      job.run().then(job.resolve, job.reject).finally(() => {
        this.#running--;
        this.#pump();
      });
    }
  }

  stats(): QueueSchedulerStats {
    return { ...this.#queue.stats(), running: this.#running, concurrency: this.#concurrency };
  }
}
