/**
 * Surviving transport drops: the backoff between reconnection attempts and the pause before a modern request
 * is re-issued with a new id.
 */
import { VeloError } from '../jsonrpc/errors.js';
import { transportDrop } from './errors.js';
import type { McpClientOptions } from './options.js';
import { closeWire, type Wire } from './wire.js';

/** Resolves after `ms` milliseconds, or at once when `signal` aborts (the client closed). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/**
 * Milliseconds to wait before re-issuing a request lost with its transport (attempt counts from 0): a short
 * linear step for ordinary requests, exponential up to 5 s for a `subscriptions/listen` that is kept forever.
 */
export function reissueDelayMs(attempt: number, listen: boolean): number {
  return listen ? Math.min(5000, 100 * 2 ** Math.min(attempt, 6)) : 50 * attempt;
}

/** What {@link reconnectWithBackoff} needs from the client. */
export interface ReconnectHost {
  /** The client's `reconnect` option (anything but `false`). */
  options: Exclude<McpClientOptions['reconnect'], false>;
  /** Aborted when the client closes: ends the waiting. */
  signal: AbortSignal;
  isClosed(): boolean;
  /** Opens a new wire (and makes it the client's current one). */
  open(): Promise<Wire>;
  /** Runs after a successful open (legacy: a new `initialize`); a throw counts as a failed attempt. */
  afterOpen(wire: Wire, attempt: number): Promise<void>;
}

/**
 * Reconnects with exponential backoff (defaults: 5 attempts, 200 ms doubling up to 5000 ms).
 * @throws VeloError `VELO_CONNECTION_CLOSED` when the client closed or every attempt failed.
 */
export async function reconnectWithBackoff(host: ReconnectHost, reason: string): Promise<Wire> {
  const r = host.options ?? {};
  const maxAttempts = r.maxAttempts ?? 5;
  let delay = r.initialDelayMs ?? 200;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    await pause(delay, host.signal);
    if (host.isClosed()) throw new VeloError('VELO_CONNECTION_CLOSED', 'The client was closed');
    delay = Math.min(delay * 2, r.maxDelayMs ?? 5000);
    let wire: Wire | undefined;
    try {
      wire = await host.open();
      await host.afterOpen(wire, attempt);
      return wire;
    } catch (err) {
      lastError = err as Error;
      if (wire) await closeWire(wire, transportDrop('Reconnection failed'));
    }
  }
  throw new VeloError('VELO_CONNECTION_CLOSED', `Could not reconnect after ${maxAttempts} attempts: ${lastError?.message ?? reason}`, { cause: lastError });
}
