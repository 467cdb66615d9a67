/**
 * `dispatchParallel`: many tool calls at once (seed 004's `dispatch_parallel`), at most `maxConcurrent` in
 * flight, each result or error in its own slot (one failure never fails the batch), and one signal that
 * cancels every call still running or waiting.
 */
import { VeloError } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import type { CallToolResult } from '../../protocol/types.js';

/** One call of a batch. */
export interface ParallelCall {
  name: string;
  arguments?: JsonObject;
}

/** Whatever calls tools: an `McpClient` (to a gateway, a local server in memory, anything), or a function. */
export type ToolCaller =
  | { callTool(params: { name: string; arguments?: JsonObject }, options?: { signal?: AbortSignal }): Promise<CallToolResult> }
  | ((call: ParallelCall, signal: AbortSignal) => Promise<CallToolResult>);

/** The outcome of one slot. */
export type ParallelOutcome = { ok: true; result: CallToolResult } | { ok: false; error: Error };

/** Options of {@link dispatchParallel}. */
export interface DispatchOptions {
  /** Most calls in flight at once (default: all of them). */
  maxConcurrent?: number;
  /** Cancels the whole batch: calls in flight are cancelled, waiting ones never start (their slots hold the error). */
  signal?: AbortSignal;
}

/**
 * Runs `calls` through `caller` concurrently; outcome `i` belongs to `calls[i]`.
 * @throws VeloError `VELO_INVALID_CONFIG` for a `maxConcurrent` that is not a positive integer.
 */
export async function dispatchParallel(caller: ToolCaller, calls: readonly ParallelCall[], options: DispatchOptions = {}): Promise<ParallelOutcome[]> {
  const limit = options.maxConcurrent ?? Math.max(1, calls.length);
  if (!Number.isInteger(limit) || limit < 1) throw new VeloError('VELO_INVALID_CONFIG', 'maxConcurrent must be a positive integer');
  const batch = new AbortController();
  const outer = options.signal;
  const onAbort = (): void => batch.abort(outer?.reason ?? new VeloError('VELO_REQUEST_CANCELLED', 'The batch was cancelled'));
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  const invoke =
    typeof caller === 'function'
      ? (c: ParallelCall) => caller(c, batch.signal)
      : (c: ParallelCall) => caller.callTool(c.arguments === undefined ? { name: c.name } : { name: c.name, arguments: c.arguments }, { signal: batch.signal });
  const out: ParallelOutcome[] = new Array(calls.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < calls.length; i = next++) {
      if (batch.signal.aborted) {
        out[i] = { ok: false, error: new VeloError('VELO_REQUEST_CANCELLED', 'The batch was cancelled before this call started') };
        continue;
      }
      try {
        out[i] = { ok: true, result: await invoke(calls[i]!) };
      } catch (err) {
        out[i] = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, calls.length) }, worker));
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
  return out;
}
