/**
 * Admission control for `tools/call`: limits on calls in flight per server, per session and per tool, a
 * bounded wait queue ordered by a {@link Scheduler} policy, token-bucket rate limits per session or
 * principal, and per-request deadlines that cancel work past them.
 *
 * Answers (JSON-RPC errors, all with `data.reason`; codes in `ErrorCode`, listed in docs/errors.md):
 * - `-32010` ServerBusy: a limit is reached and the queue is full; `data: {reason: 'queue_full', scope, limit, retryAfterMs}`
 *   (HTTP 503 with `Retry-After` in the modern era);
 * - `-32011` RateLimited: the caller's bucket is empty; `data: {reason: 'rate_limited', scope, retryAfterMs}` (HTTP 429);
 * - `-32012` DeadlineExceeded: `data: {reason: 'deadline_exceeded', timeoutMs, phase}` where `phase` is
 *   `arrival` (the deadline was already past), `queued` (it passed while waiting) or `running` (the
 *   handler's `ctx.signal` was aborted and the call answered at the deadline).
 *
 * Per-request hints in `params._meta`: `velomcp/priority` (number, higher first), `velomcp/timeoutMs`
 * (relative) or `velomcp/deadline` (absolute Unix ms). The effective deadline is the earliest of the hint,
 * the tool's `timeoutsMs` entry and `defaultTimeoutMs`.
 */
import { LRUCache } from 'lru-cache';
import { ErrorCode } from '../jsonrpc/codes.js';
import { McpError } from '../jsonrpc/errors.js';
import type { ServerRequestContext } from '../server/context.js';
import { channels, type QueueEvent } from '../observability/channels.js';
import { Scheduler, type SchedulerStats, type SchedulingPolicy, type Ticket } from './scheduler.js';

/** `_meta` keys read by admission control. */
export const AdmissionMeta = {
  priority: 'velomcp/priority',
  timeoutMs: 'velomcp/timeoutMs',
  deadline: 'velomcp/deadline',
} as const;

/** A token bucket: `ratePerSec` tokens a second, holding at most `burst`. */
export interface RateLimit {
  ratePerSec: number;
  burst: number;
  /** What one bucket covers: each session (default) or each principal. */
  per?: 'session' | 'principal';
}

/** Options of {@link AdmissionController} (`McpServerOptions.admission`). */
export interface AdmissionOptions {
  /** Most `tools/call`s running at once in this server. Default `Infinity`. */
  maxConcurrent?: number;
  /** Most running at once per session (see `sessionKey`). Default `Infinity`. */
  maxConcurrentPerSession?: number;
  /** Most running at once per tool name. */
  maxConcurrentPerTool?: Record<string, number>;
  /** Most calls waiting for a slot; past it calls get -32010. Default 1000. 0: never wait. */
  maxQueue?: number;
  /** Order of waiting calls. Default `'priority_deadline'`. */
  policy?: SchedulingPolicy;
  /** Starvation bound of the queue in ms (see {@link Scheduler}). Default 30 000. */
  maxWaitMs?: number;
  /** Priority per tool name (higher first); `_meta["velomcp/priority"]` wins over it. Default 0. */
  priorities?: Record<string, number>;
  /** Deadline of every call in ms from arrival. Default none. */
  defaultTimeoutMs?: number;
  /** Deadline per tool name, in ms. */
  timeoutsMs?: Record<string, number>;
  /** Token-bucket rate limit of calls. Default none. */
  rateLimit?: RateLimit;
  /** The `retryAfterMs` hint sent with -32010. Default 1000. */
  retryAfterMs?: number;
  /** The clock (ms). Default `Date.now`. */
  now?: () => number;
}

/** Gauges and counters, for metrics. */
export interface AdmissionStats {
  inFlight: number;
  /** Waiting: in the scheduler plus parked behind a session or tool limit. */
  queued: number;
  admitted: number;
  completed: number;
  rejectedBusy: number;
  rateLimited: number;
  deadlineExceeded: number;
  cancelledWhileQueued: number;
  inFlightPerTool: Record<string, number>;
  queue: SchedulerStats;
}

interface Waiter {
  tool: string;
  session: unknown;
  priority: number;
  deadline: number;
  timeoutMs: number;
  /** True once started, failed or cancelled. */
  done: boolean;
  ctx: ServerRequestContext;
  start: () => void;
  fail: (err: unknown) => void;
  ticket: Ticket<Waiter> | undefined;
  parkedOn: Map<unknown, Waiter[]> | undefined;
  parkedKey: unknown;
  timer: NodeJS.Timeout | undefined;
  onAbort: (() => void) | undefined;
}

