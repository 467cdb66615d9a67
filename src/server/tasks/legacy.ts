/**
 * @internal 2025-11-25 tasks in the legacy era (`basic/utilities/tasks.mdx`, experimental in that revision):
 * the `tasks` server capability, `tools/call` with `params.task` answered with a `CreateTaskResult`
 * (`{ task }`), `tasks/get`, `tasks/result` (blocks until the task is terminal, then returns what the call
 * would have returned), `tasks/list` (cursor pages), `tasks/cancel`, and `notifications/tasks/status`.
 *
 * It runs on the same {@link TaskManager} as the 2026-07-28 tasks extension: same store, lifetime bounds and
 * per-principal limit. A legacy task is bound to its principal and to the session that created it
 * ({@link TaskRecord.session}); another session, or a 2026-07-28 request, finds it unknown.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError, VeloError } from '../../jsonrpc/errors.js';
import { serializeNotification, type JsonObject } from '../../jsonrpc/message.js';
import type { ServerCapabilities } from '../../protocol/types.js';
import type { ServerConnection } from '../connection.js';
import type { ServerRequestContext } from '../context.js';
import type { ServerCore, ToolEntry } from '../core.js';
import { echo } from '../limits.js';
import { LegacyTaskContext, RELATED_TASK_META } from './legacy-context.js';
import type { TaskManager, ToolInvoker, ToolTaskSpec } from './manager.js';
import { isTerminalStatus, MAX_TASKS_PER_SESSION, type TaskRecord } from './store.js';
/** `tasks/list` page size when `McpServerOptions.pageSize` is 0 (no pagination elsewhere). */
const DEFAULT_PAGE = 100;

const capsCache = new WeakMap<ServerCapabilities, ServerCapabilities>();

/** True when some enabled tool may run as a task (the condition for the legacy `tasks` capability). */
function hasTaskTools(core: ServerCore): boolean {
  for (const t of core.tools.values()) if (t.task && t.enabled) return true;
  return false;
}

/** The first revision with tasks; older sessions never see them (their task tools run inline). */
const TASKS_SINCE = '2025-11-25';

/**
 * The capabilities of an `initialize` result: {@link ServerCore.capabilities} plus `tasks` (`list`, `cancel`,
 * `requests.tools.call`) when some tool supports tasks and the session speaks 2025-11-25 or later. Cached
 * until the capabilities change.
 */
export function legacyCapabilities(core: ServerCore, protocolVersion: string = TASKS_SINCE): ServerCapabilities {
  const base = core.capabilities;
  if (protocolVersion < TASKS_SINCE) return base;
  let caps = capsCache.get(base);
  if (!caps) {
    caps = hasTaskTools(core) && base.tasks === undefined ? { ...base, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } : base;
    capsCache.set(base, caps);
  }
  return caps;
}

/** True when this server advertises `tasks.requests.tools.call` to this legacy session. */
function offered(core: ServerCore, ctx: ServerRequestContext): boolean {
  const tasks = legacyCapabilities(core, ctx.protocolVersion).tasks as { requests?: { tools?: { call?: unknown } } } | undefined;
  return tasks?.requests?.tools?.call !== undefined;
}

/** What `params.task` asked for. */
export interface LegacyTaskRequest {
  ttl: number | undefined;
}

/**
 * Tool-level negotiation of a legacy `tools/call`: the task wanted (`params.task`), or undefined for an
 * ordinary call. Without the `tasks` capability `params.task` is ignored, as the specification requires.
 * @throws McpError -32601 for `params.task` on a tool whose `execution.taskSupport` is absent or `forbidden`,
 *   and for a `required` tool called without it; -32602 for a malformed `params.task`.
 */
