/**
 * Resilience per upstream: a circuit breaker (CLOSED → OPEN → HALF_OPEN → CLOSED), a bulkhead and, for tools
 * annotated read-only or idempotent only, retry with exponential backoff, on cockatiel 3 (velomcp composes and
 * observes its policies); and a per-call timeout, which velomcp's client applies to the upstream request (a
 * cockatiel timeout cost ~20 µs of CPU per call in bench/orchestration, the client's timer is there anyway).
 *
 * What counts as a failure of the upstream: transport drops, timeouts, protocol errors and crashes. JSON-RPC
 * errors the upstream answered with (`McpError`, e.g. -32602 for bad arguments) and tool results with
 * `isError: true` are the caller's or the tool's business, not the upstream's health, and never trip it.
 */
import {
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  SamplingBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import { McpError, VeloError } from '../../jsonrpc/errors.js';
import { InputRequiredSignal } from '../../server/input.js';
import type { ToolBreakerOptions } from './tool-breakers.js';

/** Breaker states as the MCP++ seed and most breakers name them. */
export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** Options of {@link UpstreamPolicy}. Times are in milliseconds. */
export interface ResilienceOptions {
  /**
   * When the breaker opens: after `consecutiveFailures` failures in a row (default 5), or, when
   * `failureRate` is given, when that share of calls failed within `windowMs` (default 60 000) with at least
   * `minimumCalls` (default 10) calls seen (ContextForge's defaults).
   */
  breaker?: { consecutiveFailures?: number; failureRate?: number; windowMs?: number; minimumCalls?: number; halfOpenAfterMs?: number };
  /** Per-call timeout (default 30 000); 0 disables it. */
  timeoutMs?: number;
  /** Retries of read-only/idempotent tools: attempts after the first (default 2), backoff start and cap. */
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Most calls in flight at once (default 64) and most waiting for a slot (default 256). */
  bulkhead?: { maxConcurrent?: number; maxQueue?: number };
  /**
   * A circuit breaker per upstream tool besides the upstream's (see {@link ToolBreakerOptions}; default on,
   * 5 consecutive failures, 30 000 ms half-open delay); `false` turns them off.
   */
  toolBreaker?: ToolBreakerOptions | false;
}

/** Events of an {@link UpstreamPolicy}. */
export interface PolicyEvents {
  /** The breaker changed state. */
  onStateChange?: (state: BreakerState) => void;
}

/**
 * True when an error says something about the upstream's health. Answers the upstream chose to give (a
 * JSON-RPC error), cancellations asked for downstream and MRTR input rounds are not failures.
 */
export function isUpstreamFailure(err: unknown): boolean {
  if (err instanceof McpError || err instanceof InputRequiredSignal) return false;
  if (err instanceof VeloError && err.code === 'VELO_REQUEST_CANCELLED') return false;
  return true;
}

function toState(s: CircuitState): BreakerState {
  return s === CircuitState.Closed ? 'CLOSED' : s === CircuitState.HalfOpen ? 'HALF_OPEN' : 'OPEN';
}

/**
 * The policies of one upstream. `execute` runs one call through bulkhead → breaker → timeout, and through
 * retry first when the call is idempotent.
 */
export class UpstreamPolicy {
  readonly breaker: CircuitBreakerPolicy;
  readonly halfOpenAfterMs: number;
  /** Per-call timeout in milliseconds; 0 means none. */
  readonly timeoutMs: number;
  readonly #bulkhead;
  readonly #retry;
  #opened = 0;
  #rejected = 0;

  /** @param options - See {@link ResilienceOptions}. @param events - State change callback. */
  constructor(options: ResilienceOptions = {}, events: PolicyEvents = {}) {
    const b = options.breaker ?? {};
    this.halfOpenAfterMs = b.halfOpenAfterMs ?? 30_000;
    const breaker: IBreaker =
      b.failureRate !== undefined
        ? new SamplingBreaker({ threshold: b.failureRate, duration: b.windowMs ?? 60_000, minimumRps: Math.max(1 / 60, (b.minimumCalls ?? 10) / ((b.windowMs ?? 60_000) / 1000)) })
        : new ConsecutiveBreaker(b.consecutiveFailures ?? 5);
    this.breaker = circuitBreaker(handleWhen(isUpstreamFailure), { halfOpenAfter: this.halfOpenAfterMs, breaker });
    this.breaker.onBreak(() => this.#opened++);
    if (events.onStateChange) {
      const cb = events.onStateChange;
      this.breaker.onStateChange((s) => cb(toState(s)));
    }
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const bh = options.bulkhead ?? {};
    this.#bulkhead = bulkhead(bh.maxConcurrent ?? 64, bh.maxQueue ?? 256);
    const r = options.retry ?? {};
    this.#retry = retry(handleWhen((e) => isUpstreamFailure(e) && !(e instanceof BulkheadRejectedError) && !(e instanceof Error && e.name === 'BrokenCircuitError')), {
      maxAttempts: r.maxAttempts ?? 2,
      backoff: new ExponentialBackoff({ initialDelay: r.initialDelayMs ?? 50, maxDelay: r.maxDelayMs ?? 1000 }),
    });
  }

  /** The breaker's state now. */
  get state(): BreakerState {
    return toState(this.breaker.state);
  }

  /** Counters: times the breaker opened, calls refused by the bulkhead. */
  get stats(): { state: BreakerState; opened: number; bulkheadRejected: number; freeSlots: number; freeQueue: number } {
    return { state: this.state, opened: this.#opened, bulkheadRejected: this.#rejected, freeSlots: this.#bulkhead.executionSlots, freeQueue: this.#bulkhead.queueSlots };
  }

  /**
   * Runs `fn` under the bulkhead and the breaker (and retry, when `idempotent`). `fn` gets the attempt's
   * signal (the caller's cancellation). The per-call timeout ({@link timeoutMs}) is applied by `fn` to the
   * upstream request itself (velomcp's client times requests out and sends `notifications/cancelled`), so
   * connecting or waiting for a pooled connection does not eat into a call's time, and no second timer runs.
   * @throws BrokenCircuitError while the breaker is open; BulkheadRejectedError when full; whatever `fn` threw.
   */
  async execute<T>(fn: (signal: AbortSignal) => Promise<T>, options: { idempotent?: boolean; signal?: AbortSignal } = {}): Promise<T> {
    const once = (outer: AbortSignal | undefined): Promise<T> => this.#bulkhead.execute(() => this.breaker.execute(({ signal }) => fn(signal), outer), outer);
    try {
      if (options.idempotent) return await this.#retry.execute(({ signal }) => once(options.signal ?? signal), options.signal);
      return await once(options.signal);
    } catch (err) {
      if (err instanceof BulkheadRejectedError) this.#rejected++;
      throw err;
    }
  }
}