function isNum(v: unknown): v is number {
  return typeof v === 'number' && !Number.isNaN(v);
}

function busy(scope: string, limit: number, retryAfterMs: number): McpError {
  return new McpError(ErrorCode.ServerBusy, `Server busy: the ${scope} limit of ${limit} concurrent calls is reached and the queue is full; retry later`, {
    reason: 'queue_full',
    scope,
    limit,
    retryAfterMs,
  });
}

function deadlineError(timeoutMs: number, phase: 'arrival' | 'queued' | 'running'): McpError {
  const why = phase === 'arrival' ? 'was already past on arrival' : phase === 'queued' ? 'passed while the call waited for a slot' : 'passed while the call ran; it was cancelled';
  return new McpError(ErrorCode.DeadlineExceeded, `Deadline exceeded: the request's deadline ${why}`, { reason: 'deadline_exceeded', timeoutMs, phase });
}

/**
 * Decides whether each `tools/call` runs now, waits, or is refused. One per server; the server calls
 * {@link AdmissionController.run} with each validated call.
 */
export class AdmissionController {
  readonly options: Readonly<AdmissionOptions>;
  readonly #maxConcurrent: number;
  readonly #perSession: number;
  readonly #perTool: Record<string, number>;
  readonly #maxQueue: number;
  readonly #retryAfterMs: number;
  readonly #now: () => number;
  readonly #queue: Scheduler<Waiter>;
  readonly #buckets: LRUCache<string | object, { tokens: number; at: number }> | undefined;
  /** Waiters popped while their session or tool was at its limit, by that key. */
  readonly #parkedBySession = new Map<unknown, Waiter[]>();
  readonly #parkedByTool = new Map<unknown, Waiter[]>();
  #parked = 0;
  #inFlight = 0;
  readonly #sessionCounts = new Map<unknown, number>();
  readonly #toolCounts = new Map<string, number>();
  #admitted = 0;
  #completed = 0;
  #busy = 0;
  #limited = 0;
  #expired = 0;
  #cancelledQueued = 0;

  constructor(options: AdmissionOptions = {}) {
    this.options = options;
    this.#maxConcurrent = options.maxConcurrent ?? Infinity;
    this.#perSession = options.maxConcurrentPerSession ?? Infinity;
    this.#perTool = options.maxConcurrentPerTool ?? {};
    this.#maxQueue = options.maxQueue ?? 1000;
    this.#retryAfterMs = options.retryAfterMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#queue = new Scheduler<Waiter>({ policy: options.policy ?? 'priority_deadline', maxWaitMs: options.maxWaitMs ?? 30_000, now: this.#now });
    // Expiry inside the scheduler is a backstop; each waiter's own timer normally answers first.
    this.#queue.onExpire = (w) => this.#expireQueued(w);
    if (options.rateLimit) this.#buckets = new LRUCache({ max: 100_000 });
  }

