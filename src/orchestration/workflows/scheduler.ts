/**
 * A {@link WorkflowScheduler} on p-queue: one bounded queue shared by many runs, highest priority first
 * (FIFO within a priority). Steps inherit their run's priority, and runs the priority of the request that
 * started them, so work done on behalf of an urgent request overtakes queued background work.
 */
import PQueue from 'p-queue';
import type { WorkflowScheduler } from './executor.js';

/** Statistics of a {@link QueueScheduler}. */
export interface QueueSchedulerStats {
  /** Tasks waiting, and running. */
  queued: number;
  running: number;
}

/** A shared priority queue for workflow steps. */
export class QueueScheduler implements WorkflowScheduler {
  readonly #queue: PQueue;

  /** @param concurrency - Steps running at once across every run using this scheduler. */
  constructor(concurrency: number) {
    this.#queue = new PQueue({ concurrency });
  }

  schedule<T>(task: () => Promise<T>, options: { priority: number; signal: AbortSignal; label: string }): Promise<T> {
    return this.#queue.add(() => task(), { priority: options.priority, signal: options.signal, id: options.label }) as Promise<T>;
  }

  stats(): QueueSchedulerStats {
    return { queued: this.#queue.size, running: this.#queue.pending };
  }
}
