/**
 * The handler context of a tool that runs as a task (tasks extension, SEP-2663). Handlers keep the usual
 * `(args, ctx)` signature; inside a task, `ctx.signal` aborts on `tasks/cancel` (or expiry), `ctx.input()`
 * turns the task `input_required` and resumes when `tasks/update` delivers the answers, and
 * `ctx.progress(…, message)` updates the task's `statusMessage`.
 */
import { VeloError } from '../../jsonrpc/errors.js';
import type { JsonRpcId } from '../../jsonrpc/message.js';
import type { ClientCapabilities, Implementation, LoggingLevel, Meta } from '../../protocol/types.js';
import type { ProtocolEra } from '../../protocol/versions.js';
import type { RequestContext, ServerRequestContext } from '../context.js';
import type { InputRequests, InputResponses } from '../input.js';
import type { LiveTask, TaskManager, ToolTaskSpec } from './manager.js';

/**
 * @internal A context that starts out as the creating request's context and, once attached to a task,
 * leaves the request behind: the request's cancellation (or the HTTP exchange ending) no longer reaches it.
 */
export class TaskContext implements RequestContext {
  readonly #inner: ServerRequestContext;
  readonly #manager: TaskManager;
  readonly #spec: ToolTaskSpec;
  readonly #controller = new AbortController();
  #live: LiveTask | undefined;
  #starting: Promise<string> | undefined;
  #unlink: (() => void) | undefined;
  /** Called once the task exists (on-demand start): answers the creating request. */
  onStart: ((live: LiveTask) => void) | undefined;
  /** Answers of the latest input round when a handler returns `inputRequired(…)` inside a task. */
  roundResponses: InputResponses | undefined;
  roundState: unknown;

  constructor(inner: ServerRequestContext, manager: TaskManager, spec: ToolTaskSpec) {
    this.#inner = inner;
    this.#manager = manager;
    this.#spec = spec;
  }

  /** @internal The creating request's context. */
  protected get inner(): ServerRequestContext {
    return this.#inner;
  }

  /** @internal The tasks runtime. */
  protected get manager(): TaskManager {
    return this.#manager;
  }

  /** The task, once there is one. */
  get live(): LiveTask | undefined {
    return this.#live;
  }

  get taskId(): string | undefined {
    return this.#live?.record.taskId;
  }

  get requestId(): JsonRpcId {
    return this.#inner.requestId;
  }
  get method(): string {
    return this.#inner.method;
  }
  get era(): ProtocolEra {
    return this.#inner.era;
  }
  get protocolVersion(): string {
    return this.#inner.protocolVersion;
  }
  get _meta(): Meta {
    return this.#inner._meta;
  }
  get clientCapabilities(): ClientCapabilities {
    return this.#inner.clientCapabilities;
  }
  get clientInfo(): Implementation | undefined {
    return this.#inner.clientInfo;
  }
  get sessionId(): string | undefined {
    return this.#inner.sessionId;
  }
  get principal(): string {
    return this.#inner.principal;
  }
  get inputResponses(): InputResponses | undefined {
    return this.roundResponses ?? this.#inner.inputResponses;
  }
  get requestState(): unknown {
    return this.roundResponses !== undefined ? this.roundState : this.#inner.requestState;
  }

  get signal(): AbortSignal {
    // Until the task exists, the request's cancellation is this context's cancellation.
    if (!this.#live && !this.#unlink && !this.#controller.signal.aborted) {
      const inner = this.#inner.signal;
      const onAbort = (): void => this.#controller.abort(inner.reason);
      if (inner.aborted) onAbort();
      else {
        inner.addEventListener('abort', onAbort, { once: true });
        this.#unlink = () => inner.removeEventListener('abort', onAbort);
      }
    }
    return this.#controller.signal;
  }

  /** Binds this context to its task: from now on only the task's cancellation aborts it. */
  attach(live: LiveTask): void {
    this.release();
    this.#unlink = () => {};
    this.#live = live;
    const task = live.controller.signal;
    if (task.aborted) this.#controller.abort(task.reason);
    else task.addEventListener('abort', () => this.#controller.abort(task.reason), { once: true });
  }

  /** Drops the link to the request's signal. */
  release(): void {
    this.#unlink?.();
    this.#unlink = undefined;
  }

  /** Creates the task (once) and answers the creating request with its CreateTaskResult. */
  start(): Promise<string> {
    if (this.#live) return Promise.resolve(this.#live.record.taskId);
    if (this.#inner.cancelled) return Promise.reject(new VeloError('VELO_REQUEST_CANCELLED', 'Request cancelled before the task started'));
    return (this.#starting ??= this.#manager.create(this.#inner, this.#spec).then((live) => {
      this.attach(live);
      this.onStart?.(live);
      return live.record.taskId;
    }));
  }

  progress(progress: number, total?: number, message?: string): void {
    if (this.#live) {
      if (message !== undefined) this.#manager.setStatusMessage(this.#live, message);
      return;
    }
    this.#inner.progress(progress, total, message);
  }

  log(level: LoggingLevel, data: unknown, logger?: string): void {
    // Tasks have no stream for logs (ext-tasks: not supported on tasks).
    if (!this.#live) this.#inner.log(level, data, logger);
  }

  input(requests: InputRequests): Promise<InputResponses> {
    if (this.#live) return this.#manager.input(this.#live, requests, this.clientCapabilities);
    return this.#inner.input(requests);
  }

  closeSseStream(): boolean {
    return this.#live ? false : this.#inner.closeSseStream();
  }
}

/**
 * Continues the current `tools/call` as a task (tools registered with `task: {start: 'handler'}`): the call is
 * answered with a `CreateTaskResult` now, and what the handler returns later becomes the task's result.
 * Call it after any MRTR input the handler needs up front (ext-tasks: resolve MRTR exchanges before
 * creating the task).
 *
 * Resolves with the task id, or with `undefined` when this request cannot become a task (the client did not
 * declare `io.modelcontextprotocol/tasks`, the legacy era, a tool without task support); the handler then
 * simply carries on and its result goes back as an ordinary result. Idempotent.
 */
export function startTask(ctx: RequestContext): Promise<string | undefined> {
  return ctx instanceof TaskContext ? ctx.start() : Promise.resolve(undefined);
}

/** The id of the task a handler runs as, or undefined when it serves an ordinary request. */
export function taskIdOf(ctx: RequestContext): string | undefined {
  return ctx instanceof TaskContext ? ctx.taskId : undefined;
}