  /**
   * Runs `fn` for a validated `tools/call` of `tool` when admitted. Synchronous when a slot is free and no
   * deadline applies (the common case costs no promise).
   * @throws McpError -32010, -32011 or -32012 as described in the module docs.
   */
  run<R>(tool: string, ctx: ServerRequestContext, fn: () => R | Promise<R>): R | Promise<R> {
    const meta = ctx._meta;
    const now = this.#now();
    const session = ctx.sessionKey;
    if (this.#buckets) this.#takeToken(ctx, session, now);
    const hintedPriority = meta[AdmissionMeta.priority];
    const priority = isNum(hintedPriority) && Number.isFinite(hintedPriority) ? hintedPriority : (this.options.priorities?.[tool] ?? 0);
    let timeoutMs = Infinity;
    const hintMs = meta[AdmissionMeta.timeoutMs];
    if (isNum(hintMs)) timeoutMs = hintMs;
    const hintDeadline = meta[AdmissionMeta.deadline];
    if (isNum(hintDeadline)) timeoutMs = Math.min(timeoutMs, hintDeadline - now);
    const toolTimeout = this.options.timeoutsMs?.[tool];
    if (toolTimeout !== undefined) timeoutMs = Math.min(timeoutMs, toolTimeout);
    if (this.options.defaultTimeoutMs !== undefined) timeoutMs = Math.min(timeoutMs, this.options.defaultTimeoutMs);
    if (timeoutMs <= 0) {
      this.#expired++;
      throw deadlineError(timeoutMs, 'arrival');
    }
    const deadline = now + timeoutMs;
    if (this.#queued === 0 && this.#blockedBy(tool, session) === undefined) {
      this.#acquire(tool, session);
      return this.#runAdmitted(tool, session, ctx, fn, deadline, timeoutMs);
    }
    if (this.#queued >= this.#maxQueue) {
      this.#busy++;
      const [scope, limit] = this.#blockedBy(tool, session) ?? ['server', this.#maxConcurrent];
      throw busy(scope, limit, this.#retryAfterMs);
    }
    return new Promise<R>((resolve, reject) => {
      const w: Waiter = {
        tool,
        session,
        priority,
        deadline,
        timeoutMs,
        done: false,
        ctx,
        start: () => {
          try {
            Promise.resolve(this.#runAdmitted(tool, session, ctx, fn, deadline, timeoutMs)).then(resolve, reject);
          } catch (err) {
            reject(err);
          }
        },
        fail: reject,
        ticket: undefined,
        parkedOn: undefined,
        parkedKey: undefined,
        timer: undefined,
        onAbort: undefined,
      };
      if (Number.isFinite(timeoutMs)) w.timer = setTimeout(() => this.#expireQueued(w), timeoutMs);
      w.onAbort = () => {
        if (!w.done && this.#unqueue(w)) {
          w.done = true;
          this.#cancelledQueued++;
          reject(ctx.signal.reason);
        }
      };
      ctx.signal.addEventListener('abort', w.onAbort, { once: true });
      w.ticket = this.#queue.push(w, { priority, deadline });
      this.#dispatch();
    });
  }

  /** A snapshot of the gauges and counters. O(tools). */
  stats(): AdmissionStats {
    return {
      inFlight: this.#inFlight,
      queued: this.#queued,
      admitted: this.#admitted,
      completed: this.#completed,
      rejectedBusy: this.#busy,
      rateLimited: this.#limited,
      deadlineExceeded: this.#expired,
      cancelledWhileQueued: this.#cancelledQueued,
      inFlightPerTool: Object.fromEntries(this.#toolCounts),
      queue: this.#queue.stats(),
    };
  }

  get #queued(): number {
    return this.#queue.size + this.#parked;
  }

  #takeToken(ctx: ServerRequestContext, session: unknown, now: number): void {
    const rl = this.options.rateLimit as RateLimit;
    const per = rl.per ?? 'session';
    const key = (per === 'principal' ? `p:${ctx.principal}` : typeof session === 'string' ? `s:${session}` : session) as string | object;
    const buckets = this.#buckets as LRUCache<string | object, { tokens: number; at: number }>;
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { tokens: rl.burst, at: now }));
    else {
      b.tokens = Math.min(rl.burst, b.tokens + ((now - b.at) / 1000) * rl.ratePerSec);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return;
    }
    this.#limited++;
    const retryAfterMs = Math.ceil(((1 - b.tokens) / rl.ratePerSec) * 1000);
    throw new McpError(ErrorCode.RateLimited, `Rate limited: more than ${rl.ratePerSec} calls per second (burst ${rl.burst}) for this ${per}; retry later`, {
      reason: 'rate_limited',
      scope: per,
      retryAfterMs,
    });
  }

  /** The first limit `tool`/`session` is at, as [scope, limit], or undefined when a call may start. */
  #blockedBy(tool: string, session: unknown): [string, number] | undefined {
    if (this.#inFlight >= this.#maxConcurrent) return ['server', this.#maxConcurrent];
    if ((this.#sessionCounts.get(session) ?? 0) >= this.#perSession) return ['session', this.#perSession];
    const toolLimit = this.#perTool[tool];
    if (toolLimit !== undefined && (this.#toolCounts.get(tool) ?? 0) >= toolLimit) return ['tool', toolLimit];
    return undefined;
  }

  #acquire(tool: string, session: unknown): void {
    this.#inFlight++;
    this.#admitted++;
    this.#sessionCounts.set(session, (this.#sessionCounts.get(session) ?? 0) + 1);
    this.#toolCounts.set(tool, (this.#toolCounts.get(tool) ?? 0) + 1);
  }

  #release(tool: string, session: unknown): void {
    this.#inFlight--;
    this.#completed++;
    const s = (this.#sessionCounts.get(session) ?? 1) - 1;
    if (s === 0) this.#sessionCounts.delete(session);
    else this.#sessionCounts.set(session, s);
    const t = (this.#toolCounts.get(tool) ?? 1) - 1;
    if (t === 0) this.#toolCounts.delete(tool);
    else this.#toolCounts.set(tool, t);
    this.#unpark(this.#parkedBySession, session);
    this.#unpark(this.#parkedByTool, tool);
    this.#dispatch();
  }

  #runAdmitted<R>(tool: string, session: unknown, ctx: ServerRequestContext, fn: () => R | Promise<R>, deadline: number, timeoutMs: number): R | Promise<R> {
    let out: R | Promise<R>;
    try {
      out = fn();
    } catch (err) {
      this.#release(tool, session);
      throw err;
    }
    if (!(out instanceof Promise) && !(typeof (out as { then?: unknown })?.then === 'function')) {
      this.#release(tool, session);
      return out;
    }
    const work = Promise.resolve(out);
    // The slot is held until the handler settles, even past its deadline: concurrency stays honest.
    work.then(
      () => this.#release(tool, session),
      () => this.#release(tool, session),
    );
    if (!Number.isFinite(timeoutMs)) return work;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#expired++;
        const err = deadlineError(timeoutMs, 'running');
        ctx.abortWork(err);
        reject(err);
      }, Math.max(0, deadline - this.#now()));
      work.then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e: unknown) => (clearTimeout(timer), reject(e)),
      );
    });
  }

