/**
 * @internal The tasks runtime (extension `io.modelcontextprotocol/tasks`, SEP-2663; ext-tasks
 * `specification/draft/tasks.md`): creates tasks for `tools/call`, runs their handlers in the background,
 * serves `tasks/get`, `tasks/update` and `tasks/cancel`, and pushes `notifications/tasks` to listen streams
 * that asked for a task's id.
 *
 * Tasks outlive the request (and, over HTTP, the connection) that created them, so the runtime belongs to
 * the server, not to a connection. Records go through a {@link TaskStore}; the handles of tasks running in
 * this process (abort controller, pending input) stay here.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../jsonrpc/codes.js';
import { McpError, VeloError, type JsonRpcErrorObject } from '../../jsonrpc/errors.js';
import type { JsonObject } from '../../jsonrpc/message.js';
import { MetaKey } from '../../protocol/meta.js';
import type { ClientCapabilities, InputRequest } from '../../protocol/types.js';
import { missingCapability, type ServerRequestContext } from '../context.js';
import type { ListenSubscription } from '../core.js';
import { InputRequiredSignal, isInputRequired, type InputRequests, type InputResponses } from '../input.js';
import { InMemoryTaskStore, isTerminalStatus, type TaskRecord, type TaskStore } from './store.js';
import { TaskContext } from './context.js';

export { TASKS_EXTENSION, hasTasksExtension, missingTasksExtension, type TasksOptions, type ToolTaskOptions, type ToolTaskSpec } from './options.js';
import { hasTasksExtension, missingTasksExtension, type TasksOptions, type ToolTaskSpec } from './options.js';

/** @internal Runs a tool handler through the tools/call pipeline (validation done, output checks included). */
export type ToolInvoker = (ctx: ServerRequestContext | TaskContext) => unknown;

/** @internal One `ctx.input()` call waiting inside a task. */
interface InputRound {
  remaining: number;
  answers: InputResponses;
  resolve(answers: InputResponses): void;
  reject(reason: unknown): void;
}

/** @internal A task running in this process. */
export interface LiveTask {
  record: TaskRecord;
  readonly controller: AbortController;
  /** Outstanding input requests by wire key. */
  readonly pending: Map<string, { request: InputRequest; key: string; round: InputRound }>;
  /** Every key issued so far (keys are unique over a task's lifetime). */
  readonly issued: Set<string>;
  timer: NodeJS.Timeout | undefined;
  /** Store writes, in order. */
  writes: Promise<void>;
  /** 2025-11-25 task (legacy era): a tool result with `isError: true` ends it `failed` (basic/utilities/tasks.mdx). */
  legacy?: boolean;
}

/** @internal Hears every state change of one task (`undefined`: it expired and is gone). */
export type TaskWatcher = (record: TaskRecord | undefined) => void;

/** @internal What a legacy-era (2025-11-25) task adds to {@link TaskManager.create}. */
export interface CreateExtras {
  /** The lifetime granted, instead of the tool's or server's. */
  ttlMs?: number | null;
  /** The legacy session the task is bound to (see {@link TaskRecord.session}). */
  session?: string;
}

/**
 * @internal Routing of task operations between the processes of a cluster (set by `src/cluster/tasks.ts`;
 * absent in one process).
 */
export interface TaskRemote {
  /** `tasks/update` (`params.inputResponses`) or `tasks/cancel` of a task that does not run in this process. */
  forward(op: 'update' | 'cancel', record: TaskRecord, params: JsonObject): void | Promise<void>;
  /** A task running here changed: for the listen streams of other processes. */
  changed(record: TaskRecord): void;
}

interface TaskListener {
  sub: ListenSubscription;
  principal: string;
}

const DEFAULT_TTL_MS = 3_600_000;
/** The refusal of a task past `maxLiveTasksPerPrincipal` (implementation-defined range, as the transports' refusals). */
const TASK_QUOTA_CODE = -32000;
const DEFAULT_POLL_MS = 1000;

