/**
 * A {@link TaskStore} in Redis (tasks extension `io.modelcontextprotocol/tasks`): one key per task
 * (`<prefix>task:<id>`, the record as JSON) expiring `ttlMs` after `create`, and a sorted set
 * (`<prefix>tasks`) by creation that bounds the store to `maxTasks` (the oldest goes first). `create` is one
 * script and resolves only once Redis holds the record, so a `tasks/get` on any node finds it; `put`
 * replaces a live record and keeps its expiry (`SET … XX KEEPTTL`).
 */
import { VeloError } from '../jsonrpc/errors.js';
import type { TaskRecord, TaskStore } from '../server/tasks/store.js';
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

  async create(record: TaskRecord): Promise<void> {
    const ttl = record.ttlMs === null ? '' : String(Math.max(1, Math.ceil(record.ttlMs)));
    await this.#conn.run((c) => runScript(c, 'veloTaskCreate', [this.#index, this.#key(record.taskId)], [record.taskId, JSON.stringify(record), ttl, this.#max]));
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
