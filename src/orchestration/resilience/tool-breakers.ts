/**
 * Circuit breakers per upstream tool (ContextForge's per-tool breaker; MCP++ `CircuitBreaker`), on cockatiel 3,
 * beside the upstream's own breaker ({@link UpstreamPolicy}). The upstream's breaker judges the link; a tool's
 * breaker judges the tool: one tool that times out, or whose calls kill the upstream, is cut off alone while
 * the upstream's other tools keep serving.
 *
 * What a tool's breaker counts: upstream failures during that tool's calls (timeouts, transport drops, the
 * upstream crashing), and, with `countToolErrors`, results with `isError: true`. Never counted: JSON-RPC errors
 * the upstream answered with, cancellations asked for downstream, MRTR input rounds, and refusals by the
 * upstream's own open breaker or full bulkhead (no call was made).
 */
import { BrokenCircuitError, BulkheadRejectedError, CircuitState, ConsecutiveBreaker, SamplingBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { isUpstreamFailure, type BreakerState } from './policy.js';

/**
 * Options of the per-tool breakers (`MountOptions.resilience.toolBreaker`). Times are in milliseconds.
 * The breaker opens after `consecutiveFailures` failures in a row (default 5), or, when `failureRate` is
 * given, when that share of calls failed within `windowMs` (default 60 000) with at least `minimumCalls`
 * (default 10) seen. After `halfOpenAfterMs` (default 30 000) the next call is let through as a probe.
 */
export interface ToolBreakerOptions {
  consecutiveFailures?: number;
  failureRate?: number;
  windowMs?: number;
  minimumCalls?: number;
  halfOpenAfterMs?: number;
  /** Also count tool results with `isError: true` as failures. Default false (they are often the caller's bad input). */
  countToolErrors?: boolean;
}

/** Thrown by {@link ToolBreakers.execute} while a tool's breaker is open: nothing was sent upstream. */
export class ToolCircuitOpenError extends Error {
  override readonly name = 'ToolCircuitOpenError';
  /** @param tool - The upstream tool name. @param retryAfterMs - When the next call is let through as a probe, in ms (upper bound). */
  constructor(
    readonly tool: string,
    readonly retryAfterMs: number,
  ) {
    super(`the circuit breaker of tool ${tool} is open after repeated failures`);
  }
}

/** Counters of one tool's breaker. */
export interface ToolBreakerStats {
  state: BreakerState;
  /** Times it opened. */
  opened: number;
}

function toState(s: CircuitState): BreakerState {
  return s === CircuitState.Closed ? 'CLOSED' : s === CircuitState.HalfOpen ? 'HALF_OPEN' : 'OPEN';
}

/** A failure of the tool, as opposed to a refusal by the upstream's policy (which made no call). */
function isToolFailure(err: Error): boolean {
  return isUpstreamFailure(err) && !(err instanceof BrokenCircuitError) && !(err instanceof BulkheadRejectedError);
}

/** The breakers of one upstream's tools, created on a tool's first call. */
export class ToolBreakers {
  readonly halfOpenAfterMs: number;
  readonly #options: ToolBreakerOptions;
  readonly #onStateChange: (tool: string, state: BreakerState) => void;
  #breakers = new Map<string, { policy: CircuitBreakerPolicy; opened: number; openedAt: number }>();

  /**
   * @param options - See {@link ToolBreakerOptions}.
   * @param onStateChange - Called when a tool's breaker changes state (not when {@link reset} drops it).
   */
  constructor(options: ToolBreakerOptions = {}, onStateChange: (tool: string, state: BreakerState) => void = () => undefined) {
    this.#options = options;
    this.halfOpenAfterMs = options.halfOpenAfterMs ?? 30_000;
    this.#onStateChange = onStateChange;
  }

  /** The state of `tool`'s breaker (CLOSED for a tool never called). */
  state(tool: string): BreakerState {
    const b = this.#breakers.get(tool);
    return b ? toState(b.policy.state) : 'CLOSED';
  }

  /** Counters of every tool called so far, by upstream tool name. */
  get stats(): Record<string, ToolBreakerStats> {
    const out: Record<string, ToolBreakerStats> = {};
    for (const [tool, b] of this.#breakers) out[tool] = { state: toState(b.policy.state), opened: b.opened };
    return out;
  }

  /**
   * Runs one call of `tool` through its breaker.
   * @throws ToolCircuitOpenError while the breaker is open (`fn` is not called); whatever `fn` threw.
   */
  async execute<T extends object>(tool: string, fn: () => Promise<T>): Promise<T> {
    const b = this.#breaker(tool);
    let called = false;
    try {
      return await b.policy.execute(() => {
        called = true;
        return fn();
      });
    } catch (err) {
      if (!called && err instanceof BrokenCircuitError) throw new ToolCircuitOpenError(tool, Math.max(0, b.openedAt + this.halfOpenAfterMs - Date.now()));
      throw err;
    }
  }

  /** Forgets every breaker (all tools CLOSED again), e.g. when the upstream came back after an outage. */
  reset(): void {
    this.#breakers = new Map();
  }

  #breaker(tool: string): { policy: CircuitBreakerPolicy; opened: number; openedAt: number } {
    let b = this.#breakers.get(tool);
    if (b) return b;
    const o = this.#options;
    const breaker =
      o.failureRate !== undefined
        ? new SamplingBreaker({ threshold: o.failureRate, duration: o.windowMs ?? 60_000, minimumRps: Math.max(1 / 60, (o.minimumCalls ?? 10) / ((o.windowMs ?? 60_000) / 1000)) })
        : new ConsecutiveBreaker(o.consecutiveFailures ?? 5);
    let handles = handleWhen(isToolFailure);
    if (o.countToolErrors) handles = handles.orWhenResult((r) => typeof r === 'object' && r !== null && (r as { isError?: unknown }).isError === true);
    const policy = circuitBreaker(handles, { halfOpenAfter: this.halfOpenAfterMs, breaker });
    const entry = { policy, opened: 0, openedAt: 0 };
    const breakers = this.#breakers;
    policy.onBreak(() => {
      entry.opened++;
      entry.openedAt = Date.now();
    });
    policy.onStateChange((s) => {
      // A breaker dropped by reset() no longer speaks for its tool.
      if (breakers === this.#breakers) this.#onStateChange(tool, toState(s));
    });
    this.#breakers.set(tool, entry);
    b = entry;
    return b;
  }
}
