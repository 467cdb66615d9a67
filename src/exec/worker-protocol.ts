/**
 * The shapes exchanged between the main thread and a worker tool: the task, the worker-side context a tool
 * function receives, and the messages on the task's MessagePort.
 */
import type { MessagePort } from 'node:worker_threads';
import type { JsonRpcId } from '../jsonrpc/message.js';
import type { LoggingLevel, Meta } from '../protocol/types.js';
import type { InputRequests, InputResponses } from '../server/input.js';

/**
 * What a worker tool function receives as its second argument (the worker-thread side of `RequestContext`).
 * Arguments arrive validated (the main thread checks them against the tool's input schema first).
 */
export interface WorkerToolContext {
  /**
   * Aborted when the call is cancelled or times out, if the worker's event loop gets to run (code that
   * never yields cannot see it; such work is stopped by terminating the thread, see `cancelGraceMs`).
   */
  readonly signal: AbortSignal;
  /** Reports progress to the client (sent only when the request carried a `progressToken`). */
  progress(progress: number, total?: number, message?: string): void;
  /** Sends `notifications/message` through the request's context (its level filter applies). */
  log(level: LoggingLevel, data: unknown, logger?: string): void;
  /**
   * Asks the client for input (elicitation, sampling, roots) through the main thread's `ctx.input()`.
   * Legacy era: the requests go to the client and this resolves with its answers. Modern era (MRTR): the
   * first attempt ends the call with an `input_required` result (this worker run is stopped) and the retry
   * runs the function again from the start, when `input()` resolves at once with the answers the client
   * sent; so ask in the same order every time.
   */
  input(requests: InputRequests): Promise<InputResponses>;
  /** The request's `params._meta` (a structured-clone copy). */
  readonly meta: Meta;
  /** The JSON-RPC id of the request. */
  readonly requestId: JsonRpcId;
}

/** A worker tool function: `export function name(args, ctx)`; returns a `CallToolResult` (or a promise of one). */
export type WorkerToolFunction<A = any, R = unknown> = (args: A, ctx: WorkerToolContext) => R | Promise<R>;

/** @internal */
export interface WorkerTask {
  module: string;
  export: string;
  args: unknown;
  meta: Meta;
  requestId: JsonRpcId;
  port: MessagePort;
}

/** @internal */
export type WorkerOutcome = { ok: true; result: unknown } | { ok: false; error: { name: string; message: string } };

/** @internal Worker → main. */
export type WorkerMessage =
  | { type: 'start' }
  | { type: 'progress'; progress: number; total?: number; message?: string }
  | { type: 'log'; level: LoggingLevel; data: unknown; logger?: string }
  | { type: 'input'; seq: number; requests: InputRequests };

/** @internal Main → worker. */
export type MainMessage =
  | { type: 'cancel'; reason: string }
  | { type: 'inputResult'; seq: number; ok: true; value: InputResponses }
  | { type: 'inputResult'; seq: number; ok: false; error: string };
