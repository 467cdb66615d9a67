/**
 * A priority scheduler for queued work: the policies of the MCP++ scheduler (FIFO, PRIORITY, DEADLINE,
 * PRIORITY_DEADLINE) on a binary heap, with deadline expiry, priority inheritance, a starvation bound and
 * stats. It holds values; it runs nothing. The admission controller uses it to order waiting tool calls, and
 * it is meant to be reused by anything that queues work (a workflow engine, a pool front).
 *
 * Costs: `push`, `pop`, `remove` and `boost` are O(log n); `peek`, `size` and the starvation check are O(1).
 *
 * Conventions:
 * - **priority**: a finite number, higher runs first; default 0.
 * - **deadline**: an absolute time in milliseconds on the scheduler's clock (`Date.now()` by default);
 *   absent means none. An item whose deadline has passed is never handed out: `pop` drops it and reports
 *   it to `onExpire`.
 * - **starvation bound**: an item that has waited `maxWaitMs` or longer is handed out before anything else,
 *   oldest first, whatever the policy (default 30 s; `Infinity` turns it off).
 */
import { VeloError } from '../jsonrpc/errors.js';

/** How queued items are ordered. Ties always fall back to arrival order. */
export type SchedulingPolicy = 'fifo' | 'priority' | 'deadline' | 'priority_deadline';

/** The scheduling attributes of one piece of work. */
export interface SchedulingInfo {
  /** Higher runs first (policies `priority` and `priority_deadline`). Default 0. */
  priority?: number;
  /** Absolute deadline in ms on the scheduler clock; undefined for none. */
  deadline?: number;
}

/** Scheduling attributes with defaults applied. */
export interface ResolvedScheduling {
  priority: number;
  /** `Infinity` when there is no deadline. */
  deadline: number;
}

/**
 * Priority inheritance: work started on behalf of `parent` runs at least at the parent's priority and no
 * later than the parent's deadline. O(1).
 * @param parent - The scheduling of the request the work is done for.
 * @param own - The work's own scheduling (its tool config or request `_meta`).
 * @returns The higher of the priorities and the earlier of the deadlines.
 */
export function inherit(parent: SchedulingInfo | undefined, own: SchedulingInfo = {}): ResolvedScheduling {
  const p = resolve(own);
  if (!parent) return p;
  const q = resolve(parent);
  return { priority: Math.max(p.priority, q.priority), deadline: Math.min(p.deadline, q.deadline) };
}

function resolve(info: SchedulingInfo): ResolvedScheduling {
  const priority = info.priority ?? 0;
  const deadline = info.deadline ?? Infinity;
  if (!Number.isFinite(priority)) throw new VeloError('VELO_INVALID_CONFIG', `priority must be a finite number, got ${String(priority)}`);
  if (typeof deadline !== 'number' || Number.isNaN(deadline)) throw new VeloError('VELO_INVALID_CONFIG', `deadline must be a number of milliseconds, got ${String(deadline)}`);
  return { priority, deadline };
}

/** Options of a {@link Scheduler}. */
export interface SchedulerOptions {
  /** Ordering policy. Default `'fifo'`. */
  policy?: SchedulingPolicy;
  /** Most items queued at once; `push` past it throws `VELO_QUEUE_FULL`. Default `Infinity`. */
  capacity?: number;
  /** Starvation bound in ms: items waiting this long go first, oldest first. Default 30 000; `Infinity` disables. */
  maxWaitMs?: number;
  /** The clock, in ms (default `Date.now`). Deadlines are on this clock. */
  now?: () => number;
}

/** Counters and gauges of a scheduler, for metrics. Times in milliseconds. */
export interface SchedulerStats {
  policy: SchedulingPolicy;
  /** Items queued now. */
  depth: number;
  /** Highest depth seen. */
  peakDepth: number;
  /** Items accepted by `push`. */
  enqueued: number;
  /** Items handed out by `pop`. */
  dequeued: number;
  /** Items dropped because their deadline passed. */
  expired: number;
  /** Items taken out with `remove` (e.g. cancelled). */
  removed: number;
  /** `push` calls refused because the queue was at capacity. */
  rejected: number;
  /** Items handed out early by the starvation bound. */
  starvationPromotions: number;
  /** Wait of items handed out by `pop`: mean and max. */
  waitMs: { mean: number; max: number };
  /** How long the oldest queued item has waited (0 when empty). */
  oldestWaitMs: number;
}

/** A queued item's handle: read its attributes, `remove` or `boost` it. */
export interface Ticket<T> {
  readonly value: T;
  readonly priority: number;
  /** `Infinity` when there is no deadline. */
  readonly deadline: number;
  /** When it was pushed, on the scheduler clock. */
  readonly enqueuedAt: number;
  /** True while it is in the queue. */
  readonly queued: boolean;
}

