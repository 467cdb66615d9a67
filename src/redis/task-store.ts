/**
 * A {@link TaskStore} in Redis (tasks extension `io.modelcontextprotocol/tasks`): one key per task
 * (`<prefix>task:<id>`, the record as JSON) expiring `ttlMs` after `create`, and a sorted set
 * (`<prefix>tasks`) by creation that bounds the store to `maxTasks` (the oldest goes first). `create` is one
 * script and resolves only once Redis holds the record, so a `tasks/get` on any node finds it; `put`
 * replaces a live record and keeps its expiry (`SET … XX KEEPTTL`). A 2025-11-25 session's tasks are also
 * listed in a sorted set per session (`<prefix>tasks:s:<session>`, scored by creation, at most
 * `MAX_TASKS_PER_SESSION`, expiring with its longest-lived task; script `veloTaskIndex`) for `tasks/list` on
 * any node.
 */
import { VeloError } from '../jsonrpc/errors.js';
import { MAX_TASKS_PER_SESSION, type TaskRecord, type TaskStore } from '../server/tasks/store.js';
import type { RedisConnection } from './connection.js';
import { runScript } from './scripts.js';

/** Options of {@link RedisTaskStore}. */
export interface RedisTaskStoreOptions {
  /** The connection (see `connectRedis`); not closed by the store. */
  connection: RedisConnection;
  /** Most task records over every node (default 10 000). */
  maxTasks?: number;
}

/** See the module comment. */
export class RedisTaskStore implements TaskStore {
  readonly #conn: RedisConnection;
  readonly #max: number;
  readonly #index: string;

  /** @param options - See {@link RedisTaskStoreOptions}. @throws VeloError `VELO_INVALID_CONFIG` when `maxTasks` is not a positive integer. */
  constructor(options: RedisTaskStoreOptions) {
    const max = options.maxTasks ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new VeloError('VELO_INVALID_CONFIG', `RedisTaskStore: maxTasks must be a positive integer, got ${String(max)}`);
    this.#conn = options.connection;
    this.#max = max;
    this.#index = this.#conn.key('tasks');
  }

  #key(taskId: string): string {
    return this.#conn.key(`task:${taskId}`);
  }

  #sessionKey(session: string): string {
    return this.#conn.key(`tasks:s:${session}`);
  }

  async create(record: TaskRecord): Promise<void> {
    const ttl = record.ttlMs === null ? '' : String(Math.max(1, Math.ceil(record.ttlMs)));
    await this.#conn.run((c) => runScript(c, 'veloTaskCreate', [this.#index, this.#key(record.taskId)], [record.taskId, JSON.stringify(record), ttl, this.#max]));
    const session = record.session;
    if (session !== undefined) await this.#conn.run((c) => runScript(c, 'veloTaskIndex', [this.#sessionKey(session)], [record.taskId, ttl, MAX_TASKS_PER_SESSION]));
  }

  async listSession(session: string): Promise<[string, number][]> {
    const flat = await this.#conn.run((c) => c.zrange(this.#sessionKey(session), '0', '-1', 'WITHSCORES'));
    const out: [string, number][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, Number(flat[i + 1])]);
    return out;
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    const v = await this.#conn.run((c) => c.get(this.#key(taskId)));
    return v === null ? undefined : (JSON.parse(v) as TaskRecord);
  }

  async put(record: TaskRecord): Promise<void> {
    await this.#conn.run((c) => c.set(this.#key(record.taskId), JSON.stringify(record), 'KEEPTTL', 'XX'));
  }

  async delete(taskId: string): Promise<void> {
    await this.#conn.run((c) => c.multi().unlink(this.#key(taskId)).zrem(this.#index, taskId).exec());
  }
}