/** @internal */
export class TaskManager {
  readonly store: TaskStore;
  readonly #ttlMs: number | null;
  readonly #pollIntervalMs: number;
  readonly #maxInputRounds: number;
  readonly #live = new Map<string, LiveTask>();
  /** Running tasks per principal. */
  readonly #livePerPrincipal = new Map<string, number>();
  readonly #maxLivePerPrincipal: number;
  readonly #listeners = new Map<string, Set<TaskListener>>();
  readonly #watchers = new Map<string, Set<TaskWatcher>>();
  /** @internal Set by a cluster: operations on tasks running in other processes. */
  remote: TaskRemote | undefined;

  constructor(options: TasksOptions, maxInputRounds: number) {
    this.store = options.store ?? new InMemoryTaskStore(options.maxTasks === undefined ? {} : { maxTasks: options.maxTasks });
    this.#ttlMs = options.ttlMs === undefined ? DEFAULT_TTL_MS : options.ttlMs;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.#maxInputRounds = maxInputRounds;
    this.#maxLivePerPrincipal = options.maxLiveTasksPerPrincipal ?? 1000;
  }

  /** Tasks running in this process. */
  get running(): number {
    return this.#live.size;
  }

  /** @internal The server-wide task lifetime (`TasksOptions.ttlMs`), in ms; null: unlimited. */
  get defaultTtlMs(): number | null {
    return this.#ttlMs;
  }

  /** @internal The task with this id when it runs in this process. */
  liveTask(taskId: string): LiveTask | undefined {
    return this.#live.get(taskId);
  }

  /** @internal The freshest record of a task: this process's state first, else the store's. */
  async record(taskId: string): Promise<TaskRecord | undefined> {
    return this.#live.get(taskId)?.record ?? (await this.store.get(taskId));
  }

  /**
   * @internal Calls `fn` on every state change of task `taskId` (and with undefined when it expires), in this
   * process; returns the function that stops it.
   */
  watch(taskId: string, fn: TaskWatcher): () => void {
    let set = this.#watchers.get(taskId);
    if (!set) this.#watchers.set(taskId, (set = new Set()));
    set.add(fn);
    return () => {
      const s = this.#watchers.get(taskId);
      s?.delete(fn);
      if (s?.size === 0) this.#watchers.delete(taskId);
    };
  }

  /**
   * @internal Runs a tool handler as the created task `live`: it starts after the current microtask (so the
   * CreateTaskResult is built first), and its outcome settles the task.
   */
  run(live: LiveTask, tctx: TaskContext, invoke: ToolInvoker): void {
    queueMicrotask(() => {
      let out: unknown;
      try {
        out = invoke(tctx);
      } catch (err) {
        this.#settleError(live, err);
        return;
      }
      this.#drive(live, tctx, invoke, out);
    });
  }

  /**
   * `tools/call` of a tool with task support. Modern-era clients that declared the extension get a task;
   * everyone else gets an ordinary call (a `required` tool was already refused with -32021 in the modern era).
   */
  callTool(spec: ToolTaskSpec, ctx: ServerRequestContext, invoke: ToolInvoker): unknown {
    if (ctx.era !== 'modern' || !hasTasksExtension(ctx.clientCapabilities)) return invoke(ctx);
    if (!spec.onDemand) {
      return this.create(ctx, spec).then((live) => {
        const tctx = new TaskContext(ctx, this, spec);
        tctx.attach(live);
        // The handler starts after the CreateTaskResult is built, so that result never carries an outcome.
        this.run(live, tctx, invoke);
        return createTaskResult(live.record);
      });
    }
    return new Promise((resolve, reject) => {
      const tctx = new TaskContext(ctx, this, spec);
      tctx.onStart = (live) => resolve(createTaskResult(live.record));
      let out: unknown;
      try {
        out = invoke(tctx);
      } catch (err) {
        tctx.release();
        reject(err);
        return;
      }
      Promise.resolve(out).then(
        (r) => {
          const live = tctx.live;
          if (live) this.#drive(live, tctx, invoke, r);
          else {
            tctx.release();
            resolve(r);
          }
        },
        (e: unknown) => {
          const live = tctx.live;
          if (live) this.#settleError(live, e);
          else {
            tctx.release();
            reject(e);
          }
        },
      );
    });
  }

