/**
 * Batched fan-out of one notification to many receivers: the message is serialised once by the caller, and
 * delivered in batches of `batchSize` receivers per event-loop turn, so a 10 000-subscriber update neither
 * blocks other requests nor delays the answer of the call that triggered it. Fan-outs run one after another
 * in the order they were started, so each receiver sees notifications in order.
 *
 * Small fan-outs (at most one batch, nothing queued) are delivered at once, synchronously.
 */
import { VeloError } from '../jsonrpc/errors.js';

interface Job {
  items: readonly unknown[];
  next: number;
  deliver: (item: unknown) => void;
}

/** Counters of a {@link FanOut}, for metrics. */
export interface FanOutStats {
  /** Fan-outs started. */
  fanOuts: number;
  /** Receivers delivered to. */
  delivered: number;
  /** Receivers still waiting for their turn. */
  pending: number;
  /** Event-loop turns used by batched fan-outs. */
  turns: number;
}

export class FanOut {
  readonly batchSize: number;
  readonly #jobs: Job[] = [];
  #scheduled = false;
  #pending = 0;
  #fanOuts = 0;
  #delivered = 0;
  #turns = 0;

  /**
   * @param batchSize - Receivers per event-loop turn. Default 256.
   * @throws VeloError `VELO_INVALID_CONFIG` unless a positive integer.
   */
  constructor(batchSize = 256) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new VeloError('VELO_INVALID_CONFIG', `fan-out batch size must be a positive integer, got ${batchSize}`);
    this.batchSize = batchSize;
  }

  /**
   * Calls `deliver` for every receiver, now if they fit in one batch and nothing is queued, else in batches
   * on later turns. The receivers are copied first: joining or leaving during the fan-out changes nothing
   * (a receiver that closed meanwhile must ignore the send, as connections do).
   */
  send<T>(receivers: Iterable<T> & { readonly size?: number; readonly length?: number }, deliver: (receiver: T) => void): void {
    this.#fanOuts++;
    const n = receivers.size ?? receivers.length;
    if (this.#jobs.length === 0 && n !== undefined && n <= this.batchSize) {
      for (const r of receivers) deliver(r);
      this.#delivered += n;
      return;
    }
    const items = Array.from(receivers);
    if (items.length === 0) return;
    this.#jobs.push({ items, next: 0, deliver: deliver as (item: unknown) => void });
    this.#pending += items.length;
    this.#schedule();
  }

  stats(): FanOutStats {
    return { fanOuts: this.#fanOuts, delivered: this.#delivered, pending: this.#pending, turns: this.#turns };
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    this.#turns++;
    let budget = this.batchSize;
    while (budget > 0 && this.#jobs.length > 0) {
      const job = this.#jobs[0] as Job;
      const end = Math.min(job.items.length, job.next + budget);
      const { items, deliver } = job;
      for (let i = job.next; i < end; i++) {
        try {
          deliver(items[i]);
        } catch {
          // One receiver's failure must not stop the others (its transport reports it).
        }
      }
      const done = end - job.next;
      budget -= done;
      this.#pending -= done;
      this.#delivered += done;
      job.next = end;
      if (end === items.length) this.#jobs.shift();
    }
    if (this.#jobs.length > 0) this.#schedule();
  }
}