export function legacyTaskRequest(core: ServerCore, tool: ToolEntry, params: JsonObject | undefined, ctx: ServerRequestContext): LegacyTaskRequest | undefined {
  const task = params?.task;
  if (task === undefined) {
    if (tool.task?.support === 'required' && offered(core, ctx)) {
      throw new McpError(ErrorCode.MethodNotFound, `Method not found: tool ${echo(tool.name)} must be called as a task (execution.taskSupport "required"); add params.task`);
    }
    return undefined;
  }
  if (!offered(core, ctx)) return undefined;
  if (!tool.task) {
    throw new McpError(ErrorCode.MethodNotFound, `Method not found: tool ${echo(tool.name)} cannot be called as a task (execution.taskSupport "forbidden"); call it without params.task`);
  }
  if (typeof task !== 'object' || task === null || Array.isArray(task)) throw new McpError(ErrorCode.InvalidParams, 'Invalid params: "task" must be an object ({ ttl?: milliseconds })');
  const ttl = (task as JsonObject).ttl;
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0)) {
    throw new McpError(ErrorCode.InvalidParams, 'Invalid params: "task.ttl" must be a non-negative number of milliseconds');
  }
  return { ttl: ttl === undefined ? undefined : Math.floor(ttl) };
}

/** The wire `Task` (2025-11-25) of a record. */
export function legacyTask(r: TaskRecord): JsonObject {
  const out: JsonObject = { taskId: r.taskId, status: r.status };
  if (r.statusMessage !== undefined) out.statusMessage = r.statusMessage;
  out.createdAt = r.createdAt;
  out.lastUpdatedAt = r.lastUpdatedAt;
  out.ttl = r.ttlMs;
  if (r.pollIntervalMs !== undefined) out.pollInterval = r.pollIntervalMs;
  return out;
}

const hostIds = new WeakMap<object, string>();

/** True for HTTP's legacy stateless mode, where every POST gets its own connection and no session id. */
function connectionPerRequest(conn: ServerConnection): boolean {
  return conn.transport === 'http' && conn.sessionId === undefined;
}

/**
 * The session a legacy request belongs to: the transport's session id; over HTTP without sessions (legacy
 * stateless mode, a connection per POST) the principal alone; else the connection.
 */
function sessionOf(conn: ServerConnection, ctx: ServerRequestContext | undefined): string {
  const id = ctx?.sessionId;
  if (id !== undefined) return `session:${id}`;
  if (connectionPerRequest(conn)) return 'stateless-http';
  let own = hostIds.get(conn);
  if (!own) hostIds.set(conn, (own = `connection:${randomUUID()}`));
  return own;
}

const runtimes = new WeakMap<ServerCore, LegacyTasks>();

/** The legacy tasks runtime of a server. */
export function legacyTasks(core: ServerCore): LegacyTasks {
  let rt = runtimes.get(core);
  if (!rt) runtimes.set(core, (rt = new LegacyTasks(core)));
  return rt;
}

/** -32601 for the legacy tasks/* methods of a server that advertises no tasks. */
function notOffered(method: string): McpError {
  return new McpError(ErrorCode.MethodNotFound, `Method not found: ${method} (this server offers no task-capable tools)`);
}

/** @internal */
export class LegacyTasks {
  readonly #core: ServerCore;
  /** Per session: task id → creation sequence (the `tasks/list` order and cursor). */
  readonly #bySession = new Map<string, Map<string, number>>();
  /** Running tasks of connection-bound sessions, cancelled when the connection closes. */
  readonly #byConnection = new WeakMap<ServerConnection, Set<string>>();
  #seq = 0;

  constructor(core: ServerCore) {
    this.#core = core;
  }