class Entry<T> implements Ticket<T> {
  /** Heap slot, or -1 once out of the queue. */
  index = -1;
  /** Arrival-order list (the starvation check and FIFO). */
  prev: Entry<T> | undefined;
  next: Entry<T> | undefined;
  constructor(
    readonly value: T,
    public priority: number,
    public deadline: number,
    readonly enqueuedAt: number,
    readonly seq: number,
  ) {}
  get queued(): boolean {
    return this.index >= 0;
  }
}

type Before<T> = (a: Entry<T>, b: Entry<T>) => boolean;

function comparator<T>(policy: SchedulingPolicy): Before<T> {
  switch (policy) {
    case 'fifo':
      return (a, b) => a.seq < b.seq;
    case 'priority':
      return (a, b) => (a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq);
    case 'deadline':
      return (a, b) => (a.deadline !== b.deadline ? a.deadline < b.deadline : a.seq < b.seq);
    case 'priority_deadline':
      return (a, b) => (a.priority !== b.priority ? a.priority > b.priority : a.deadline !== b.deadline ? a.deadline < b.deadline : a.seq < b.seq);
    default:
      throw new VeloError('VELO_INVALID_CONFIG', `Unknown scheduling policy ${JSON.stringify(policy)}: use fifo, priority, deadline or priority_deadline`);
  }
}

/**
 * A bounded priority queue of values.
 *
 * @example
 * ```ts
 * const s = new Scheduler<string>({ policy: 'priority_deadline' });
 * s.push('report', { priority: 1 });
 * s.push('alert', { priority: 5, deadline: Date.now() + 1000 });
 * s.pop(); // 'alert'
 * ```
 */
export class Scheduler<T> {
  readonly policy: SchedulingPolicy;
  readonly capacity: number;
  readonly maxWaitMs: number;
  /** Called for each item dropped because its deadline passed (from `pop`, `peek` or `expire`). */
  onExpire: ((value: T, ticket: Ticket<T>) => void) | undefined;
  readonly #before: Before<T>;
  readonly #now: () => number;
  readonly #heap: Entry<T>[] = [];
  #head: Entry<T> | undefined;
  #tail: Entry<T> | undefined;
  #seq = 0;
  #peak = 0;
  #enqueued = 0;
  #dequeued = 0;
  #expired = 0;
  #removed = 0;
  #rejected = 0;
  #promotions = 0;
  #waitSum = 0;
  #waitMax = 0;

  /** @throws VeloError `VELO_INVALID_CONFIG` for an unknown policy or a bad capacity or maxWaitMs. */
  constructor(options: SchedulerOptions = {}) {
    this.policy = options.policy ?? 'fifo';
    this.#before = comparator<T>(this.policy);
    this.capacity = options.capacity ?? Infinity;
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
    if (!(this.capacity >= 0)) throw new VeloError('VELO_INVALID_CONFIG', 'capacity must be a number ≥ 0');
    if (!(this.maxWaitMs > 0)) throw new VeloError('VELO_INVALID_CONFIG', 'maxWaitMs must be a number > 0');
    this.#now = options.now ?? Date.now;
  }

  /** Items queued now. */
  get size(): number {
    return this.#heap.length;
  }

