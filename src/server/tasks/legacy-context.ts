/**
 * @internal The handler context of a tool running as a 2025-11-25 task (legacy era, `basic/utilities/tasks.mdx`):
 * progress keeps flowing with the creating request's `progressToken` for the task's lifetime, logs and
 * server→client requests (elicitation, sampling, roots) carry the `io.modelcontextprotocol/related-task`
 * `_meta`, and the task is `input_required` while such requests wait for answers. Everything the task sends
 * goes out as a session-level message (over Streamable HTTP: on the GET stream), since the creating POST was
 * answered with the CreateTaskResult.
 */
import { VeloError } from '../../jsonrpc/errors.js';
import { serializeNotification, type JsonObject } from '../../jsonrpc/message.js';
import { LOGGING_LEVELS, type InputRequest, type LoggingLevel } from '../../protocol/types.js';
import { missingCapability, type ServerRequestContext } from '../context.js';
import type { InputRequests, InputResponses } from '../input.js';
import type { ServerConnection } from '../connection.js';
import { TaskContext } from './context.js';
import type { TaskManager, ToolTaskSpec } from './manager.js';

/** The `_meta` key that ties a message to its task (2025-11-25 `basic/utilities/tasks.mdx`). */
export const RELATED_TASK_META = 'io.modelcontextprotocol/related-task';

const LEVEL_RANK = new Map<string, number>(LOGGING_LEVELS.map((l, i) => [l, i]));

/** @internal */
export class LegacyTaskContext extends TaskContext {
  readonly #conn: ServerConnection;
  /** Server→client requests of this task waiting for answers. */
  #waiting = 0;

  constructor(inner: ServerRequestContext, manager: TaskManager, spec: ToolTaskSpec, conn: ServerConnection) {
    super(inner, manager, spec);
    this.#conn = conn;
  }

  #related(): JsonObject {
    return { [RELATED_TASK_META]: { taskId: this.taskId as string } };
  }

  override progress(progress: number, total?: number, message?: string): void {
    const live = this.live;
    if (!live) {
      super.progress(progress, total, message);
      return;
    }
    if (message !== undefined) this.manager.setStatusMessage(live, message);
    const token = this._meta.progressToken;
    if (token === undefined || live.controller.signal.aborted) return;
    const params: JsonObject = { progressToken: token as string | number, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    params._meta = this.#related();
    this.#conn.send(serializeNotification('notifications/progress', params));
  }

  override log(level: LoggingLevel, data: unknown, logger?: string): void {
    if (!this.live) {
      super.log(level, data, logger);
      return;
    }
    const threshold = this.#conn.sessionLogLevel;
    if (threshold !== undefined && (LEVEL_RANK.get(level) ?? 0) < (LEVEL_RANK.get(threshold) ?? 0)) return;
    const params: JsonObject = { level, data: data as JsonObject };
    if (logger !== undefined) params.logger = logger;
    params._meta = this.#related();
    this.#conn.send(serializeNotification('notifications/message', params));
  }

  override async input(requests: InputRequests): Promise<InputResponses> {
    const live = this.live;
    if (!live) return super.input(requests);
    const outbound = this.#conn.outbound;
    if (!outbound || this.#conn.closed) throw new VeloError('VELO_NOT_CONNECTED', 'The session of this task is closed: it cannot ask the client');
    const keys = Object.keys(requests);
    for (const k of keys) {
      const missing = missingCapability(requests[k] as InputRequest, this.clientCapabilities);
      if (missing) throw new VeloError('VELO_CAPABILITY_MISSING', `The client did not declare the capability ${Object.keys(missing)[0]} needed for ${(requests[k] as InputRequest).method}`);
    }
    if (keys.length === 0) return {};
    this.#waiting++;
    this.manager.setStatus(live, 'input_required');
    try {
      const answers = await Promise.all(
        keys.map((k) => {
          const r = requests[k] as InputRequest;
          const params: JsonObject = { ...(r.params as JsonObject | undefined) };
          params._meta = { ...(params._meta as JsonObject | undefined), ...this.#related() };
          return outbound.request(r.method, params, { signal: this.signal });
        }),
      );
      const out: InputResponses = {};
      keys.forEach((k, i) => (out[k] = answers[i] as JsonObject));
      return out;
    } finally {
      if (--this.#waiting === 0) this.manager.setStatus(live, 'working');
    }
  }

  override closeSseStream(): boolean {
    return this.live ? false : super.closeSseStream();
  }
}