  /** @internal Creates and stores a task record for a request; resolves once it is durable. */
  async create(ctx: ServerRequestContext, spec: ToolTaskSpec, extras?: CreateExtras): Promise<LiveTask> {
    const count = this.#livePerPrincipal.get(ctx.principal) ?? 0;
    if (count >= this.#maxLivePerPrincipal) {
      throw new McpError(TASK_QUOTA_CODE, `Too many running tasks: this principal already has ${this.#maxLivePerPrincipal} (maxLiveTasksPerPrincipal); wait for one to finish or cancel one`);
    }
    // Counted before the store is awaited, so concurrent creates cannot overshoot the bound.
    this.#livePerPrincipal.set(ctx.principal, count + 1);
    const now = new Date().toISOString();
    const ttlMs = extras?.ttlMs !== undefined ? extras.ttlMs : spec.ttlMs === undefined ? this.#ttlMs : spec.ttlMs;
    const record: TaskRecord = {
      taskId: randomUUID(),
      status: 'working',
      createdAt: now,
      lastUpdatedAt: now,
      ttlMs,
      pollIntervalMs: spec.pollIntervalMs ?? this.#pollIntervalMs,
      principal: ctx.principal,
      method: ctx.method,
    };
    if (extras?.session !== undefined) record.session = extras.session;
    try {
      await this.store.create({ ...record });
    } catch (err) {
      this.#uncount(ctx.principal);
      throw err;
    }
    const live: LiveTask = { record, controller: new AbortController(), pending: new Map(), issued: new Set(), timer: undefined, writes: Promise.resolve() };
    if (extras?.session !== undefined) live.legacy = true;
    this.#live.set(record.taskId, live);
    if (ttlMs !== null) {
      live.timer = setTimeout(() => this.#expire(live), ttlMs);
      live.timer.unref();
    }
    return live;
  }

  /** Feeds a handler outcome into its task: re-runs on `inputRequired` results, else settles. */
  #drive(live: LiveTask, tctx: TaskContext, invoke: ToolInvoker, out: unknown): void {
    void (async () => {
      let result = await out;
      for (let round = 0; isInputRequired(result); round++) {
        if (round >= this.#maxInputRounds) throw new McpError(ErrorCode.InternalError, `Internal error: the task needed more than ${this.#maxInputRounds} input rounds`);
        tctx.roundResponses = result.inputRequests ? await tctx.input(result.inputRequests) : {};
        tctx.roundState = result.requestState;
        result = await invoke(tctx);
      }
      return result;
    })().then(
      (r) => this.#settleResult(live, r),
      (e: unknown) => this.#settleError(live, e),
    );
  }

  #settleResult(live: LiveTask, result: unknown): void {
    if (isTerminalStatus(live.record.status)) return;
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      this.#settleError(live, new McpError(ErrorCode.InternalError, 'Internal error: the task handler returned no result object'));
      return;
    }
    const r = live.record;
    r.status = 'completed';
    r.result = result as JsonObject;
    if (live.legacy && (result as JsonObject).isError === true) {
      // 2025-11-25: a tool error ends the task failed; tasks/result still returns the result as it is.
      r.status = 'failed';
      const first = (result as { content?: { type?: string; text?: string }[] }).content?.[0];
      r.statusMessage = `Tool execution failed${first?.type === 'text' && typeof first.text === 'string' ? `: ${first.text}` : ''}`;
    }
    delete r.inputRequests;
    this.#finish(live);
  }

  #settleError(live: LiveTask, err: unknown): void {
    if (isTerminalStatus(live.record.status)) return;
    let error: JsonRpcErrorObject;
    if (err instanceof McpError) error = err.toJSON();
    else if (err instanceof InputRequiredSignal) error = { code: ErrorCode.InternalError, message: 'Internal error: input was requested outside the task' };
    else error = { code: ErrorCode.InternalError, message: `Internal error: ${err instanceof Error ? err.message : String(err)}` };
    const r = live.record;
    r.status = 'failed';
    r.error = error;
    r.statusMessage = error.message;
    delete r.inputRequests;
    this.#finish(live);
  }

  /** Ends a task that reached a terminal status: rejects waiting input, stores, notifies, forgets it locally. */
  #finish(live: LiveTask, reason?: unknown): void {
    if (live.timer) clearTimeout(live.timer);
    live.timer = undefined;
    const waiting = new Set([...live.pending.values()].map((p) => p.round));
    live.pending.clear();
    const why = reason ?? new VeloError('VELO_REQUEST_CANCELLED', `Task ${live.record.status}`);
    for (const round of waiting) round.reject(why);
    this.#commit(live).then(
      () => this.#forget(live),
      () => this.#forget(live),
    );
  }

  #forget(live: LiveTask): void {
    if (this.#live.get(live.record.taskId) === live) this.#drop(live);
  }

  /** Removes a task from the running set and its principal's count. */
  #drop(live: LiveTask): void {
    if (this.#live.delete(live.record.taskId)) this.#uncount(live.record.principal);
  }

  #uncount(principal: string): void {
    const n = (this.#livePerPrincipal.get(principal) ?? 1) - 1;
    if (n <= 0) this.#livePerPrincipal.delete(principal);
    else this.#livePerPrincipal.set(principal, n);
  }

  #expire(live: LiveTask): void {
    live.timer = undefined;
    if (isTerminalStatus(live.record.status)) return;
    const reason = new VeloError('VELO_REQUEST_CANCELLED', 'Task expired');
    // Terminal from here on, so the aborted handler's late outcome is dropped; the record is deleted.
    live.record.status = 'failed';
    live.record.error = { code: ErrorCode.InternalError, message: 'Internal error: task expired' };
    live.controller.abort(reason);
    for (const p of live.pending.values()) p.round.reject(reason);
    live.pending.clear();
    this.#drop(live);
    void this.store.delete(live.record.taskId).catch(() => {});
    const watchers = this.#watchers.get(live.record.taskId);
    if (watchers) for (const w of [...watchers]) w(undefined);
  }

  /** Stamps, stores (in order) and notifies the current state of a live task. */
  #commit(live: LiveTask): Promise<void> {
    const r = live.record;
    r.lastUpdatedAt = new Date().toISOString();
    const snapshot = { ...r };
    live.writes = live.writes.then(
      () => this.store.put(snapshot),
      () => this.store.put(snapshot),
    );
    this.#notify(snapshot);
    return live.writes;
  }

  /**
   * @internal Moves a running task between `working` and `input_required` (legacy era: while server→client
   * requests of the task wait for answers).
   */
  setStatus(live: LiveTask, status: 'working' | 'input_required'): void {
    if (isTerminalStatus(live.record.status) || live.record.status === status) return;
    live.record.status = status;
    void this.#commit(live).catch(() => {});
  }

  /** @internal Updates the status message of a running task (from `ctx.progress(…, message)`). */
  setStatusMessage(live: LiveTask, message: string): void {
    if (isTerminalStatus(live.record.status) || live.record.statusMessage === message) return;
    live.record.statusMessage = message;
    void this.#commit(live).catch(() => {});
  }

  /**
   * @internal `ctx.input()` inside a task: publishes the requests as `input_required` and resolves with the
   * answers, keyed like `requests`, once `tasks/update` has delivered all of them.
   */
  input(live: LiveTask, requests: InputRequests, caps: ClientCapabilities): Promise<InputResponses> {
    if (isTerminalStatus(live.record.status)) return Promise.reject(new VeloError('VELO_REQUEST_CANCELLED', `Task ${live.record.status}`));
    const keys = Object.keys(requests);
    for (const k of keys) {
      const missing = missingCapability(requests[k] as InputRequest, caps);
      if (missing) {
        return Promise.reject(
          new McpError(ErrorCode.MissingRequiredClientCapability, `The client did not declare the capability ${Object.keys(missing)[0]} that this request needs`, {
            requiredCapabilities: missing,
          }),
        );
      }
    }
    if (keys.length === 0) return Promise.resolve({});
    return new Promise((resolve, reject) => {
      const round: InputRound = { remaining: keys.length, answers: {}, resolve, reject };
      for (const key of keys) {
        let wire = key;
        for (let n = 2; live.issued.has(wire); n++) wire = `${key}#${n}`;
        live.issued.add(wire);
        live.pending.set(wire, { request: requests[key] as InputRequest, key, round });
      }
      this.#publishInput(live);
    });
  }

  #publishInput(live: LiveTask): void {
    const r = live.record;
    if (live.pending.size === 0) {
      r.status = 'working';
      delete r.inputRequests;
    } else {
      r.status = 'input_required';
      const requests: InputRequests = {};
      for (const [wire, p] of live.pending) requests[wire] = p.request;
      r.inputRequests = requests;
    }
    void this.#commit(live).catch(() => {});
  }

  // ----- the tasks/* methods -----

  /** `tasks/get`: the DetailedTask. */
  async get(params: JsonObject | undefined, ctx: ServerRequestContext): Promise<JsonObject> {
    const record = await this.#lookup(params, ctx, 'tasks/get');
    return detailedTask(record);
  }

  /** `tasks/update`: delivers input responses; unknown or already answered keys are ignored. */
  async update(params: JsonObject | undefined, ctx: ServerRequestContext): Promise<JsonObject> {
    if (!hasTasksExtension(ctx.clientCapabilities)) throw missingTasksExtension('tasks/update');
    const responses = params?.inputResponses;
    if (typeof responses !== 'object' || responses === null || Array.isArray(responses)) {
      throw new McpError(ErrorCode.InvalidParams, 'Invalid params: tasks/update needs an "inputResponses" object');
    }
    const record = await this.#lookup(params, ctx, 'tasks/update');
    const live = this.#live.get(record.taskId);
    const given = responses as JsonObject;
    const open = live ? live.pending : new Map(Object.entries(record.inputRequests ?? {}));
    for (const [wire, answer] of Object.entries(given)) {
      if (open.has(wire) && (typeof answer !== 'object' || answer === null || Array.isArray(answer))) {
        throw new McpError(ErrorCode.InvalidParams, `Invalid params: inputResponses["${wire}"] must be an object (an ElicitResult, CreateMessageResult or ListRootsResult)`);
      }
    }
    if (!live) {
      if (this.remote && !isTerminalStatus(record.status)) await this.remote.forward('update', record, { inputResponses: given });
      return {};
    }
    if (!isTerminalStatus(live.record.status)) this.#deliver(live, given);
    return {};
  }

  /** Hands input responses to the rounds of a task running here that wait for them. */
  #deliver(live: LiveTask, given: JsonObject): void {
    const done: InputRound[] = [];
    let answered = false;
    for (const [wire, answer] of Object.entries(given)) {
      const p = live.pending.get(wire);
      if (!p) continue;
      answered = true;
      live.pending.delete(wire);
      p.round.answers[p.key] = answer as JsonObject;
      if (--p.round.remaining === 0) done.push(p.round);
    }
    if (answered) this.#publishInput(live);
    for (const round of done) round.resolve(round.answers);
  }

  /**
   * @internal An operation another process forwarded (see {@link TaskRemote}); applied when the task runs
   * here and is not terminal, else ignored (false).
   */
  receive(op: 'update' | 'cancel', taskId: string, params: JsonObject): boolean {
    const live = this.#live.get(taskId);
    if (!live || isTerminalStatus(live.record.status)) return false;
    if (op === 'cancel') this.#cancelLive(live);
    else {
      const given = params.inputResponses;
      if (typeof given !== 'object' || given === null || Array.isArray(given)) return false;
      for (const [wire, answer] of Object.entries(given)) if (live.pending.has(wire) && (typeof answer !== 'object' || answer === null || Array.isArray(answer))) return false;
      this.#deliver(live, given as JsonObject);
    }
    return true;
  }

  /** @internal A change of a task running in another process, for this process's listen streams. */
  deliverChange(record: TaskRecord): void {
    this.#fireWatchers(record);
    this.#notifyHere(record);
  }

  /** `tasks/cancel`: cooperative; a terminal task is left as it is (idempotent ack). */
  async cancel(params: JsonObject | undefined, ctx: ServerRequestContext): Promise<JsonObject> {
    const record = await this.#lookup(params, ctx, 'tasks/cancel');
    if (isTerminalStatus(record.status)) return {};
    await this.cancelRecord(record);
    return {};
  }

  /** @internal Cancels a task that is not terminal; resolves with its cancelled record. */
  async cancelRecord(record: TaskRecord, why = 'Cancelled by the client'): Promise<TaskRecord> {
    const live = this.#live.get(record.taskId);
    if (live) {
      this.#cancelLive(live, why);
      return { ...live.record };
    }
    // Running elsewhere or orphaned by a restart: record the cancellation.
    const r: TaskRecord = { ...record, status: 'cancelled', statusMessage: why, lastUpdatedAt: new Date().toISOString() };
    delete r.inputRequests;
    await this.store.put(r);
    if (this.remote) {
      // The process running it stops it and notifies every listen stream; waiters here learn it now.
      await this.remote.forward('cancel', record, {});
      this.#fireWatchers(r);
    } else this.#notify(r);
    return r;
  }

  #cancelLive(live: LiveTask, why = 'Cancelled by the client'): void {
    const reason = new VeloError('VELO_REQUEST_CANCELLED', `Task cancelled: ${why}`);
    const r = live.record;
    r.status = 'cancelled';
    r.statusMessage = why;
    delete r.inputRequests;
    live.controller.abort(reason);
    this.#finish(live, reason);
  }

  /** Validates a tasks/* request and finds its task (local state first: it is the freshest). */
  async #lookup(params: JsonObject | undefined, ctx: ServerRequestContext, method: string): Promise<TaskRecord> {
    if (!hasTasksExtension(ctx.clientCapabilities)) throw missingTasksExtension(method);
    const taskId = params?.taskId;
    if (typeof taskId !== 'string') throw new McpError(ErrorCode.InvalidParams, `Invalid params: ${method} needs a string "taskId"`);
    const record = this.#live.get(taskId)?.record ?? (await this.store.get(taskId));
    // Another principal's task (or a legacy session's) is reported exactly like an unknown one.
    if (!record || record.principal !== ctx.principal || record.session !== undefined) {
      throw new McpError(ErrorCode.InvalidParams, `Invalid params: unknown or expired task ${JSON.stringify(taskId)}`, { taskId });
    }
    return record;
  }

  // ----- notifications/tasks through subscriptions/listen -----

  /**
   * @internal Subscribes a listen stream to the given task ids; returns the function that unsubscribes.
   * Notifications go only to streams opened by the task's principal.
   */
  subscribe(taskIds: readonly string[], sub: ListenSubscription, principal: string): () => void {
    const listener: TaskListener = { sub, principal };
    for (const id of taskIds) {
      let set = this.#listeners.get(id);
      if (!set) this.#listeners.set(id, (set = new Set()));
      set.add(listener);
    }
    return () => {
      for (const id of taskIds) {
        const set = this.#listeners.get(id);
        set?.delete(listener);
        if (set?.size === 0) this.#listeners.delete(id);
      }
    };
  }

  #notify(record: TaskRecord): void {
    this.#fireWatchers(record);
    this.remote?.changed(record);
    this.#notifyHere(record);
  }

  #fireWatchers(record: TaskRecord): void {
    const watchers = this.#watchers.get(record.taskId);
    if (watchers) for (const w of [...watchers]) w(record);
  }

  #notifyHere(record: TaskRecord): void {
    const set = this.#listeners.get(record.taskId);
    if (!set || set.size === 0) return;
    const body = JSON.stringify(detailedTask(record));
    const head = `{"jsonrpc":"2.0","method":"notifications/tasks","params":${body.slice(0, -1)},"_meta":{"${MetaKey.subscriptionId}":`;
    for (const l of set) if (l.principal === record.principal) l.sub.send(`${head}${l.sub.idJson}}}}`);
  }
}

/** The wire `Task` fields of a record. */
function taskFields(r: TaskRecord): JsonObject {
  const out: JsonObject = { taskId: r.taskId, status: r.status };
  if (r.statusMessage !== undefined) out.statusMessage = r.statusMessage;
  out.createdAt = r.createdAt;
  out.lastUpdatedAt = r.lastUpdatedAt;
  out.ttlMs = r.ttlMs;
  if (r.pollIntervalMs !== undefined) out.pollIntervalMs = r.pollIntervalMs;
  return out;
}

/** The `DetailedTask` of a record, as `tasks/get` and `notifications/tasks` carry it. */
export function detailedTask(r: TaskRecord): JsonObject {
  const out = taskFields(r);
  if (r.status === 'input_required' && r.inputRequests) out.inputRequests = r.inputRequests;
  else if (r.status === 'completed' && r.result) out.result = r.result;
  else if (r.status === 'failed' && r.error) out.error = r.error as unknown as JsonObject;
  return out;
}

/** The flat `CreateTaskResult` (`Result & Task`, `resultType: "task"`); never carries an outcome. */
function createTaskResult(r: TaskRecord): JsonObject {
  return { resultType: 'task', ...taskFields(r) };
}