  /**
   * Queues a value. O(log n).
   * @throws VeloError `VELO_QUEUE_FULL` at capacity (counted in `stats().rejected`);
   * `VELO_INVALID_CONFIG` for a non-finite priority.
   */
  push(value: T, info: SchedulingInfo = {}): Ticket<T> {
    const { priority, deadline } = resolve(info);
    if (this.#heap.length >= this.capacity) {
      this.#rejected++;
      throw new VeloError('VELO_QUEUE_FULL', `The queue is full (${this.capacity} items)`);
    }
    const e = new Entry(value, priority, deadline, this.#now(), this.#seq++);
    e.index = this.#heap.length;
    this.#heap.push(e);
    this.#up(e.index);
    if (this.#tail) {
      this.#tail.next = e;
      e.prev = this.#tail;
    } else this.#head = e;
    this.#tail = e;
    this.#enqueued++;
    if (this.#heap.length > this.#peak) this.#peak = this.#heap.length;
    return e;
  }

  /**
   * Takes the next live value: the oldest if it has waited `maxWaitMs`, else the head of the policy order.
   * Expired items met on the way are dropped and reported to `onExpire`. O(log n).
   */
  pop(): T | undefined {
    const e = this.#next();
    if (!e) return undefined;
    this.#take(e);
    const waited = this.#now() - e.enqueuedAt;
    this.#dequeued++;
    this.#waitSum += waited;
    if (waited > this.#waitMax) this.#waitMax = waited;
    return e.value;
  }

  /** The value `pop` would return, without taking it (expired items are still dropped). */
  peek(): T | undefined {
    return this.#next()?.value;
  }

  /** Takes a queued item out (e.g. its request was cancelled). False when it is no longer queued. O(log n). */
  remove(ticket: Ticket<T>): boolean {
    const e = ticket as Entry<T>;
    if (e.index < 0 || this.#heap[e.index] !== e) return false;
    this.#take(e);
    this.#removed++;
    return true;
  }

  /**
   * Priority inheritance for queued work: raises the item to at least `priority` and, when given, to a
   * deadline no later than `deadline` (work that someone more urgent waits for). Never lowers either.
   * Returns false when the item is no longer queued. O(log n).
   */
  boost(ticket: Ticket<T>, priority: number, deadline?: number): boolean {
    const e = ticket as Entry<T>;
    if (e.index < 0 || this.#heap[e.index] !== e) return false;
    if (!Number.isFinite(priority)) throw new VeloError('VELO_INVALID_CONFIG', 'priority must be a finite number');
    if (priority > e.priority) e.priority = priority;
    if (deadline !== undefined && deadline < e.deadline) e.deadline = deadline;
    // Raising priority or moving a deadline earlier only ever moves an item towards the root.
    this.#up(e.index);
    return true;
  }

  /** Drops every queued item whose deadline has passed, reporting each to `onExpire`; returns how many. O(n). */
  expire(): number {
    const now = this.#now();
    let n = 0;
    for (let e = this.#head; e; ) {
      const next = e.next;
      if (e.deadline <= now) {
        this.#drop(e);
        n++;
      }
      e = next;
    }
    return n;
  }

  /** Empties the queue and returns the values in policy order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.#heap.length > 0) {
      const e = this.#heap[0] as Entry<T>;
      this.#take(e);
      this.#removed++;
      out.push(e.value);
    }
    return out;
  }

  /** A snapshot of the counters. O(1). */
  stats(): SchedulerStats {
    return {
      policy: this.policy,
      depth: this.#heap.length,
      peakDepth: this.#peak,
      enqueued: this.#enqueued,
      dequeued: this.#dequeued,
      expired: this.#expired,
      removed: this.#removed,
      rejected: this.#rejected,
      starvationPromotions: this.#promotions,
      waitMs: { mean: this.#dequeued === 0 ? 0 : this.#waitSum / this.#dequeued, max: this.#waitMax },
      oldestWaitMs: this.#head ? this.#now() - this.#head.enqueuedAt : 0,
    };
  }

  /** The next live entry, dropping expired ones met at the head of either order. */
  #next(): Entry<T> | undefined {
    const now = this.#now();
    for (;;) {
      const oldest = this.#head;
      if (!oldest) return undefined;
      if (oldest.deadline <= now) {
        this.#drop(oldest);
        continue;
      }
      if (now - oldest.enqueuedAt >= this.maxWaitMs && this.#heap[0] !== oldest) {
        this.#promotions++;
        return oldest;
      }
      const top = this.#heap[0] as Entry<T>;
      if (top.deadline <= now) {
        this.#drop(top);
        continue;
      }
      return top;
    }
  }

  #drop(e: Entry<T>): void {
    this.#take(e);
    this.#expired++;
    this.onExpire?.(e.value, e);
  }

  /** Unlinks an entry from the heap and the arrival list. */
  #take(e: Entry<T>): void {
    const heap = this.#heap;
    const i = e.index;
    const last = heap.pop() as Entry<T>;
    if (last !== e) {
      heap[i] = last;
      last.index = i;
      this.#down(i);
      this.#up(last.index);
    }
    e.index = -1;
    if (e.prev) e.prev.next = e.next;
    else this.#head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.#tail = e.prev;
    e.prev = e.next = undefined;
  }

  #up(i: number): void {
    const heap = this.#heap;
    const e = heap[i] as Entry<T>;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] as Entry<T>;
      if (!this.#before(e, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = p;
    }
    heap[i] = e;
    e.index = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const n = heap.length;
    const e = heap[i] as Entry<T>;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#before(heap[r] as Entry<T>, heap[l] as Entry<T>)) c = r;
      const child = heap[c] as Entry<T>;
      if (!this.#before(child, e)) break;
      heap[i] = child;
      child.index = i;
      i = c;
    }
    heap[i] = e;
    e.index = i;
  }
}
