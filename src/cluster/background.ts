/**
 * Fire-and-forget calls into a cluster backend (bus messages, activity writes, cleanup). A shared backend
 * can fail any call while it is unreachable (`VELO_BACKEND_UNAVAILABLE`); such a failure must never become
 * an unhandled rejection, which would end the process. Failures are published on the
 * `velomcp:cluster:background-error` diagnostics channel (`{ what, error }`) for logs and metrics.
 */
import { channel } from 'node:diagnostics_channel';

const failures = channel('velomcp:cluster:background-error');
let failed = 0;

/**
 * Lets `value` (a promise or a plain value from a {@link MaybePromise} method) run on: a rejection is counted
 * and reported on the diagnostics channel, never thrown. `what` names the call (for the report).
 */
export function background(value: unknown, what: string): void {
  if (value === null || typeof value !== 'object' || typeof (value as PromiseLike<unknown>).then !== 'function') return;
  (value as PromiseLike<unknown>).then(undefined, (error: unknown) => {
    failed++;
    if (failures.hasSubscribers) failures.publish({ what, error });
  });
}

/** How many background calls failed in this process (for tests and metrics). */
export function backgroundFailures(): number {
  return failed;
}