  /** Starts queued calls while slots are free; calls blocked by a session or tool limit are parked. */
  #dispatch(): void {
    while (this.#inFlight < this.#maxConcurrent && this.#queue.size > 0) {
      const w = this.#queue.pop();
      if (!w) break;
      w.ticket = undefined;
      const blocked = this.#blockedBy(w.tool, w.session);
      if (blocked) {
        const map = blocked[0] === 'session' ? this.#parkedBySession : this.#parkedByTool;
        const key = blocked[0] === 'session' ? w.session : w.tool;
        let list = map.get(key);
        if (!list) map.set(key, (list = []));
        list.push(w);
        w.parkedOn = map;
        w.parkedKey = key;
        this.#parked++;
        continue;
      }
      this.#settleWaiter(w);
      w.done = true;
      this.#acquire(w.tool, w.session);
      w.start();
    }
    this.#publishDepth();
  }

  /** Tells the observability seam (`velomcp:server:queue`) how many calls wait now. */
  #publishDepth(): void {
    if (channels.queue.hasSubscribers) channels.queue.publish({ queue: 'admission', depth: this.#queued } satisfies QueueEvent);
  }

  /** Returns parked waiters of `key` to the scheduler (their priority and deadline are kept). */
  #unpark(map: Map<unknown, Waiter[]>, key: unknown): void {
    const list = map.get(key);
    if (!list) return;
    map.delete(key);
    for (const w of list) {
      this.#parked--;
      w.parkedOn = undefined;
      w.ticket = this.#queue.push(w, { priority: w.priority, deadline: w.deadline });
    }
  }

  /** Takes a waiter out of the queue or its parking list; false when it is no longer waiting. */
  #unqueue(w: Waiter): boolean {
    let found = false;
    if (w.ticket) found = this.#queue.remove(w.ticket);
    else if (w.parkedOn) {
      const list = w.parkedOn.get(w.parkedKey);
      const i = list ? list.indexOf(w) : -1;
      if (list && i >= 0) {
        list.splice(i, 1);
        if (list.length === 0) w.parkedOn.delete(w.parkedKey);
        this.#parked--;
        found = true;
      }
      w.parkedOn = undefined;
    }
    w.ticket = undefined;
    if (found) {
      this.#settleWaiter(w);
      this.#publishDepth();
    }
    return found;
  }

  #settleWaiter(w: Waiter): void {
    if (w.timer) clearTimeout(w.timer);
    w.timer = undefined;
    if (w.onAbort) w.ctx.signal.removeEventListener('abort', w.onAbort);
  }

  #expireQueued(w: Waiter): void {
    if (w.done) return;
    w.done = true;
    // From the scheduler's backstop the waiter is already out of the queue; from its timer it is not.
    if (!this.#unqueue(w)) this.#settleWaiter(w);
    this.#expired++;
    w.fail(deadlineError(w.timeoutMs, 'queued'));
  }
}
