/**
 * Tools that run off the main thread: {@link registerWorkerTool} registers an ordinary tool whose handler
 * sends the validated arguments to a {@link WorkerPool} and relays progress, logs and cancellation.
 */
import { ErrorCode } from '../jsonrpc/codes.js';
import { McpError, VeloError } from '../jsonrpc/errors.js';
import type { CallToolResult } from '../protocol/types.js';
import type { McpServer } from '../server/mcp-server.js';
import type { Registration, SchemaInput, ToolConfig } from '../server/options.js';
import type { JsonSchema } from '../validation/index.js';
import { sharedWorkerPool, WorkerToolError, type WorkerPool } from './pool.js';

/** Configuration of a worker tool: a tool's config plus where its function lives and how it runs. */
export interface WorkerToolConfig<S extends SchemaInput = JsonSchema> extends ToolConfig<S> {
  /** The ES module holding the function: a `file:` URL (e.g. `new URL('./burn.js', import.meta.url)`) or absolute path. */
  module: string | URL;
  /** The export to call, `(args, ctx: WorkerToolContext) => CallToolResult`. Default `'default'`. */
  export?: string;
  /** Per-call timeout in ms (queue wait included); a timed-out call answers with an `isError` result. */
  timeoutMs?: number;
  /** The pool to run on. Default: the process-wide pool ({@link sharedWorkerPool}). */
  pool?: WorkerPool;
  /** Overrides the pool's `cancelGraceMs` for this tool. */
  cancelGraceMs?: number;
}

function toolError(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/**
 * Registers a tool whose function runs on a worker thread. Arguments are validated on the main thread
 * against `inputSchema` before anything is sent to a worker; the output schema is checked on the main
 * thread too. Answers:
 * - the function's result; a throw in the function → `isError` result with its message;
 * - timeout → `isError` result "timed out after N ms" (the worker is stopped);
 * - a crashed worker thread → `isError` result "worker crashed" (the pool starts a new thread);
 * - a full pool queue → JSON-RPC error `-32010` ServerBusy, `data: {reason: 'queue_full', scope: 'pool', limit, retryAfterMs}`;
 * - cancellation (`notifications/cancelled`, closed connection) → the worker's `ctx.signal` aborts and the
 *   thread is stopped after the pool's `cancelGraceMs`; no answer is sent (MCP `basic/utilities/cancellation`).
 *
 * `ctx.input()` in the worker goes through the main thread's `ctx.input()` (both eras; see `WorkerToolContext.input`).
 * @throws VeloError as `McpServer.registerTool` does.
 */
export function registerWorkerTool<S extends SchemaInput = JsonSchema>(server: McpServer, name: string, config: WorkerToolConfig<S>): Registration {
  const { module, export: exportName, timeoutMs, pool: givenPool, cancelGraceMs, ...toolConfig } = config;
  if (module === undefined || (typeof module !== 'string' && !(module instanceof URL))) {
    throw new VeloError('VELO_INVALID_REGISTRATION', `Worker tool ${name} needs a module URL`);
  }
  const ref = { module, export: exportName ?? 'default' };
  return server.registerTool(name, toolConfig as ToolConfig<S>, async (args, ctx) => {
    const pool = givenPool ?? sharedWorkerPool();
    try {
      const result = await pool.run(ref, args, {
        signal: ctx.signal,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
        ...(cancelGraceMs === undefined ? {} : { cancelGraceMs }),
        onProgress: (p, t, m) => ctx.progress(p, t, m),
        onLog: (level, data, logger) => ctx.log(level, data, logger),
        onInput: (requests) => ctx.input(requests),
        meta: ctx._meta,
        requestId: ctx.requestId,
      });
      return result as CallToolResult;
    } catch (err) {
      if (err instanceof WorkerToolError) return toolError(err.message);
      if (err instanceof VeloError) {
        switch (err.code) {
          case 'VELO_WORKER_TIMEOUT':
            return toolError(`Tool ${name} timed out after ${timeoutMs} ms`);
          case 'VELO_WORKER_CRASHED':
            return toolError(`Tool ${name} failed: ${err.message}`);
          case 'VELO_QUEUE_FULL':
            throw new McpError(ErrorCode.ServerBusy, `Server busy: the worker pool queue is full (${pool.maxQueue} calls waiting); retry later`, {
              reason: 'queue_full',
              scope: 'pool',
              limit: pool.maxQueue,
              retryAfterMs: 1000,
            });
          default:
            throw err;
        }
      }
      throw err;
    }
  });
}