  get #manager(): TaskManager {
    return this.#core.tasks;
  }

  /**
   * `tools/call` with `params.task`: creates the task, answers `{ task }` at once and runs the handler as
   * the task. The granted lifetime is the requested `ttl` bounded by the tool's (or server's) `ttlMs`.
   */
  async callTool(conn: ServerConnection, spec: ToolTaskSpec, ctx: ServerRequestContext, want: LegacyTaskRequest, invoke: ToolInvoker): Promise<JsonObject> {
    const manager = this.#manager;
    const max = spec.ttlMs === undefined ? manager.defaultTtlMs : spec.ttlMs;
    const ttlMs = want.ttl === undefined ? max : max === null ? want.ttl : Math.min(want.ttl, max);
    const session = sessionOf(conn, ctx);
    const live = await manager.create(ctx, spec, { ttlMs, session });
    const taskId = live.record.taskId;
    if (!manager.store.listSession) this.#remember(session, taskId);
    if (ctx.sessionId === undefined && !connectionPerRequest(conn)) this.#endWithConnection(conn, taskId);
    // Status changes go to the session as notifications/tasks/status (optional in the spec, sent on each change).
    let last = live.record.status;
    const stop = manager.watch(taskId, (r) => {
      if (!r) {
        stop();
        return;
      }
      if (r.status !== last) {
        last = r.status;
        conn.send(serializeNotification('notifications/tasks/status', legacyTask(r)));
      }
      if (isTerminalStatus(r.status)) stop();
    });
    const tctx = new LegacyTaskContext(ctx, manager, spec, conn);
    tctx.attach(live);
    manager.run(live, tctx, invoke);
    return { task: legacyTask(live.record) };
  }

  /**
   * A session without a transport session id (stdio, WebSocket, TCP) is its connection: nobody can reach its
   * tasks once it closed, so they are cancelled then (their `ctx.signal` aborts).
   */
  #endWithConnection(conn: ServerConnection, taskId: string): void {
    let ids = this.#byConnection.get(conn);
    if (!ids) {
      this.#byConnection.set(conn, (ids = new Set()));
      const prev = conn.onclose;
      conn.onclose = () => {
        prev?.();
        const manager = this.#manager;
        for (const id of ids as Set<string>) {
          const live = manager.liveTask(id);
          if (live && !isTerminalStatus(live.record.status)) void manager.cancelRecord(live.record, 'The session closed').catch(() => {});
        }
        this.#byConnection.delete(conn);
        this.#bySession.delete(sessionOf(conn, undefined));
      };
    }
    ids.add(taskId);
    const stop = this.#manager.watch(taskId, (r) => {
      if (!r || isTerminalStatus(r.status)) {
        stop();
        ids.delete(taskId);
      }
    });
  }

  #remember(session: string, taskId: string): void {
    let ids = this.#bySession.get(session);
    if (!ids) this.#bySession.set(session, (ids = new Map()));
    ids.set(taskId, ++this.#seq);
    if (ids.size > MAX_TASKS_PER_SESSION) ids.delete(ids.keys().next().value as string);
  }

  /** Finds a task of this session and principal, or throws -32602 (another session's task looks unknown). */
  async #lookup(conn: ServerConnection, params: JsonObject | undefined, ctx: ServerRequestContext): Promise<TaskRecord> {
    if (!offered(this.#core, ctx)) throw notOffered(ctx.method);
    const taskId = params?.taskId;
    if (typeof taskId !== 'string') throw new McpError(ErrorCode.InvalidParams, `Invalid params: ${ctx.method} needs a string "taskId"`);
    const record = await this.#manager.record(taskId);
    if (!record || record.principal !== ctx.principal || record.session !== sessionOf(conn, ctx)) {
      throw new McpError(ErrorCode.InvalidParams, `Invalid params: task not found (unknown or expired): ${echo(taskId)}`, { taskId: echo(taskId) });
    }
    return record;
  }

  /** `tasks/get`: the task's current state. */
  async get(conn: ServerConnection, params: JsonObject | undefined, ctx: ServerRequestContext): Promise<JsonObject> {
    return legacyTask(await this.#lookup(conn, params, ctx));
  }

  /**
   * `tasks/result`: waits until the task is terminal, then returns the tool result (with the related-task
   * `_meta`), or the JSON-RPC error the call ended with; a cancelled task answers -32603.
   */
  async result(conn: ServerConnection, params: JsonObject | undefined, ctx: ServerRequestContext): Promise<JsonObject> {
    let record = await this.#lookup(conn, params, ctx);
    while (!isTerminalStatus(record.status)) {
      await this.#changed(record, ctx.signal);
      record = await this.#lookup(conn, params, ctx);
    }
    const related = { [RELATED_TASK_META]: { taskId: record.taskId } };
    if (record.result) {
      const meta = record.result._meta;
      return { ...record.result, _meta: { ...(typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? meta : {}), ...related } };
    }
    if (record.status === 'failed' && record.error) throw new McpError(record.error.code, record.error.message, record.error.data);
    throw new McpError(ErrorCode.InternalError, `Internal error: task ${record.taskId} was ${record.status}; it has no result`, { taskId: record.taskId, status: record.status });
  }

  /** Resolves on the next change of a task: heard in this process, else by polling the store. */
  #changed(record: TaskRecord, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const manager = this.#manager;
      const done = (): void => {
        stop();
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        stop();
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new VeloError('VELO_REQUEST_CANCELLED', 'tasks/result cancelled'));
      };
      const stop = manager.watch(record.taskId, done);
      // A task running on another node changes only in the shared store: look again every poll interval.
      const timer = setTimeout(done, manager.liveTask(record.taskId) ? 60_000 : Math.max(50, record.pollIntervalMs ?? 1000));
      timer.unref();
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** `tasks/list`: this session's tasks, oldest first, in pages of `McpServerOptions.pageSize` (default 100). */
  async list(conn: ServerConnection, params: JsonObject | undefined, ctx: ServerRequestContext): Promise<JsonObject> {
    if (!offered(this.#core, ctx)) throw notOffered(ctx.method);
    const cursor = params?.cursor;
    let after = 0;
    if (cursor !== undefined) {
      const text = typeof cursor === 'string' && cursor.length <= 24 ? Buffer.from(cursor, 'base64url').toString('latin1') : '';
      // Strict: only cursors this server issued (the decoder alone would accept trailing garbage).
      const m = Buffer.from(text, 'latin1').toString('base64url') === cursor ? /^t(\d{1,16})$/.exec(text) : null;
      if (!m) throw new McpError(ErrorCode.InvalidParams, `Invalid params: invalid tasks/list cursor ${echo(String(cursor))}`);
      after = Number(m[1]);
    }
    const session = sessionOf(conn, ctx);
    const store = this.#manager.store;
    // A shared store lists the tasks the session created on every node; else this process's own index.
    const ids = store.listSession ? new Map(await store.listSession(session)) : this.#bySession.get(session);
    const page = this.#core.pageSize > 0 ? this.#core.pageSize : DEFAULT_PAGE;
    const tasks: JsonObject[] = [];
    let lastSeq = 0;
    let more = false;
    if (ids) {
      for (const [taskId, seq] of [...ids]) {
        if (seq <= after) continue;
        if (tasks.length >= page) {
          more = true;
          break;
        }
        const record = await this.#manager.record(taskId);
        if (!record || record.principal !== ctx.principal || record.session !== session) {
          ids.delete(taskId); // expired or evicted: forgotten
          continue;
        }
        tasks.push(legacyTask(record));
        lastSeq = seq;
      }
      if (ids.size === 0 && !store.listSession) this.#bySession.delete(session);
    }
    const out: JsonObject = { tasks };
    if (more) out.nextCursor = Buffer.from(`t${lastSeq}`, 'latin1').toString('base64url');
    return out;
  }

  /** `tasks/cancel`: aborts the task's handler (`ctx.signal`) and answers the cancelled task; -32602 when already terminal. */
  async cancel(conn: ServerConnection, params: JsonObject | undefined, ctx: ServerRequestContext): Promise<JsonObject> {
    const record = await this.#lookup(conn, params, ctx);
    if (isTerminalStatus(record.status)) {
      throw new McpError(ErrorCode.InvalidParams, `Invalid params: cannot cancel task ${record.taskId}: it is already ${record.status}`, { taskId: record.taskId, status: record.status });
    }
    return legacyTask(await this.#manager.cancelRecord(record));
  }
}
