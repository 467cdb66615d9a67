/**
 * Where task state lives (tasks extension `io.modelcontextprotocol/tasks`, SEP-2663): the {@link TaskStore}
 * interface and its bounded in-memory default. Every method is asynchronous so that a shared store (Redis,
 * a database) can sit behind the same interface; `create` must not resolve before a `get` for the same id
 * would find the record ("durably created", ext-tasks `specification/draft/tasks.md`).
 */
import type { JsonObject } from '../../jsonrpc/message.js';
import type { JsonRpcErrorObject } from '../../jsonrpc/errors.js';
import type { InputRequests } from '../input.js';

/** The status of a task. `completed`, `failed` and `cancelled` are terminal. */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

/** True for the terminal statuses. */
export function isTerminalStatus(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/**
 * One task as stored: the wire `DetailedTask` fields plus who owns it. A store keeps records opaque and
 * returns them as given; it never interprets anything but `taskId` and the expiry.
 */
export interface TaskRecord {
  /** Unguessable id (a random UUID); also the `Mcp-Name` routing key on HTTP. */
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  /** ISO-8601 timestamps. */
  createdAt: string;
  lastUpdatedAt: string;
  /** Lifetime from `createdAt` in integer milliseconds; `null` means unlimited. */
  ttlMs: number | null;
  /** Suggested polling interval in integer milliseconds. */
  pollIntervalMs?: number;
  /** Outstanding input requests while `input_required`. */
  inputRequests?: InputRequests;
  /** The request's result once `completed` (tool errors included, as `isError` results). */
  result?: JsonObject;
  /** The JSON-RPC error once `failed`. */
  error?: JsonRpcErrorObject;
  /** The authenticated principal that created the task; only it may see or steer the task. */
  principal: string;
  /** The request method that created the task (`tools/call`). */
  method: string;
  /**
   * Set on 2025-11-25 tasks (legacy era) only: the legacy session that created the task (its session id, or
   * a per-connection id on stdio, WebSocket and TCP). Only that session, as the same principal, may see it.
   */
  session?: string;
}

/**
 * Storage of task records. Implementations must be safe to call concurrently and must drop records once
 * `ttlMs` has passed since `create` (a `get` after that resolves `undefined`).
 */
export interface TaskStore {
  /** Stores a new record; resolves once `get(record.taskId)` would find it. */
  create(record: TaskRecord): Promise<void>;
  /** The record, or undefined when unknown or expired. */
  get(taskId: string): Promise<TaskRecord | undefined>;
  /** Replaces an existing record (no-op when it is unknown or expired). */
  put(record: TaskRecord): Promise<void>;
  /** Removes a record; no-op when unknown. */
  delete(taskId: string): Promise<void>;
  /**
   * Optional: the tasks created by one 2025-11-25 session ({@link TaskRecord.session}), oldest first, as
   * `[taskId, order]` pairs whose `order` (a non-negative integer) grows with creation; at most the newest
   * {@link MAX_TASKS_PER_SESSION}. Expired or deleted tasks may still be listed (callers skip ids that `get`
   * does not find). A store shared by several processes implements it so that `tasks/list` answered by any
   * node or worker sees the session's tasks created on every other one (2025-11-25
   * `basic/utilities/tasks.mdx`, "Listing Tasks"); without it each process lists the tasks it created.
   */
  listSession?(session: string): Promise<[string, number][]>;
}

/** Tasks per session that {@link TaskStore.listSession} (and so `tasks/list`) remembers; older ones are forgotten. */
export const MAX_TASKS_PER_SESSION = 10_000;

/** Options of {@link InMemoryTaskStore}. */
export interface InMemoryTaskStoreOptions {
  /** Most records kept; when full, the oldest terminal record is evicted first. Default 10 000. */
  maxTasks?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

interface Slot {
  record: TaskRecord;
  expiresAt: number;
}

/**
 * The default {@link TaskStore}: a Map bounded by `maxTasks`, with lazy TTL expiry (checked on read, and
 * swept at most once a second on create). Per process only: use a shared store when several processes
 * serve one endpoint.
 */
export class InMemoryTaskStore implements TaskStore {
  readonly #slots = new Map<string, Slot>();
  /** Per legacy session: task id → creation order (see {@link TaskStore.listSession}). */
  readonly #bySession = new Map<string, Map<string, number>>();
  #order = 0;
  /** Ids of terminal records, oldest first: eviction picks from here in O(1). */
  readonly #terminal = new Set<string>();
  readonly #max: number;
  readonly #now: () => number;
  #lastSweep = 0;

  /** @throws RangeError when `maxTasks` is not a positive integer. */
  constructor(options: InMemoryTaskStoreOptions = {}) {
    const max = options.maxTasks ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxTasks must be a positive integer');
    this.#max = max;
    this.#now = options.now ?? Date.now;
  }

  /** Records held now (expired ones not yet swept included). */
  get size(): number {
    return this.#slots.size;
  }

  create(record: TaskRecord): Promise<void> {
    const now = this.#now();
    if (now - this.#lastSweep >= 1000) this.#sweep(now);
    if (this.#slots.size >= this.#max) this.#evict(now);
    this.#slots.set(record.taskId, { record, expiresAt: expiry(record, now) });
    this.#mark(record);
    if (record.session !== undefined) {
      let ids = this.#bySession.get(record.session);
      if (!ids) this.#bySession.set(record.session, (ids = new Map()));
      ids.set(record.taskId, ++this.#order);
      if (ids.size > MAX_TASKS_PER_SESSION) ids.delete(ids.keys().next().value as string);
    }
    return Promise.resolve();
  }

  listSession(session: string): Promise<[string, number][]> {
    const ids = this.#bySession.get(session);
    const out: [string, number][] = [];
    if (ids) for (const [taskId, order] of ids) if (this.#live(taskId)) out.push([taskId, order]);
    return Promise.resolve(out);
  }

  get(taskId: string): Promise<TaskRecord | undefined> {
    return Promise.resolve(this.#live(taskId)?.record);
  }

  put(record: TaskRecord): Promise<void> {
    const slot = this.#live(record.taskId);
    if (slot) {
      slot.record = record;
      this.#mark(record);
    }
    return Promise.resolve();
  }

  delete(taskId: string): Promise<void> {
    this.#remove(taskId);
    return Promise.resolve();
  }

  #mark(record: TaskRecord): void {
    if (isTerminalStatus(record.status)) this.#terminal.add(record.taskId);
    else this.#terminal.delete(record.taskId);
  }

  #remove(taskId: string): void {
    const session = this.#slots.get(taskId)?.record.session;
    if (session !== undefined) {
      const ids = this.#bySession.get(session);
      ids?.delete(taskId);
      if (ids?.size === 0) this.#bySession.delete(session);
    }
    this.#slots.delete(taskId);
    this.#terminal.delete(taskId);
  }

  #live(taskId: string): Slot | undefined {
    const slot = this.#slots.get(taskId);
    if (slot && slot.expiresAt <= this.#now()) {
      this.#remove(taskId);
      return undefined;
    }
    return slot;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [id, slot] of this.#slots) if (slot.expiresAt <= now) this.#remove(id);
  }

  /**
   * Makes room for one record: expired ones (swept at most once a second), then the oldest terminal one,
   * then the oldest of all. O(1) between sweeps, so a full store does not cost a scan per create.
   */
  #evict(now: number): void {
    if (now - this.#lastSweep >= 1000) this.#sweep(now);
    if (this.#slots.size < this.#max) return;
    const terminal = this.#terminal.values().next();
    if (!terminal.done) {
      this.#remove(terminal.value);
      return;
    }
    const oldest = this.#slots.keys().next();
    if (!oldest.done) this.#remove(oldest.value);
  }
}

function expiry(record: TaskRecord, now: number): number {
  return record.ttlMs === null ? Infinity : now + record.ttlMs;
}
